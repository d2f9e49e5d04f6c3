// What the vector checkers share: the check callback's shape, field comparison, and the envelope loop (each
// vector recomputed and opened to its text, each rejection's altered envelope refused for its reason).

export type Check = (kind: string, name: string, run: () => string[] | Promise<string[]>) => Promise<void>;

/** The fields whose recomputed value differs from the frozen one. */
export const differs = <T extends object>(expected: T, actual: T, fields: (keyof T)[]): string[] =>
  fields.filter((f) => JSON.stringify(expected[f]) !== JSON.stringify(actual[f])).map((f) => `${String(f)} differs`);

type Opened = { ok: true; text: string } | { ok: false; reason: string };

interface EnvelopeChecks<V, R> {
  kind: string;
  vectors: readonly V[];
  rejections: readonly R[];
  compute(v: V): V;
  /** Opens the vector's envelope, with the rejection's changes when given. */
  open(v: V, change?: R): Opened;
}

export async function checkEnvelopes<V extends { name: string; body: string; text: string }, R extends { name: string; of: string; reason: string }>(
  check: Check,
  { kind, vectors, rejections, compute, open }: EnvelopeChecks<V, R>,
): Promise<void> {
  for (const v of vectors) {
    await check(kind, v.name, () => {
      const problems = differs(v, compute(v), ['body']);
      const opened = open(v);
      if (!opened.ok) return [...problems, `body does not open: ${opened.reason}`];
      if (opened.text !== v.text) problems.push('body opens to other text');
      return problems;
    });
  }
  for (const r of rejections) {
    await check(`${kind}Rejection`, r.name, () => {
      const base = vectors.find((v) => v.name === r.of);
      if (base === undefined) return [`no ${kind} vector named ${r.of}`];
      const out = open(base, r);
      if (out.ok) return ['opened although it must not'];
      return out.reason === r.reason ? [] : [`reason ${out.reason}, expected ${r.reason}`];
    });
  }
}
