import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { OrderView } from '../../domain/journey';
import type { ViewSource, WorkflowEnded } from '../../domain/api';
import { ids } from '../../domain/ids';
import { isFinalOrderStage } from '../../domain/lifecycle';
import { orderStatusQuery, shipmentStatusQuery } from '../../workflows/definitions';
import { mayReadOrderOf, type Principal } from '../plugins/app/auth';
import { notFound } from '../errors';
import { intakeMemoOf } from './order-starter';
import { withStoredScans } from './stored-scans';
import { orderViewFromDb, orderViewFromIntake, promiseOfOrder } from './views';
import { handStartedRunOf } from '../../activities/hand-started-run';
import { workflowDeletedOf, workflowEndedOf } from './workflow-ended';
import { describeWorkflow, withinDeadline } from './workflows';

/**
 * The order's own view names its shipments and what it heard of them (milestones, outcomes); each
 * shipment's details come from the shipment's workflow, which keeps them. A shipment that cannot answer
 * (not started yet, no worker in time) shows what the order knows.
 */
async function withShipmentDetail(app: FastifyInstance, view: OrderView): Promise<OrderView> {
  if (view.shipments.length === 0) return view;
  const shipments = await Promise.all(
    view.shipments.map((known) =>
      withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
        app.temporal.workflow.getHandle(ids.shipmentWorkflowId(known.shipmentId)).query(shipmentStatusQuery),
      ).then(
        // Which shipment re-ships which is the order's knowledge: the shipment's own view does not carry it.
        (detail) => ({
          ...detail,
          ...(known.replaces !== undefined ? { replaces: known.replaces } : {}),
          ...(known.replacedBy !== undefined ? { replacedBy: known.replacedBy } : {}),
        }),
        (error: unknown) => {
          app.log.debug(
            { shipmentId: known.shipmentId, err: error instanceof Error ? error.message : String(error) },
            'shipment query failed',
          );
          return known;
        },
      ),
    ),
  );
  return {
    ...view,
    shipments,
    packagingCostCents: shipments.reduce((sum, s) => sum + s.packagingCostCents, 0),
    shippingCostCents: shipments.reduce((sum, s) => sum + s.shippingCostCents, 0),
  };
}

export interface OrderRead {
  view: OrderView;
  source: ViewSource;
  running: boolean;
  /** Read from the database or the intake record while no workflow runs the order and its stage is not final. */
  workflowEnded?: WorkflowEnded;
}

/**
 * An order's state: the workflow's `status` query while it runs, the database once it has completed
 * (or when the query cannot be answered), and the intake row before the workflow has written one (it
 * may not even be started yet: intake answers once the row is committed). Either of those, read while Temporal has
 * closed the workflow short of a final stage (terminated from the CLI, say), carries `workflowEnded`.
 * A caller that may not read the order gets the same 404 as for an order that does not exist.
 */
export async function readOrder(app: FastifyInstance, orderId: string, principal: Principal | undefined): Promise<OrderRead> {
  const workflowId = ids.orderWorkflowId(orderId);
  const description = await describeWorkflow(app.temporal, workflowId);
  const memo = description ? intakeMemoOf(description) : undefined;
  const running = description?.status.name === 'RUNNING';

  if (description && running && mayReadOrderOf(principal, memo?.submittedBy)) {
    try {
      const view = await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () =>
        app.temporal.workflow.getHandle(workflowId).query(orderStatusQuery),
      );
      // Workflows started before they carried the intake promise in their view: it is in the database.
      if (!view.promise) {
        const promise = await promiseOfOrder(app.db, orderId);
        if (promise) view.promise = promise;
      }
      // The workflows' views keep a bounded window of the scans they understood; the database keeps every one.
      return { view: await withStoredScans(app.db, await withShipmentDetail(app, view)), source: 'workflow', running };
    } catch (error) {
      app.log.warn(
        { workflowId, err: error instanceof Error ? error.message : String(error) },
        'order status query failed; reading the database',
      );
    }
  }

  const stored = await orderViewFromDb(app.db, orderId);
  if (stored) {
    if (!mayReadOrderOf(principal, memo?.submittedBy ?? stored.submittedBy)) throw notFound(`order ${orderId}`);
    // Temporal was asked before the database: a journey that started in between wrote these rows, and only a second
    // describe sees it (the first read it as a deleted workflow). A final stage is said as it is, with no second call.
    const current = description ?? (isFinalOrderStage(stored.view.stage) ? undefined : await describeWorkflow(app.temporal, workflowId));
    return withEnd(app, { view: stored.view, source: 'database', running: current?.status.name === 'RUNNING' }, current, workflowId);
  }
  const accepted = await orderViewFromIntake(app.db, orderId);
  if (accepted && mayReadOrderOf(principal, accepted.submittedBy)) {
    return withEnd(app, { view: accepted.view, source: 'intake', running }, description, workflowId);
  }
  throw notFound(`order ${orderId}`);
}

/**
 * The order's stored view with, when its workflow has ended short of a final stage, how it ended: otherwise that view
 * reads as a journey under way. From the description readOrder already has; Temporal is asked further only of a run that
 * failed (was it started by hand on an input it cannot take? Then the run to resume is the one before it).
 */
async function withEnd(
  app: FastifyInstance,
  read: OrderRead,
  description: WorkflowExecutionDescription | undefined,
  workflowId: string,
): Promise<OrderRead> {
  const workflowEnded = description
    ? workflowEndedOf(description, read.view, await handStartedRun(app, description, read.view))
    : read.source === 'database'
      ? workflowDeletedOf(workflowId, read.view)
      : undefined;
  return workflowEnded ? { ...read, workflowEnded } : read;
}

/** The run to resume instead of a failed newest run started by hand; undefined otherwise, or when Temporal is slow to say. */
async function handStartedRun(app: FastifyInstance, description: WorkflowExecutionDescription, view: Pick<OrderView, 'stage'>) {
  if (description.status.name !== 'FAILED' || isFinalOrderStage(view.stage)) return undefined;
  try {
    return await withinDeadline(app.temporal, app.config.workflowCallTimeoutMs, () => handStartedRunOf(app.temporal, description));
  } catch (error) {
    app.log.warn(
      { workflowId: description.workflowId, err: error instanceof Error ? error.message : String(error) },
      'runs of a failed order workflow not read',
    );
    return undefined;
  }
}
