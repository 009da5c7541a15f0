/**
 * How a worker process is started: `MALLOC_ARENA_MAX=1 node ${WORKER_NODE_FLAGS} scripts/compiled.mjs worker/main.ts`.
 *
 * V8 lets each isolate's young generation grow to two 16 MiB semi-spaces and keeps them committed: a
 * worker holds three isolates (the main thread, one workflow thread for the order/shipment/return
 * bundle, one for the notification relays), so an idle worker carried ~60 MiB of nursery it was not
 * using. Capped at 1 MiB the idle worker is 50–70 MiB smaller and a loaded one about half, for a few per
 * cent of orders/s (bench/RESULTS.md, "Idle worker memory, pass 2"). A heap size is fixed when the isolate
 * is made, so this is a command-line flag (or NODE_OPTIONS), not a setting read at start.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/**
 * The environment a worker process starts with, on top of its configuration. glibc's allocator gives
 * threads that allocate at once arenas of their own, up to eight per core, and keeps what each arena
 * once held: a worker runs ~22 threads (the SDK's Rust core and its runtime, V8's platform and GC
 * threads, libuv's pool), and an idle one carried 30–45 MiB of arenas it was not using. One arena is
 * enough: V8 allocates its heaps outside malloc, and measured side by side one arena costs no orders/s
 * against two or eight (bench/RESULTS.md, "Idle worker memory, pass 4"). glibc reads the variable when
 * the process starts, so it cannot be set from inside the worker.
 */
export const WORKER_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/** What a worker started without its flags or environment is missing (worker/main.ts says so once). */
export function missingWorkerSettings(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const flags = WORKER_NODE_FLAGS.filter((flag) => !given.some((arg) => arg.split('=')[0] === flag.split('=')[0]));
  const variables = Object.keys(WORKER_ENVIRONMENT)
    .filter((name) => !env[name])
    .map((name) => `${name}=${WORKER_ENVIRONMENT[name]}`);
  return [...variables, ...flags];
}
