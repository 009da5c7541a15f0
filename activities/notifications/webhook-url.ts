import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where Colis may POST a shop's webhooks. In production a URL that reaches the machine itself or the private network
 * behind it (loopback, link-local, private, unique-local, CGNAT, metadata addresses, and IPv6 addresses that carry one
 * of those IPv4 addresses) is refused, checked on every address its host name resolves to, so a subscription cannot turn
 * Colis into a proxy into its own network. Development and tests allow them: the receiver runs on the same machine there.
 */

const blocked = new BlockList();
blocked.addSubnet('0.0.0.0', 8, 'ipv4');
blocked.addSubnet('10.0.0.0', 8, 'ipv4');
blocked.addSubnet('100.64.0.0', 10, 'ipv4');
blocked.addSubnet('127.0.0.0', 8, 'ipv4');
blocked.addSubnet('169.254.0.0', 16, 'ipv4');
blocked.addSubnet('172.16.0.0', 12, 'ipv4');
blocked.addSubnet('192.0.0.0', 24, 'ipv4');
blocked.addSubnet('192.168.0.0', 16, 'ipv4');
blocked.addSubnet('198.18.0.0', 15, 'ipv4');
blocked.addSubnet('224.0.0.0', 3, 'ipv4');
blocked.addAddress('::', 'ipv6');
blocked.addAddress('::1', 'ipv6');
blocked.addSubnet('64:ff9b:1::', 48, 'ipv6');
blocked.addSubnet('100::', 64, 'ipv6');
blocked.addSubnet('fc00::', 7, 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addSubnet('fec0::', 10, 'ipv6');
blocked.addSubnet('ff00::', 8, 'ipv6');

/** An IPv6 address's eight 16-bit groups: written as the URL standard serialises it (hex, no dotted tail), `::` expanded. */
function ipv6Groups(address: string): number[] {
  const hex = new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  const [head = '', tail] = hex.split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  if (tail === undefined) return groupsOf(head);
  const zeros = 8 - groupsOf(head).length - groupsOf(tail).length;
  return [...groupsOf(head), ...Array<number>(zeros).fill(0), ...groupsOf(tail)];
}

/**
 * The IPv4 address an IPv6 one carries and reaches: IPv4-mapped (`::ffff:127.0.0.1`, which the URL standard writes
 * `[::ffff:7f00:1]`: a dual-stack socket connects it to 127.0.0.1), IPv4-translated, IPv4-compatible, NAT64's well-known
 * prefix (`64:ff9b::a9fe:a9fe`, the metadata address through a NAT64 gateway) and 6to4.
 */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const v4 = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  const zeroUpTo = (n: number) => g.slice(0, n).every((group) => group === 0);
  if (zeroUpTo(5) && g[5] === 0xffff) return v4(g[6] ?? 0, g[7] ?? 0);
  if (zeroUpTo(4) && g[4] === 0xffff && g[5] === 0) return v4(g[6] ?? 0, g[7] ?? 0);
  if (zeroUpTo(6)) return v4(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((group) => group === 0)) return v4(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x2002) return v4(g[1] ?? 0, g[2] ?? 0);
  return undefined;
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return blocked.check(address, 'ipv4');
  const ipv4 = embeddedIpv4(address);
  return blocked.check(address, 'ipv6') || (ipv4 !== undefined && blocked.check(ipv4, 'ipv4'));
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * The ports fetch never calls (the Fetch standard's "bad ports": SMTP, IRC, SSH…): a subscription to one was taken and
 * every delivery then failed for three days with "fetch failed" before it was parked.
 */
const FETCH_BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117,
  119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636,
  989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * Why no webhook could ever be delivered to this URL, whatever its host resolves to (undefined: it can be tried). Also read
 * at start-up for COLIS_SHOP_WEBHOOK_URL (config/variables.ts), which is not posted through the API's check: set with
 * credentials, it was taken, its every delivery failed for three days, and ops read the password in its listing.
 */
export function undeliverableWebhookUrl(url: URL): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials (the signature authenticates Colis)';
  // Port 0 names no server (a connection to it is refused at once): a subscription to it was taken and each delivery failed
  // ("connect ECONNREFUSED") until parked, as with a bad port.
  if (url.port === '0') return 'uses port 0, which no server listens on';
  if (url.port !== '' && FETCH_BAD_PORTS.has(Number(url.port)))
    return `uses port ${url.port}, which HTTP clients refuse to call (a mail, chat or system service's port)`;
  return undefined;
}

/**
 * Why production never posts to this URL, whatever its host resolves to: plain http, or an IP address inside written in
 * it. Read at start-up for COLIS_SHOP_WEBHOOK_URL (config/index.ts): such a variable was taken, and its every delivery
 * refused at send time for three days until parked. A host name reaching inside is refused at send time only (DNS).
 */
export function refusedInProduction(url: URL): string | undefined {
  if (url.protocol !== 'https:') return 'must be an https URL';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isPrivateAddress(host)) return `reaches a loopback, link-local or private address (${host})`;
  return undefined;
}

export async function checkWebhookUrl(
  raw: string,
  options: { allowPrivate: boolean; resolve?: (host: string) => Promise<string[]> },
): Promise<WebhookUrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // A port past 65535 is what most often makes an otherwise absolute URL unparsable: say so rather than "not absolute".
    const port = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(raw)?.[1];
    if (port !== undefined && Number(port) > 65_535) return { ok: false, reason: `uses port ${port}, past the last port (65535)` };
    return { ok: false, reason: 'is not an absolute URL' };
  }
  const undeliverable = undeliverableWebhookUrl(url);
  if (undeliverable) return { ok: false, reason: undeliverable };
  if (options.allowPrivate) return { ok: true, url };
  if (url.protocol !== 'https:') return { ok: false, reason: 'must be an https URL' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const resolve = options.resolve ?? (async (name: string) => (await lookup(name, { all: true })).map((a) => a.address));
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return { ok: false, reason: `host ${host} does not resolve` };
  }
  const inside = addresses.filter(isPrivateAddress);
  if (addresses.length === 0 || inside.length > 0) {
    return {
      ok: false,
      reason: `reaches a loopback, link-local or private address (${inside.join(', ') || 'none resolved'}), refused in production`,
    };
  }
  return { ok: true, url };
}
