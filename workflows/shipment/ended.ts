import { SHIPMENT_STAGE_WORDS } from '../../domain/lifecycle';
import type { AlreadyEnded, AlreadyLabelled, EndedShipment } from '../activity-types';
import { LabelledBeforeThisRun } from './resume';
import type { ShipmentJourney } from './shipment';
import type { ShipmentOutcome } from './types';

/**
 * The journey's first step found the shipment ended already: its row holds a final status and no escalation of its is
 * open. Only a run reset to before that step starts on such a shipment (`temporal workflow reset --type
 * FirstWorkflowTask`, the Web UI's Reset, of a shipment delivered, lost, returned or cancelled): before, it replayed the
 * journey against the database, writing the row's status back (`lost` → `in_transit`) and opening escalations for a
 * parcel long settled. A continued run (continue-as-new) never meets it: it starts at tracking, past the first step.
 *
 * No patch: the answer comes in the first step's recorded result, which no history recorded before carries, and the
 * normal path gains no command; the ended path's only command is the search-attribute upsert below.
 */
export class EndedBeforeThisRun extends Error {
  constructor(readonly ended: EndedShipment) {
    super(`the shipment had ended ${ended.stage} before this run`);
  }
}

/**
 * The step's own answer, or the end of the journey when the shipment had ended before this run; or, when it had been
 * labelled before this run (a v3 run asks, ./resume.ts), the way on to tracking from its label.
 */
export function unlessEnded<T extends object>(answer: T | AlreadyEnded | AlreadyLabelled): T {
  if ('alreadyEnded' in answer) throw new EndedBeforeThisRun(answer.alreadyEnded);
  if ('alreadyLabelled' in answer) throw new LabelledBeforeThisRun(answer.alreadyLabelled);
  return answer;
}

/**
 * Ends the run at once with the outcome the shipment ended with: nothing written, nobody told (its order heard it from
 * the run that ended it; an order reset since adopts this run and reads this outcome, `reshipped` included). The view
 * and the search attributes say the end, not the `planned` the reset run started with.
 */
export async function endAsEndedBefore(j: ShipmentJourney, ended: EndedShipment): Promise<ShipmentOutcome> {
  const { stage } = ended;
  const words = SHIPMENT_STAGE_WORDS[stage].label;
  Object.assign(j.view, {
    stage,
    packagingCostCents: ended.packagingCostCents,
    shippingCostCents: ended.shippingCostCents,
    promiseMiss: ended.promiseMiss,
  });
  j.timeline.note('note', `ended ${words} before this run`, 'a reset run: the journey is not run again, nothing is written');
  await j.announce(`Shipment ${words} before this run (reset): nothing done again`, 'later');
  j.publishStatus();
  return {
    shipmentId: j.input.shipmentId,
    stage,
    packagingCostCents: ended.packagingCostCents,
    shippingCostCents: ended.shippingCostCents,
    promiseMiss: ended.promiseMiss,
    savingCents: ended.savingCents,
    ...(ended.reshipped ? { reshipped: ended.reshipped } : {}),
  };
}
