import { describe, expect, it } from 'vitest';
import { ESCALATION_MEMO_MAX_CHARS, memoText } from '../../workflows/shared/memo';

describe("the escalation memo's text", () => {
  it('keeps a usual line as it is', () => {
    const line = 'Shipment ORD-1-S1 ESCALATED stuck (high): no scan since 2026-12-05 07:22 (stall window 48 h)\nIn transit';
    expect(memoText(line)).toBe(line);
  });

  it('cuts each long paragraph, so one does not hide the others, and the whole, never through a surrogate pair', () => {
    const long = `Shipment ORD-1-S1 ESCALATED stuck (high): ${'😀'.repeat(5_000)}`;
    const text = memoText([long, 'Shipment ORD-1-S2 ESCALATED late (medium): promised by …', long, long, long, long].join('\n'));
    expect(text.length).toBeLessThanOrEqual(ESCALATION_MEMO_MAX_CHARS);
    expect(text.split('\n')[1]).toBe('Shipment ORD-1-S2 ESCALATED late (medium): promised by …');
    expect(text.split('\n')[0]?.endsWith('…')).toBe(true);
    // No lone surrogate: a pair cut in half would be no text (JSON.stringify escapes a lone one as \udXXX).
    expect(JSON.stringify(text)).not.toMatch(/\\ud[89a-f]/i);
  });
});
