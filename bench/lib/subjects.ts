import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type ExportedOrder, exportOrderHistories } from './history-export';
import { type OrderShape, postOrders } from './orders';
import { sleep } from './stack';

/**
 * What an old-versus-new or Colis-versus-reference-app run compares: an application on the shared
 * Temporal server that journeys orders end to end and whose orders' histories can be exported.
 */
export interface Subject {
  name: string;
  /** The worker process whose memory is reported. */
  workerPid: number;
  /** Places `count` orders of one shape and resolves once every one is final. */
  journey(shape: OrderShape, count: number): Promise<Journeyed>;
  /** One finished order's histories: the order, its children, and any related workflow. */
  exportOrder(workflowId: string): Promise<ExportedOrder>;
}

export interface Journeyed {
  seconds: number;
  perSecond: number;
  notCompleted: number;
  workflowIds: string[];
}

/** A Colis checkout's API and worker: this one, or another commit's (bench/lib/base-checkout.ts). */
export function colisSubject(name: string, apiUrl: string, client: Client, workerPid: number): Subject {
  return {
    name,
    workerPid,
    async journey(shape, count) {
      const started = performance.now();
      const posted = await postOrders(apiUrl, shape, count, 32);
      let notCompleted = posted.filter((p) => p.status !== 202 || !p.orderId).length;
      const workflowIds = posted.flatMap((p) => (p.orderId ? [`order-${p.orderId}`] : []));
      const outcomes = await Promise.allSettled(workflowIds.map((id) => resultOnceStarted(client, id)));
      const seconds = (performance.now() - started) / 1000;
      notCompleted += outcomes.filter((o) => o.status === 'rejected' || (o.value as { stage?: string }).stage !== 'completed').length;
      return { seconds, perSecond: count / seconds, notCompleted, workflowIds };
    },
    exportOrder: (workflowId) => exportOrderHistories(client, workflowId),
  };
}

/** The workflow's result; intake may answer before the start (behind a backlog), so "not found" is waited out. */
export async function resultOnceStarted(client: Client, workflowId: string): Promise<unknown> {
  for (;;) {
    try {
      return await client.workflow.getHandle(workflowId).result();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await sleep(100);
    }
  }
}
