import { type AddressInfo, connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../activities/carriers/signature';
import { rotateSecret } from '../../api/routes/webhooks';
import { JSON_LIMITS } from '../../api/services/json-input';
import { CODEC_SESSION_COOKIE } from '../../api/services/codec-session';
import { trackingPath } from '../../api/routes/pages/tracking-token';
import {
  createHarness,
  expectErrorShape,
  type Harness,
  KEYS,
  logLeaks,
  newKey,
  orderRequest,
  TRACKING_SECRET,
  WEBHOOK_SECRET,
} from './harness';
import { insertOrder, insertShipment, uniqueId } from './fixtures';

/**
 * What a hostile client sends: nothing of it may be a 5xx, and every refusal names what is wrong.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const intake = (payload: unknown, headers: Record<string, string | string[]> = {}) =>
  h.as(KEYS.intake, {
    method: 'POST',
    url: '/orders',
    headers: { 'content-type': 'application/json', 'idempotency-key': newKey('edge'), ...headers },
    payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });

/** One request written to the listening API as raw bytes (what inject() cannot send: no Host, a chunked empty body), and the raw answer. */
async function rawExchange(request: string): Promise<{ status: number; headers: string; body: string }> {
  const port = h.app.server.listening
    ? (h.app.server.address() as AddressInfo).port
    : Number(new URL(await h.app.listen({ port: 0, host: '127.0.0.1' })).port);
  const answer = await new Promise<string>((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  const split = answer.indexOf('\r\n\r\n');
  return { status: Number(answer.slice(9, 12)), headers: answer.slice(0, split), body: answer.slice(split + 4) };
}

const paths = (response: { json(): unknown }) =>
  ((response.json() as { error: { details?: { path: string }[] } }).error.details ?? []).map((d) => d.path);

describe('bodies are bounded before any recursive work', () => {
  it('refuses deeply nested JSON with a 400, however deep', async () => {
    for (const depth of [JSON_LIMITS.maxDepth + 1, 5_000, 100_000]) {
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const response = await intake(`{"customer":${nested}}`);
      expect(expectErrorShape(response, 400, 'validation_failed').message).toMatch(/nests deeper/);
    }
  });

  it('refuses a body of too many values, and a string longer than any field', async () => {
    const many = await intake({ ...orderRequest(), junk: Array.from({ length: JSON_LIMITS.maxValues + 1 }, () => 0) });
    expect(expectErrorShape(many, 400).message).toMatch(/more than/);
    const long = await intake({ ...orderRequest(), source: 'x'.repeat(JSON_LIMITS.maxStringLength + 1) });
    expect(expectErrorShape(long, 400).message).toMatch(/longer than/);
  });

  it('refuses invalid Unicode and control characters, naming the field, and stores nothing', async () => {
    const before = await h.db.orderIntake.count();
    const request = orderRequest();
    const loneSurrogate = await intake(JSON.stringify({ ...request, shipTo: { ...(request.shipTo as object), city: 'Ly\ud800on' } }));
    expect(paths(loneSurrogate)).toEqual(['body.shipTo.city']);
    expect(expectErrorShape(loneSurrogate, 400).details?.[0]?.message).toMatch(/lone surrogate/);
    const escaped = await intake(`{"customer":{"id":"C1","name":"\\udc00x"},"lines":[]}`);
    expect(paths(escaped)).toContain('body.customer.name');
    const nul = await intake({ ...request, customer: { id: 'C1', name: 'a\u0000b' } });
    expect(paths(nul)).toEqual(['body.customer.name']);
    expect(await h.db.orderIntake.count()).toBe(before);
    const key = await intake(`{"__proto__":{"admin":true},"lines":[]}`);
    expect(expectErrorShape(key, 400).details?.[0]?.path).toBe('body.__proto__');
  });

  it('refuses names and address lines that would not print as they read (direction overrides, invisible characters)', async () => {
    const before = await h.db.orderIntake.count();
    const request = orderRequest();
    const shipTo = request.shipTo as Record<string, string>;
    for (const [payload, field, message] of [
      [
        { ...request, shipTo: { ...shipTo, line1: '12 rue \u202Eelbuod' } },
        'body.shipTo.line1',
        /text-direction control character \(U\+202E\)/,
      ],
      [{ ...request, shipTo: { ...shipTo, city: 'Ly\u2066on' } }, 'body.shipTo.city', /U\+2066/],
      [{ ...request, shipTo: { ...shipTo, name: 'Camille\u200BDurand' } }, 'body.shipTo.name', /invisible character \(U\+200B\)/],
      [{ ...request, customer: { id: 'C1', name: '\u3164' } }, 'body.customer.name', /invisible character \(U\+3164\)/],
      [{ ...request, customer: { id: 'C1', name: '\u200D\u200C' } }, 'body.customer.name', /no visible character/],
      [{ ...request, shipTo: { ...shipTo, line2: '\u2060' } }, 'body.shipTo.line2', /invisible character/],
      // A line break prints a second line on the label; hidden text rides in tag characters; a braille blank passes for a blank name.
      [{ ...request, shipTo: { ...shipTo, name: 'Camille\n99 rue Fausse' } }, 'body.shipTo.name', /line break .*U\+000A/],
      [{ ...request, shipTo: { ...shipTo, line1: '12 rue\u2028des Lilas' } }, 'body.shipTo.line1', /line break .*U\+2028/],
      [{ ...request, shipTo: { ...shipTo, city: 'Lyon\u0085' } }, 'body.shipTo.city', /U\+0085/],
      [{ ...request, shipTo: { ...shipTo, line2: 'Bât.\tB' } }, 'body.shipTo.line2', /U\+0009/],
      [{ ...request, customer: { id: 'C1', name: 'Camille\u{E0041}\u{E0042}' } }, 'body.customer.name', /invisible character \(U\+E0041\)/],
      [{ ...request, customer: { id: 'C1', name: '\u2800\u2800' } }, 'body.customer.name', /invisible character \(U\+2800\)/],
      [{ ...request, shipTo: { ...shipTo, name: 'Ca\u00ADmille' } }, 'body.shipTo.name', /U\+00AD/],
      [{ ...request, shipTo: { ...shipTo, city: 'Ly\uFFF9on\uFFFA\uFFFB' } }, 'body.shipTo.city', /U\+FFF9/],
      [{ ...request, shipTo: { ...shipTo, name: 'a\u034Fb' } }, 'body.shipTo.name', /U\+034F/],
      [{ ...request, shipTo: { ...shipTo, name: 'a\u206Ab' } }, 'body.shipTo.name', /U\+206A/],
      [{ ...request, source: 'shop\u202Eppa' }, 'body.source', /U\+202E/],
    ] as const) {
      const response = await intake(payload);
      const details = expectErrorShape(response, 400, 'validation_failed').details ?? [];
      expect(details.map((d) => d.path)).toEqual([field]);
      expect(details[0]?.message).toMatch(message);
    }
    expect(await h.db.orderIntake.count()).toBe(before);
    const change = await h.as(KEYS.ops, {
      method: 'POST',
      url: '/orders/ORD-none/address',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ shipTo: { ...shipTo, line1: 'Rue \u202Dx' } }),
    });
    expect(paths(change)).toEqual(['body.shipTo.line1']);
    // Scripts that need joiners inside words, and marks, are text: a Persian name with a ZWNJ, an emoji sequence.
    const persian = await intake({
      ...request,
      shipTo: { ...shipTo, name: 'می\u200Cخواهم' },
      customer: { id: 'C1', name: '👩\u200D🔧 Ana' },
    });
    expect(persian.statusCode, persian.body).toBe(202);
    // Variation selectors (an emoji's, a Japanese name's ideographic variant) and the tags of a region's flag are text too.
    const variants = await intake({
      ...request,
      shipTo: { ...shipTo, name: '葛\u{E0100}城 ❤\uFE0F' },
      customer: { id: 'C1', name: 'Fiona 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}' },
    });
    expect(variants.statusCode, variants.body).toBe(202);
  });

  it("refuses ops' and shops' free text that would not show as written (reasons, references, notes), naming the field", async () => {
    const send = (key: (typeof KEYS)[keyof typeof KEYS], method: 'POST' | 'PUT', url: string, body: unknown) =>
      h.as(key, {
        method,
        url,
        headers: { 'content-type': 'application/json', 'idempotency-key': newKey('text') },
        payload: JSON.stringify(body),
      });
    const restock = { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350', quantity: 1 };
    const inspection = { lines: [{ lineNo: 1, restock: 1, writeOff: 0 }] };
    const returnLines = [{ sku: 'MUG-CER-350', quantity: 1 }];
    const cases = [
      [KEYS.intake, 'POST', '/orders/ORD-none/cancel', { reason: 'customer \u202E01 EUR' }, 'body.reason', /U\+202E/],
      [KEYS.ops, 'PUT', '/warehouses/PAR1/availability', { status: 'down', reason: 'flood\nall fine' }, 'body.reason', /U\+000A/],
      [KEYS.ops, 'POST', '/inventory/restock', { ...restock, reference: 'ASN-1\u200B' }, 'body.reference', /U\+200B/],
      [KEYS.ops, 'POST', '/claims/CLM-none/status', { status: 'submitted', note: 'paid \u2066999\u2069' }, 'body.note', /U\+2066/],
      [KEYS.ops, 'POST', '/escalations/esc-none/resolve', { decision: 'wait', note: 'ok\u00AD' }, 'body.note', /U\+00AD/],
      [KEYS.ops, 'POST', '/returns/RMA-NONE/inspection', { ...inspection, note: 'torn\u2028box' }, 'body.note', /U\+2028/],
      [
        KEYS.intake,
        'POST',
        '/orders/ORD-none/returns',
        { lines: returnLines, reason: 'damaged', comment: 'box \u202Atorn' },
        'body.comment',
        /U\+202A/,
      ],
    ] as const;
    for (const [key, method, url, body, field, message] of cases) {
      const response = await send(key, method, url, body);
      const details = expectErrorShape(response, 400, 'validation_failed').details ?? [];
      expect(
        details.map((d) => d.path),
        `${url} ${response.body}`,
      ).toEqual([field]);
      expect(details[0]?.message).toMatch(message);
    }
    // A note may run over lines (LF, CRLF) and hold tabs: past validation, the unknown escalation is what is refused.
    const multiline = await send(KEYS.ops, 'POST', '/escalations/esc-none/resolve', {
      decision: 'wait',
      note: 'called\r\n\tno answer\nretry',
    });
    expect(multiline.statusCode, multiline.body).toBe(404);
  });

  it('refuses huge and non-finite numbers as a 400', async () => {
    for (const quantity of ['1e400', '-1e400', '1e308', '123456789012345678901234567890', '0.1e-400']) {
      const response = await intake(JSON.stringify(orderRequest()).replace('"quantity":2', `"quantity":${quantity}`));
      expect(response.statusCode, `${quantity}: ${response.body}`).toBe(400);
    }
  });

  it('answers an empty body, a non-JSON one and a truncated one with invalid_json, never echoing the body', async () => {
    expectErrorShape(await intake(''), 400, 'invalid_json');
    const broken = await intake('{"customer": "Camille Durand"');
    expect(expectErrorShape(broken, 400, 'invalid_json').message).not.toContain('Camille');
  });
});

describe('bodies that are not UTF-8', () => {
  const latin1Order = () => Buffer.from(JSON.stringify(orderRequest()).replace('Camille Durand', 'Ren\u00e9 Durand'), 'latin1');

  it('refuses a JSON body whose bytes are not UTF-8 (Latin-1 "René") with a 400 naming the byte, instead of storing "Ren\ufffd"', async () => {
    const before = await h.db.orderIntake.count();
    const response = await intake(latin1Order());
    const error = expectErrorShape(response, 400, 'invalid_json');
    expect(error.message).toMatch(/not UTF-8 text \(byte \d+/);
    expect(error.details?.[0]?.path).toBe('body');
    expect(await h.db.orderIntake.count()).toBe(before);
  });

  it('refuses a JSON body that declares another charset with a 415 naming the header, and takes UTF-8 declared or not', async () => {
    const before = await h.db.orderIntake.count();
    for (const contentType of [
      'application/json; charset=iso-8859-1',
      'application/json;charset="UTF-16"',
      'application/json; charset=latin1',
    ]) {
      const response = await intake(latin1Order(), { 'content-type': contentType });
      const error = expectErrorShape(response, 415, 'unsupported_media_type');
      expect(error.details?.[0]?.path, contentType).toBe('headers.content-type');
    }
    expect(await h.db.orderIntake.count()).toBe(before);
    const utf8 = JSON.stringify(orderRequest()).replace('Camille Durand', 'Ren\u00e9 \ufffd Durand');
    for (const contentType of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json']) {
      const response = await intake(utf8, { 'content-type': contentType });
      expect(response.statusCode, response.body).toBe(202);
    }
  });

  it('refuses a body with a Content-Encoding (never decompressed) with a 415 naming the header; identity is no coding', async () => {
    const before = await h.db.orderIntake.count();
    const plain = JSON.stringify(orderRequest());
    // A gzipped document was a 400 "byte 1 is not UTF-8"; a plain one labelled gzip was read as if it were not.
    for (const [payload, coding] of [
      [gzipSync(plain), 'gzip'],
      [plain, 'gzip'],
      [plain, 'br'],
      [plain, 'identity, gzip'],
    ] as const) {
      const error = expectErrorShape(await intake(payload, { 'content-encoding': coding }), 415, 'unsupported_media_type');
      expect(error.details, coding).toEqual([
        { path: 'headers.content-encoding', message: expect.stringContaining('send the body uncompressed') },
      ]);
    }
    expect(await h.db.orderIntake.count()).toBe(before);
    expect((await intake(plain, { 'content-encoding': 'identity' })).statusCode).toBe(202);
  });

  it('refuses a carrier webhook whose bytes are not UTF-8, before anything is read from it', async () => {
    const body = Buffer.from('{"events":[{"eventId":"e-\u00e9","carrierCode":"swiftpost"}]}', 'latin1');
    const response = await h.app.inject({
      method: 'POST',
      url: '/carriers/swiftpost/webhooks',
      headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, WEBHOOK_SECRET, Date.now()) },
      payload: body,
    });
    expect(expectErrorShape(response, 400, 'invalid_json').message).toMatch(/not UTF-8/);
  });
});

describe('fields the API does not know, and fields given twice', () => {
  const ops = (method: 'POST' | 'PATCH' | 'PUT', url: string, payload: unknown) =>
    h.as(KEYS.ops, { method, url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  it('refuses a field given twice in one object, naming it, however its name is escaped, and stores nothing', async () => {
    const before = await h.db.orderIntake.count();
    const text = JSON.stringify(orderRequest());
    const twiceAtTop = await intake(text.replace('"lines":', '"lines":[],"lines":'));
    expect(expectErrorShape(twiceAtTop, 400, 'validation_failed').message).toMatch(/more than once/);
    expect(paths(twiceAtTop)).toEqual(['body.lines']);
    const twiceInside = await intake(text.replace('"city":', '"city":"Paris","city":'));
    expect(paths(twiceInside)).toEqual(['body.shipTo.city']);
    const escaped = await intake(text.replace('"quantity":2', '"quantity":2,"\\u0071uantity":900'));
    expect(paths(escaped)).toEqual(['body.lines.0.quantity']);
    expect(await h.db.orderIntake.count()).toBe(before);
    // The same name in two objects (a customer's and a recipient's `name`) is no repeat.
    expect((await intake(orderRequest())).statusCode).toBe(202);
  });

  it('refuses a misspelt or unknown field anywhere in a body, naming it, instead of dropping it in silence', async () => {
    const before = await h.db.orderIntake.count();
    const request = orderRequest();
    const misspelt = await intake({ ...request, notifycustomer: false });
    expect(expectErrorShape(misspelt, 400, 'validation_failed').message).toMatch(/does not know/);
    expect(paths(misspelt)).toEqual(['body.notifycustomer']);
    const nested = await intake({
      ...request,
      shipTo: { ...(request.shipTo as object), line3: 'Bât. B' },
      lines: [{ sku: 'MUG-CER-350', quantity: 2, colour: 'blue' }],
    });
    expect(paths(nested).sort()).toEqual(['body.lines.0.colour', 'body.shipTo.line3']);
    expect(await h.db.orderIntake.count()).toBe(before);

    const level = () =>
      h.db.inventoryLevel.findUniqueOrThrow({ where: { warehouseCode_skuCode: { warehouseCode: 'PAR1', skuCode: 'MUG-CER-350' } } });
    const stock = await level();
    const restock = await ops('POST', '/inventory/restock', {
      warehouseCode: 'PAR1',
      skuCode: 'MUG-CER-350',
      quantity: 5,
      reference: newKey('typo'),
      referance: 'PO-1',
    });
    expect(paths(restock)).toEqual(['body.referance']);
    expect((await level()).onHand).toBe(stock.onHand);
    const shop = await ops('PATCH', '/shops/edge-shop', { displayName: 'Edge', returnWindowdays: 0 });
    expect(paths(shop)).toEqual(['body.returnWindowdays']);
    expect(await h.db.shop.findUnique({ where: { id: 'edge-shop' } })).toBeNull();
  });

  it('names an unknown field on the endpoints whose schema is strict too (warehouse availability, escalation answer, inspection)', async () => {
    // Old: one detail on the object that holds it, { path: 'body', message: 'Unrecognized key: "reasn"' }.
    const warehouse = await ops('PUT', '/warehouses/PAR1/availability', { status: 'down', reasn: 'flood' });
    expect(expectErrorShape(warehouse, 400, 'validation_failed').details).toEqual([
      { path: 'body.reasn', message: expect.stringMatching(/is not a field of this request/) },
    ]);
    expect((await h.db.warehouse.findUniqueOrThrow({ where: { code: 'PAR1' } })).downSince).toBeNull();
    const escalation = await ops('POST', '/escalations/ESC-EDGE-1/resolve', { decision: 'wait', notes: 'x', extra: 1 });
    expect(paths(escalation).sort()).toEqual(['body.extra', 'body.notes']);
    const inspection = await ops('POST', '/returns/RMA-EDGE1/inspection', { lines: [{ lineNo: 1, restock: 1, writeOff: 0, damaged: 1 }] });
    expect(paths(inspection)).toEqual(['body.lines.0.damaged']);
  });

  it("still takes a field it does not know in the Temporal codec's payloads, a protocol it does not own", async () => {
    const response = await ops('POST', '/codec/encode', { payloads: [], uiVersion: '2.54.1' });
    expect(response.statusCode, response.body).toBe(200);
  });
});

describe("a shop's settings", () => {
  it('a configured shop with no row yet reads its defaults, as PATCH would store them; another shop and an unknown one are 404', async () => {
    expect(await h.db.shop.findUnique({ where: { id: KEYS.intakeB.name } })).toBeNull();
    const own = await h.as(KEYS.intakeB, { method: 'GET', url: `/shops/${KEYS.intakeB.name}` });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toEqual({ id: KEYS.intakeB.name, displayName: KEYS.intakeB.name, returnWindowDays: 30 });
    expect((await h.as(KEYS.ops, { method: 'GET', url: `/shops/${KEYS.intakeB.name}` })).json()).toEqual(own.json());
    expectErrorShape(await h.as(KEYS.intake, { method: 'GET', url: `/shops/${KEYS.intakeB.name}` }), 404, 'not_found');
    expectErrorShape(await h.as(KEYS.ops, { method: 'GET', url: '/shops/no-such-shop' }), 404, 'not_found');
    expect(await h.db.shop.findUnique({ where: { id: KEYS.intakeB.name } })).toBeNull();
  });
});

describe('URLs and headers', () => {
  /** A shop webhook subscription to `url`, created by ops; its id. */
  const subscribe = async (url: string, shopId = '*'): Promise<string> => {
    const created = await h.as(KEYS.ops, { method: 'POST', url: '/webhooks/subscriptions', payload: { url, shopId } });
    expect(created.statusCode, created.body).toBe(201);
    return (created.json() as { id: string }).id;
  };
  it('refuses control characters in a query string or a path, naming them; never decodes invalid UTF-8 into text', async () => {
    for (const query of ['warehouseCode=PAR%001', 'warehouseCode=PAR%0A', 'warehouseCode=%09', 'warehouse%00Code=1']) {
      const response = await h.as(KEYS.ops, { method: 'GET', url: `/inventory?${query}` });
      expect(response.statusCode, `${query}: ${response.body}`).toBe(400);
      expect(paths(response)[0]).toMatch(/^query\./);
    }
    // Bytes that are not UTF-8 (a lone surrogate's encoding, 0xFF) stay escaped: matched as text, they find nothing.
    for (const query of ['warehouseCode=%ED%A0%80', 'skuCode=%FF%FE', 'warehouseCode=%C0%80']) {
      const response = await h.as(KEYS.ops, { method: 'GET', url: `/inventory?${query}` });
      expect([200, 400], `${query}: ${response.body}`).toContain(response.statusCode);
    }
    const path = await h.as(KEYS.ops, { method: 'GET', url: '/orders/ORD%00X' });
    expect(path.statusCode).toBe(400);
  });

  it('refuses a query parameter given twice, naming it, on every kind of parameter', async () => {
    for (const [url, field] of [
      ['/orders?limit=1&limit=2', 'query.limit'],
      ['/claims?limit=5&limit=5', 'query.limit'],
      ['/escalations?open=true&open=false', 'query.open'],
      ['/inventory?warehouseCode=PAR1&warehouseCode=HAM1', 'query.warehouseCode'],
    ] as const) {
      const response = await h.as(KEYS.ops, { method: 'GET', url });
      expect(expectErrorShape(response, 400, 'validation_failed').details, `${url}: ${response.body}`).toEqual([
        { path: field, message: 'is given more than once; give each query parameter once' },
      ]);
    }
    expect((await h.as(KEYS.ops, { method: 'GET', url: '/orders?limit=1' })).statusCode).toBe(200);
  });

  it('reads a page size written in digits only: 0x10, 1e1, 16.0 and an empty value are refused naming query.limit', async () => {
    for (const path of ['/orders', '/claims', '/returns', '/webhooks/deliveries', '/escalations']) {
      for (const limit of ['0x10', '1e1', '16.0', '', ' 16', '+16', '0', '201']) {
        const response = await h.as(KEYS.ops, { method: 'GET', url: `${path}?limit=${encodeURIComponent(limit)}` });
        expect(
          expectErrorShape(response, 400, 'validation_failed').details?.map((d) => d.path),
          `${path}?limit=${limit}`,
        ).toEqual(['query.limit']);
      }
      const page = await h.as(KEYS.ops, { method: 'GET', url: `${path}?limit=16` });
      expect(page.statusCode, `${path}: ${page.body}`).toBe(200);
      expect((await h.as(KEYS.ops, { method: 'GET', url: path })).statusCode).toBe(200);
    }
  });

  it('refuses a query parameter the endpoint does not read, naming it: a misspelt filter would list everything', async () => {
    for (const [url, field] of [
      ['/inventory?sku=MUG-CER-350', 'query.sku'],
      ['/orders?stauts=cancelled', 'query.stauts'],
      ['/inventory?cursor=abc', 'query.cursor'],
      ['/escalations?open=true&offset=-1', 'query.offset'],
    ] as const) {
      const response = await h.as(KEYS.ops, { method: 'GET', url });
      expect(expectErrorShape(response, 400, 'validation_failed').details, `${url}: ${response.body}`).toEqual([
        { path: field, message: 'is not a query parameter of this endpoint' },
      ]);
    }
    expect((await h.as(KEYS.ops, { method: 'GET', url: '/inventory?skuCode=MUG-CER-350' })).statusCode).toBe(200);
    // Pages people reach by links keep working with what mail tools append; a route that reads no query ignores it.
    expect((await h.as(undefined, { method: 'GET', url: '/track/ORD-NOPE?t=x&utm_source=mail' })).statusCode).toBe(404);
    expect((await h.as(undefined, { method: 'GET', url: '/healthz?probe=1' })).statusCode).toBe(200);
  });

  it('refuses an order-list date PostgreSQL cannot store (year 0, year 10000 in UTC) with a 400 naming it, never a 5xx', async () => {
    for (const [query, field] of [
      ['createdFrom=0000-01-01T00:00:00Z', 'query.createdFrom'],
      ['createdTo=0001-01-01T00:00:00%2B23:59', 'query.createdTo'],
      ['createdTo=9999-12-31T23:59:59-23:59', 'query.createdTo'],
    ]) {
      for (const key of [KEYS.ops, KEYS.intake]) {
        const response = await h.as(key, { method: 'GET', url: `/orders?${query}` });
        expect(response.statusCode, `${query}: ${response.body}`).toBe(400);
        expect(paths(response)).toEqual([field]);
      }
    }
  });

  it('treats duplicated headers as the refusal they deserve, never as a 5xx', async () => {
    const twoKeys = await intake(orderRequest(), { 'idempotency-key': ['dup-key-0001', 'dup-key-0002'] });
    expect(expectErrorShape(twoKeys, 400).details).toEqual([
      { path: 'headers.idempotency-key', message: 'the Idempotency-Key header is given more than once: send one key' },
    ]);
    const twoApiKeys = await h.app.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': [KEYS.ops.key, KEYS.intake.key] } });
    expectErrorShape(twoApiKeys, 401, 'unauthorized');
  });

  it('says what is wrong with an Idempotency-Key too long, and with a path segment longer than any id', async () => {
    const long = await intake(orderRequest(), { 'idempotency-key': 'k'.repeat(201) });
    expect(expectErrorShape(long, 400).message).toBe('the request headers are invalid');
    expect(expectErrorShape(long, 400).details).toEqual([
      { path: 'headers.idempotency-key', message: expect.stringMatching(/at most 200/) },
    ]);
    const segment = await h.as(KEYS.ops, { method: 'GET', url: `/orders/${'A'.repeat(101)}` });
    expect(expectErrorShape(segment, 400, 'validation_failed').message).toMatch(/path segment longer than 100 characters/);
    expect(segment.body).not.toMatch(/percent-encoding/);
    const notUtf8 = await h.as(KEYS.ops, { method: 'GET', url: '/orders/%C0%AE' });
    expect(expectErrorShape(notUtf8, 400).message).toMatch(/percent-encoding/);
  });

  it('answers an API URL too long for the HTTP parser (431) in the one error shape, with a request id, never echoing it', async () => {
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const secret = 'T0KEN'.repeat(4_000);
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(Number(new URL(address).port), '127.0.0.1', () =>
        socket.write(`GET /orders?cursor=${secret} HTTP/1.1\r\nHost: colis\r\n\r\n`),
      );
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string }; requestId: string };
    expect(body).toMatchObject({ error: { code: 'validation_failed', message: expect.stringMatching(/larger than the server reads/) } });
    expect(answer).toContain(`X-Request-Id: ${body.requestId}`);
    expect(answer).not.toContain('T0KEN');
  });

  it('answers 405 with Allow for a wrong method on an existing path, 404 for a path that does not exist', async () => {
    const wrong = await h.as(KEYS.ops, { method: 'DELETE', url: '/orders/ORD-X' });
    expectErrorShape(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.allow).toBe('GET, HEAD');
    const put = await h.as(KEYS.ops, { method: 'PUT', url: '/orders' });
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expectErrorShape(await h.as(KEYS.ops, { method: 'GET', url: '/nowhere' }), 404, 'not_found');
  });

  it('answers a call without a body to an endpoint that takes none whatever its Content-Type says; one that takes a body still needs it', async () => {
    const id = await subscribe('https://example.com/no-body');
    for (const contentType of ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded']) {
      const rotated = await h.as(KEYS.ops, {
        method: 'POST',
        url: `/webhooks/subscriptions/${id}/rotate`,
        headers: { 'content-type': contentType },
      });
      expect(rotated.statusCode, `${contentType}: ${rotated.body}`).toBe(200);
      const session = await h.as(KEYS.ops, { method: 'POST', url: '/codec/session', headers: { 'content-type': contentType } });
      expect(session.statusCode, `${contentType}: ${session.body}`).toBe(200);
    }
    const removed = await h.as(KEYS.ops, {
      method: 'DELETE',
      url: `/webhooks/subscriptions/${id}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(removed.statusCode, removed.body).toBe(200);
    // An endpoint that reads a body still says it is missing, and a body sent to one that reads none is still parsed as sent.
    expectErrorShape(await intake('', { 'content-type': 'application/json' }), 400, 'invalid_json');
    const broken = await h.as(KEYS.ops, {
      method: 'POST',
      url: `/webhooks/subscriptions/${id}/rotate`,
      headers: { 'content-type': 'application/json' },
      payload: '{"oops"',
    });
    expectErrorShape(broken, 400, 'invalid_json');
  });

  it('answers an HTTP/1.1 request without Host in the one error shape naming the header; HTTP/1.0 may omit it', async () => {
    // Old: Node's own bare 400, no body and no request id, before the API saw the request.
    const noHost = await rawExchange(`GET /orders HTTP/1.1\r\nX-Api-Key: ${KEYS.ops.key}\r\nConnection: close\r\n\r\n`);
    expect(noHost.status).toBe(400);
    const body = JSON.parse(noHost.body) as { error: { code: string; details: unknown[] }; requestId: string };
    expect(body.error).toMatchObject({
      code: 'validation_failed',
      details: [{ path: 'headers.host', message: 'is required in HTTP/1.1' }],
    });
    expect(noHost.headers.toLowerCase()).toContain(`x-request-id: ${body.requestId.toLowerCase()}`);
    const old = await rawExchange(`GET /orders?limit=1 HTTP/1.0\r\nX-Api-Key: ${KEYS.ops.key}\r\n\r\n`);
    expect(old.status, old.body).toBe(200);
  });

  it('answers an empty chunked body (Transfer-Encoding: chunked, then 0) to an endpoint that takes none as no body at all', async () => {
    const id = await subscribe('https://example.com/chunked');
    const emptyChunked = (method: string, url: string) =>
      rawExchange(
        `${method} ${url} HTTP/1.1\r\nHost: colis\r\nX-Api-Key: ${KEYS.ops.key}\r\nContent-Type: application/json\r\n` +
          'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
      );
    // Old: 400 invalid_json "the body is empty; send a JSON document" from each, though none reads a body.
    for (const [method, url] of [
      ['POST', `/webhooks/subscriptions/${id}/rotate`],
      ['POST', '/codec/session'],
      ['DELETE', `/webhooks/subscriptions/${id}`],
    ] as const) {
      const answer = await emptyChunked(method, url);
      expect(answer.status, `${method} ${url}: ${answer.body}`).toBe(200);
    }
    // An endpoint that reads a body still says it is missing.
    const order = await emptyChunked('POST', '/orders');
    expect(order.status).toBe(400);
    expect(JSON.parse(order.body)).toMatchObject({ error: { code: 'invalid_json', message: expect.stringMatching(/body is empty/) } });
  });

  it('a rotation that read a subscription a DELETE then removed answers 409 saying it was removed, not "another rotation"', async () => {
    const id = await subscribe('https://example.com/raced');
    const read = await h.db.webhookSubscription.findUniqueOrThrow({ where: { id } });
    expect((await h.as(KEYS.ops, { method: 'DELETE', url: `/webhooks/subscriptions/${id}` })).statusCode).toBe(200);
    const raced = await rotateSecret(h.db, read).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(raced).toMatchObject({ statusCode: 409, message: `webhook subscription ${id} was removed` });
  });

  it('a parked delivery replayed twice at once (a double click, two ops) is put back once; the twin is told it is being tried', async () => {
    const subscriptionId = await subscribe('https://example.com/parked', 'shop-a');
    const orderId = await insertOrder(h.db);
    const eventId = `msg_${uniqueId('replay')}`;
    await h.db.webhookEvent.create({
      data: { id: eventId, orderId, shopId: 'shop-a', seq: 1, type: 'order.accepted', payload: {}, dedupeKey: `${orderId}:replay` },
    });
    const id = `${eventId}.${subscriptionId}`;
    await h.db.webhookDelivery.create({
      data: { id, eventId, subscriptionId, orderId, seq: 1, status: 'failed', attempts: 13, lastError: 'HTTP 503', failedAt: new Date() },
    });
    // Each twin reads the delivery parked; writing it back again would clear the lease of an attempt the relay began meanwhile.
    const replays = await Promise.all(
      Array.from({ length: 4 }, () => h.as(KEYS.ops, { method: 'POST', url: `/webhooks/deliveries/${id}/replay` })),
    );
    const statuses = replays.map((r) => r.statusCode).sort();
    expect(statuses, replays.map((r) => r.body).join('\n')).toEqual([200, 409, 409, 409]);
    for (const refused of replays.filter((r) => r.statusCode === 409)) {
      expect(expectErrorShape(refused, 409, 'conflict').message).toMatch(/is still being tried/);
    }
  });

  it('sends WWW-Authenticate with every 401', async () => {
    const missing = await h.app.inject({ method: 'GET', url: '/orders' });
    expectErrorShape(missing, 401, 'unauthorized');
    expect(missing.headers['www-authenticate']).toMatch(/ApiKey realm="colis", header="X-Api-Key", Bearer/);
    expect(
      (await h.app.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': 'wrong-key-0000000' } })).headers['www-authenticate'],
    ).toBeDefined();
  });
});

describe('domain rules at intake and on address change', () => {
  const withShipTo = (changes: Record<string, string>) => {
    const request = orderRequest();
    return { ...request, shipTo: { ...(request.shipTo as object), ...changes } };
  };

  it.each([
    [{ countryCode: 'ZZ' }, 'body.shipTo.countryCode'],
    [{ countryCode: 'UK' }, 'body.shipTo.countryCode'],
    [{ postalCode: '6900' }, 'body.shipTo.postalCode'],
    [{ countryCode: 'DE', postalCode: '69002X' }, 'body.shipTo.postalCode'],
    [{ countryCode: 'GB', postalCode: '12345' }, 'body.shipTo.postalCode'],
  ])('refuses %o naming %s, and nothing is accepted', async (changes, field) => {
    const key = newKey('rules');
    const response = await intake(withShipTo(changes), { 'idempotency-key': key });
    expect(paths(response)).toEqual([field]);
    expect(await h.db.orderIntake.count({ where: { idempotencyKey: `${KEYS.intake.name}:${key}` } })).toBe(0);
  });

  it('accepts a real postal code of another country, and any code where the country has no format', async () => {
    expect((await intake(withShipTo({ countryCode: 'GB', postalCode: 'SW1A 1AA' }))).statusCode).toBe(202);
    // Postal codes are read without case, in every country: a Dutch "1234 ab" is as good as a British "sw1a 1aa".
    for (const [countryCode, postalCode] of [
      ['NL', '1234 ab'],
      ['IE', 'd02 x285'],
      ['LU', 'l-1111'],
      ['GB', 'sw1a 1aa'],
    ] as const) {
      const response = await intake(withShipTo({ countryCode, postalCode }));
      expect(response.statusCode, `${countryCode} ${postalCode}: ${response.body}`).toBe(202);
    }
    expect(paths(await intake(withShipTo({ countryCode: 'NL', postalCode: '1234 a1' })))).toEqual(['body.shipTo.postalCode']);
    // Hong Kong has no postal codes: the format rule lets any through; no carrier of ours delivers there, and the
    // carrier's address check (after the format rules) says so about the country, not the postal code.
    expect(paths(await intake(withShipTo({ countryCode: 'HK', postalCode: '000' })))).toEqual(['body.shipTo.countryCode']);
  });

  it('refuses a phone number no carrier can dial, at intake and on an address change, and takes the ways people write one', async () => {
    const key = newKey('phone');
    for (const phone of [
      'call me',
      '+33 6',
      '12345',
      '06 12 34 56 78 ou 06 98 76 54 32',
      '++33612345678',
      '0612345678-',
      '06\u00A012345678',
      '０６１２３４５６７８',
      '((06)) 12 34 56',
    ]) {
      const response = await intake(withShipTo({ phone }), { 'idempotency-key': key });
      const details = expectErrorShape(response, 400, 'validation_failed').details ?? [];
      expect(
        details.map((d) => d.path),
        phone,
      ).toEqual(['body.shipTo.phone']);
      expect(details[0]?.message).toMatch(/is not a phone number/);
    }
    // A phone that would not print is named once, by what is wrong with its text.
    const hidden = expectErrorShape(await intake(withShipTo({ phone: '06\u200B12345678' }), { 'idempotency-key': key }), 400);
    expect(hidden.details).toEqual([{ path: 'body.shipTo.phone', message: expect.stringMatching(/invisible character \(U\+200B\)/) }]);
    expect(await h.db.orderIntake.count({ where: { idempotencyKey: `${KEYS.intake.name}:${key}` } })).toBe(0);
    for (const phone of [
      '+33 6 12 34 56 78',
      '+1 204-253-9411 ext. 123',
      '(020) 7946 0958',
      '+44 (0)20 7946 0958',
      '020.7946.0958',
      '0612345678 x12',
      '',
    ]) {
      const response = await intake(withShipTo({ phone }));
      expect(response.statusCode, `${phone}: ${response.body}`).toBe(202);
    }
    const orderId = await insertOrder(h.db);
    const change = await h.as(KEYS.ops, {
      method: 'POST',
      url: `/orders/${orderId}/address`,
      payload: { shipTo: { name: 'X', line1: 'B', city: 'Lyon', postalCode: '69001', countryCode: 'FR', phone: 'none' } },
    });
    expect(paths(change)).toEqual(['body.shipTo.phone']);
    expect(await h.db.opsAction.count({ where: { targetId: orderId } })).toBe(0);
  });

  it('refuses a promise in the past, or further than a year ahead', async () => {
    const past = await intake({ ...orderRequest(), promisedBy: new Date(Date.now() - 60_000).toISOString() });
    expect(paths(past)).toEqual(['body.promisedBy']);
    const far = await intake({ ...orderRequest(), promisedBy: new Date(Date.now() + 400 * 86_400_000).toISOString() });
    expect(paths(far)).toEqual(['body.promisedBy']);
  });

  it('tells a shop that sends a promise as a date alone, or without its offset, what to send instead', async () => {
    const day = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    for (const promisedBy of [day, `${day}T18:00:00`]) {
      const error = expectErrorShape(await intake({ ...orderRequest(), promisedBy }), 400, 'validation_failed');
      expect(error.details).toEqual([{ path: 'body.promisedBy', message: expect.stringMatching(/date and time with its UTC offset/) }]);
    }
  });

  it('applies the same address rules to an address change, before any workflow is asked', async () => {
    const orderId = await insertOrder(h.db);
    const response = await h.as(KEYS.ops, {
      method: 'POST',
      url: `/orders/${orderId}/address`,
      payload: { shipTo: { name: 'X', line1: 'B', city: 'C', postalCode: 'ABCDE', countryCode: 'FR' } },
    });
    expect(paths(response)).toEqual(['body.shipTo.postalCode']);
    expect(await h.db.opsAction.count({ where: { targetId: orderId } })).toBe(0);
  });
});

describe('rate limits that hold', () => {
  it('counts failed authentications per client, then answers 429 with Retry-After even to a right key', async () => {
    const app = await h.rebuild({ authFailuresPerMinute: 3 });
    for (let i = 0; i < 3; i++) {
      const response = await app.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': `guess-${i}-0000000000` } });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await app.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': 'guess-4-0000000000' } });
    expectErrorShape(blocked, 429, 'rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expectErrorShape(await app.inject({ method: 'GET', url: '/orders', headers: { 'x-api-key': KEYS.ops.key } }), 429, 'rate_limited');
    expectErrorShape(await app.inject({ method: 'GET', url: '/orders' }), 429, 'rate_limited');
  });

  it("does not count a call with no key at all as a failed authentication: the Web UI's keyless codec calls lock no one out", async () => {
    // The Temporal Web UI calls /codec without its session cookie until ops tick "include credentials": 86 keyless
    // calls in one page view each counted as a failed authentication and locked ops' own address out of the API (probe4).
    const app = await h.rebuild({ authFailuresPerMinute: 3 });
    const keyless = { method: 'POST' as const, url: '/codec/decode', payload: { payloads: [] } };
    for (let i = 0; i < 10; i++) expectErrorShape(await app.inject(keyless), 401, 'unauthorized');
    expect((await app.inject({ ...keyless, headers: { 'x-api-key': KEYS.ops.key } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/orders?limit=1', headers: { 'x-api-key': KEYS.intake.key } })).statusCode).toBe(200);
    // A cookie that is no session, or a wrong key, is a guess and still counts.
    for (let i = 0; i < 3; i++)
      expectErrorShape(await app.inject({ ...keyless, headers: { cookie: `${CODEC_SESSION_COOKIE}=forged-${i}` } }), 401, 'unauthorized');
    expectErrorShape(await app.inject({ ...keyless, headers: { 'x-api-key': KEYS.ops.key } }), 429, 'rate_limited');
  });

  it("counts an IPv6 client's failed authentications against its /64, not each address it can take", async () => {
    // One IPv6 host is handed a whole /64: counted per address, it had 2^64 allowances for its guesses (probe4).
    const app = await h.rebuild({ authFailuresPerMinute: 3 });
    const orderId = await insertOrder(h.db);
    // A JSON client (the error shape); a browser gets the same statuses as pages (test/api/page-errors.test.ts).
    const from = (remoteAddress: string, url: string) =>
      app.inject({ method: 'GET', url, remoteAddress, headers: { accept: 'application/json' } });
    for (let i = 1; i <= 3; i += 1)
      expect((await from(`2001:db8:0:42::${i}`, `/track/${orderId}?t=${'A'.repeat(32)}`)).statusCode).toBe(404);
    expectErrorShape(await from('2001:db8:0:42::99', trackingPath(orderId, TRACKING_SECRET)), 429, 'rate_limited');
    expect((await from('2001:db8:0:43::1', trackingPath(orderId, TRACKING_SECRET))).statusCode).toBe(200);
  });

  it('counts wrong tracking tokens as failed authentications: 404 like an unknown order, then 429 even with the right token', async () => {
    const app = await h.rebuild({ authFailuresPerMinute: 3 });
    const orderId = await insertOrder(h.db);
    // Before, a wrong token was a 404 counted only at the rate of public pages: guesses went on at that rate.
    const guesses = [
      `/track/${orderId}?t=${'A'.repeat(32)}`,
      `/track/${orderId}`,
      `/track/${orderId}/returns/RMA-GUESS1/label?t=${'B'.repeat(32)}`,
    ];
    for (const url of guesses) {
      const guess = await app.inject({ method: 'GET', url });
      // Customers' links (the tracking page, the return label in the mail): their browser gets a page, not the API's JSON.
      expect([guess.statusCode, guess.headers['content-type']], url).toEqual([404, 'text/html; charset=utf-8']);
      expect(guess.body).toMatch(/We cannot find this (order|return label)/);
    }
    // A browser is told on a page (api/error-pages.ts); a JSON client in the error shape.
    const page = await app.inject({ method: 'GET', url: trackingPath(orderId, TRACKING_SECRET) });
    expect([page.statusCode, page.headers['content-type']]).toEqual([429, 'text/html; charset=utf-8']);
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
    const blocked = await app.inject({
      method: 'GET',
      url: trackingPath(orderId, TRACKING_SECRET),
      headers: { accept: 'application/json' },
    });
    expectErrorShape(blocked, 429, 'rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('rotates the tracking secret without breaking the links already mailed: a retired secret opens the page, the current one still opens it', async () => {
    // Before, a new COLIS_TRACKING_SECRET (a leaked one replaced) turned every link in every mail already sent into
    // "We cannot find this order". The former secret now moves to COLIS_TRACKING_SECRETS_RETIRED.
    const former = 'former-tracking-secret-0123456789';
    const app = await h.rebuild({ retiredTrackingSecrets: [former] });
    const orderId = await insertOrder(h.db);
    const mailed = await app.inject({ method: 'GET', url: trackingPath(orderId, former) });
    expect([mailed.statusCode, mailed.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(mailed.body).toContain(orderId);
    expect((await app.inject({ method: 'GET', url: trackingPath(orderId, TRACKING_SECRET) })).statusCode).toBe(200);
    // A secret never configured still opens nothing, and the retired one opens nothing once it is dropped.
    expect((await app.inject({ method: 'GET', url: trackingPath(orderId, 'never-configured-secret-012345') })).statusCode).toBe(404);
    const dropped = await h.rebuild({});
    expect((await dropped.inject({ method: 'GET', url: trackingPath(orderId, former) })).statusCode).toBe(404);
  });

  it('behind a trusted load balancer counts wrong tracking tokens against the client its X-Forwarded-For names, not everyone', async () => {
    // Behind an HTTP load balancer every request came from the balancer's address: three wrong tokens from one outsider
    // turned every customer, shop and carrier away with 429 for the rest of the minute (probe4). COLIS_TRUSTED_PROXIES.
    const app = await h.rebuild({ authFailuresPerMinute: 3, trustedProxies: ['127.0.0.1'] });
    const orderId = await insertOrder(h.db);
    const from = (client: string, url: string) =>
      app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': client, accept: 'application/json' } });
    for (let i = 0; i < 3; i += 1) expect((await from('203.0.113.7', `/track/${orderId}?t=${'A'.repeat(32)}`)).statusCode).toBe(404);
    expectErrorShape(await from('203.0.113.7', trackingPath(orderId, TRACKING_SECRET)), 429, 'rate_limited');
    expect((await from('203.0.113.8', trackingPath(orderId, TRACKING_SECRET))).statusCode).toBe(200);
    // A header from a client that is no trusted proxy names nobody: the guesser cannot pose as another client.
    const untrusted = await h.rebuild({ authFailuresPerMinute: 3 });
    for (let i = 0; i < 3; i += 1)
      await untrusted.inject({ method: 'GET', url: `/track/${orderId}`, headers: { 'x-forwarded-for': `198.51.100.${i}` } });
    expectErrorShape(
      await untrusted.inject({ method: 'GET', url: trackingPath(orderId, TRACKING_SECRET), headers: { accept: 'application/json' } }),
      429,
      'rate_limited',
    );
  });

  it('counts a key against one bucket whichever header carries it', async () => {
    const app = await h.rebuild({ rateLimitPerMinute: 4 });
    const viaHeader = () => app.inject({ method: 'GET', url: '/orders?limit=1', headers: { 'x-api-key': KEYS.ops.key } });
    const viaBearer = (spelling: string) =>
      app.inject({ method: 'GET', url: '/orders?limit=1', headers: { authorization: `${spelling} ${KEYS.ops.key}` } });
    expect((await viaHeader()).statusCode).toBe(200);
    expect((await viaBearer('Bearer')).statusCode).toBe(200);
    expect((await viaBearer('bearer')).statusCode).toBe(200);
    expect((await viaHeader()).statusCode).toBe(200);
    expectErrorShape(await viaBearer('Bearer'), 429, 'rate_limited');
    // Another key has its own bucket.
    expect((await app.inject({ method: 'GET', url: '/orders?limit=1', headers: { 'x-api-key': KEYS.intake.key } })).statusCode).toBe(200);
  });

  it('limits signed webhooks per carrier, apart from public pages and from other carriers', async () => {
    const app = await h.rebuild({ webhooksPerMinute: 2, rateLimitPerMinute: 3 });
    const orderId = await insertOrder(h.db);
    const { trackingNumber } = await insertShipment(h.db, orderId);
    const deliver = () => {
      const body = JSON.stringify({
        events: [
          {
            carrierCode: 'swiftpost',
            eventId: uniqueId('E'),
            trackingNumber,
            statusCode: 'IN_TRANSIT',
            occurredAt: new Date().toISOString(),
          },
        ],
      });
      return app.inject({
        method: 'POST',
        url: '/carriers/swiftpost/webhooks',
        headers: { 'content-type': 'application/json', 'colis-signature': signPayload(body, WEBHOOK_SECRET, Date.now()) },
        payload: body,
      });
    };
    expect((await deliver()).statusCode).toBe(200);
    expect((await deliver()).statusCode).toBe(200);
    expectErrorShape(await deliver(), 429, 'rate_limited');
    // The same client's public traffic is counted apart, and so are the other carriers.
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    const parcelnord = await app.inject({
      method: 'POST',
      url: '/carriers/parcelnord/webhooks',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(parcelnord.statusCode).toBe(401);
  });
});

describe('no secret and no personal data in the logs', () => {
  it('logs a tracking link without its token', async () => {
    await h.app.inject({ method: 'GET', url: '/track/ORD-NOTHING?t=super-secret-token-value' });
    expect(h.logs.some((line) => line.includes('/track/ORD-NOTHING'))).toBe(true);
    expect(h.logs.some((line) => line.includes('super-secret-token-value'))).toBe(false);
  });

  it('the leak check finds a key, a token and a name in a line, so it can fail', () => {
    expect(
      logLeaks([`{"msg":"${KEYS.ops.key}"}`, '{"url":"/track/X?t=abcdefghijkl"}', '{"name":"Camille Durand"}', '{"msg":"ok"}']),
    ).toHaveLength(3);
  });
});
