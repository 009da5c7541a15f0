import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';

/**
 * An open-loop load generator with evenly spaced arrivals: request i is due at start + i / rate,
 * whatever the answers take, and its latency is counted from when it was due, not from when it was
 * sent, so a stalled generator or server cannot hide queueing (no coordinated omission).
 *
 * Why not only autocannon: its rate limit lets every connection send its whole per-second quota
 * back to back when a shared one-second interval fires, so "100/s" arrives as a burst of 100 at
 * the top of each second. Both are reported; this one is the fixed offered load the target means.
 */

export interface PacedResult {
  offered: number;
  achieved: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non202: number;
}

export interface PacedOptions {
  url: string;
  rate: number;
  seconds: number;
  headers: Record<string, string>;
  body: string;
  /** Requests still unanswered this long after they were due count as errors. */
  timeoutMs?: number;
}

export async function offerPaced({ url, rate, seconds, headers, body, timeoutMs = 10_000 }: PacedOptions): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let non202 = 0;
  const inFlight: Promise<void>[] = [];
  const send = (dueAt: number) =>
    new Promise<void>((resolve) => {
      const req = httpRequest(
        url,
        {
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if (res.statusCode !== 202) non202 += 1;
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });

  const start = performance.now();
  const intervalMs = 1_000 / rate;
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Everything due by now goes out now: a late tick catches up instead of lowering the rate.
    while (sent < total && start + sent * intervalMs <= now) {
      inFlight.push(send(start + sent * intervalMs));
      sent += 1;
    }
    const nextDue = start + sent * intervalMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(nextDue - performance.now(), 50))));
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1_000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length === 0 ? Number.NaN : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
  return {
    offered: rate,
    achieved: latencies.length / Math.max(seconds, elapsedS),
    p50: at(0.5),
    p99: at(0.99),
    max: at(1),
    errors,
    non202,
  };
}
