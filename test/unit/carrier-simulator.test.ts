import { describe, expect, it } from 'vitest';
import type { BuyLabelRequest, CarrierTrackingEvent, RateRequest, TrackingStatus } from '../../domain/carrier';
import { DAY_MS, HOUR_MS } from '../../domain/clock';
import { CARRIER_STATUS_CODES, isSimulatedCarrier, normaliseCarrierEvent } from '../../domain/tracking-codes';
import { CARRIER_CATALOGUE } from '../../scripts/carrier-simulator/catalogue';
import { CarrierApiError, CarrierRejected, CarrierTimeout } from '../../activities/carriers/errors';
import { HttpWebhookSink } from '../../scripts/carrier-simulator/http-webhook-sink';
import { buildCarriers } from '../../carriers/wiring';
import { SCENARIOS, SCENARIO_FINAL_STATUS, type ScenarioName } from '../../scripts/carrier-simulator/scenarios';
import { verifySignature } from '../../activities/carriers/signature';
import { CarrierSimulator, type CarrierSimulatorOptions } from '../../scripts/carrier-simulator/simulator';
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

const instantSleep = async (): Promise<void> => undefined;

function simulatorWith(clock: FakeClock, options: CarrierSimulatorOptions = {}): CarrierSimulator {
  return new CarrierSimulator({ clock, sleep: instantSleep, ...options });
}

function rateRequest(overrides: Partial<RateRequest> = {}): RateRequest {
  return {
    shipmentId: 'shp-1',
    from: { warehouseCode: 'PAR1', postalCode: '75019', countryCode: 'FR' },
    to: { name: 'Ada Martin', line1: '3 rue des Lilas', city: 'Lyon', postalCode: '69003', countryCode: 'FR' },
    parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 2400 }],
    shipAt: new Date(START_MS).toISOString(),
    ...overrides,
  };
}

function buyRequest(overrides: Partial<BuyLabelRequest> = {}): BuyLabelRequest {
  return { ...rateRequest(), serviceCode: 'sp_standard', idempotencyKey: 'shp-1:label:1', ...overrides };
}

const standardServiceOf: Record<string, string> = { swiftpost: 'sp_standard', parcelnord: 'pn_standard', ecoroute: 'er_standard' };

/** Read through the tracking normaliser, so every code the simulator emits is proven understood. */
function statusOf(carrierCode: string, event: CarrierTrackingEvent): TrackingStatus {
  expect(event.carrierCode).toBe(carrierCode);
  const normalised = normaliseCarrierEvent(event);
  if (!normalised.ok) throw new Error(`the normaliser cannot read ${event.statusCode} from ${carrierCode}`);
  return normalised.event.status;
}

function emittedCode(carrierCode: string, status: TrackingStatus): string {
  if (!isSimulatedCarrier(carrierCode)) throw new Error(`no vocabulary for ${carrierCode}`);
  return CARRIER_STATUS_CODES[carrierCode][status];
}

/** The parcel's story as a normaliser would rebuild it: unique events in time order. */
function story(events: readonly CarrierTrackingEvent[]): CarrierTrackingEvent[] {
  const unique = new Map(events.map((event) => [event.eventId, event]));
  return [...unique.values()].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
}

describe('rates', () => {
  it('the three carriers quote different prices and speeds for the same parcel', async () => {
    const simulator = simulatorWith(new FakeClock());
    const quotes = (await Promise.all(simulator.carriers().map((carrier) => carrier.quote(rateRequest())))).flat();

    const standard = Object.fromEntries(quotes.filter((q) => q.serviceLevel === 'standard').map((q) => [q.carrierCode, q]));
    expect(new Set(Object.values(standard).map((q) => q.amountCents)).size).toBe(3);
    expect(new Set(Object.values(standard).map((q) => q.deliveryDays)).size).toBe(3);
    // Premium is fastest and dearest, the budget carrier cheapest and slowest.
    expect(standard.swiftpost!.deliveryDays).toBeLessThan(standard.parcelnord!.deliveryDays);
    expect(standard.parcelnord!.deliveryDays).toBeLessThan(standard.ecoroute!.deliveryDays);
    expect(standard.swiftpost!.amountCents).toBeGreaterThan(standard.parcelnord!.amountCents);
    expect(standard.parcelnord!.amountCents).toBeGreaterThan(standard.ecoroute!.amountCents);

    for (const quote of quotes) {
      expect(quote.currency).toBe('EUR');
      expect(quote.guaranteed).toBe(quote.serviceLevel === 'express');
      expect(Date.parse(quote.estimatedDeliveryAt) - START_MS).toBe(quote.deliveryDays * DAY_MS);
    }
    expect(quotes.map((q) => q.serviceCode).sort()).toEqual(CARRIER_CATALOGUE.flatMap((c) => c.services.map((s) => s.code)).sort());
  });

  it('crossing a border adds a day and a zone surcharge', async () => {
    const swiftpost = simulatorWith(new FakeClock()).carrier('swiftpost');
    const [domestic] = await swiftpost.quote(rateRequest());
    const [abroad] = await swiftpost.quote(
      rateRequest({ to: { ...rateRequest().to, city: 'Berlin', postalCode: '10115', countryCode: 'DE' } }),
    );
    expect(abroad!.deliveryDays).toBe(domestic!.deliveryDays + 1);
    expect(abroad!.amountCents).toBe(domestic!.amountCents + 600);
  });

  it('bills the dimensional weight of a light, bulky parcel', async () => {
    const parcelnord = simulatorWith(new FakeClock()).carrier('parcelnord');
    const dense = await parcelnord.quote(rateRequest({ parcels: [{ lengthMm: 200, widthMm: 200, heightMm: 100, weightGrams: 900 }] }));
    // 600×400×400 mm is 19.2 kg dimensional although it weighs 1 kg.
    const bulky = await parcelnord.quote(rateRequest({ parcels: [{ lengthMm: 600, widthMm: 400, heightMm: 400, weightGrams: 1000 }] }));
    expect(bulky[0]!.amountCents - dense[0]!.amountCents).toBe((20 - 1) * 90);
  });

  it('refuses what the carrier cannot carry, without retry', async () => {
    const simulator = simulatorWith(new FakeClock());
    const toLondon = rateRequest({ to: { ...rateRequest().to, city: 'London', postalCode: 'E1 6AN', countryCode: 'GB' } });
    await expect(simulator.carrier('ecoroute').quote(toLondon)).rejects.toMatchObject({
      type: 'CarrierRejected',
      reason: 'unsupported_destination',
      retryable: false,
    });
    await expect(simulator.carrier('swiftpost').quote(toLondon)).resolves.toHaveLength(2);

    const heavy = rateRequest({ parcels: [{ lengthMm: 400, widthMm: 400, heightMm: 400, weightGrams: 31_000 }] });
    await expect(simulator.carrier('parcelnord').quote(heavy)).rejects.toMatchObject({ reason: 'parcel_too_heavy' });
    const long = rateRequest({ parcels: [{ lengthMm: 1600, widthMm: 100, heightMm: 100, weightGrams: 2000 }] });
    await expect(simulator.carrier('swiftpost').buyLabel(buyRequest({ parcels: long.parcels }))).rejects.toBeInstanceOf(CarrierRejected);
    await expect(simulator.carrier('swiftpost').buyLabel(buyRequest({ serviceCode: 'pn_express' }))).rejects.toMatchObject({
      reason: 'unknown_service',
    });
    expect(simulator.labelsSold()).toBe(0);
  });
});

describe('labels', () => {
  it('a retried purchase with the same idempotency key buys one label', async () => {
    const simulator = simulatorWith(new FakeClock());
    const swiftpost = simulator.carrier('swiftpost');
    const first = await swiftpost.buyLabel(buyRequest());
    const [retry, concurrent] = await Promise.all([swiftpost.buyLabel(buyRequest()), swiftpost.buyLabel(buyRequest())]);
    expect(retry).toEqual(first);
    expect(concurrent).toEqual(first);
    expect(simulator.labelsSold('swiftpost')).toBe(1);
    expect(simulator.chargedCents()).toBe(first.amountCents);
    expect(first.trackingNumber).toMatch(/^SP[0-9A-F]{12}$/);
    expect(Date.parse(first.estimatedDeliveryAt) - START_MS).toBe(2 * DAY_MS);
  });

  it('a different purchase under a used idempotency key is refused', async () => {
    const simulator = simulatorWith(new FakeClock());
    await simulator.carrier('swiftpost').buyLabel(buyRequest());
    await expect(simulator.carrier('swiftpost').buyLabel(buyRequest({ serviceCode: 'sp_express' }))).rejects.toMatchObject({
      type: 'CarrierRejected',
      reason: 'idempotency_conflict',
    });
    expect(simulator.labelsSold()).toBe(1);
  });

  it('a retry that recomputed shipAt is still the same purchase', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock);
    const first = await simulator.carrier('swiftpost').buyLabel(buyRequest());
    clock.advance(30_000);
    const retry = await simulator.carrier('swiftpost').buyLabel(buyRequest({ shipAt: new Date(clock.now()).toISOString() }));
    expect(retry.carrierLabelId).toBe(first.carrierLabelId);
  });

  it('void is idempotent and stops further scans', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock);
    const swiftpost = simulator.carrier('swiftpost');
    const label = await swiftpost.buyLabel(buyRequest());
    clock.advance(4 * HOUR_MS);
    const before = await swiftpost.track(label.trackingNumber);
    expect(before.map((e) => statusOf('swiftpost', e))).toEqual(['label_created', 'in_transit']);

    await expect(swiftpost.voidLabel(label.carrierLabelId)).resolves.toEqual({ voided: true });
    clock.advance(HOUR_MS);
    await expect(swiftpost.voidLabel(label.carrierLabelId)).resolves.toEqual({ voided: true });
    clock.advance(10 * DAY_MS);
    expect(await swiftpost.track(label.trackingNumber)).toEqual(before);
    await expect(swiftpost.voidLabel('sp_lbl_nope')).rejects.toMatchObject({ reason: 'unknown_label' });
  });

  it('track shows only the scans that already happened', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock);
    const label = await simulator.carrier('parcelnord').buyLabel(buyRequest({ serviceCode: 'pn_standard' }));
    expect((await simulator.carrier('parcelnord').track(label.trackingNumber)).map((e) => e.statusCode)).toEqual([
      emittedCode('parcelnord', 'label_created'),
    ]);
    clock.advance(3 * DAY_MS);
    const all = await simulator.carrier('parcelnord').track(label.trackingNumber);
    expect(all.at(-1)!.statusCode).toBe(emittedCode('parcelnord', 'delivered'));
    expect(all.every((e) => Date.parse(e.occurredAt) <= clock.now())).toBe(true);
    await expect(simulator.carrier('parcelnord').track('PN000000000000')).rejects.toMatchObject({ reason: 'unknown_tracking_number' });
  });

  it('the time scale compresses transit but keeps the business story', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock, { timeScale: 1440 });
    const label = await simulator.carrier('ecoroute').buyLabel(buyRequest({ serviceCode: 'er_economy' }));
    // Six business days at 1440× pass in six real minutes.
    expect(Date.parse(label.estimatedDeliveryAt) - START_MS).toBe(6 * 60_000);
    clock.advance(6 * 60_000);
    const events = await simulator.carrier('ecoroute').track(label.trackingNumber);
    expect(statusOf('ecoroute', events.at(-1)!)).toBe('delivered');
  });

  it('the same label replays the same timeline', async () => {
    const timelineOf = async () => {
      const simulator = simulatorWith(new FakeClock());
      const label = await simulator.carrier('swiftpost').buyLabel(buyRequest());
      return simulator.soldLabel(label.trackingNumber)!.timeline;
    };
    expect(await timelineOf()).toEqual(await timelineOf());
  });
});

describe('scenarios', () => {
  const cases = CARRIER_CATALOGUE.flatMap((carrier) => SCENARIOS.map((scenario) => [carrier.code, scenario] as const));

  it.each(cases)('%s: %s ends in its scripted status with the carrier’s raw codes', async (carrierCode, scenario) => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock);
    simulator.scriptShipment('shp-1', scenario);
    const carrier = simulator.carrier(carrierCode);
    const label = await carrier.buyLabel(buyRequest({ serviceCode: standardServiceOf[carrierCode]! }));
    clock.advance(30 * DAY_MS);

    const answer = await carrier.track(label.trackingNumber);
    const events = story(answer);
    const statuses = events.map((e) => statusOf(carrierCode, e));
    expect(statuses[0]).toBe('label_created');
    expect(statuses.at(-1)).toBe(SCENARIO_FINAL_STATUS[scenario]);
    expect(events.at(-1)!.statusCode).toBe(emittedCode(carrierCode, SCENARIO_FINAL_STATUS[scenario]));
    expect(new Set(answer.map((e) => e.eventId)).size).toBe(events.length);
    for (const event of answer) {
      expect(event.carrierCode).toBe(carrierCode);
      expect(event.trackingNumber).toBe(label.trackingNumber);
    }
    expect(answer.length).toBe(scenario === 'duplicate_events' ? 2 * events.length : events.length);
  });

  const stallWindowMs = 48 * HOUR_MS;
  const longestGapMs = (events: readonly CarrierTrackingEvent[]) =>
    Math.max(...events.slice(1).map((e, i) => Date.parse(e.occurredAt) - Date.parse(events[i]!.occurredAt)));

  async function playedStory(scenario: ScenarioName) {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock, { scenarios: { default: scenario } });
    const label = await simulator.carrier('swiftpost').buyLabel(buyRequest());
    clock.advance(30 * DAY_MS);
    const events = story(await simulator.carrier('swiftpost').track(label.trackingNumber));
    return { label, events, statuses: events.map((e) => statusOf('swiftpost', e)) };
  }

  it('normal delivers by the estimate with every gap inside the stall window', async () => {
    const { label, events } = await playedStory('normal');
    expect(Date.parse(events.at(-1)!.occurredAt)).toBeLessThanOrEqual(Date.parse(label.estimatedDeliveryAt));
    expect(longestGapMs(events)).toBeLessThan(stallWindowMs / 2);
  });

  it('slow scans leave long gaps that still stay inside the stall window', async () => {
    const { events } = await playedStory('slow_scans');
    expect(longestGapMs(events)).toBeGreaterThan(stallWindowMs / 2);
    expect(longestGapMs(events)).toBeLessThan(stallWindowMs);
  });

  it('a stall is a label, a pick-up, then silence', async () => {
    expect((await playedStory('stall')).statuses).toEqual(['label_created', 'in_transit']);
  });

  it('late delivers after the estimate', async () => {
    const { label, events } = await playedStory('late');
    expect(Date.parse(events.at(-1)!.occurredAt)).toBeGreaterThan(Date.parse(label.estimatedDeliveryAt));
  });

  it('side states appear where the scenario puts them', async () => {
    expect((await playedStory('exception_then_delivered')).statuses).toContain('exception');
    expect((await playedStory('delivery_failed_then_delivered')).statuses.filter((s) => s === 'out_for_delivery')).toHaveLength(2);
    expect((await playedStory('return_to_sender')).statuses.slice(-2)).toEqual(['delivery_failed', 'returned_to_sender']);
  });

  it('out-of-order tracking answers are not in time order', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock, { scenarios: { byCarrier: { ecoroute: 'out_of_order' } } });
    const label = await simulator.carrier('ecoroute').buyLabel(buyRequest({ serviceCode: 'er_standard' }));
    clock.advance(30 * DAY_MS);
    const answer = await simulator.carrier('ecoroute').track(label.trackingNumber);
    expect(answer).not.toEqual(story(answer));
    expect(statusOf('ecoroute', answer[0]!)).toBe('in_transit');
  });

  it('a scenario can be picked by a tag in the recipient name, and the shipment script wins over it', async () => {
    const simulator = simulatorWith(new FakeClock(), { scenarios: { byShipment: { 'shp-9': 'lost' } } });
    const tagged = { ...rateRequest().to, name: 'Ada Martin [scenario:stall]' };
    const byTag = await simulator.carrier('swiftpost').buyLabel(buyRequest({ to: tagged, idempotencyKey: 'k1' }));
    const byScript = await simulator.carrier('swiftpost').buyLabel(buyRequest({ to: tagged, shipmentId: 'shp-9', idempotencyKey: 'k2' }));
    expect(simulator.soldLabel(byTag.trackingNumber)!.scenario).toBe('stall');
    expect(simulator.soldLabel(byScript.trackingNumber)!.scenario).toBe('lost');
  });
});

describe('webhooks', () => {
  class CaptureSink implements WebhookSink {
    readonly bodies: { carrierCode: string; events: CarrierTrackingEvent[] }[] = [];
    failuresLeft = 0;
    async deliver(carrierCode: string, events: CarrierTrackingEvent[]): Promise<void> {
      if (this.failuresLeft > 0) {
        this.failuresLeft--;
        throw new Error('503 from the API');
      }
      this.bodies.push({ carrierCode, events });
    }
    get events(): CarrierTrackingEvent[] {
      return this.bodies.flatMap((body) => body.events);
    }
  }

  async function dispatch(scenario: ScenarioName, stepMs = HOUR_MS) {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock, { scenarios: { default: scenario } });
    const sink = new CaptureSink();
    const dispatcher = new WebhookDispatcher({ simulator, sink });
    const label = await simulator.carrier('swiftpost').buyLabel(buyRequest());
    for (let elapsed = 0; elapsed < 5 * DAY_MS; elapsed += stepMs) {
      clock.advance(stepMs);
      await dispatcher.deliverDue();
    }
    await dispatcher.stop();
    return { label, sink, timeline: simulator.soldLabel(label.trackingNumber)!.timeline };
  }

  it('pushes every scan once, in order, in a normal journey', async () => {
    const { sink, timeline } = await dispatch('normal');
    expect(sink.events).toEqual(timeline);
  });

  it('duplicate_events pushes every scan twice', async () => {
    const { sink, timeline } = await dispatch('duplicate_events');
    expect(sink.events).toHaveLength(2 * timeline.length);
    expect(story(sink.events)).toEqual(timeline);
  });

  it('out_of_order pushes later scans before earlier ones, even batched together', async () => {
    const hourly = await dispatch('out_of_order');
    expect(hourly.sink.events).not.toEqual(hourly.timeline);
    expect(story(hourly.sink.events)).toEqual(hourly.timeline);

    const oneBigBatch = await dispatch('out_of_order', 5 * DAY_MS);
    expect(oneBigBatch.sink.bodies).toHaveLength(1);
    expect(oneBigBatch.sink.events).not.toEqual(oneBigBatch.timeline);
  });

  it('carriers without webhooks push nothing', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock);
    const sink = new CaptureSink();
    const dispatcher = new WebhookDispatcher({ simulator, sink });
    await simulator.carrier('ecoroute').buyLabel(buyRequest({ serviceCode: 'er_standard' }));
    clock.advance(30 * DAY_MS);
    expect(await dispatcher.deliverDue()).toBe(0);
    expect(dispatcher.pending).toBe(0);
    await dispatcher.stop();
  });

  it('retries a refused delivery with backoff, then gives up quietly', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock);
    const sink = new CaptureSink();
    const givenUp: CarrierTrackingEvent[][] = [];
    const dispatcher = new WebhookDispatcher({
      simulator,
      sink,
      maxAttempts: 3,
      retryBaseDelayMs: 1000,
      onGiveUp: (_code, events) => givenUp.push(events),
    });
    await simulator.carrier('swiftpost').buyLabel(buyRequest());

    sink.failuresLeft = 1;
    clock.advance(10 * 60_000);
    expect(await dispatcher.deliverDue()).toBe(0);
    clock.advance(1000);
    expect(await dispatcher.deliverDue()).toBe(1);

    sink.failuresLeft = 3;
    clock.advance(4 * HOUR_MS);
    await dispatcher.deliverDue();
    clock.advance(1000);
    await dispatcher.deliverDue();
    clock.advance(1999);
    expect(await dispatcher.deliverDue()).toBe(0);
    clock.advance(1);
    await dispatcher.deliverDue();
    expect(givenUp).toHaveLength(1);
    expect(sink.events).toHaveLength(1);
    await dispatcher.stop();
  });

  it('a voided label pushes nothing scanned after its void', async () => {
    const clock = new FakeClock();
    const simulator = simulatorWith(clock);
    const sink = new CaptureSink();
    const dispatcher = new WebhookDispatcher({ simulator, sink });
    const label = await simulator.carrier('swiftpost').buyLabel(buyRequest());
    clock.advance(HOUR_MS / 2);
    await simulator.carrier('swiftpost').voidLabel(label.carrierLabelId);
    clock.advance(30 * DAY_MS);
    await dispatcher.deliverDue();
    expect(sink.events.map((e) => statusOf('swiftpost', e))).toEqual(['label_created']);
    await dispatcher.stop();
  });

  it('live mode delivers on its own timers and stop leaves no timer behind', async () => {
    const simulator = new CarrierSimulator({ timeScale: 86_400 * 1000, sleep: instantSleep });
    const sink = new CaptureSink();
    const dispatcher = new WebhookDispatcher({ simulator, sink, maxTimerMs: 5 });
    dispatcher.start();
    const label = await simulator.carrier('swiftpost').buyLabel(buyRequest({ shipAt: new Date().toISOString() }));
    const timeline = simulator.soldLabel(label.trackingNumber)!.timeline;
    await expect.poll(() => sink.events.length, { timeout: 2000, interval: 5 }).toBe(timeline.length);
    await dispatcher.stop();
    expect(dispatcher.pending).toBe(0);
  });

  it('the HTTP sink posts a signed body to the carrier’s webhook route', async () => {
    const requests: { url: string; body: string; signature: string | null }[] = [];
    const fakeFetch: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      requests.push({ url: String(input), body: String(init?.body), signature: headers.get('colis-signature') });
      return new Response(null, { status: requests.length === 1 ? 500 : 204 });
    };
    const registry = buildCarriers({ secrets: { swiftpost: 'sekret' } });
    const sink = new HttpWebhookSink({ baseUrl: 'http://api.test/', secretFor: registry.secretFor, now: () => START_MS, fetch: fakeFetch });
    const event: CarrierTrackingEvent = {
      carrierCode: 'swiftpost',
      eventId: 'e1',
      trackingNumber: 'SP1',
      statusCode: 'DELIVERED',
      occurredAt: new Date(START_MS).toISOString(),
    };

    await expect(sink.deliver('swiftpost', [event])).rejects.toThrow(/500/);
    await sink.deliver('swiftpost', [event]);
    const sent = requests[1]!;
    expect(sent.url).toBe('http://api.test/carriers/swiftpost/webhooks');
    expect(JSON.parse(sent.body)).toEqual({ events: [event] });
    expect(verifySignature(sent.body, sent.signature ?? undefined, 'sekret', START_MS)).toEqual({ ok: true, timestamp: START_MS / 1000 });
    registry.close();
  });
});

describe('API faults', () => {
  async function failures(seed: number): Promise<string[]> {
    const simulator = simulatorWith(new FakeClock(), {
      faultSeed: seed,
      faults: { parcelnord: { errorRate: 0.2, timeoutRate: 0.1, timeoutMs: 50 } },
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 200; i++) {
      outcomes.push(
        await simulator
          .carrier('parcelnord')
          .quote(rateRequest())
          .then(
            () => 'ok',
            (error: unknown) => (error instanceof CarrierApiError ? `503` : error instanceof CarrierTimeout ? 'timeout' : 'other'),
          ),
      );
    }
    return outcomes;
  }

  it('fails about the configured share of calls, the same calls for the same seed', async () => {
    const first = await failures(7);
    expect(await failures(7)).toEqual(first);
    expect(await failures(8)).not.toEqual(first);
    const count = (kind: string) => first.filter((outcome) => outcome === kind).length;
    expect(count('503')).toBeGreaterThan(20);
    expect(count('503')).toBeLessThan(60);
    expect(count('timeout')).toBeGreaterThan(8);
    expect(count('timeout')).toBeLessThan(35);
    expect(count('other')).toBe(0);
  });

  it('faults are retryable and scoped to their carrier and operations', async () => {
    const simulator = simulatorWith(new FakeClock(), { faults: { swiftpost: { errorRate: 1, operations: ['quote'] } } });
    await expect(simulator.carrier('swiftpost').quote(rateRequest())).rejects.toMatchObject({
      type: 'CarrierApiError',
      status: 503,
      retryable: true,
    });
    await expect(simulator.carrier('swiftpost').buyLabel(buyRequest())).resolves.toBeDefined();
    await expect(simulator.carrier('parcelnord').quote(rateRequest())).resolves.toHaveLength(3);
  });

  it('a purchase whose answer timed out is bought once: the retry gets the same label', async () => {
    const simulator = simulatorWith(new FakeClock());
    simulator.queueFaults('swiftpost', ['timeout', 'error'], 'buyLabel');
    await expect(simulator.carrier('swiftpost').buyLabel(buyRequest())).rejects.toMatchObject({ type: 'CarrierTimeout', retryable: true });
    expect(simulator.labelsSold()).toBe(1);
    await expect(simulator.carrier('swiftpost').buyLabel(buyRequest())).rejects.toBeInstanceOf(CarrierApiError);
    const label = await simulator.carrier('swiftpost').buyLabel(buyRequest());
    expect(simulator.soldLabel(label.trackingNumber)).toBeDefined();
    expect(simulator.labelsSold()).toBe(1);
  });

  it('closing the simulator ends a hanging call at once', async () => {
    const simulator = new CarrierSimulator({ faults: { ecoroute: { timeoutRate: 1, timeoutMs: 60_000 } } });
    const hanging = simulator.carrier('ecoroute').quote(rateRequest());
    simulator.close();
    await expect(hanging).rejects.toBeInstanceOf(CarrierTimeout);
  });
});
