import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipEngineWiring } from '../../carriers/wiring';
import { loadConfig } from '../../config';
import type { OrderView } from '../../domain/journey';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { KEYS, journeyApi } from '../api/harness';
import { type Journey, startJourney } from '../support/journey';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * A warehouse prints a ShipEngine label from Colis: the label bought through ShipEngine (Prism serving
 * its definition), its PDF and ZPL files fetched at purchase from the label's download links, kept, and
 * served by `GET /shipments/{id}/label`. The definition documents the links but not the files behind
 * them (its examples point at the JSON label resource), so this test's transport gives the label distinct
 * download links and serves a real PDF and ZPL there; every API call still goes through Prism.
 */

const SE_ID = 'se-28529731';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1');
const ZPL = Buffer.from('^XA^FO50,50^A0N,40,40^FDColis parcel^FS^XZ', 'latin1');
let mock: PrismMock;
let journey: Journey;
let api: FastifyInstance;
const downloads: string[] = [];

/** Prism for the API; the download host for the files; the label resource's links pointed at them. */
function transport(prism: PrismMock): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const file = /^\/v1\/downloads\/test\/label\.(pdf|zpl)$/.exec(url.pathname)?.[1];
    if (file) {
      downloads.push(file);
      return new Response(file === 'pdf' ? PDF : ZPL, { status: 200 });
    }
    const response = await prism.fetch(input, init);
    if ((init?.method ?? 'GET') !== 'GET' || !/^\/v1\/labels\/[^/]+$/.test(url.pathname) || !response.ok) return response;
    const label = (await response.json()) as Record<string, unknown>;
    const link = (format: string) => `https://api.shipengine.com/v1/downloads/test/label.${format}`;
    const body = { ...label, label_download: { href: link('pdf'), pdf: link('pdf'), zpl: link('zpl'), png: link('png') } };
    return Response.json(body, { status: response.status });
  };
}

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  mock.steer([
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: 'code=404' },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: 'code=404' },
  ]);
  const wiring = shipEngineWiring(
    loadConfig({
      COLIS_SHIPENGINE_API_KEY: 'TEST_documents-key-0123456789',
      COLIS_SHIPENGINE_CARRIERS: `${SE_ID}=swiftpost,${SE_ID}=parcelnord,${SE_ID}=ecoroute`,
      COLIS_SHIPENGINE_WAREHOUSES: WAREHOUSES.map((w) => `${w.code}=${SE_ID}`).join(','),
      COLIS_SHIPENGINE_API_URL: mock.url,
    }),
  );
  if (!wiring) throw new Error('the ShipEngine variables did not configure ShipEngine');
  journey = await startJourney({ shipEngine: { ...wiring, fetch: transport(mock) } });
  api = await journeyApi(journey);
});

afterAll(async () => {
  await api?.close();
  await journey?.teardown();
  await mock?.stop();
});

describe('a ShipEngine label printed from Colis', () => {
  it('its PDF and ZPL are fetched at purchase, kept, and served by GET /shipments/{id}/label', async () => {
    const handle = await journey.placeOrder({
      shipTo: SHIPENGINE_RECIPIENT,
      lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
    });
    const outcome = (await handle.result()) as unknown as OrderView;
    expect(outcome.stage).toBe('completed');
    const shipmentId = outcome.shipments[0]?.shipmentId ?? '';
    expect(downloads.sort()).toEqual(['pdf', 'zpl']);

    const get = (format: string) =>
      api.inject({ method: 'GET', url: `/shipments/${shipmentId}/label?format=${format}`, headers: { 'x-api-key': KEYS.ops.key } });
    const pdf = await get('pdf');
    expect(pdf.statusCode, pdf.body).toBe(200);
    expect(pdf.headers['content-type']).toMatch(/^application\/pdf/);
    expect(pdf.rawPayload.equals(PDF)).toBe(true);
    const zpl = await get('zpl');
    expect(zpl.statusCode, zpl.body).toBe(200);
    expect(zpl.rawPayload.equals(ZPL)).toBe(true);
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  });
});
