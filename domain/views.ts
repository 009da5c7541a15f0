import type { ShipmentView } from './journey';

/** Pure helpers over the journey's views (domain/journey.ts), free of zod so the workflow bundle can use them. */

/** A shipment as it looks before its workflow has done anything: what both workflows start from. */
export function plannedShipmentView(
  shipment: Pick<ShipmentView, 'shipmentId' | 'workflowId' | 'warehouseCode' | 'lines' | 'promisedBy'>,
): ShipmentView {
  return {
    ...shipment,
    stage: 'planned',
    promiseMiss: false,
    packagingCostCents: 0,
    shippingCostCents: 0,
    labelAttempt: 0,
    escalations: [],
    timeline: [],
  };
}
