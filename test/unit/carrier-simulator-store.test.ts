import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BuyLabelRequest, CarrierTrackingEvent } from '../../domain/carrier';
import { DAY_MS, HOUR_MS } from '../../domain/clock';
import { CarrierRejected } from '../../activities/carriers/errors';
import { buildCarriers, carriersFromConfig } from '../../carriers/wiring';
import type { Db } from '../../activities/db';
import { loadConfig } from '../../config';
import { StartupFailure } from '../../config/process';
import { CarrierSimulator, FileSimulatorStore, type CarrierSimulatorOptions } from '../../scripts/carrier-simulator/simulator';
import { WebhookDispatcher, type WebhookSink } from '../../scripts/carrier-simulator/webhook-dispatcher';

const START_MS = Date.parse('2030-03-04T08:00:00.000Z');

class FakeClock {
  constructor(public nowMs = START_MS) {}
  now(): number {
    return this.nowMs;
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

class CaptureSink implements WebhookSink {
  readonly events: CarrierTrackingEvent[] = [];
  async deliver(_carrierCode: string, events: CarrierTrackingEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

const instantSleep = async (): Promise<void> => undefined;

function buyRequest(overrides: Partial<BuyLabelRequest> = {}): BuyLabelRequest {
  return {
    shipmentId: 'shp-1',
    from: { warehouseCode: 'PAR1', postalCode: '75019', countryCode: 'FR' },
    to: { name: 'Ada Martin', line1: '3 rue des Lilas', city: 'Lyon', postalCode: '69003', countryCode: 'FR' },
    parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 2400 }],
    shipAt: new Date(START_MS).toISOString(),
    serviceCode: 'sp_standard',
    idempotencyKey: 'shp-1:label:1',
    ...overrides,
  };
}

describe('carrier simulator state across restarts', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'colis-simulator-'));
    file = join(dir, 'state', 'carrier-simulator.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A process of its own: a fresh simulator on the same file, as after a restart. */
  const boot = (clock: FakeClock, options: CarrierSimulatorOptions = {}) =>
    new CarrierSimulator({ clock, sleep: instantSleep, store: new FileSimulatorStore(file), ...options });

  it('remembers sold labels: tracking, idempotent purchase, void', async () => {
    const clock = new FakeClock();
    const before = boot(clock, { scenarios: { default: 'out_of_order' } });
    const first = await before.carrier('swiftpost').buyLabel(buyRequest());
    const second = await before
      .carrier('parcelnord')
      .buyLabel(buyRequest({ shipmentId: 'shp-2', serviceCode: 'pn_standard', idempotencyKey: 'shp-2:label:1' }));
    const charged = before.chargedCents();
    clock.advance(DAY_MS);
    const trackedBefore = await before.carrier('swiftpost').track(first.trackingNumber);
    expect(trackedBefore.length).toBeGreaterThan(1);
    before.close();

    // Restarted, with another default scenario: sold labels keep theirs.
    const after = boot(clock, { scenarios: { default: 'normal' } });
    expect(await after.carrier('swiftpost').track(first.trackingNumber)).toEqual(trackedBefore);
    expect(after.soldLabel(first.trackingNumber)?.scenario).toBe('out_of_order');
    expect(after.soldLabel(first.trackingNumber)?.timeline).toEqual(before.soldLabel(first.trackingNumber)?.timeline);
    clock.advance(10 * DAY_MS);
    expect((await after.carrier('swiftpost').track(first.trackingNumber)).length).toBeGreaterThan(trackedBefore.length);

    // A retried purchase gets the very same label and is not billed again.
    expect(await after.carrier('swiftpost').buyLabel(buyRequest({ shipAt: new Date(clock.now()).toISOString() }))).toEqual(first);
    expect(after.labelsSold()).toBe(2);
    expect(after.chargedCents()).toBe(charged);
    await expect(after.carrier('swiftpost').buyLabel(buyRequest({ serviceCode: 'sp_express' }))).rejects.toMatchObject({
      reason: 'idempotency_conflict',
    });

    // Void works, is idempotent, and is itself remembered.
    await expect(after.carrier('parcelnord').voidLabel(second.carrierLabelId)).resolves.toEqual({ voided: true });
    const voidedAtMs = after.soldLabel(second.trackingNumber)?.voidedAtMs;
    expect(voidedAtMs).toBe(clock.now());
    clock.advance(HOUR_MS);
    await expect(after.carrier('parcelnord').voidLabel(second.carrierLabelId)).resolves.toEqual({ voided: true });
    after.close();

    const third = boot(clock);
    expect(third.soldLabel(second.trackingNumber)?.voidedAtMs).toBe(voidedAtMs);
    await expect(third.carrier('parcelnord').voidLabel(second.carrierLabelId)).resolves.toEqual({ voided: true });
    expect(third.labelsSold()).toBe(2);
    await expect(third.carrier('swiftpost').track('SPNOTSOLD')).rejects.toBeInstanceOf(CarrierRejected);
    third.close();

    // Compact JSON, and no temporary file left behind.
    const raw = readFileSync(file, 'utf8');
    expect(raw).not.toContain('\n');
    expect(JSON.parse(raw)).toMatchObject({ version: 1 });
    expect(readdirSync(join(dir, 'state'))).toEqual(['carrier-simulator.json']);
  });

  it('a restarted dispatcher pushes what fell due while down, and nothing twice', async () => {
    const clock = new FakeClock();
    const before = boot(clock);
    const sinkBefore = new CaptureSink();
    const dispatcherBefore = new WebhookDispatcher({ simulator: before, sink: sinkBefore });
    const label = await before.carrier('swiftpost').buyLabel(buyRequest());
    const voided = await before.carrier('swiftpost').buyLabel(buyRequest({ shipmentId: 'shp-2', idempotencyKey: 'shp-2:label:1' }));
    const timeline = before.soldLabel(label.trackingNumber)!.timeline;
    clock.advance(HOUR_MS);
    await dispatcherBefore.deliverDue();
    expect(sinkBefore.events.length).toBeGreaterThan(0);
    expect(sinkBefore.events.length).toBeLessThan(2 * timeline.length);
    await before.carrier('swiftpost').voidLabel(voided.carrierLabelId);
    await dispatcherBefore.stop();
    before.close();

    // Down for ten days: every later scan fell due meanwhile.
    clock.advance(10 * DAY_MS);
    const after = boot(clock);
    const sinkAfter = new CaptureSink();
    const dispatcherAfter = new WebhookDispatcher({ simulator: after, sink: sinkAfter });
    expect(await dispatcherAfter.deliverDue()).toBe(sinkAfter.events.length);
    expect(dispatcherAfter.pending).toBe(0);

    const pushed = [...sinkBefore.events, ...sinkAfter.events];
    const ofLabel = (events: CarrierTrackingEvent[]) => events.filter((event) => event.trackingNumber === label.trackingNumber);
    expect(ofLabel(pushed)).toEqual(timeline);
    expect(ofLabel(sinkAfter.events).length).toBeGreaterThan(0);
    // The voided label's later scans are never pushed, before or after the restart.
    expect(pushed.filter((event) => event.trackingNumber === voided.trackingNumber)).toHaveLength(1);
    await dispatcherAfter.stop();
    after.close();

    // Once pushed, pushed for good: a further restart has nothing left to send.
    const again = boot(clock);
    const sinkAgain = new CaptureSink();
    const dispatcherAgain = new WebhookDispatcher({ simulator: again, sink: sinkAgain });
    expect(dispatcherAgain.pending).toBe(0);
    expect(await dispatcherAgain.deliverDue()).toBe(0);
    await dispatcherAgain.stop();
    again.close();
  });

  it('fails loudly, naming the file, on a state it cannot read', async () => {
    const clock = new FakeClock();
    const fresh = boot(clock);
    expect(fresh.labelsSold()).toBe(0);
    await fresh.carrier('swiftpost').buyLabel(buyRequest());
    fresh.close();
    writeFileSync(file, '{"version":1,"labels":[');
    expect(() => boot(clock)).toThrow(file);
    expect(() => boot(clock)).toThrow(/not valid JSON/);

    writeFileSync(file, '');
    expect(() => boot(clock)).toThrow(file);

    writeFileSync(file, JSON.stringify({ version: 2, carriers: {}, labels: [] }));
    expect(() => boot(clock)).toThrow(/version 2/);

    writeFileSync(file, JSON.stringify({ version: 1, savedAt: new Date(START_MS).toISOString(), carriers: {}, labels: [{ label: {} }] }));
    expect(() => boot(clock)).toThrow(file);
  });

  it('a process starting on a state file it cannot use stops with one line naming COLIS_SIMULATOR_STATE_FILE', async () => {
    // No calendar transit in the script: the database is never asked.
    const noDatabase = {} as Db;
    const start = (path: string) => carriersFromConfig(loadConfig({ COLIS_SIMULATOR_STATE_FILE: path }), noDatabase);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"version":1,"labels":[');
    await expect(start(file)).rejects.toThrow(StartupFailure);
    await expect(start(file)).rejects.toThrow(
      new RegExp(
        `^cannot use the carrier simulator state \\(COLIS_SIMULATOR_STATE_FILE\\): the carrier simulator state ${file} is not valid JSON`,
      ),
    );
    // Readable (none yet) but never writable: was a start, then every label sold failing its activity at its save.
    await expect(start('/proc/sys/colis-carrier-simulator.json')).rejects.toThrow(
      /^cannot use the carrier simulator state \(COLIS_SIMULATOR_STATE_FILE\): cannot save the carrier simulator state \/proc\/sys\/colis-carrier-simulator\.json: EACCES/,
    );
    // Under /proc Node's recursive mkdir never returns: the worker hung at start.
    await expect(start('/proc/colis/carrier-simulator.json')).rejects.toThrow(
      /^cannot use the carrier simulator state \(COLIS_SIMULATOR_STATE_FILE\): cannot save the carrier simulator state \/proc\/colis\/carrier-simulator\.json: ENOENT/,
    );
    rmSync(file);
    const usable = await start(file);
    usable.close();
  });

  it('the carriers keep their state in stateFile, else in memory', async () => {
    const clock = new FakeClock();
    const first = buildCarriers({ stateFile: file, clock });
    const label = await first.get('swiftpost').buyLabel(buyRequest());
    first.close();
    const second = buildCarriers({ clock, stateFile: file });
    expect(second.simulator?.soldLabel(label.trackingNumber)?.label).toEqual(label);
    second.close();
    const inMemory = buildCarriers({ clock });
    expect(inMemory.simulator?.labelsSold()).toBe(0);
    inMemory.close();
  });
});
