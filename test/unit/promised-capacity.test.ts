import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../activities/db';
import { PromisedCapacity } from '../../api/services/promised-capacity';

/** The one statement PromisedCapacity runs, recorded: each write's `warehouse|day` → count, held until released. */
function recordingDb() {
  const writes: Map<string, number>[] = [];
  const held: (() => void)[] = [];
  const db = {
    $executeRaw(_sql: TemplateStringsArray, warehouses: string[], days: string[], counts: number[]) {
      writes.push(new Map(warehouses.map((w, i) => [`${w}|${days[i]}`, counts[i] ?? 0])));
      return new Promise<number>((resolve) => held.push(() => resolve(warehouses.length)));
    },
  };
  return { db: db as unknown as Db, writes, releaseNext: () => held.shift()?.() };
}

const quiet = { warn: () => {} } as unknown as FastifyBaseLogger;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('promised pick days, written in batches', () => {
  it('a flush asked while a write is under way also writes what was promised since, after it', async () => {
    const { db, writes, releaseNext } = recordingDb();
    const capacity = new PromisedCapacity(db, () => {}, quiet, 60_000);
    capacity.add([{ warehouseCode: 'LYS1', day: '2026-12-03' }]);
    const first = capacity.flush();
    await tick();
    capacity.add([{ warehouseCode: 'PAR1', day: '2026-12-03' }]);
    let flushed = false;
    const second = capacity.flush().then(() => {
      flushed = true;
    });
    await tick();
    expect(flushed).toBe(false);
    releaseNext();
    await first;
    await tick();
    expect(writes.map((w) => [...w])).toEqual([[['LYS1|2026-12-03', 1]], [['PAR1|2026-12-03', 1]]]);
    expect(flushed).toBe(false);
    releaseNext();
    await second;
    expect(capacity.unwritten().size).toBe(0);
  });

  it('closing while a write is under way writes the rest before it ends', async () => {
    const { db, writes, releaseNext } = recordingDb();
    const capacity = new PromisedCapacity(db, () => {}, quiet, 60_000);
    capacity.add([{ warehouseCode: 'LYS1', day: '2026-12-03' }]);
    const first = capacity.flush();
    await tick();
    capacity.add([
      { warehouseCode: 'LYS1', day: '2026-12-03' },
      { warehouseCode: 'LYS1', day: '2026-12-03' },
    ]);
    const closed = capacity.close();
    releaseNext();
    await first;
    await tick();
    releaseNext();
    await closed;
    expect(writes.map((w) => [...w])).toEqual([[['LYS1|2026-12-03', 1]], [['LYS1|2026-12-03', 2]]]);
  });

  it("counts a promise's pick days from the moment it is computed; a twin's are dropped and never written", async () => {
    const { db, writes, releaseNext } = recordingDb();
    const capacity = new PromisedCapacity(db, () => {}, quiet, 60_000);
    const day = { warehouseCode: 'LYS1', day: '2026-12-03' };
    const accepted = capacity.pend([day]);
    const twin = capacity.pend([day]);
    expect([...capacity.unwritten()]).toEqual([['LYS1|2026-12-03', 2]]);
    capacity.drop(twin);
    capacity.commit(accepted);
    expect([...capacity.unwritten()]).toEqual([['LYS1|2026-12-03', 1]]);
    const flushed = capacity.flush();
    await tick();
    releaseNext();
    await flushed;
    expect(writes.map((w) => [...w])).toEqual([[['LYS1|2026-12-03', 1]]]);
    expect(capacity.unwritten().size).toBe(0);
  });
});
