import type { Db } from '../../activities/db';

/**
 * What the database did for a run, from pg_stat_statements (a stack started with `statementStatistics`):
 * reset before, read after, so statements per order and where the server's time went are counted, not guessed.
 */

export interface StatementCount {
  query: string;
  calls: number;
  totalMs: number;
}

export async function resetStatements(db: Db): Promise<void> {
  await db.$queryRawUnsafe('SELECT pg_stat_statements_reset()');
}

/** Every statement run since the reset, the bench's own reads of the statistics left out, most called first. */
export async function readStatements(db: Db): Promise<StatementCount[]> {
  const rows = await db.$queryRawUnsafe<{ query: string; calls: bigint; total_exec_time: number }[]>(
    `SELECT query, calls, total_exec_time FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
     ORDER BY calls DESC`,
  );
  return rows.map((r) => ({ query: r.query.replace(/\s+/g, ' '), calls: Number(r.calls), totalMs: r.total_exec_time }));
}
