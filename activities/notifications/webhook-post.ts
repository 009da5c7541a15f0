import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';

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

/** The request's own deadline, past the abort signal's (which names the timeout when it works): only a request left hanging meets it. */
const DEADLINE_GRACE_MS = 1_000;

/** What an endpoint answered: its status, and its `Retry-After` header when it sent one (read by the relay for 429/503). */
export interface WebhookAnswer {
  statusCode: number;
  retryAfter?: string;
}

/**
 * POSTs `body` and answers the status code (and Retry-After) once the headers are in; the answer's body is not read.
 *
 * Settled within `timeoutMs` whatever the endpoint does. A `101 Switching Protocols` answer is no response to node:http:
 * it hands the socket to an `upgrade` listener and, with none, leaves the request neither answered, failed nor timed out
 * (the abort signal no longer reaches it). The POST never settled: its claim was renewed for as long as the worker ran, so
 * the delivery and every later event of its order stood still, and each drain that met such an endpoint held a
 * colis-notify slot for good, until mails and every other shop's webhooks had none left. A 101 is now the endpoint's
 * answer, a failed one (not 2xx), and a deadline of the request's own settles it should anything else leave it hanging.
 */
export function postWebhook(
  url: URL,
  options: { headers: Record<string, string>; body: string; timeoutMs: number; lookup: LookupFunction },
): Promise<WebhookAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookAnswer>((resolve, reject) => {
    let deadline: NodeJS.Timeout | undefined;
    const settle =
      <T>(finish: (value: T) => void) =>
      (value: T) => {
        clearTimeout(deadline);
        finish(value);
      };
    const fail = settle(reject);
    const answered = settle((response: IncomingMessage) => {
      const retryAfter = response.headers['retry-after'];
      resolve({ statusCode: response.statusCode ?? 0, ...(retryAfter !== undefined ? { retryAfter } : {}) });
    });
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
        answered(response);
      },
    );
    request.on('upgrade', (response: IncomingMessage, socket: Duplex) => {
      socket.destroy();
      answered(response);
    });
    request.on('error', fail);
    deadline = setTimeout(() => {
      const error = new Error(`no answer within ${options.timeoutMs} ms`);
      request.destroy(error);
      fail(error);
    }, options.timeoutMs + DEADLINE_GRACE_MS);
    request.end(options.body);
  });
}
