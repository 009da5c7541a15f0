/**
 * Node flags a worker process runs with: `node ${WORKER_NODE_FLAGS} scripts/compiled.mjs worker/main.ts`.
 *
 * V8 lets each isolate's young generation grow to two 16 MiB semi-spaces and keeps them committed: a
 * worker holds three isolates (the main thread, one workflow thread for the order/shipment/return
 * bundle, one for the notification relays), so an idle worker carried ~60 MiB of nursery it was not
 * using. Capped at 1 MiB the idle worker is 50–70 MiB smaller and a loaded one about half, for a few per
 * cent of orders/s (bench/RESULTS.md, "Idle worker memory, pass 2"). A heap size is fixed when the isolate
 * is made, so this is a command-line flag (or NODE_OPTIONS), not a setting read at start.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** Whether this process was started with the flags (worker/main.ts says so once when it was not). */
export function runsWithWorkerFlags(execArgv: readonly string[], nodeOptions = ''): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return WORKER_NODE_FLAGS.every((flag) => given.some((arg) => arg.split('=')[0] === flag.split('=')[0]));
}
