import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { attemptError } from '../../activities/notifications/webhook-relay';

/** A loopback port nobody listens on: one the system just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const failedPost = (url: string) => fetch(url, { method: 'POST' }).catch((error: unknown) => error);

describe("a failed webhook attempt's error, as the shop reads it in GET /webhooks/deliveries", () => {
  it("names why fetch failed (its cause), not only fetch's own 'TypeError: fetch failed'", async () => {
    const port = await closedPort();
    expect(attemptError(await failedPost(`http://127.0.0.1:${port}/hook`))).toBe(
      `TypeError: fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    // A port fetch refuses to call at all (port 9, "discard"): the shop was told only "fetch failed".
    expect(attemptError(await failedPost('http://127.0.0.1:9/hook'))).toBe('TypeError: fetch failed: bad port');
  });

  it('keeps an error without a cause as it was, and reads a thrown value that is no Error', () => {
    expect(attemptError(new Error('the URL resolves to a private address'))).toBe('Error: the URL resolves to a private address');
    expect(attemptError('boom')).toBe('boom');
  });
});
