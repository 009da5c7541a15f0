import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports this process has handed out. A port may be offered again as soon as the probe that found it closed: callers
 * that ask for several ports before starting anything (npm start's seven services in a test) were once given the same
 * one twice, and the start refused ("COLIS_API_PORT and COLIS_MAILDEV_WEB_PORT both name port 37965").
 */
const handedOut = new Set<number>();

/**
 * A TCP port free right now on loopback, never one this process handed out before.
 *
 * It is taken below the range the OS gives outgoing connections their local ports from. A port from `listen(0)` comes
 * from that range, and any connection opened before the server binds it may take it: CI saw "bind: address already in
 * use" from a Temporal dev server restarted on its Web UI port while other suites ran beside it. Test workers
 * (VITEST_POOL_ID) each walk their own slice of the range, so two of them never hand out the same port.
 */
export async function freePort(): Promise<number> {
  const range = portsOutsideEphemeral();
  if (!range) return anyFreePort();
  const { first, count } = range;
  const start = Math.floor(Math.random() * count);
  for (let step = 0; step < count; step++) {
    const port = first + ((start + step) % count);
    if (handedOut.has(port)) continue;
    if ((await listenProblem(port)) !== undefined) continue;
    handedOut.add(port);
    return port;
  }
  return anyFreePort();
}

/** Below the OS's ephemeral range, above the well-known ports; this worker's slice of it when tests run in a pool. */
function portsOutsideEphemeral(): { first: number; count: number } | undefined {
  const ephemeralStart = ephemeralRangeStart();
  const lowest = 10_000;
  if (ephemeralStart === undefined || ephemeralStart - lowest < 2_000) return undefined;
  const whole = ephemeralStart - lowest;
  const worker = Number(process.env.VITEST_POOL_ID);
  if (!Number.isInteger(worker) || worker < 1) return { first: lowest, count: whole };
  const slices = 16;
  const size = Math.floor(whole / slices);
  return { first: lowest + ((worker - 1) % slices) * size, count: size };
}

function ephemeralRangeStart(): number | undefined {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(start) ? start : undefined;
  } catch {
    return undefined; // not Linux: the OS's own choice, as before
  }
}

/** The OS's choice of a free port, never one this process handed out before. */
async function anyFreePort(): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await probeFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
    if (attempt >= 100) throw new Error(`no port this process has not handed out yet, after ${attempt} tries`);
  }
}

function probeFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * Checked before a service is started on host:port: why nothing could listen there now. `in use`: another program has
 * it; else the bind's error code, when the host is no address of this machine (EADDRNOTAVAIL, ENOTFOUND). Undefined: free.
 */
export function listenProblem(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 'in use' : (error.code ?? error.message)),
    );
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** A port this instance would listen on, with the variable that names it. */
export interface WantedPort {
  variable: string;
  port: number;
  host: string;
  /** The variable that names the host, when another one does (COLIS_API_HOST). */
  hostVariable?: string;
}

/**
 * Two variables naming one port (COLIS_API_PORT=5433 beside the embedded PostgreSQL's): each is free before the start,
 * so only the second listener would find out, after the first had started. Named before anything starts instead.
 */
export function portClash(wanted: readonly WantedPort[]): string | undefined {
  for (const [i, first] of wanted.entries()) {
    const second = wanted.slice(i + 1).find((other) => other.port === first.port);
    if (second) return `${first.variable} and ${second.variable} both name port ${first.port}; set one of them to another port`;
  }
  return undefined;
}
