// The typed outcome every Parley crypto operation that reads untrusted input returns instead of throwing.

/** Success carries its values beside `ok: true`; failure carries only a stable reason a client can show. */
export type Outcome<T extends object, R extends string> = ({ ok: true } & T) | { ok: false; reason: R };

export const fail = <R extends string>(reason: R): { ok: false; reason: R } => ({ ok: false, reason });
