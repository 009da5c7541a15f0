import type { LogLevel, LogMetadata } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';

/**
 * The workers' log: the SDK's own, less the activity's task token. The SDK adds `taskToken` to every line an
 * activity logs (an escalation, a failed send); with it, anyone who reaches the Temporal frontend can complete,
 * fail or heartbeat that activity in its worker's place, so it is a credential and stays out of log files and
 * log shippers. The workflow and activity ids on the same line already say which activity spoke.
 */
const ACTIVITY_ONLY_WORKER = 'No workflows registered, not polling for workflow tasks';

export class WorkerLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // Colis runs activity-only workers on purpose (carriers, notify, one per warehouse): the SDK warns about each at
    // every start-up as if something were missing. Kept at debug, where it is true and harmless.
    if (level === 'WARN' && message.startsWith(ACTIVITY_ONLY_WORKER)) level = 'DEBUG';
    if (meta === undefined || !Object.hasOwn(meta, 'taskToken')) {
      super.log(level, message, meta);
      return;
    }
    const { taskToken: _dropped, ...rest } = meta;
    super.log(level, message, rest);
  }
}
