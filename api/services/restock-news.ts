import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { RestockedSignal } from '../../domain/journey';
import { ids } from '../../domain/ids';
import { restockedSignal } from '../../workflows/definitions';

/**
 * Tells orders waiting for stock that some may be there (`restocked`): a receipt, a warehouse up again, returned goods
 * put back, or goods announced on their way (`expected`, which re-dates their promise). Each order re-tries its
 * reservation. Answers the orders told; one that finished meanwhile needs no news, anything else is a real failure.
 */
export async function tellOrdersRestocked(
  app: Pick<FastifyInstance, 'temporal'>,
  orderIds: readonly string[],
  news: (orderId: string) => RestockedSignal,
): Promise<string[]> {
  const told: string[] = [];
  for (const orderId of orderIds) {
    try {
      await app.temporal.workflow.getHandle(ids.orderWorkflowId(orderId)).signal(restockedSignal, news(orderId));
      told.push(orderId);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return told;
}
