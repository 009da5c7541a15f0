import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorResponse } from '../domain/api';
import { requestLinePage } from './error-pages';
import { SECURITY_HEADER_LINES } from './plugins/external/helmet';

type Refusal = { status: number; message: string; detail: string };

function refusalOf(code: string | undefined): Refusal {
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, message: 'the request line and headers are larger than the server reads', detail: 'is over 16 KiB with its URL' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, message: 'the request did not arrive in time', detail: 'was not complete' };
  return { status: 400, message: 'the request is not valid HTTP', detail: 'could not be read' };
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a URL or headers over 16 KiB, a malformed request
 * line, a request never finished) is answered in the one error shape with a request id, like every other refusal,
 * instead of Fastify's own body (a browser's GET under /track or /ops: the "link not valid" page). Nothing of the
 * request is echoed or logged: it may be a token in a URL.
 */
/**
 * The method and path the refused request began with, as far as the parser had read them (`rawPacket`): enough to tell a
 * person's link (a GET under /track or /ops) from an API call. Nothing of it is echoed.
 */
function requestLineOf(error: { rawPacket?: unknown }): { method: string; url: string } | undefined {
  if (!Buffer.isBuffer(error.rawPacket)) return undefined;
  const [method = '', url = ''] = error.rawPacket.subarray(0, 512).toString('latin1').split(' ', 2);
  return { method, url };
}

export function answerClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message, detail } = refusalOf(error.code);
  const requestId = randomUUID();
  // A tracking link grown past 16 KiB (a mail tool's wrapping, a pasted page) opened in a browser gets a page, not JSON.
  const line = requestLineOf(error);
  const page = line && requestLinePage(line, status);
  const body: ErrorResponse = { error: { code: 'validation_failed', message, details: [{ path: 'request', message: detail }] }, requestId };
  const [type, text] = page ? ['text/html; charset=utf-8', page] : ['application/json; charset=utf-8', JSON.stringify(body)];
  if (socket.writable) {
    // The security headers every other answer carries (helmet's, X-Robots-Tag), written by hand: no reply exists yet.
    const headers = [
      `Content-Type: ${type}`,
      `Content-Length: ${Buffer.byteLength(text)}`,
      `X-Request-Id: ${requestId}`,
      ...(page ? ['Cache-Control: no-store'] : []),
      ...SECURITY_HEADER_LINES,
      'Connection: close',
    ];
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers.join('\r\n')}\r\n\r\n${text}`);
  }
  socket.destroy(error);
}
