import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorResponse } from '../domain/api';

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
 * instead of Fastify's own body. Nothing of the request is echoed or logged: it may be a token in a URL.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message, detail } = refusalOf(error.code);
  const requestId = randomUUID();
  const body: ErrorResponse = { error: { code: 'validation_failed', message, details: [{ path: 'request', message: detail }] }, requestId };
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
