import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { inject } from 'vitest';

const run = promisify(execFile);

/**
 * What ops do from the real `temporal` CLI against the dev server (what the Web UI's buttons do), and what the tests
 * that follow them read back: the runs of a workflow id, the work one run did of its own, an outcome awaited with a
 * deadline (a run that replays a journey waits on timers, or on ops).
 */
export function opsCli(namespace: string) {
  const cli = (...args: string[]) =>
    run(inject('temporalCliPath'), [...args, '--address', inject('temporalDevAddress'), '--namespace', namespace]);
  return {
    cli,
    reset: (workflowId: string, type: 'FirstWorkflowTask' | 'LastWorkflowTask') =>
      cli('workflow', 'reset', '--workflow-id', workflowId, '--type', type, '--reason', 'ops retry'),
    /** The runs `temporal workflow list --query` finds (the dev server's visibility store: search attributes). */
    list: async (query: string): Promise<{ workflowId: string; runId: string }[]> => {
      const { stdout } = await cli('workflow', 'list', '--query', query, '--output', 'json');
      const rows = JSON.parse(stdout.trim() === '' ? '[]' : stdout) as { execution?: { workflowId?: string; runId?: string } }[];
      return rows.flatMap(({ execution: e }) => (e?.workflowId && e.runId ? [{ workflowId: e.workflowId, runId: e.runId }] : []));
    },
  };
}

/** Every run of `workflowId`, the reset ones included. */
export async function runsOf(client: Client, workflowId: string) {
  const runs = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push(execution);
  return runs;
}

/**
 * Every run of `workflowId` once visibility shows none running (at most `withinMs`): a run's result comes before its
 * close reaches the list, and a workflow that upserts search attributes queues more behind it (a return at each move).
 */
export async function closedRunsOf(client: Client, workflowId: string, withinMs = 15_000) {
  const giveUpAt = Date.now() + withinMs;
  for (;;) {
    const runs = await runsOf(client, workflowId);
    if (runs.every((run) => run.status.name !== 'RUNNING') || Date.now() > giveUpAt) return runs;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What one run of a workflow did of its own: the activities it scheduled, and how many local activities it ran. */
export async function workOf(client: Client, workflowId: string, runId: string) {
  const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return {
    activities: (events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []),
    localActivities: (events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
  };
}

/** The latest run's outcome, or a failure once `ms` pass. */
export function resultWithin<T>(handle: { result(): Promise<T> }, ms: number): Promise<T> {
  return Promise.race([
    handle.result(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms)),
  ]);
}

/**
 * Watches a row's status until the returned function is called; every status it was seen in, in order (polled every
 * 20 ms: a run that replays a journey writes its earlier statuses back within that).
 */
export function watchStatuses(read: () => Promise<{ status: string } | null>): () => Promise<string[]> {
  const seen: string[] = [];
  let stopped = false;
  const watching = (async () => {
    while (!stopped) {
      const row = await read();
      if (row && seen.at(-1) !== row.status) seen.push(row.status);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return async () => {
    stopped = true;
    await watching;
    return seen;
  };
}
