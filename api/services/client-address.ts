import { isIPv6 } from 'node:net';

/**
 * The client a per-address limit counts against: an IPv4 address, or the /64 an IPv6 address is in. A network hands
 * one IPv6 host a whole /64 (2^64 addresses): counted per address, one client had endless buckets for its guesses at
 * tracking tokens and keys. An IPv4 address written as IPv6 (`::ffff:192.0.2.7`, a dual-stack socket) is that IPv4
 * address.
 */
export function clientOf(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const address = ip.split('%')[0] ?? ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const prefix = hextets(address)
    .slice(0, 4)
    .map((hextet) => Number.parseInt(hextet, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}

/** The eight groups of an IPv6 address, `::` expanded; an IPv4 tail counts as the two groups it fills. */
function hextets(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const left = groups(head);
  if (tail === undefined) return left;
  const right = groups(tail);
  return [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
}
