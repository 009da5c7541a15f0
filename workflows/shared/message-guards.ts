import { ApplicationFailure, log, type SignalDefinition, setHandler, workflowInfo } from '@temporalio/workflow';
import type { TrackingEventsSignal } from '../../domain/journey';
import { scanDatedAhead, scanDatedLongAgo, type Shape } from '../../domain/message-shapes';
import { boundedMilestone, type ShipmentMilestone } from '../../domain/milestones';
import { unreadableProblem } from '../../domain/unreadable-payload';
import { outsideCancelledScope } from './cancel-request';
import { LATER_PATCHES, type LaterPatchId, takesLater } from './generation';

/**
 * The guard at a workflow's door. The API validates every message with zod before it sends; ops steering
 * from the `temporal` CLI or the Web UI, and anyone with access to the namespace, are not. A payload
 * without its message's shape (domain/message-shapes.ts) is:
 *  - refused by an update's validator, with the field at fault, before anything is recorded (`refuseMalformed`);
 *  - dropped by a signal's handler, which never throws for it (a handler that throws fails the workflow
 *    task, and every retry replays the same signal: the workflow would stand still for ever), with a
 *    warning in the worker's log naming the signal and the field (never the value: it may hold an
 *    address) and, where the workflow keeps a timeline, a note ops see there (`guardedSignal`).
 * A message with its shape goes on exactly as before: no command is added for it.
 */

/**
 * What is wrong with a message: a payload no Colis process writes (an encoding typed with the CLI, read as unreadable by
 * worker/payload-converter.ts) says so, else its shape answers. Before, such a payload failed the workflow task for ever.
 */
function problemWith(shape: Shape<unknown>, value: unknown, field: string): string | undefined {
  return unreadableProblem(value, field) ?? shape(value, field);
}

/** Refused in an update's validator: the caller (CLI, Web UI) gets the field at fault; the API never sends one. */
export const MALFORMED_MESSAGE = 'MalformedMessage';

/** An update validator's first step: a payload without the update's shape is refused, naming the field. */
export function refuseMalformed<T>(update: string, shape: Shape<T>, value: unknown): asserts value is T {
  const problem = problemWith(shape, value, '');
  if (problem !== undefined) throw ApplicationFailure.nonRetryable(`${update}: ${problem}`, MALFORMED_MESSAGE);
}

/** What a workflow does with a signal it drops, besides the log line: a note on its own timeline. */
export type DroppedSignal = (note: string) => void;

/**
 * Registers `handler` for `signal`, behind its shape. A signal without its shape is dropped: a log line, and
 * `dropped` notes it where ops look. Histories recorded before this guard may hold such a signal that the workflow then took
 * (a `down: "no"` read as down, a reason of 42 as a cancel): they replay it as they ran, which
 * `takesLater(LATER_PATCHES.malformedSignalsDropped)` tells apart. It is asked only for a malformed signal,
 * so no well-formed message ever meets the marker.
 */
export function guardedSignal<T>(
  signal: SignalDefinition<[T]>,
  shape: Shape<T>,
  handler: (value: T) => void | Promise<void>,
  dropped: DroppedSignal,
  screens: readonly SignalScreen<T>[] = [],
): void {
  const drop = (problem: string) => {
    // The problem names a field and what it expects, never the value sent (domain/message-shapes.ts).
    // The SDK's logger adds the workflow's id, type and run.
    log.warn('malformed signal dropped', { signal: signal.name, problem });
    dropped(`${signal.name} ignored: ${problem}`);
  };
  setHandler(signal, (...args: unknown[]) => {
    const value = args[0];
    const problem = problemWith(shape, value, '');
    const handle = (taken = value as T) => outsideCancelledScope(() => handler(taken));
    if (problem !== undefined) {
      if (!takesLater(LATER_PATCHES.malformedSignalsDropped)) return handle();
      return drop(problem);
    }
    let taken = value as T;
    // In their order, each behind its own patch: a history recorded before a screen replays the message as it took it.
    for (const screen of screens) {
      if ('trim' in screen) {
        const trimmed = screen.trim(taken);
        if (trimmed === undefined || !takesLater(screen.patch)) continue;
        log.warn('signal cut to its bounds', { signal: signal.name, cut: trimmed.cut });
        taken = trimmed.bounded;
        continue;
      }
      // Workflow time is part of its history: the same signal meets the same verdict on replay.
      const problem = screen.problem(taken, Date.now());
      if (problem !== undefined && takesLater(screen.patch)) return drop(problem);
    }
    return handle(taken);
  });
}

/**
 * What a message with its shape may still meet, with the patch that introduced it: histories recorded before took such a
 * message whole, and replay it so. The patch is asked only of a message the screen does not let through as it came, so
 * no message our own workflows send ever meets its marker.
 *  - `problem`: a check it may fail against the workflow's clock (a scan dated years ahead); failed, it is dropped.
 *  - `trim`: its bounds (text of at most so many characters); past them, it is taken cut to them (`bounded`, with the
 *    fields that were cut, for the log), so a legitimate message is never lost for a field it need not keep whole.
 */
export type SignalScreen<T> =
  | { patch: LaterPatchId; problem(value: T, nowMs: number): string | undefined }
  | { patch: LaterPatchId; trim(value: T): { bounded: T; cut: readonly string[] } | undefined };

/** Fails a run started by hand without the input it needs (domain/workflow-input-shapes.ts). */
export const MALFORMED_WORKFLOW_INPUT = 'MalformedWorkflowInput';

/**
 * A journey's first step: an input without its shape fails the run at once, naming the field, instead of
 * failing its first workflow task for ever (a missing field read) or parking an activity in endless retries.
 * A failure thrown from the workflow is the run's result: no command precedes it, so no history changes.
 */
export function requireStartInput(workflow: string, shape: Shape<unknown>, input: unknown): void {
  const problem = problemWith(shape, input, 'input');
  if (problem !== undefined) throw ApplicationFailure.nonRetryable(`${workflow}: ${problem}`, MALFORMED_WORKFLOW_INPUT);
}

/** A journey started by hand under an id that is not its own. */
export const FOREIGN_WORKFLOW_ID = 'ForeignWorkflowId';

/**
 * A shipment runs under its own id only (`shipment-<shipmentId>`). Started by hand (CLI, Web UI) under another id
 * with a real shipment's input, a run wrote over the real shipment's row and, cancelled, voided its label and put
 * its stock back while the real journey went on. Refused before any command, like a malformed input: a history
 * recorded under the right id (every one the product starts) replays unchanged.
 */
export function requireOwnWorkflowId(subject: string, ownId: string): void {
  const { workflowId } = workflowInfo();
  if (workflowId !== ownId)
    throw ApplicationFailure.nonRetryable(`${subject} is run by ${ownId} only, not by ${workflowId}`, FOREIGN_WORKFLOW_ID);
}

/**
 * Scans (a shipment's `trackingEvents`, a return's `returnScans`) dated more than a day after the workflow's clock, or
 * more than 180 days before it, are dropped.
 */
export const SCAN_SCREENS: readonly SignalScreen<TrackingEventsSignal>[] = [
  { patch: LATER_PATCHES.scansDatedAheadDropped, problem: scanDatedAhead },
  { patch: LATER_PATCHES.scansDatedLongAgoDropped, problem: scanDatedLongAgo },
];

/**
 * A shipment's milestone keeps at most MILESTONE_TEXT_MAX_CHARS of each text field in its order (domain/milestones.ts):
 * one typed with the CLI, megabytes of escalation detail in it, was kept whole in the order's state and view.
 */
export const MILESTONE_TEXT_BOUNDED: SignalScreen<ShipmentMilestone> = {
  patch: LATER_PATCHES.milestoneTextBounded,
  trim: boundedMilestone,
};
