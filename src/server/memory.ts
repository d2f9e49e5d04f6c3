// The process settings that keep the server's memory small after a wave of logins, and a check that they are on.
//
// Both must be in place when the process starts (glibc reads its tunables before Node runs, V8 sizes its
// heap before any JavaScript), so the launchers give them: the `parley` command's first line and
// `npm start` (a test keeps the two in step with the constants below).
//
// 1. glibc's allocator. Each argon2id hash allocates 19 MiB on a thread-pool thread. glibc serves the
//    first such block with mmap and, when it is freed, raises its mmap threshold to that size (its
//    "dynamic threshold", mallopt(3)); every later block then comes from the thread's arena, which keeps
//    the freed memory, so every wave of logins leaves memory behind that the server never uses again. A
//    fixed threshold turns the dynamic one off, so blocks of 1 MiB and more are mmapped and unmapped when
//    freed. A fresh mapping costs a page fault per 4 KiB page, which makes each hash several times slower;
//    glibc.malloc.hugetlb=1 asks for transparent huge pages on those mappings, which wins most of it back.
// 2. V8's young generation. A burst of logins, whose connection state survives, makes V8 grow each
//    semi-space to its 16 MiB maximum, and it does not shrink again for a long while after. Semi-spaces of
//    at most 4 MiB keep that memory small and leave the message path's CPU and latency as they were.
// The figures behind both are in bench/RESULTS.md.

/**
 * The glibc tunables (tunables(7)): allocations of 1 MiB or more are mmapped, and unmapped when freed,
 * in transparent huge pages where the kernel offers them.
 */
export const ALLOCATOR_TUNABLE = 'glibc.malloc.mmap_threshold=1048576:glibc.malloc.hugetlb=1';

/** Node's flags for the server: semi-spaces of at most 4 MiB. */
export const NODE_MEMORY_FLAGS = ['--max-semi-space-size=4'] as const;

/** Whether `GLIBC_TUNABLES` (or the older `MALLOC_MMAP_THRESHOLD_`) fixes the mmap threshold. */
export function allocatorTuned(env: NodeJS.ProcessEnv): boolean {
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) return true;
  return (env.GLIBC_TUNABLES ?? '').split(':').some((setting) => setting.startsWith('glibc.malloc.mmap_threshold='));
}

/** Whether Node was started with a cap on the semi-spaces (on its command line or in NODE_OPTIONS). */
export function youngGenerationCapped(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((flag) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(flag));
}

/** True when this process runs on glibc, whose dynamic threshold keeps the hashes' memory. */
function onGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  return typeof header?.glibcVersionRuntime === 'string';
}

const HOW = 'start the server with `parley server` or `npm start`, or see docs/operations.md';

/** For the log at warn: without the allocator setting every login wave leaves memory behind. Null when all is well. */
export function allocatorWarning(env: NodeJS.ProcessEnv = process.env, glibc = onGlibc()): string | null {
  if (!glibc || allocatorTuned(env)) return null;
  return `GLIBC_TUNABLES=${ALLOCATOR_TUNABLE} is not set: every password hash can leave up to 19 MiB resident; ${HOW}`;
}

/** For the log at info: the young generation's cap is missing (a smaller cost than the allocator's). Null when all is well. */
export function youngGenerationNote(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string | null {
  if (youngGenerationCapped(execArgv, env)) return null;
  return `Node was started without ${NODE_MEMORY_FLAGS.join(' ')}: a wave of logins can leave ~15 MiB more resident; ${HOW}`;
}
