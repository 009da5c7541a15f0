import { existsSync, readFileSync } from 'node:fs';
import { createInventoryActivities } from '../../activities/inventory';
import { SimulatorSnapshotSchema } from '../../scripts/carrier-simulator/simulator-store';
import type { Stack } from './stack';

/**
 * What a drill must find after the storm: every order final, one label per shipment on both sides
 * (our database and the carrier's own books), and an inventory ledger that balances.
 */
export interface Integrity {
  orders: number;
  completed: number;
  notCompleted: number;
  shipments: number;
  /** Label rows in our database, purchased or voided. */
  labelsInDb: number;
  labelsVoided: number;
  /** Shipments with more than one label row. */
  shipmentsWithSeveralLabels: number;
  /** Labels the simulated carriers sold, from their state file (their counters and their label list). */
  carrierLabelsSold: number;
  carrierLabelsListed: number;
  carrierShipmentsWithSeveralLabels: number;
  /** Carrier labels our database does not know (bought, then the answer lost and never recorded). */
  carrierLabelsUnknownToUs: number;
  ledgerMismatches: number;
  negativeOrOversold: number;
  stillReserved: number;
  orderIdsNotCompleted: string[];
  /** Accepted orders whose workflow Temporal does not know: lost at intake. */
  lostAtIntake: number;
}

export async function checkIntegrity(stack: Pick<Stack, 'db' | 'client' | 'simulatorStateFile'>, orderIds: string[]): Promise<Integrity> {
  const db = stack.db;
  const orders = await db.order.findMany({ where: { id: { in: orderIds } }, select: { id: true, status: true } });
  const notCompleted = orderIds.filter((id) => orders.find((o) => o.id === id)?.status !== 'completed');
  const shipments = await db.shipment.findMany({ where: { orderId: { in: orderIds } }, select: { id: true } });
  const shipmentIds = shipments.map((s) => s.id);
  const labels = await db.label.findMany({
    where: { shipmentId: { in: shipmentIds } },
    select: { shipmentId: true, status: true, trackingNumber: true },
  });
  const perShipment = countBy(labels.map((l) => l.shipmentId));

  const snapshot = existsSync(stack.simulatorStateFile)
    ? SimulatorSnapshotSchema.parse(JSON.parse(readFileSync(stack.simulatorStateFile, 'utf8')))
    : { carriers: {}, labels: [] };
  const ours = new Set(shipmentIds);
  const carrierLabels = snapshot.labels.filter((l) => ours.has(l.shipmentId));
  const carrierPerShipment = countBy(carrierLabels.map((l) => l.shipmentId));
  const known = new Set(labels.map((l) => l.trackingNumber));

  const ledger = await createInventoryActivities(db).ledgerBalances();
  let lostAtIntake = 0;
  for (const id of notCompleted) {
    await stack.client.workflow
      .getHandle(`order-${id}`)
      .describe()
      .catch(() => {
        lostAtIntake += 1;
      });
  }
  const [levels] = await db.$queryRaw<{ bad: number; reserved: number }[]>`
    SELECT COUNT(*) FILTER (WHERE "onHand" < 0 OR "reserved" < 0 OR "reserved" > "onHand")::int AS bad,
           COALESCE(SUM("reserved"), 0)::int AS reserved
    FROM "InventoryLevel"`;
  return {
    orders: orderIds.length,
    completed: orderIds.length - notCompleted.length,
    notCompleted: notCompleted.length,
    shipments: shipmentIds.length,
    labelsInDb: labels.length,
    labelsVoided: labels.filter((l) => l.status === 'voided').length,
    shipmentsWithSeveralLabels: [...perShipment.values()].filter((n) => n > 1).length,
    carrierLabelsSold: Object.values(snapshot.carriers).reduce((n, c) => n + c.labelsSold, 0),
    carrierLabelsListed: carrierLabels.length,
    carrierShipmentsWithSeveralLabels: [...carrierPerShipment.values()].filter((n) => n > 1).length,
    carrierLabelsUnknownToUs: carrierLabels.filter((l) => !known.has(l.label.trackingNumber)).length,
    ledgerMismatches: ledger.length,
    negativeOrOversold: levels?.bad ?? -1,
    stillReserved: levels?.reserved ?? -1,
    orderIdsNotCompleted: notCompleted.slice(0, 20),
    lostAtIntake,
  };
}

/** The verdict every drill shares: all completed, exactly one label per shipment everywhere, the ledger balanced. */
export function integrityProblems(i: Integrity): string[] {
  const problems: string[] = [];
  if (i.notCompleted > 0) problems.push(`${i.notCompleted} of ${i.orders} orders not completed (${i.lostAtIntake} unknown to Temporal)`);
  if (i.labelsInDb !== i.shipments) problems.push(`${i.labelsInDb} label rows for ${i.shipments} shipments`);
  if (i.shipmentsWithSeveralLabels > 0) problems.push(`${i.shipmentsWithSeveralLabels} shipments with several labels`);
  if (i.carrierLabelsSold !== i.shipments) problems.push(`carriers sold ${i.carrierLabelsSold} labels for ${i.shipments} shipments`);
  if (i.carrierShipmentsWithSeveralLabels > 0)
    problems.push(`carriers sold several labels for ${i.carrierShipmentsWithSeveralLabels} shipments`);
  if (i.carrierLabelsUnknownToUs > 0) problems.push(`${i.carrierLabelsUnknownToUs} carrier labels unknown to the database`);
  if (i.ledgerMismatches > 0) problems.push(`${i.ledgerMismatches} inventory levels disagree with the ledger`);
  if (i.negativeOrOversold > 0) problems.push(`${i.negativeOrOversold} levels negative or oversold`);
  if (i.stillReserved > 0) problems.push(`${i.stillReserved} units still reserved after every order completed`);
  return problems;
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
