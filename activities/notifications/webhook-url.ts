import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where Colis may POST a shop's webhooks. In production a URL that reaches the machine itself or
 * the private network behind it (loopback, link-local, private, unique-local, CGNAT, metadata
 * addresses) is refused, checked on every address its host name resolves to, so a subscription
 * cannot turn Colis into a proxy into its own network. Development and tests allow them: the
 * receiver runs on the same machine there.
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
blocked.addSubnet('fc00::', 7, 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addSubnet('ff00::', 8, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && /^::ffff:/i.test(address)) return isPrivateAddress(address.replace(/^::ffff:/i, ''));
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
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

export async function checkWebhookUrl(
  raw: string,
  options: { allowPrivate: boolean; resolve?: (host: string) => Promise<string[]> },
): Promise<WebhookUrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must be an http or https URL' };
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials (the signature authenticates Colis)' };
  if (url.port !== '' && FETCH_BAD_PORTS.has(Number(url.port)))
    return { ok: false, reason: `uses port ${url.port}, which HTTP clients refuse to call (a mail, chat or system service's port)` };
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
