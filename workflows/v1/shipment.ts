import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BookedLabel, PackedShipment, StageRecord } from '../activity-types';
import { chooseCarrierService } from '../../domain/carrier-choice';
import type { CarrierTrackingEvent, RateQuote, RateRequest, TrackingStatus } from '../../domain/carrier';
import { hoursToRealMs } from '../../domain/clock';
import type {
  EscalationDecision,
  EscalationReason,
  EscalationSeverity,
  EscalationView,
  ShipmentLine,
  ShipmentStage,
  ShipmentView,
  TimelineEntry,
} from '../../domain/journey';
import { ESCALATION_REASON_RULES } from '../../domain/lifecycle';
import { ADDRESS, CANCEL_SHIPMENT_SIGNAL, TRACKING_EVENTS_SIGNAL } from '../../domain/message-shapes';
import { plannedShipmentView } from '../../domain/views';
import { guardedSignal, requireOwnWorkflowId, requireStartInput } from '../shared/message-guards';
import { ids } from '../../domain/ids';
import type { Address, ServiceLevel } from '../../domain/order';
import { normaliseCarrierEvent } from '../../domain/tracking-codes';
import { applyTrackingEvents, initialTrackingState, isBroken, isTerminal, type NormalisedTrackingEvent } from '../../domain/tracking';
import { carrierCommands, carrierQuotes, db, summarised, warehouseAt } from './activity-options';
import { answerEscalationsWith, type OpenEscalation } from './escalation-answer';
import {
  cancelShipmentSignal,
  searchAttributes,
  shipmentAddressChangedSignal,
  shipmentStatusQuery,
  shipmentUpdatedSignal,
  trackingEventsSignal,
} from '../definitions';
import { SHIPMENT_WORKFLOW_INPUT } from '../../domain/workflow-input-shapes';

export interface ShipmentWorkflowInput {
  orderId: string;
  shipmentId: string;
  warehouseCode: string;
  customerId: string;
  lines: ShipmentLine[];
  shipTo: Address;
  serviceLevel: ServiceLevel;
  promisedBy: string;
  /** Business seconds per real second (see domain/clock.ts). */
  timeScale: number;
}

export type ShipmentFinalStage = Extract<ShipmentStage, 'delivered' | 'returned_to_sender' | 'lost' | 'cancelled' | 'refunded'>;

export interface ShipmentOutcome {
  shipmentId: string;
  stage: ShipmentFinalStage;
  packagingCostCents: number;
  shippingCostCents: number;
  promiseMiss: boolean;
  savingCents: number;
}

/** Business hours without a scan before a shipment counts as stuck, per service level. */
const STALL_WINDOW_HOURS: Record<ServiceLevel, number> = { express: 24, standard: 48, economy: 72 };
/** How often carriers without webhooks are polled (business hours). */
const POLL_HOURS = 4;
/** Unanswered for this long, an escalation steps up one severity (business hours). */
const SEVERITY_STEP_HOURS = 8;
const SEVERITIES: EscalationSeverity[] = ['low', 'medium', 'high', 'critical'];
const INITIAL_SEVERITY = (reason: EscalationReason): EscalationSeverity => ESCALATION_REASON_RULES[reason].initialSeverity;

/** The order asked us to stop before the parcel left: compensate and end as cancelled. */
class StopShipment extends Error {
  constructor(readonly stage: Extract<ShipmentFinalStage, 'cancelled' | 'refunded'>) {
    super(stage);
  }
}

/**
 * shipment-<id>: one parcel group from one warehouse to the customer's door.
 * pick slot → pick → pack (box choice) → rate shop → book → track until a final state, with
 * escalations on the way; compensation (void label, release stock, free the slot) in reverse
 * order when the order cancels it.
 */
export async function shipmentWorkflow(input: ShipmentWorkflowInput): Promise<ShipmentOutcome> {
  // A run started by hand without its input (`{}`, `null`) fails at once, naming the field; a recorded run's input has it all.
  requireStartInput('shipment workflow (v1)', SHIPMENT_WORKFLOW_INPUT, input);
  // Frozen, but still registered: started by hand under another id it would act on a real shipment as v3 would.
  requireOwnWorkflowId(`shipment ${input.shipmentId}`, ids.shipmentWorkflowId(input.shipmentId));
  const { shipmentId, orderId, timeScale } = input;
  const warehouse = warehouseAt(input.warehouseCode);
  const stallWindowHours = STALL_WINDOW_HOURS[input.serviceLevel];
  const realHours = (h: number) => hoursToRealMs(h, timeScale);

  let shipTo = input.shipTo;
  let tracking = initialTrackingState();
  let label: BookedLabel | undefined;
  let packed: PackedShipment | undefined;
  let dispatched = false;
  let savingCents = 0;
  let escalationSeq = 0;
  let escalation: OpenEscalation | undefined;
  let cancelReason: string | undefined;
  let pendingAddress: Address | undefined;
  const inbox: { source: 'webhook' | 'poll'; events: CarrierTrackingEvent[] }[] = [];
  const pendingStages: StageRecord[] = [];
  let openStage: StageRecord | undefined;
  /** Compensation as data: each step that needs undoing on cancel pushes its undo here. */
  const undo: { name: string; run: () => Promise<unknown> }[] = [];

  const view: ShipmentView = plannedShipmentView({
    shipmentId,
    workflowId: workflowInfo().workflowId,
    warehouseCode: input.warehouseCode,
    lines: input.lines,
    promisedBy: input.promisedBy,
  });

  // ---- messages ----------------------------------------------------------------------------
  setHandler(shipmentStatusQuery, () => view);
  // Frozen, but guarded: a malformed signal is dropped (shared/message-guards.ts); a well-formed one runs as it always did.
  // Not `note`, declared below: a signal buffered before the handlers exist is handled as they are set.
  const dropped = (detail: string) => view.timeline.push({ at: new Date().toISOString(), kind: 'note', label: 'message ignored', detail });
  guardedSignal(
    trackingEventsSignal,
    TRACKING_EVENTS_SIGNAL,
    (batch) => {
      inbox.push({ source: batch.source, events: batch.events });
    },
    dropped,
  );
  guardedSignal(
    shipmentAddressChangedSignal,
    ADDRESS,
    (address) => {
      pendingAddress = address;
    },
    dropped,
  );
  guardedSignal(
    cancelShipmentSignal,
    CANCEL_SHIPMENT_SIGNAL,
    ({ reason }) => {
      cancelReason = reason;
    },
    dropped,
  );
  answerEscalationsWith(() => escalation, `shipment ${shipmentId}`);

  // ---- bookkeeping -------------------------------------------------------------------------
  const note = (kind: TimelineEntry['kind'], label: string, detail?: string) => {
    view.timeline.push({ at: new Date().toISOString(), kind, label, ...(detail ? { detail } : {}) });
    if (view.timeline.length > 300) view.timeline.splice(0, view.timeline.length - 300);
  };

  const publish = async () => {
    upsertSearchAttributes([
      { key: searchAttributes.shipmentStatus, value: view.stage },
      { key: searchAttributes.escalated, value: escalation !== undefined && !escalation.answer },
      ...(view.carrierCode ? [{ key: searchAttributes.carrier, value: [view.carrierCode] }] : []),
    ]);
    const parent = workflowInfo().parent;
    if (parent) {
      await getExternalWorkflowHandle(parent.workflowId).signal(shipmentUpdatedSignal, view);
    }
  };

  const enterStage = async (stage: ShipmentStage, details: string) => {
    const now = new Date().toISOString();
    if (openStage) pendingStages.push({ ...openStage, endedAt: now, outcome: 'ok' });
    openStage = ['delivered', 'returned_to_sender', 'lost', 'cancelled', 'refunded'].includes(stage)
      ? undefined
      : { orderId, shipmentId, stage, startedAt: now };
    if (openStage) pendingStages.push(openStage);
    view.stage = stage;
    note('stage', stage.replace(/_/g, ' '), details);
    setCurrentDetails(details);
    await publish();
  };

  const flushStages = async (outcome?: StageRecord['outcome']) => {
    if (outcome && openStage) {
      pendingStages.push({ ...openStage, endedAt: new Date().toISOString(), outcome });
      openStage = undefined;
    }
    if (pendingStages.length === 0) return;
    const stages = pendingStages.splice(0);
    await db.recordStages({ stages });
  };

  const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);

  // ---- escalations -------------------------------------------------------------------------
  const openEscalation = async (reason: EscalationReason, detail: string) => {
    escalationSeq += 1;
    const dedupeKey = `${shipmentId}:${reason}:${escalationSeq}`;
    const opened = await summarised(db.openEscalation, `Escalate ${reason}: ${detail}`, {
      dedupeKey,
      orderId,
      shipmentId,
      reason,
      severity: INITIAL_SEVERITY(reason),
      detail,
    });
    const escalationView: EscalationView = {
      escalationId: opened.escalationId,
      reason,
      severity: INITIAL_SEVERITY(reason),
      detail,
      openedAt: opened.openedAt,
    };
    escalation = { view: escalationView, nextStepAtMs: Date.now() + realHours(SEVERITY_STEP_HOURS) };
    view.escalations.push(escalationView);
    note('escalation', `escalated: ${reason}`, detail);
    await db.notifyEscalation({
      escalationId: opened.escalationId,
      dedupeKey: `${dedupeKey}:opened`,
      summary: `${shipmentId} ${reason} (${escalationView.severity}): ${detail}`,
    });
    setCurrentDetails(`Escalated (${reason}, ${escalationView.severity}): ${detail}. Waiting for an ops decision.`);
    await publish();
  };

  const stepUpSeverity = async () => {
    const open = escalation;
    if (!open || open.answer) return;
    const next = SEVERITIES[Math.min(SEVERITIES.indexOf(open.view.severity) + 1, SEVERITIES.length - 1)] ?? 'critical';
    open.nextStepAtMs = Date.now() + realHours(SEVERITY_STEP_HOURS);
    if (next === open.view.severity) return;
    open.view.severity = next;
    await db.raiseEscalationSeverity({ escalationId: open.view.escalationId, severity: next });
    await db.notifyEscalation({
      escalationId: open.view.escalationId,
      dedupeKey: `${open.view.escalationId}:severity:${next}`,
      summary: `${shipmentId} ${open.view.reason} unanswered, now ${next}`,
    });
    note('escalation', `severity raised to ${next}`);
    await publish();
  };

  /** Closes the open escalation without ops, when the facts answered it (a scan arrived, it was delivered). */
  const autoResolve = async (why: string) => {
    const open = escalation;
    if (!open || open.answer) return;
    open.answer = { escalationId: open.view.escalationId, decision: 'wait', resolvedBy: 'colis', note: why };
    await db.closeEscalation({ escalationId: open.view.escalationId, decision: 'wait', resolvedBy: 'colis', note: why });
    open.view.decision = 'wait';
    open.view.resolvedAt = new Date().toISOString();
    note('escalation', `resolved automatically`, why);
    escalation = undefined;
    await publish();
  };

  /** Before tracking starts there is nothing else to do: wait for the decision (or a cancel). */
  const escalateAndWait = async (reason: EscalationReason, detail: string): Promise<EscalationDecision> => {
    await openEscalation(reason, detail);
    for (;;) {
      const open = escalation;
      if (!open) throw new Error('escalation vanished');
      const answered = await condition(
        () => open.answer !== undefined || cancelReason !== undefined,
        Math.max(1, open.nextStepAtMs - Date.now()),
        { summary: `Waiting for ops to answer the ${reason} escalation` },
      );
      if (cancelReason !== undefined) throw new StopShipment('cancelled');
      if (answered && open.answer) {
        escalation = undefined;
        note('escalation', `ops decided: ${open.answer.decision}`, open.answer.note);
        return open.answer.decision;
      }
      await stepUpSeverity();
    }
  };

  const checkCancel = () => {
    if (cancelReason !== undefined) throw new StopShipment('cancelled');
  };

  // ---- carrier booking ---------------------------------------------------------------------
  const bookLabel = async (why: string): Promise<void> => {
    const parcelsPacked = packed;
    if (!parcelsPacked) throw new Error('booking before packing');
    for (;;) {
      checkCancel();
      // An address that changed while the shipment was still in the warehouse is the one to book.
      if (pendingAddress !== undefined) {
        shipTo = pendingAddress;
        pendingAddress = undefined;
      }
      await enterStage('rating', `Asking every carrier for rates (${why})`);
      const carriers = await carrierCommands.listCarriers();
      const request: RateRequest = {
        shipmentId,
        from: parcelsPacked.origin,
        to: shipTo,
        parcels: parcelsPacked.parcels,
        shipAt: new Date().toISOString(),
      };
      const answers = await Promise.allSettled(
        carriers.map((c) => summarised(carrierQuotes.quoteRates, `Rates from ${c.code}`, { carrierCode: c.code, request })),
      );
      const quotes: RateQuote[] = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
      const reliability = Object.fromEntries(carriers.map((c) => [c.code, c.reliability]));
      const choice = chooseCarrierService(quotes, input.promisedBy, reliability);
      if (choice.kind === 'NoServiceAvailable') {
        const failed = answers.filter((a) => a.status === 'rejected').length;
        const decision = await escalateAndWait(
          'no_carrier',
          `no carrier quoted ${parcelsPacked.parcels.length} parcel(s) to ${shipTo.city} (${failed} of ${carriers.length} failed)`,
        );
        if (decision === 'wait') continue;
        throw new StopShipment(decision === 'refund' ? 'refunded' : 'cancelled');
      }
      checkCancel();
      const quote = choice.quote;
      const attempt = view.labelAttempt + 1;
      await enterStage(
        'booking',
        `Booking ${quote.carrierCode} ${quote.serviceCode} at ${(quote.amountCents / 100).toFixed(2)} ${quote.currency}` +
          (choice.promiseMiss ? ' (no service meets the promise: fastest taken)' : ''),
      );
      const booked = await summarised(carrierCommands.buyLabel, `Buy ${quote.carrierCode} ${quote.serviceCode} label #${attempt}`, {
        shipmentId,
        attempt,
        carrierCode: quote.carrierCode,
        request: { ...request, serviceCode: quote.serviceCode },
        fastestCostCents: choice.fastestAmountCents,
        promiseMiss: choice.promiseMiss,
      });
      label = booked;
      savingCents = choice.savingCents;
      undo.push({ name: `void label #${attempt}`, run: () => carrierCommands.voidLabel({ shipmentId, attempt }) });
      view.labelAttempt = attempt;
      view.carrierCode = booked.carrierCode;
      view.serviceCode = booked.serviceCode;
      view.trackingNumber = booked.trackingNumber;
      view.estimatedDeliveryAt = booked.estimatedDeliveryAt;
      view.promiseMiss = choice.promiseMiss;
      view.shippingCostCents += booked.amountCents;
      tracking = initialTrackingState();
      view.trackingStatus = 'label_created';
      await enterStage('label_created', `Label ${booked.trackingNumber} bought; waiting for the carrier to collect`);
      await flushStages();
      return;
    }
  };

  const voidCurrentLabel = async (why: string) => {
    const current = label;
    if (!current || dispatched) return;
    await summarised(carrierCommands.voidLabel, `Void label #${current.attempt} (${why})`, { shipmentId, attempt: current.attempt });
    view.shippingCostCents -= current.amountCents;
    const i = undo.findIndex((u) => u.name === `void label #${current.attempt}`);
    if (i >= 0) undo.splice(i, 1);
    note('note', `label ${current.trackingNumber} voided`, why);
    label = undefined;
  };

  // ---- tracking ----------------------------------------------------------------------------
  const absorb = async (source: 'webhook' | 'poll', raw: CarrierTrackingEvent[]) => {
    const current = label;
    if (!current || raw.length === 0) return;
    const normalised: NormalisedTrackingEvent[] = [];
    for (const event of raw) {
      // Scans for a voided earlier label (after a re-book) are history, not this parcel's state.
      if (event.trackingNumber !== current.trackingNumber) continue;
      const result = normaliseCarrierEvent(event);
      if (result.ok) normalised.push(result.event);
      else log.warn('unknown carrier status code', { shipmentId, code: event.statusCode, carrier: event.carrierCode });
    }
    const before = tracking.status;
    const update = applyTrackingEvents(tracking, normalised);
    tracking = update.state;
    // By identity, not id: the first copy of an event repeated within one batch is fresh, only the repeats are duplicates.
    const duplicates = new Set(update.ignored.filter((i) => i.reason === 'duplicate').map((i) => i.event));
    const fresh = normalised.filter((e) => !duplicates.has(e));
    if (fresh.length === 0) return;
    await db.recordTrackingEvents({ shipmentId, source, events: fresh, status: tracking.status, lastScanAt: tracking.lastScanAt });
    // The view shows a scan once it is stored: whoever reads the query and then the database sees the same facts.
    for (const e of fresh) {
      view.timeline.push({
        at: e.occurredAt,
        kind: 'tracking',
        label: e.status.replace(/_/g, ' '),
        detail: e.detail,
        location: e.location,
      });
    }
    view.trackingStatus = tracking.status;
    view.lastScanAt = tracking.lastScanAt ?? undefined;
    if (!dispatched && tracking.status !== 'label_created') {
      // The carrier has the parcel: the stock has left the building.
      dispatched = true;
      await db.consumeReservations({ shipmentId });
      undo.length = 0;
    }
    if (escalation && !escalation.answer && escalation.view.reason === 'stuck') {
      await autoResolve('a new carrier scan arrived');
    }
    if (tracking.status !== before) {
      await enterStage(tracking.status as ShipmentStage, describeTracking(tracking.status, stallWindowHours, clock));
    }
  };

  /** Applies an ops decision during tracking. Returns a final stage when the decision ends the shipment. */
  const applyDecision = async (open: OpenEscalation): Promise<ShipmentFinalStage | undefined> => {
    const answer = open.answer;
    escalation = undefined;
    if (!answer) return undefined;
    note('escalation', `ops decided: ${answer.decision}`, answer.note);
    switch (answer.decision) {
      case 'wait':
        if (tracking.status === 'returned_to_sender' || tracking.status === 'lost') return tracking.status;
        return undefined;
      case 'reship':
        await voidCurrentLabel('reship');
        dispatched = false;
        await bookLabel('reship');
        return undefined;
      case 'refund':
      case 'cancel':
        await voidCurrentLabel(answer.decision);
        if (!dispatched) await db.releaseReservations({ orderId, shipmentId, reason: `ops ${answer.decision}` });
        undo.length = 0;
        return answer.decision === 'refund' ? 'refunded' : 'cancelled';
      case 'ship_available':
        return undefined;
    }
  };

  const track = async (): Promise<ShipmentFinalStage> => {
    let stallBaseMs = Date.now();
    let lateEscalated = false;
    let brokenEscalatedFor: TrackingStatus | undefined;
    let nextPollMs = Date.now() + realHours(label && !(await supportsWebhooks(label.carrierCode)) ? POLL_HOURS : stallWindowHours / 2);
    const promisedByMs = Date.parse(input.promisedBy);
    for (;;) {
      const stallAtMs = Math.max(stallBaseMs, tracking.lastScanAt ? Date.parse(tracking.lastScanAt) : 0) + realHours(stallWindowHours);
      const deadlines = [nextPollMs];
      if (!escalation) {
        deadlines.push(stallAtMs);
        if (!lateEscalated) deadlines.push(promisedByMs);
      } else if (!escalation.answer) {
        deadlines.push(escalation.nextStepAtMs);
      }
      const wakeAt = Math.min(...deadlines);
      await condition(
        () => inbox.length > 0 || cancelReason !== undefined || pendingAddress !== undefined || escalation?.answer !== undefined,
        Math.max(1, wakeAt - Date.now()),
        { summary: `Next check ${clock(wakeAt)}: scan, poll, stall or promise deadline` },
      );

      if (cancelReason !== undefined) {
        if (!dispatched) throw new StopShipment('cancelled');
        cancelReason = undefined; // too late: the order's validator refuses this, but never act on it
      }
      if (pendingAddress !== undefined) {
        const address = pendingAddress;
        pendingAddress = undefined;
        if (!dispatched) {
          await voidCurrentLabel('address changed');
          shipTo = address;
          await bookLabel('address changed');
          stallBaseMs = Date.now();
          continue;
        }
      }
      while (inbox.length > 0) {
        const batch = inbox.shift();
        if (batch) await absorb(batch.source, batch.events);
      }
      if (escalation?.answer) {
        const final = await applyDecision(escalation);
        if (final) return final;
        stallBaseMs = Date.now();
        brokenEscalatedFor = undefined;
        continue;
      }
      if (tracking.status === 'delivered') {
        await autoResolve('delivered');
        return 'delivered';
      }

      const now = Date.now();
      if (label && now >= nextPollMs) {
        // A carrier that refuses the poll (it lost track of the number) is no reason to fail the
        // shipment: no scans then means the stall window runs out and ops get a stuck escalation.
        const events = await summarised(carrierCommands.pollTracking, `Poll ${label.carrierCode} for ${label.trackingNumber}`, {
          carrierCode: label.carrierCode,
          trackingNumber: label.trackingNumber,
        }).catch((error: unknown) => {
          log.warn('tracking poll refused', { shipmentId, error: String(error) });
          return [] as CarrierTrackingEvent[];
        });
        nextPollMs = now + realHours((await supportsWebhooks(label.carrierCode)) ? stallWindowHours / 2 : POLL_HOURS);
        await absorb('poll', events);
        if (currentStatus() === 'delivered') {
          await autoResolve('delivered');
          return 'delivered';
        }
      }
      if (escalation && !escalation.answer) {
        if (Date.now() >= escalation.nextStepAtMs) await stepUpSeverity();
        continue;
      }
      if (isBroken(tracking.status) && brokenEscalatedFor !== tracking.status) {
        brokenEscalatedFor = tracking.status;
        await openEscalation('broken', `carrier reports ${tracking.status.replace(/_/g, ' ')} for ${label?.trackingNumber ?? shipmentId}`);
        continue;
      }
      if (isTerminal(tracking.status)) continue; // returned or lost: waits for the decision above
      if (Date.now() >= stallAtMs) {
        const since = tracking.lastScanAt ?? new Date(stallBaseMs).toISOString();
        await openEscalation('stuck', `no scan since ${since.slice(0, 16).replace('T', ' ')} (stall window ${stallWindowHours} h)`);
        continue;
      }
      if (!lateEscalated && Date.now() >= promisedByMs) {
        lateEscalated = true;
        await openEscalation('late', `promised by ${input.promisedBy.slice(0, 16).replace('T', ' ')} and not delivered`);
      }
    }
  };

  // A function, not a property read, so the compiler does not narrow across the awaits that change it.
  const currentStatus = (): TrackingStatus => tracking.status;

  const webhookSupport = new Map<string, boolean>();
  const supportsWebhooks = async (carrierCode: string): Promise<boolean> => {
    const known = webhookSupport.get(carrierCode);
    if (known !== undefined) return known;
    const carriers = await carrierCommands.listCarriers();
    for (const c of carriers) webhookSupport.set(c.code, c.supportsWebhooks);
    return webhookSupport.get(carrierCode) ?? false;
  };

  // ---- the journey -------------------------------------------------------------------------
  undo.push({ name: 'release stock', run: () => db.releaseReservations({ orderId, shipmentId, reason: 'shipment cancelled' }) });
  let finalStage: ShipmentFinalStage;
  try {
    await enterStage('waiting_for_pick_slot', `Booking a pick slot at ${input.warehouseCode}`);
    const slot = await summarised(warehouse.reservePickSlot, `Book a pick slot at ${input.warehouseCode}`, {
      shipmentId,
      warehouseCode: input.warehouseCode,
      nowMs: Date.now(),
    });
    undo.push({ name: 'free pick slot', run: () => warehouse.releasePickSlot({ shipmentId }) });
    const waitMs = slot.startsAtMs - Date.now();
    if (waitMs > 0) {
      setCurrentDetails(`Waiting for the pick slot at ${input.warehouseCode} on ${slot.day} (cut-off or daily capacity reached)`);
      await condition(() => cancelReason !== undefined, Math.max(1, Math.round(waitMs / timeScale)), {
        summary: `Pick slot at ${input.warehouseCode} on ${slot.day}`,
      });
    }
    checkCancel();
    await enterStage('picking', `Picking ${input.lines.length} line(s) at ${input.warehouseCode}`);
    await summarised(warehouse.pickShipment, `Pick at ${input.warehouseCode}`, { shipmentId });
    undo.pop(); // the slot's capacity was used
    checkCancel();
    await enterStage('packing', `Packing at ${input.warehouseCode}: choosing boxes for the lowest billed cost`);
    packed = await summarised(warehouse.packShipment, `Pack at ${input.warehouseCode}`, { shipmentId });
    view.packagingCostCents = packed.packagingCostCents;
    note('note', `${packed.parcels.length} package(s)`, packed.packages.map((p) => p.boxCode ?? 'own packaging').join(', '));
    await bookLabel('first booking');
    finalStage = await track();
  } catch (error) {
    if (!(error instanceof StopShipment)) throw error;
    for (const step of undo.reverse()) {
      log.info('compensating', { shipmentId, step: step.name });
      await step.run();
    }
    undo.length = 0;
    if (label && !dispatched) view.shippingCostCents -= label.amountCents;
    finalStage = error.stage;
  }

  if (finalStage === 'cancelled' || finalStage === 'refunded') {
    await db.setShipmentStatus({ shipmentId, status: finalStage });
  }
  if (view.stage !== finalStage) await enterStage(finalStage, `Shipment ${finalStage.replace(/_/g, ' ')}`);
  await flushStages(finalStage === 'delivered' ? 'ok' : finalStage === 'cancelled' ? 'cancelled' : 'failed');
  // The decision that ended the shipment may still be closing its escalation in the database.
  await condition(allHandlersFinished);
  return {
    shipmentId,
    stage: finalStage,
    packagingCostCents: view.packagingCostCents,
    shippingCostCents: view.shippingCostCents,
    promiseMiss: view.promiseMiss,
    savingCents,
  };
}

function describeTracking(status: TrackingStatus, stallWindowHours: number, clock: (ms: number) => string): string {
  const since = clock(Date.now());
  switch (status) {
    case 'label_created':
      return `Waiting for the carrier to collect since ${since} (stall window ${stallWindowHours} h)`;
    case 'in_transit':
      return `In transit; waiting for the next carrier scan since ${since} (stall window ${stallWindowHours} h)`;
    case 'out_for_delivery':
      return `Out for delivery since ${since}`;
    case 'delivered':
      return `Delivered at ${since}`;
    default:
      return `Carrier reports ${status.replace(/_/g, ' ')} at ${since}`;
  }
}
