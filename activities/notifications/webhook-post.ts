import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

/**
 * The POST of one webhook to a shop's endpoint, over a connection that goes only where the URL check allows: the host is
 * resolved for the socket by a lookup that refuses a private address (`refused`), so the address checked is the address
 * connected to. fetch resolved the host again on its own after checkWebhookUrl had: a name answering a public address to
 * the check and 127.0.0.1 a moment later (DNS rebinding, a TTL of 0) was posted to inside. An IP literal needs no lookup:
 * the check read it. Redirects are never followed (a 3xx is the endpoint's answer).
 */

type Resolve = (hostname: string, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

const systemResolve: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/** A socket lookup that fails, naming the address, when the host resolves to any address `refused` says no to. */
export function guardedLookup(refused: (address: string) => boolean, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, all) => {
      if (error) return callback(error, '', 0);
      const wanted = all.filter((a) => !options.family || a.family === options.family);
      const inside = wanted.find((a) => refused(a.address));
      if (inside)
        return callback(new Error(`${hostname} resolves to ${inside.address}: a loopback, link-local or private address, refused`), '', 0);
      if (wanted.length === 0) return callback(new Error(`${hostname} does not resolve`), '', 0);
      // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
      if ('all' in options && options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, wanted);
      const first = wanted[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** What an endpoint answered: its status, and its `Retry-After` header when it sent one (read by the relay for 429/503). */
export interface WebhookAnswer {
  statusCode: number;
  retryAfter?: string;
}

/** POSTs `body` and answers the status code (and Retry-After) once the headers are in; the answer's body is not read. */
export function postWebhook(
  url: URL,
  options: { headers: Record<string, string>; body: string; timeoutMs: number; lookup: LookupFunction },
): Promise<WebhookAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        lookup: options.lookup,
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        response.destroy();
        const retryAfter = response.headers['retry-after'];
        resolve({ statusCode: response.statusCode ?? 0, ...(retryAfter !== undefined ? { retryAfter } : {}) });
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
