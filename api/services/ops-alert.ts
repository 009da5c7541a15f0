import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { TASK_QUEUES, ids } from '../../domain/ids';
import { ESCALATION_ALERT_WORKFLOW_TYPE, type EscalationAlertInput } from '../../workflows/escalations/definitions';

/**
 * Pages ops for the escalation while it is open, as a journey pages for its own: `escalation-alert-<id>` pages once,
 * then steps the severity up until ops answer (workflows/escalations/alert.ts). Started before the carrier gets its
 * answer, and again (a no-op) on every repeat of the scan, so a stop in between is made good by the carrier's retry.
 */
export async function alertOps(app: FastifyInstance, dedupeKey: string): Promise<void> {
  const escalation = await app.db.escalation.findUnique({
    where: { dedupeKey },
    select: { id: true, status: true, severity: true, shipmentId: true, reason: true, detail: true },
  });
  if (escalation?.status !== 'open') return;
  const input: EscalationAlertInput = {
    escalationId: escalation.id,
    summary: `shipment ${escalation.shipmentId} ${escalation.reason} (${escalation.severity}): ${escalation.detail}`,
    severity: escalation.severity,
    timeScale: app.config.timeScale,
  };
  try {
    await app.temporal.workflow.start(ESCALATION_ALERT_WORKFLOW_TYPE, {
      workflowId: ids.escalationAlertWorkflowId(escalation.id),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      taskQueue: TASK_QUEUES.orders,
      args: [input],
      staticSummary: `Page ops for ${escalation.id} until it is answered`,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
