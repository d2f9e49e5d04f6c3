// Vaults written in parts (putVault's `part`): held in memory per connection until the last part, within a
// bound per vault and a bound for the whole server.
import { ParleyError } from '../../shared/errors.js';
import { LIMITS, type RequestOf } from '../../shared/protocol.js';

/** A vault being written in parts on one connection: the parts so far, in order. */
interface PendingVault {
  version: number;
  count: number;
  parts: string[];
  /** The parts' characters together. */
  length: number;
}

/**
 * Characters of unfinished vaults the server holds at once, all connections together: 32 vaults of the
 * largest size. A vault's parts arrive together and are let go at its last one, so only a crowd of
 * writers (or someone opening many connections to hold parts) reaches it; they get SERVER_BUSY.
 */
export const MAX_HELD_CHARACTERS = 32 * LIMITS.vaultMaxLength;

/** How long a writer refused for the server-wide bound is asked to wait. */
const BUSY_RETRY_MS = 1_000;

export class VaultParts {
  readonly #pending = new Map<object, PendingVault>();
  #held = 0;

  constructor(private readonly maxHeld = MAX_HELD_CHARACTERS) {}

  /** Characters held now, all connections together. */
  get held(): number {
    return this.#held;
  }

  /** Whether `conn` holds parts of a vault. */
  holds(conn: object): boolean {
    return this.#pending.has(conn);
  }

  /**
   * The whole vault once its last part is in (or at once, for a vault in one frame); null while parts are held.
   * Any refusal drops what `conn` held, so a client that went wrong starts again from the first part. Synchronous,
   * so parts sent at once are each checked against the bounds in arrival order.
   */
  take(conn: object, request: RequestOf<'putVault'>): string | null {
    const { part, version, vault: text } = request;
    const held = this.#pending.get(conn);
    // A whole vault, or a first part, replaces any unfinished one: that version is gone.
    if (!part || part.index === 0) this.drop(conn);
    if (!part) return text;
    if (part.count > LIMITS.vaultMaxParts) {
      this.drop(conn);
      throw new ParleyError('VAULT_TOO_LARGE', `A vault is written in at most ${LIMITS.vaultMaxParts} parts; nothing was stored.`);
    }
    const pending = part.index === 0 ? { version, count: part.count, parts: [], length: 0 } : held;
    if (!pending || pending.version !== version || pending.count !== part.count || pending.parts.length !== part.index) {
      this.drop(conn);
      throw new ParleyError('VAULT_PART_OUT_OF_ORDER');
    }
    if (pending.length + text.length > LIMITS.vaultMaxLength) {
      this.drop(conn);
      throw new ParleyError('VAULT_TOO_LARGE', `A vault is at most ${LIMITS.vaultMaxLength.toLocaleString('en-US')} characters; nothing was stored.`);
    }
    if (part.index < part.count - 1 && this.#held + text.length > this.maxHeld) {
      this.drop(conn);
      throw new ParleyError('SERVER_BUSY', 'Too many vaults are being written at once; nothing was stored. Try again shortly.', { retryAfterMs: BUSY_RETRY_MS });
    }
    pending.parts.push(text);
    if (part.index === part.count - 1) {
      this.drop(conn);
      return pending.parts.join('');
    }
    pending.length += text.length;
    this.#held += text.length;
    this.#pending.set(conn, pending);
    return null;
  }

  /** Lets go of the parts `conn` holds: a logout, a disconnect, a refusal, or the vault is whole. */
  drop(conn: object): void {
    const pending = this.#pending.get(conn);
    if (!pending) return;
    this.#held -= pending.length;
    this.#pending.delete(conn);
  }
}
