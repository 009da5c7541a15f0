import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { cancelOrderRoute, changeAddressRoute } from './cancel-and-address';
import { placeOrderRoute } from './intake';
import { orderLinks } from './links';
import { listOrdersRoute, orderStatusRoute } from './list-and-status';
import { orderUpdates } from './order-update';
import { orderTimelineRoute } from './timeline';

/**
 * The orders resource, registered in this order: intake (intake.ts), the list and one order's state
 * (list-and-status.ts), its timeline (timeline.ts), then cancel and address change (cancel-and-address.ts), both sent to
 * the running order by order-update.ts. The links an order's answers carry are links.ts.
 */

const orders: FastifyPluginAsyncZod = async (app) => {
  const links = orderLinks(app);
  placeOrderRoute(app, links);
  listOrdersRoute(app);
  orderStatusRoute(app, links);
  orderTimelineRoute(app);
  const cancelOrAddress = orderUpdates(app, links);
  cancelOrderRoute(app, cancelOrAddress);
  changeAddressRoute(app, cancelOrAddress);
};

export default orders;
