import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CarrierApiError, CarrierRejected, isCarrierError } from '../../activities/carriers/errors';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';

/**
 * ShipEngine's failures, each answered as ShipEngine answers it (status, error body), onto the typed
 * carrier errors: retried where waiting can help (its outages, rate limits, a key or a balance ops can
 * fix), final where the request itself is wrong. The contract tests prove the documented 400 and 500;
 * these are the answers its definition does not document but its docs do.
 */

const API_KEY = 'TEST_errors-key-0123456789';
const ADDRESS_IN_MESSAGE = '12 rue des Lilas';

function answering(status: number, errors: Record<string, string>[]): ShipEngineHttp {
  const body = { request_id: 'req-7f3a', errors: errors.map((e) => ({ message: `about ${ADDRESS_IN_MESSAGE}`, ...e })) };
  return new ShipEngineHttp({
    apiUrl: 'https://shipengine.invalid',
    apiKey: API_KEY,
    timeoutMs: 1_000,
    fetch: async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  });
}

async function failureOf(http: ShipEngineHttp, notFound?: 'unknown_label'): Promise<unknown> {
  try {
    await http.call('swiftpost', {
      operation: 'rates',
      method: 'POST',
      path: '/v1/rates',
      body: {},
      answer: z.unknown(),
      ...(notFound ? { notFound } : {}),
    });
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe("ShipEngine's errors as typed carrier errors", () => {
  it.each([
    [429, { error_source: 'shipengine', error_type: 'system', error_code: 'rate_limit_exceeded' }],
    [408, { error_source: 'shipengine', error_type: 'system', error_code: 'unspecified' }],
    [503, { error_source: 'shipengine', error_type: 'system', error_code: 'unspecified' }],
    [401, { error_source: 'shipengine', error_type: 'security', error_code: 'unauthorized' }],
    [400, { error_source: 'shipengine', error_type: 'system', error_code: 'unspecified' }],
    [400, { error_source: 'shipengine', error_type: 'business_rules', error_code: 'insufficient_funds' }],
    [400, { error_source: 'carrier', error_type: 'business_rules', error_code: 'rate_limit_exceeded' }],
  ])('%i %o is retried (CarrierApiError)', async (status, error) => {
    const failure = await failureOf(answering(status, [error]));
    expect(failure).toBeInstanceOf(CarrierApiError);
    expect(failure).toMatchObject({ retryable: true, status });
  });

  it.each([
    [400, { error_source: 'shipengine', error_type: 'validation', error_code: 'field_value_required' }, 'invalid_request'],
    [400, { error_source: 'carrier', error_type: 'validation', error_code: 'invalid_address' }, 'invalid_address'],
    [422, { error_source: 'carrier', error_type: 'business_rules', error_code: 'unspecified' }, 'invalid_request'],
  ])('%i %o is final (CarrierRejected)', async (status, error, reason) => {
    const failure = await failureOf(answering(status, [error]));
    expect(failure).toBeInstanceOf(CarrierRejected);
    expect(failure).toMatchObject({ retryable: false, reason });
  });

  it('a 404 names what is unknown where the call says what a 404 means, and is a plain rejection elsewhere', async () => {
    const notFound = { error_source: 'shipengine', error_type: 'validation', error_code: 'not_found' };
    expect(await failureOf(answering(404, [notFound]), 'unknown_label')).toMatchObject({ retryable: false, reason: 'unknown_label' });
    expect(await failureOf(answering(404, [notFound]))).toMatchObject({ retryable: false, reason: 'invalid_request' });
  });

  it("keeps ShipEngine's codes and request id, never its free text (it can quote an address) nor the key", async () => {
    const failure = await failureOf(answering(400, [{ error_source: 'carrier', error_type: 'validation', error_code: 'invalid_address' }]));
    expect(isCarrierError(failure)).toBe(true);
    const text = `${String(failure)} ${JSON.stringify(failure)}`;
    expect(text).toContain('invalid_address');
    expect(text).toContain('req-7f3a');
    expect(text).not.toContain(ADDRESS_IN_MESSAGE);
    expect(text).not.toContain(API_KEY);
  });
});
