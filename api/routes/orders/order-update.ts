import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { AddressCorrection } from '../../../domain/api';
import type { OrderView } from '../../../domain/journey';
import { ids } from '../../../domain/ids';
import { isFinalOrderStage } from '../../../domain/lifecycle';
import { OrderWorkflowInputSchema } from '../../../domain/order';
import { ApiError, notFound, toApiError, unavailable } from '../../errors';
import { mayReadOrderOf, principalOf } from '../../plugins/app/auth';
import { intakeMemoOf } from '../../services/order-starter';
import { runOpsAction } from '../../services/ops-actions';
import { describeWorkflow, withinDeadline } from '../../services/workflows';
import type { OrderLinks } from './links';
import type { RoutesApp } from '../route-app';

/** Cancels and address changes: recorded as ops actions (idempotent under their key), then sent to the order as updates. */
export function orderUpdates(app: RoutesApp, { uiLink }: OrderLinks) {
  const cancelOrAddress = (
    request: FastifyRequest,
    target: { orderId: string; idempotencyKey: string | undefined; body: unknown },
    action: 'cancel' | 'change_address',
    what: string,
    run: (handle: WorkflowHandle, updateId: string) => Promise<OrderView & { addressCorrections?: AddressCorrection[] }>,
  ) =>
    runOpsAction(
      app.db,
      { actor: principalOf(request).name, action, targetId: target.orderId, idempotencyKey: target.idempotencyKey, request: target.body },
      (actionId) => orderUpdate(request, target.orderId, what, (handle) => run(handle, `${action}:${actionId}`)),
    );

  /** An update to a running order; an accepted order not started yet is started first, so the update never races intake. */
  const orderUpdate = async (
    request: FastifyRequest,
    orderId: string,
    what: string,
    run: (handle: WorkflowHandle) => Promise<OrderView & { addressCorrections?: AddressCorrection[] }>,
  ) => {
    const workflowId = ids.orderWorkflowId(orderId);
    const [described, accepted] = await Promise.all([
      describeWorkflow(app.temporal, workflowId),
      app.db.orderIntake.findUnique({ where: { orderId }, select: { input: true, submittedBy: true, startedAt: true } }),
    ]);
    let description = described;
    // A shop's key changes its own orders only; another shop's order looks like no order at all.
    const memo = description ? intakeMemoOf(description) : undefined;
    if (!mayReadOrderOf(principalOf(request), memo?.submittedBy ?? accepted?.submittedBy)) throw notFound(`order ${orderId}`);
    // A workflow named like an order that Colis never took (started by hand, failed before recording anything) is no
    // order: 404, as GET /orders/{id} answers, not "its journey has ended".
    if (description && !accepted && !(await app.db.order.findUnique({ where: { id: orderId }, select: { id: true } })))
      throw notFound(`order ${orderId}`);
    const ended = (status: string) =>
      new ApiError(409, 'order_state_conflict', `${what} was refused: the order's journey has ended (${status.toLowerCase()})`);
    // A journey Temporal calls completed ended the order cancelled, failed or completed: the client is told which (a
    // cancelled order's address change was refused as "ended (completed)").
    const endedAs = async (status: string) => {
      if (status !== 'COMPLETED') return ended(status);
      const row = await app.db.order.findUnique({ where: { id: orderId }, select: { status: true } });
      return row && isFinalOrderStage(row.status)
        ? new ApiError(409, 'order_state_conflict', `${what} was refused: order ${orderId} is ${row.status}; its journey has ended`)
        : ended(status);
    };
    if (!description) {
      const input = OrderWorkflowInputSchema.safeParse(accepted?.input);
      if (!accepted || !input.success) throw notFound(`order ${orderId}`);
      if (accepted.startedAt === null) {
        const outcome = await app.orderStarter.start(input.data, accepted.submittedBy);
        if (!outcome.started) throw unavailable(`${what}: order ${orderId} is accepted and its journey could not start yet; retry shortly`);
      }
      // Temporal was asked alongside the row: a start recorded in between (right after the 202) shows only when asked again.
      description = await describeWorkflow(app.temporal, workflowId);
      // Started once and unknown to Temporal still: its journey ended and the namespace's retention removed it. Starting
      // it again would run a delivered order's journey a second time (stock, labels, mails).
      if (!description) throw ended('closed; its history is past retention');
    }
    if (description && description.status.name !== 'RUNNING') throw await endedAs(description.status.name);
    try {
      const view = await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
        run(app.temporal.workflow.getHandle(workflowId)),
      );
      return { ...view, source: 'workflow' as const, webUiUrl: uiLink(workflowId) };
    } catch (error) {
      // The journey may end between the check and the update: the same answer as if it had ended before.
      if (error instanceof WorkflowNotFoundError) {
        const now = await describeWorkflow(app.temporal, workflowId);
        if (now && now.status.name !== 'RUNNING') throw await endedAs(now.status.name);
      }
      throw toApiError(error, what) ?? error;
    }
  };

  return cancelOrAddress;
}

export type CancelOrAddress = ReturnType<typeof orderUpdates>;
