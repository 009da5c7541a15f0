import { describe, expect, it } from 'vitest';
import { clientOf } from '../../api/services/client-address';

describe('the client a per-address limit counts against', () => {
  it('is an IPv4 address itself, also when a dual-stack socket writes it as IPv6', () => {
    expect(clientOf('203.0.113.7')).toBe('203.0.113.7');
    expect(clientOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientOf('::FFFF:203.0.113.7')).toBe('203.0.113.7');
  });

  it("is an IPv6 address's /64, however the address is written", () => {
    const prefix = '2001:db8:0:42::/64';
    for (const ip of ['2001:db8:0:42::1', '2001:db8:0:42:ffff:ffff:ffff:ffff', '2001:0db8:0000:0042:0:0:0:9', '2001:db8:0:42::7%eth0'])
      expect(clientOf(ip), ip).toBe(prefix);
    expect(clientOf('2001:db8:0:43::1')).toBe('2001:db8:0:43::/64');
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientOf('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});
