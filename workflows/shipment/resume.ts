import { carrier, summarised } from '../activity-options';
import type { LabelledShipment, LabelTracking } from '../activity-types';
import { isResetRun } from '../shared/reset-run';
import type { ShipmentJourney } from './shipment';
import type { LabelInHand } from './types';

/**
 * The journey's first step found the shipment labelled already: its label bought and in force, its status
 * `label_created` or later and not final (activities/labelled-shipment.ts). Only a v3 run reset to before that step
 * (`temporal workflow reset --type FirstWorkflowTask`, the Web UI's Reset, of a shipment on its way) starts on one:
 * before, it replayed the journey against the database (each stage visit recorded again, the parcel re-packed, every
 * carrier asked for rates, the label bought again under its key). The run now goes on at tracking, its state as the
 * booking left it (`resumeAtLabel`).
 *
 * No patch: the answer comes in the first step's recorded result, which no history recorded before carries (nor does a
 * v2 run ask for it: `resumeAtLabel` is sent by v3 reset runs only), and the normal path gains no command. A shipment the
 * first step cannot read back faithfully (an escalation of its own, scans that do not fold to its status, v2) is
 * answered as before and replays the journey.
 */
export class LabelledBeforeThisRun extends Error {
  constructor(readonly labelled: LabelledShipment) {
    super(`the shipment was labelled ${labelled.label.trackingNumber} before this run`);
  }
}

/**
 * What a first step is asked with: a v3 run an operator's reset made, or one its order started again after Temporal lost
 * the journey (`startedAgain`), goes on from a label bought before it. Only such a run asks (the question costs the first step a read of the label, its packages and scans): no other run can meet one.
 */
export const resumable = (j: ShipmentJourney): { resumeAtLabel?: true } =>
  j.generation === 'v3' && (isResetRun() || j.input.startedAgain === true) ? { resumeAtLabel: true } : {};

/**
 * Sets the journey's state as the booking that bought the label would have left it (booking.ts `bookLabel`, then the
 * scans since: scans.ts), from what the database recorded: nothing is written, no carrier asked to quote or to buy. The
 * stage visit in progress is the recorded one, so later stages end it rather than visiting picking … booking again.
 */
export async function resumeAtLabel(j: ShipmentJourney, labelled: LabelledShipment): Promise<void> {
  const { label, tracking } = labelled;
  const mode = await summarised(carrier.labelTracking, `How ${label.carrierCode} tracks ${label.trackingNumber}`, {
    carrierCode: label.carrierCode,
  });
  j.stages.resumeRecorded(labelled.stageInProgress);
  j.parcels = labelled.parcels;
  j.shipTo = labelled.shipTo;
  j.tracking = tracking;
  // As scans.ts has it: the carrier has the parcel once its first scan moved it past `label_created`.
  j.dispatched = tracking.status !== 'label_created';
  j.savingCents = labelled.savingCents;
  j.label = labelInHand(labelled, mode);
  // The pick slot's capacity was used; once the carrier has the parcel nothing is left to undo.
  j.saga.clear();
  if (!j.dispatched) {
    j.saga.add({ step: 'release stock' });
    j.saga.add({ step: 'void label', attempt: label.attempt });
  }
  const labelledAtMs = Date.parse(label.purchasedAt);
  // Waiting for collection counts from the label (workflow.ts), later silences from the last scan (tracking.ts).
  j.watch = { stallBaseMs: labelledAtMs, lateEscalated: false, labelledAtMs };
  showLabel(j, labelled);
  // Started again by its order after Temporal lost the journey (order/terminated-shipment.ts), else an operator's reset.
  const after = j.input.startedAgain ? 'its workflow was deleted' : 'a reset';
  j.timeline.note(
    'note',
    `resumed at its label after ${after}`,
    `label ${label.trackingNumber} (${label.carrierCode} ${label.serviceCode}) bought before this run: nothing picked, packed, quoted or bought again`,
  );
  await j.announce(
    `Tracking ${label.trackingNumber}, labelled before this run (${j.input.startedAgain ? 'started again' : 'reset'})`,
    'later',
  );
  j.publishStatus();
}

function labelInHand({ label }: LabelledShipment, mode: LabelTracking): LabelInHand {
  return {
    attempt: label.attempt,
    carrierCode: label.carrierCode,
    trackingNumber: label.trackingNumber,
    amountCents: label.amountCents,
    supportsWebhooks: mode.supportsWebhooks,
    ...(mode.pollStallFraction === undefined ? {} : { pollStallFraction: mode.pollStallFraction }),
    ...(mode.stallWindowHours === undefined ? {} : { stallWindowHours: mode.stallWindowHours }),
    ...(mode.outForDeliveryByHours === undefined ? {} : { outForDeliveryByHours: mode.outForDeliveryByHours }),
  };
}

/** The view's label, costs and promise as the booking and the scans since set them; the recorded scans in its timeline. */
function showLabel(j: ShipmentJourney, labelled: LabelledShipment): void {
  const { label, tracking } = labelled;
  Object.assign(j.view, {
    stage: labelled.stage,
    labelAttempt: label.attempt,
    carrierCode: label.carrierCode,
    serviceCode: label.serviceCode,
    trackingNumber: label.trackingNumber,
    estimatedDeliveryAt: labelled.estimatedDeliveryAt,
    promisedBy: labelled.promisedBy,
    promiseMiss: labelled.promiseMiss,
    trackingStatus: tracking.status,
    lastScanAt: tracking.lastScanAt ?? undefined,
    packagingCostCents: labelled.packagingCostCents,
    shippingCostCents: labelled.shippingCostCents,
  });
  for (const e of tracking.timeline)
    j.timeline.add({ at: e.occurredAt, kind: 'tracking', label: e.status.replace(/_/g, ' '), detail: e.detail, location: e.location });
}
