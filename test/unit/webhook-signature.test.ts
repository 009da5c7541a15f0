import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signPayload, verifySignature } from '../../activities/carriers/signature';

const SECRET = 'whsec-swiftpost';
const NOW_MS = Date.parse('2030-03-04T08:00:00.000Z');
const BODY =
  '{"events":[{"carrierCode":"swiftpost","eventId":"SP1-001","trackingNumber":"SP1","statusCode":"DELIVERED","occurredAt":"2030-03-04T07:59:00.000Z"}]}';

describe('webhook signatures', () => {
  it('a body signed with the shared secret verifies', () => {
    const header = signPayload(BODY, SECRET, NOW_MS);
    expect(SIGNATURE_HEADER).toBe('Colis-Signature');
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(BODY, header, SECRET, NOW_MS)).toEqual({ ok: true, timestamp: NOW_MS / 1000 });
    expect(verifySignature(Buffer.from(BODY), header, SECRET, NOW_MS + 299_000)).toMatchObject({ ok: true });
  });

  it('a modified body fails, even when it parses to the same JSON', () => {
    const header = signPayload(BODY, SECRET, NOW_MS);
    expect(verifySignature(BODY.replace('DELIVERED', 'LOST'), header, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(JSON.stringify(JSON.parse(BODY), null, 2), header, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('a body signed with another secret fails', () => {
    expect(verifySignature(BODY, signPayload(BODY, 'whsec-other', NOW_MS), SECRET, NOW_MS)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('a genuine but stale or future-dated signature is expired', () => {
    const header = signPayload(BODY, SECRET, NOW_MS);
    expect(verifySignature(BODY, header, SECRET, NOW_MS + 301_000)).toEqual({ ok: false, reason: 'expired', timestamp: NOW_MS / 1000 });
    expect(verifySignature(BODY, header, SECRET, NOW_MS - 301_000)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifySignature(BODY, header, SECRET, NOW_MS + 3_600_000, 7200)).toMatchObject({ ok: true });
  });

  it('a replayed timestamp cannot be refreshed without the secret', () => {
    const old = signPayload(BODY, SECRET, NOW_MS - 3_600_000);
    const refreshed = old.replace(/t=\d+/, `t=${NOW_MS / 1000}`);
    expect(verifySignature(BODY, refreshed, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['no signature', 't=1900000000'],
    ['non-numeric timestamp', `t=soon,v1=${'a'.repeat(64)}`],
    ['short signature', 't=1900000000,v1=abc'],
    ['not hex', `t=1900000000,v1=${'z'.repeat(64)}`],
    ['two timestamps', `t=1,t=2,v1=${'a'.repeat(64)}`],
    ['garbage', 'sha256=deadbeef'],
  ])('a malformed header (%s) is refused', (_case, header) => {
    expect(verifySignature(BODY, header, SECRET, NOW_MS)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts any of several v1 signatures, so a secret can be rotated', () => {
    const fresh = signPayload(BODY, SECRET, NOW_MS);
    const old = signPayload(BODY, 'whsec-previous', NOW_MS);
    const both = `${old},v1=${fresh.split('v1=')[1]}`;
    expect(verifySignature(BODY, both, SECRET, NOW_MS)).toMatchObject({ ok: true });
    expect(verifySignature(BODY, `${fresh},v0=ignored`, SECRET, NOW_MS)).toMatchObject({ ok: true });
  });
});
