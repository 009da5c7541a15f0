import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the stack's processes, by role, read from /proc (Linux): every descendant of this
 * process (the API, the worker, the ceiling worker, Temporal's dev server, PostgreSQL's postmaster and
 * its backends) plus this process itself (the bench: HTTP load, result polling). Two readings around a
 * run give each role's CPU per order, so a throughput run says which process an order's time goes to.
 * Ticks of processes that exited between the readings are lost (PostgreSQL backends outlive a run:
 * the pools keep them).
 */

export type CpuByRole = Map<string, number>;

const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { pid, ppid: Number(fields[1]), cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function roleOf(pid: number): string {
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return 'other';
  }
  if (/postgres/.test(cmdline)) return 'postgresql';
  if (/temporal/.test(cmdline) && !/\.ts|\.mjs/.test(cmdline)) return 'temporal server';
  // The entry, not the word: a checkout under a directory named "ceiling" would label every process so.
  if (/ceiling\/worker\.ts/.test(cmdline)) return 'ceiling worker';
  if (/worker\/main\.ts/.test(cmdline)) return 'worker (+ carrier simulator)';
  if (/api\/main\.ts/.test(cmdline)) return 'api';
  const oms = /\boms (\w+)/.exec(cmdline);
  if (oms) return `reference app ${oms[1]}`;
  return 'other';
}

/** Cumulative CPU milliseconds per role of this process's tree, this process under "bench". */
export function cpuByRole(): CpuByRole {
  if (process.platform !== 'linux') return new Map();
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byRole: CpuByRole = new Map();
  const usage = process.cpuUsage();
  byRole.set('bench', (usage.user + usage.system) / 1000);
  const queue = [...(children.get(process.pid) ?? [])];
  for (let s = queue.shift(); s; s = queue.shift()) {
    const role = roleOf(s.pid);
    byRole.set(role, (byRole.get(role) ?? 0) + s.cpuMs);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return byRole;
}

/** CPU ms per order by role between two readings, largest first. */
export function cpuPerOrder(before: CpuByRole, after: CpuByRole, orders: number): [string, number][] {
  return [...after.entries()]
    .map(([role, ms]): [string, number] => [role, (ms - (before.get(role) ?? 0)) / orders])
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1]);
}
