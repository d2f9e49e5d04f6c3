// The allocator setting that lets the server give back the memory of argon2id hashes, and a check that it is on.
//
// Each hash allocates 19 MiB on a thread-pool thread. glibc serves the first such block with mmap, and
// when it is freed raises its mmap threshold to that size (its "dynamic threshold", mallopt(3)); every
// later block then comes from the thread's arena, which keeps the freed memory. After a login wave the
// server held ~100 MiB it never used again (four thread-pool threads × one hash's worth, and more).
// A fixed threshold turns the dynamic one off: blocks of 1 MiB and more are always mmapped and unmapped
// when freed. A fresh mapping costs a page fault per 4 KiB page touched, and on this VM that made each
// hash three times slower (28 → 85 ms at four at once on one core); glibc.malloc.hugetlb=1 asks for
// transparent huge pages on those mappings (madvise), which brings it back to 34 ms. The variable must
// be in the environment when the process starts (glibc reads it before any JavaScript runs), so the
// launchers set it: the `parley` command's first line and `npm start`.

/**
 * The glibc tunables (see tunables(7)): allocations of 1 MiB or more are mmapped, and unmapped on free,
 * in transparent huge pages where the kernel offers them.
 */
export const ALLOCATOR_TUNABLE = 'glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1';

/** Whether `GLIBC_TUNABLES` (or the older `MALLOC_MMAP_THRESHOLD_`) fixes the mmap threshold. */
export function allocatorTuned(env: NodeJS.ProcessEnv): boolean {
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) return true;
  return (env.GLIBC_TUNABLES ?? '').split(':').some((setting) => setting.startsWith('glibc.malloc.mmap_threshold='));
}

/** True when this process runs on glibc, whose dynamic threshold keeps the hashes' memory. */
function onGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return typeof header?.glibcVersionRuntime === 'string';
}

/** A warning for the log when the setting is missing where it matters; null when all is well. */
export function allocatorWarning(env: NodeJS.ProcessEnv = process.env): string | null {
  if (allocatorTuned(env) || !onGlibc()) return null;
  return `GLIBC_TUNABLES=${ALLOCATOR_TUNABLE} is not set: every password hash can leave up to 19 MiB resident; start the server with \`parley server\` or \`npm start\`, or set it yourself (docs/operations.md)`;
}
