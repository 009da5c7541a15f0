import { sleep } from '@temporalio/workflow';
import { hoursToRealMs } from '../../domain/clock';
import { type EscalationSeverity, nextSeverity } from '../../domain/lifecycle';
import { ESCALATION_ALERT_INPUT } from '../../domain/workflow-input-shapes';
import { alerts, bookkeeping } from '../activity-options';
import { SEVERITY_STEP_HOURS } from '../shared/escalation-owner';
import { requireStartInput } from '../shared/message-guards';
import type { EscalationAlertInput } from './definitions';

/**
 * escalation-alert-<escalationId>: pages ops for an escalation no journey holds (the API opens `left_after_cancel`
 * when a cancelled parcel is scanned after all; its shipment's workflow has ended). It does what a journey's
 * escalation does: pages once when opened, then steps the severity up every SEVERITY_STEP_HOURS business hours,
 * paging again, until ops answer it (in the database) or it is critical. Each page is keyed, so a retried
 * activity never pages twice. Same activities, same options as a journey's escalations (activity-options.ts).
 */
export async function escalationAlertWorkflow(input: EscalationAlertInput): Promise<EscalationSeverity | 'answered'> {
  requireStartInput('escalation alert workflow', ESCALATION_ALERT_INPUT, input);
  const { escalationId, timeScale } = input;
  await alerts.notifyEscalation({ escalationId, dedupeKey: `${escalationId}:opened`, summary: input.summary });
  let severity = input.severity;
  while (severity !== 'critical') {
    await sleep(hoursToRealMs(SEVERITY_STEP_HOURS, timeScale));
    const next = nextSeverity(severity);
    if (!(await bookkeeping.raiseEscalationSeverity({ escalationId, severity: next }))) return 'answered';
    severity = next;
    await alerts.notifyEscalation({
      escalationId,
      dedupeKey: `${escalationId}:severity:${next}`,
      summary: `${escalationId} unanswered, now ${next}`,
    });
  }
  return severity;
}
