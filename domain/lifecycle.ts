/**
 * The journey's one vocabulary: the stages an order and a shipment go through, which of them are final,
 * how people read them, the database status each is stored as, and the process-chart box that counts it.
 * Workflows, activities, the API, the pages and the drift test all read it from here.
 *
 * Pure and free of zod: the workflow bundle imports it. The zod enums of the API contract are built from
 * these lists (domain/journey.ts, domain/carrier.ts), and `test/integration/schema-drift.test.ts` checks
 * that the database enums hold exactly these values.
 */

// ---- orders ------------------------------------------------------------------------------------

export const ORDER_STAGES = ['received', 'reserving', 'backordered', 'fulfilling', 'completed', 'cancelled', 'failed'] as const;
export type OrderStage = (typeof ORDER_STAGES)[number];

export const FINAL_ORDER_STAGES = ['completed', 'cancelled', 'failed'] as const satisfies readonly OrderStage[];
export type FinalOrderStage = (typeof FINAL_ORDER_STAGES)[number];

// ---- carrier tracking --------------------------------------------------------------------------

/** The one status model every carrier's scans are normalised to (domain/tracking-codes.ts). */
export const TRACKING_STATUSES = [
  'label_created',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'available_for_pickup',
  'delivery_failed',
  'exception',
  'returned_to_sender',
  'lost',
] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

// ---- shipments ---------------------------------------------------------------------------------

export const SHIPMENT_STAGES = [
  'planned',
  'waiting_for_pick_slot',
  'picking',
  'packing',
  'rating',
  'booking',
  'label_created',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'available_for_pickup',
  'delivery_failed',
  'exception',
  'returned_to_sender',
  'lost',
  'cancelled',
  'refunded',
] as const;
export type ShipmentStage = (typeof SHIPMENT_STAGES)[number];

export const FINAL_SHIPMENT_STAGES = [
  'delivered',
  'returned_to_sender',
  'lost',
  'cancelled',
  'refunded',
] as const satisfies readonly ShipmentStage[];
export type FinalShipmentStage = (typeof FINAL_SHIPMENT_STAGES)[number];

/** Once the carrier has the parcel, neither a cancel nor an address change can reach it. */
export const WITH_CARRIER_STAGES = [
  'in_transit',
  'out_for_delivery',
  'available_for_pickup',
  'delivery_failed',
  'exception',
  'delivered',
  'returned_to_sender',
  'lost',
] as const satisfies readonly ShipmentStage[];

const includes = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

export const isFinalOrderStage = (stage: OrderStage): stage is FinalOrderStage => includes(FINAL_ORDER_STAGES, stage);
export const isFinalShipmentStage = (stage: ShipmentStage): stage is FinalShipmentStage => includes(FINAL_SHIPMENT_STAGES, stage);
export const isWithCarrier = (stage: ShipmentStage): boolean => includes(WITH_CARRIER_STAGES, stage);

/** Every tracking status is also a shipment stage: the carrier's word becomes the shipment's stage. */
export const shipmentStageOf = (status: TrackingStatus): ShipmentStage => status;

/**
 * How a shipment stage is written out when it begins, so every stage is truthful where someone looks for
 * it without paying a database write and a search-attribute upsert for stages that last milliseconds:
 *  - `index`: the database status and the ShipmentStatus search attribute — stages a shipment rests in
 *    (waiting for its slot or the carrier), where ops search for it;
 *  - `record`: the database status only — the warehouse's work, short unless the warehouse is down,
 *    which the process chart must then show (a shipment being packed still reads `picking` there: one
 *    write for the warehouse's whole turn);
 *  - `later`: neither; its visit is written with the next stage that is — machine stages (rating,
 *    booking), which the workflow's current details still show as they happen.
 * Stage visits (StageTiming) are always recorded, with their exact times.
 */
export type StagePublication = 'index' | 'record' | 'later';
export const SHIPMENT_STAGE_PUBLICATION: Readonly<Record<ShipmentStage, StagePublication>> = {
  planned: 'index',
  waiting_for_pick_slot: 'index',
  picking: 'record',
  packing: 'later',
  rating: 'later',
  booking: 'later',
  label_created: 'index',
  in_transit: 'index',
  out_for_delivery: 'index',
  available_for_pickup: 'index',
  delivery_failed: 'index',
  exception: 'index',
  delivered: 'index',
  returned_to_sender: 'index',
  lost: 'index',
  cancelled: 'index',
  refunded: 'index',
};

/** The outcome a stage visit ends with when the shipment reaches a final stage. */
export const FINAL_SHIPMENT_OUTCOME: Readonly<Record<FinalShipmentStage, 'ok' | 'failed' | 'cancelled'>> = {
  delivered: 'ok',
  returned_to_sender: 'failed',
  lost: 'failed',
  cancelled: 'cancelled',
  refunded: 'failed',
};

// ---- how people read them ----------------------------------------------------------------------

interface StageWords {
  /** What ops read in timelines and current details. */
  label: string;
  /** What the customer's tracking page says. */
  customer: string;
}

export const ORDER_STAGE_WORDS: Readonly<Record<OrderStage, StageWords>> = {
  received: { label: 'received', customer: 'Order received' },
  reserving: { label: 'reserving', customer: 'Order received' },
  backordered: { label: 'backordered', customer: 'Waiting for stock' },
  fulfilling: { label: 'fulfilling', customer: 'Being prepared' },
  completed: { label: 'completed', customer: 'Delivered' },
  cancelled: { label: 'cancelled', customer: 'Cancelled' },
  failed: { label: 'failed', customer: 'Could not be processed' },
};

export const SHIPMENT_STAGE_WORDS: Readonly<Record<ShipmentStage, StageWords>> = {
  planned: { label: 'planned', customer: 'Being prepared' },
  waiting_for_pick_slot: { label: 'waiting for pick slot', customer: 'Scheduled at the warehouse' },
  picking: { label: 'picking', customer: 'Being picked' },
  packing: { label: 'packing', customer: 'Being packed' },
  rating: { label: 'rating', customer: 'Choosing the carrier' },
  booking: { label: 'booking', customer: 'Choosing the carrier' },
  label_created: { label: 'label created', customer: 'Ready for the carrier' },
  in_transit: { label: 'in transit', customer: 'On its way' },
  out_for_delivery: { label: 'out for delivery', customer: 'Out for delivery' },
  available_for_pickup: { label: 'available for pickup', customer: 'Ready at the pickup point' },
  delivery_failed: { label: 'delivery failed', customer: 'Delivery attempt failed' },
  exception: { label: 'exception', customer: 'Delayed by the carrier' },
  delivered: { label: 'delivered', customer: 'Delivered' },
  returned_to_sender: { label: 'returned to sender', customer: 'Returned' },
  lost: { label: 'lost', customer: 'Lost by the carrier' },
  cancelled: { label: 'cancelled', customer: 'Cancelled' },
  refunded: { label: 'refunded', customer: 'Refunded' },
};

/**
 * Stage visits recorded in StageTiming that are not workflow stages: `intake` (the API accepted the
 * order until its workflow began) and `fulfilment` (the order's `fulfilling` visit, named so since the
 * first recorded rows).
 */
export const ORDER_INTAKE_TIMING = 'intake';
export const ORDER_FULFILLING_TIMING = 'fulfilment';
export const TIMING_WORDS: Readonly<Record<string, StageWords>> = {
  [ORDER_INTAKE_TIMING]: { label: 'intake', customer: 'Order received' },
  [ORDER_FULFILLING_TIMING]: { label: 'fulfilment', customer: 'Being prepared' },
};

/** The StageTiming `stage` of a visit of this order stage. */
export const orderTimingStage = (stage: OrderStage): string => (stage === 'fulfilling' ? ORDER_FULFILLING_TIMING : stage);

/** What the customer reads for a timeline label: a stage's label or id, a timing stage, or the label itself. */
export function customerWords(label: string): string {
  const id = label.replace(/ /g, '_');
  if (includes(SHIPMENT_STAGES, id)) return SHIPMENT_STAGE_WORDS[id].customer;
  if (includes(ORDER_STAGES, id)) return ORDER_STAGE_WORDS[id].customer;
  return TIMING_WORDS[label]?.customer ?? label.replace(/_/g, ' ');
}

// ---- the database ------------------------------------------------------------------------------

/**
 * `Order.status` and `Shipment.status` store the stage itself: the database enums `OrderStatus` and
 * `ShipmentStatus` hold exactly ORDER_STAGES and SHIPMENT_STAGES, and `TrackingStatus` exactly
 * TRACKING_STATUSES. A shipment's status is written only where its journey decides it: by its workflow, or by an
 * activity the workflow hands the stage to (the pick's `picking`, the label purchase's `label_created`), and once by
 * its order, whose plan writes `waiting_for_pick_slot` for a shipment that will wait for the slot booked with it.
 */
export const ORDER_DB_STATUSES: readonly OrderStage[] = ORDER_STAGES;
export const SHIPMENT_DB_STATUSES: readonly ShipmentStage[] = SHIPMENT_STAGES;

// ---- the process chart -------------------------------------------------------------------------

/**
 * The chart box that counts an order or shipment "in stage now", by its database status. A planned
 * shipment is waiting for its slot; an order being fulfilled is counted through its shipments.
 */
export const ORDER_STATUS_CHART_NODE: Readonly<Partial<Record<OrderStage, string>>> = {
  reserving: 'reserving',
  backordered: 'backordered',
};
export const SHIPMENT_STATUS_CHART_NODE: Readonly<Partial<Record<ShipmentStage, string>>> = {
  planned: 'waiting_for_pick_slot',
  waiting_for_pick_slot: 'waiting_for_pick_slot',
  picking: 'picking',
  packing: 'packing',
  rating: 'rating',
  booking: 'booking',
  label_created: 'label_created',
  in_transit: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  available_for_pickup: 'available_for_pickup',
  delivery_failed: 'delivery_failed',
  exception: 'exception',
};

// ---- escalations -------------------------------------------------------------------------------

export const ESCALATION_REASONS = [
  'stuck',
  'late',
  'broken',
  'no_carrier',
  'backorder_deadline',
  'no_pick_slot',
  'return_stuck',
  'return_late',
  'left_after_cancel',
  'delivered_after_all',
] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

export const ESCALATION_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type EscalationSeverity = (typeof ESCALATION_SEVERITIES)[number];

/**
 * What ops can decide. `ship_available` only answers a backorder deadline (ship what is reserved);
 * `reship` only a problem with a parcel the carrier has (book a new label and track again).
 */
export const ESCALATION_DECISIONS = ['wait', 'reship', 'refund', 'cancel', 'ship_available'] as const;
export type EscalationDecision = (typeof ESCALATION_DECISIONS)[number];

interface ReasonRules {
  /** The chart box and ops list heading. */
  label: string;
  initialSeverity: EscalationSeverity;
  decisions: readonly EscalationDecision[];
}

export const ESCALATION_REASON_RULES: Readonly<Record<EscalationReason, ReasonRules>> = {
  stuck: { label: 'Stuck', initialSeverity: 'medium', decisions: ['wait', 'reship', 'refund', 'cancel'] },
  late: { label: 'Late', initialSeverity: 'low', decisions: ['wait', 'reship', 'refund', 'cancel'] },
  broken: { label: 'Broken / lost', initialSeverity: 'high', decisions: ['wait', 'reship', 'refund', 'cancel'] },
  no_carrier: { label: 'No carrier', initialSeverity: 'high', decisions: ['wait', 'refund', 'cancel'] },
  backorder_deadline: { label: 'Backorder overdue', initialSeverity: 'medium', decisions: ['wait', 'ship_available', 'cancel'] },
  no_pick_slot: { label: 'No pick slot', initialSeverity: 'high', decisions: ['wait', 'refund', 'cancel'] },
  // A return parcel that stopped moving or is late: keep waiting, refund without the goods, or close the return.
  return_stuck: { label: 'Return stuck', initialSeverity: 'medium', decisions: ['wait', 'refund', 'cancel'] },
  return_late: { label: 'Return late', initialSeverity: 'low', decisions: ['wait', 'refund', 'cancel'] },
  // A parcel cancelled before its pickup scan that the carrier scanned after all (api/services/left-after-cancel.ts): no
  // workflow follows it. Ops recall or intercept it with the carrier and close it `cancel` (it comes back as a carrier
  // return), or let it be delivered (`wait`). Answered in the database (api/services/escalation-answers.ts).
  left_after_cancel: { label: 'Left after cancel', initialSeverity: 'high', decisions: ['wait', 'cancel'] },
  // A parcel given up (ended lost or refunded) that the carrier delivered after all (api/services/found-parcels.ts): the
  // customer holds goods sent again or refunded. Ops ask them to send the extra goods back and close it `wait` (the goods
  // come back as a return), or write the goods off and close it `cancel` (the customer keeps them). Answered in the database.
  delivered_after_all: { label: 'Delivered after all', initialSeverity: 'medium', decisions: ['wait', 'cancel'] },
};

/** Escalations no workflow follows: opened by the API for a journey already ended, answered in the database. */
export const ANSWERED_IN_THE_DATABASE: ReadonlySet<EscalationReason> = new Set(['left_after_cancel', 'delivered_after_all']);

export const DECISIONS_BY_REASON: Readonly<Record<EscalationReason, readonly EscalationDecision[]>> = Object.fromEntries(
  ESCALATION_REASONS.map((reason) => [reason, ESCALATION_REASON_RULES[reason].decisions]),
) as Record<EscalationReason, readonly EscalationDecision[]>;

/** The next severity up, or the same at the top. */
export function nextSeverity(severity: EscalationSeverity): EscalationSeverity {
  return ESCALATION_SEVERITIES[Math.min(ESCALATION_SEVERITIES.indexOf(severity) + 1, ESCALATION_SEVERITIES.length - 1)] ?? 'critical';
}
