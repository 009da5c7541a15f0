import { workflowInfo } from '@temporalio/workflow';

/**
 * True in a run an operator's reset made (`temporal workflow reset`, the Web UI's Reset): its history up to the reset
 * point was copied from the run it replaced, started event included, so the run id that event names is not this run's.
 * A first run and a continued one (continue-as-new) write their own. What only a reset run needs is asked only there:
 * every other run pays nothing for it.
 */
export function isResetRun(): boolean {
  const { originalExecutionRunId, runId } = workflowInfo();
  return originalExecutionRunId !== '' && originalExecutionRunId !== runId;
}
