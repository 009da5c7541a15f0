import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Lifecycle, type SupervisedPart } from '../../scripts/lib/lifecycle';

/**
 * `npm start` runs PostgreSQL and the Temporal dev server as processes of their own. One killed (kill -9, the OOM
 * killer) is started again on its data, and the orders go on; one that keeps crashing ends the instance loudly.
 */

class FakeServer implements SupervisedPart {
  stops = 0;
  private end!: (reason: string) => void;
  readonly ended = new Promise<string>((resolve) => {
    this.end = resolve;
  });
  crash(): void {
    this.end('exited (SIGKILL)');
  }
  async stop(): Promise<undefined> {
    this.stops += 1;
    this.end('stopped');
    return undefined;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('a supervised server of npm start', () => {
  let exits: number[];
  let life: Lifecycle;
  beforeEach(() => {
    exits = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    life = new Lifecycle((code) => {
      exits.push(code);
      return undefined as never;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('is started again after a crash, and the instance stops the one that runs', async () => {
    const servers = [new FakeServer()];
    life.supervise('PostgreSQL', servers[0] as FakeServer, async () => {
      const next = new FakeServer();
      servers.push(next);
      return next;
    });
    servers[0]?.crash();
    await settle();
    expect(servers).toHaveLength(2);
    servers[1]?.crash();
    await settle();
    expect(servers).toHaveLength(3);
    expect(exits).toEqual([]);

    await life.shutdown('SIGINT', 0);
    expect(servers.map((s) => s.stops)).toEqual([0, 0, 1]);
    expect(exits).toEqual([0]);
  });

  it('ends the instance when it crashes a fourth time within ten minutes', async () => {
    const servers = [new FakeServer()];
    life.supervise('the Temporal dev server', servers[0] as FakeServer, async () => {
      const next = new FakeServer();
      servers.push(next);
      return next;
    });
    for (let crash = 0; crash < 4; crash++) {
      servers.at(-1)?.crash();
      await settle();
    }
    expect(servers).toHaveLength(4);
    await settle();
    expect(exits).toEqual([1]);
  });

  it('ends the instance when it cannot start again', async () => {
    const first = new FakeServer();
    life.supervise('PostgreSQL', first, () => Promise.reject(new Error('could not bind 127.0.0.1:5433\nmore')));
    first.crash();
    await settle();
    await settle();
    expect(exits).toEqual([1]);
  });

  it('started again while the instance stops, is stopped too', async () => {
    const first = new FakeServer();
    const next = new FakeServer();
    let started!: (server: FakeServer) => void;
    life.supervise('PostgreSQL', first, () => new Promise<FakeServer>((resolve) => (started = resolve)));
    first.crash();
    await settle();
    await life.shutdown('SIGINT', 0);
    started(next);
    await settle();
    await settle();
    expect(next.stops).toBe(1);
  });

  it('is not started again when it was asked to stop', async () => {
    const first = new FakeServer();
    const startAgain = vi.fn(async () => new FakeServer());
    life.supervise('PostgreSQL', first, startAgain);
    await life.shutdown('SIGTERM', 0);
    await settle();
    expect(startAgain).not.toHaveBeenCalled();
    expect(first.stops).toBe(1);
  });
});
