import { createServer } from 'node:net';

/**
 * Ports this process has handed out. The OS may offer a port again as soon as the probe that found it closed: callers
 * that ask for several ports before starting anything (npm start's seven services in a test) were once given the same
 * one twice, and the start refused ("COLIS_API_PORT and COLIS_MAILDEV_WEB_PORT both name port 37965").
 */
const handedOut = new Set<number>();

/** A TCP port free right now on loopback (the OS picks it), never one this process handed out before. */
export async function freePort(): Promise<number> {
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
