import { createServer } from 'node:net';

/** A TCP port free right now on loopback (the OS picks it). */
export function freePort(): Promise<number> {
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
