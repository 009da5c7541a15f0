import { log } from '@temporalio/workflow';

/** One undo step, named: what compensation runs when the order calls the shipment off before it left. */
export type Compensation = { step: 'release stock' } | { step: 'free pick slot' } | { step: 'void label'; attempt: number };

const same = (a: Compensation, b: Compensation) =>
  a.step === b.step && (a.step !== 'void label' || (b.step === 'void label' && a.attempt === b.attempt));

/**
 * Compensation as data: each step that needs undoing adds its undo, a step whose effect became
 * permanent (the slot's capacity was used, the carrier took the parcel) drops it, and a cancel runs
 * what is left in reverse. Plain data, so it survives a continue-as-new.
 */
export class Saga {
  constructor(private readonly steps: Compensation[] = []) {}

  add(step: Compensation): void {
    this.steps.push(step);
  }

  drop(step: Compensation): void {
    const i = this.steps.findIndex((s) => same(s, step));
    if (i >= 0) this.steps.splice(i, 1);
  }

  /** Nothing left to undo: the stock has left the building. */
  clear(): void {
    this.steps.length = 0;
  }

  async compensate(undo: (step: Compensation) => Promise<unknown>, shipmentId: string): Promise<void> {
    for (const step of [...this.steps].reverse()) {
      log.info('compensating', { shipmentId, step: step.step });
      await undo(step);
    }
    this.clear();
  }

  get list(): Compensation[] {
    return this.steps;
  }
}
