import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { removeCluster, type RunningPostgres, startEmbeddedPostgres } from '../../scripts/postgres';

/**
 * `npm start`'s PostgreSQL killed with kill -9 (the OOM killer): its backends outlive the postmaster for a moment and
 * write "terminating connection due to unexpected postmaster exit" to the stderr pipe they share with it. The server's
 * log file used to be closed when the postmaster exited, and such a late line then raised ERR_STREAM_WRITE_AFTER_END
 * with no listener: the whole instance (API, workers) died with a stack trace instead of starting PostgreSQL again
 * (seen by probe3 on npm start, one kill in three).
 */

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const folder = mkdtempSync(join(tmpdir(), 'colis-pg-kill-'));
let postgres: RunningPostgres | undefined;
afterAll(async () => {
  await postgres?.stop();
  // As root the cluster is not in `folder` but in a /var/tmp home of its own (the postgres user cannot enter `folder`).
  if (postgres?.dataDir) removeCluster(postgres.dataDir);
  rmSync(folder, { recursive: true, force: true });
});

describe('the embedded PostgreSQL killed with kill -9', () => {
  it('ends with its reason and leaves the process running, the late lines of its backends in its log', async () => {
    const logFile = join(folder, 'postgres.log');
    postgres = await startEmbeddedPostgres({
      dataDir: join(folder, 'cluster'),
      port: await freePort(),
      database: 'colis',
      quiet: true,
      logFile,
    });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    // Idle connections: each backend logs its own end once the postmaster is gone.
    const clients = Array.from({ length: 12 }, () => new pg.Client({ connectionString: postgres?.url }));
    try {
      for (const client of clients) {
        client.on('error', () => {});
        await client.connect();
      }
      // Busy ones too: a backend in the middle of a statement notices the postmaster's death only once it is done, and
      // writes its own lines to the pipe meanwhile.
      const busy = clients
        .slice(0, 4)
        .map((client) =>
          client
            .query("DO $$ BEGIN PERFORM count(*) FROM generate_series(1, 3000000); RAISE LOG 'a backend outlived the postmaster'; END $$")
            .catch(() => undefined),
        );
      await new Promise((r) => setTimeout(r, 200));
      process.kill(postgres.pid ?? -1, 'SIGKILL');
      expect(await postgres.ended).toMatch(/^PostgreSQL exited \(SIGKILL\)/);
      await Promise.all(busy);
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      process.off('uncaughtException', onUncaught);
      await Promise.all(clients.map((client) => client.end().catch(() => {})));
    }
    expect(uncaught).toEqual([]);
    expect(readFileSync(logFile, 'utf8')).toContain('a backend outlived the postmaster');
  });
});
