import { describe, expect, it } from 'vitest';
import { StartLimiter } from '../../api/services/start-limiter';

/**
 * A simulated worker pool: `capacity` orders at a time, each taking `serviceMs` of work; whatever is
 * admitted beyond that waits its turn. The limiter sees only completions and their start-to-exit times.
 */
function drain(limiter: StartLimiter, backlog: number, capacity: number, serviceMs: number, seconds: number, fromMs = 0) {
  let waiting = backlog;
  const inFlight: { startedAt: number; finishesAt: number }[] = [];
  const busyUntil: number[] = Array.from({ length: capacity }, () => fromMs);
  let done = 0;
  let maxInFlight = 0;
  const latencies: number[] = [];
  for (let now = fromMs; now < fromMs + seconds * 1000; now += 10) {
    for (let i = inFlight.length - 1; i >= 0; i--) {
      const order = inFlight[i]!;
      if (order.finishesAt <= now) {
        limiter.completed(now, now - order.startedAt);
        latencies.push(now - order.startedAt);
        inFlight.splice(i, 1);
        done += 1;
      }
    }
    while (waiting > 0 && limiter.allows(inFlight.length)) {
      busyUntil.sort((a, b) => a - b);
      const start = Math.max(now, busyUntil[0] ?? now);
      busyUntil[0] = start + serviceMs;
      inFlight.push({ startedAt: now, finishesAt: start + serviceMs });
      waiting -= 1;
    }
    maxInFlight = Math.max(maxInFlight, inFlight.length);
    if (now % 1000 === 0) limiter.update(now);
  }
  return { done, maxInFlight, latencies };
}

describe('the adaptive start limit', () => {
  it('starts with a small probe and grows while the workers keep up', () => {
    const limiter = new StartLimiter();
    expect(limiter.current).toBe(8);
    const { done } = drain(limiter, 10_000, 40, 200, 30);
    // 40 workers × 5 orders/s each: the limit must have grown far past its probe to do this much.
    expect(done).toBeGreaterThan(0.8 * 40 * 5 * 30);
    expect(limiter.current).toBeGreaterThan(40);
  });

  it('stops growing once the workers are saturated: a burst waits outside instead of queueing inside', () => {
    const limiter = new StartLimiter();
    const { maxInFlight, latencies } = drain(limiter, 100_000, 20, 100, 60);
    // Capacity 200 orders/s at 100 ms: Little's law with headroom 2 keeps about 40 (+ the floor) inside.
    expect(maxInFlight).toBeLessThan(120);
    const late = latencies.slice(-500).sort((a, b) => a - b);
    expect(late[Math.floor(late.length / 2)]).toBeLessThan(400);
  });

  it('an unlimited start rate would have let the whole burst in at once', () => {
    const unlimited = new StartLimiter({ minLimit: 100_000, maxLimit: 100_000 });
    const { maxInFlight } = drain(unlimited, 10_000, 20, 100, 5);
    expect(maxInFlight).toBe(10_000);
  });

  it('follows the workers down when they slow: the limit falls with the completion rate', () => {
    const limiter = new StartLimiter();
    drain(limiter, 100_000, 40, 100, 30);
    const fast = limiter.current;
    drain(limiter, 100_000, 5, 100, 30, 30_000);
    expect(limiter.current).toBeLessThan(fast / 2);
  });
});
