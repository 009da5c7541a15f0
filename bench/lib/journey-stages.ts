import type { Db } from '../../activities/db';
import { FINAL_ORDER_STAGES } from '../../domain/lifecycle';

/**
 * Where a drill's orders stand, by stage, as compact text for its table: orders, their shipments and their returns by
 * status, and the escalations still open. Read with the columns every release since the returns has, so it reads a
 * database of the old release as well as the new.
 */
export interface JourneyStages {
  /** Orders accepted whose workflow has not started yet (the intake's backlog, started by whichever API runs next). */
  notStarted: number;
  orders: string;
  shipments: string;
  returns: string;
  openEscalations: number;
  /** Escalations raised on these orders so far, open or closed. */
  escalations: number;
  /** Orders not final yet (neither completed, cancelled nor failed), those not started included. */
  ordersInFlight: number;
}

export async function journeyStages(db: Db, orderIds: string[]): Promise<JourneyStages> {
  const [notStarted, orders, shipments, returns, openEscalations, escalations] = await Promise.all([
    db.orderIntake.count({ where: { orderId: { in: orderIds }, startedAt: null } }),
    db.order.groupBy({ by: ['status'], where: { id: { in: orderIds } }, _count: { _all: true } }),
    db.shipment.groupBy({ by: ['status'], where: { orderId: { in: orderIds } }, _count: { _all: true } }),
    db.return.groupBy({ by: ['status'], where: { orderId: { in: orderIds } }, _count: { _all: true } }),
    db.escalation.count({ where: { status: 'open', orderId: { in: orderIds } } }),
    db.escalation.count({ where: { orderId: { in: orderIds } } }),
  ]);
  const text = (rows: { status: string; _count: { _all: number } }[]) =>
    rows.length === 0 ? '–' : rows.map((r) => `${r.status} ${r._count._all}`).join(', ');
  const ordersInFlight = orders
    .filter((r) => !(FINAL_ORDER_STAGES as readonly string[]).includes(r.status))
    .reduce((n, r) => n + r._count._all, notStarted);
  return {
    notStarted,
    orders: text(orders),
    shipments: text(shipments),
    returns: text(returns),
    openEscalations,
    escalations,
    ordersInFlight,
  };
}
