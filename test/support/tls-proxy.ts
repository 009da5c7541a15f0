import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';

/**
 * A TLS-only front for the run's plaintext dev server (the dev server itself speaks no TLS): it
 * terminates TLS, requires a client certificate signed by its own CA (mTLS) and relays the bytes.
 * What a self-hosted cluster with `requireClientAuth` or Temporal Cloud looks like to a client.
 */

export interface TlsFiles {
  dir: string;
  caCertPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** The name in the server certificate (SNI / TEMPORAL_TLS_SERVER_NAME). */
  serverName: string;
  remove(): void;
}

/** A throw-away CA, a server certificate for `serverName` and 127.0.0.1, and a client certificate, as PEM files. */
export async function createTlsFiles(serverName = 'temporal.colis.test'): Promise<TlsFiles> {
  const dir = mkdtempSync(join(tmpdir(), 'colis-tls-'));
  const ca = await generate([{ name: 'commonName', value: 'Colis test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const signedBy = { key: ca.private, cert: ca.cert };
  const server = await generate([{ name: 'commonName', value: serverName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: signedBy,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: serverName },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const client = await generate([{ name: 'commonName', value: 'colis-worker' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: signedBy,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  const files = {
    caCertPath: join(dir, 'ca.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server.key'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client.key'),
  };
  writeFileSync(files.caCertPath, ca.cert);
  writeFileSync(files.serverCertPath, server.cert);
  writeFileSync(files.serverKeyPath, server.private, { mode: 0o600 });
  writeFileSync(files.clientCertPath, client.cert);
  writeFileSync(files.clientKeyPath, client.private, { mode: 0o600 });
  return { dir, serverName, ...files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TlsProxy {
  address: string;
  /** Connections whose TLS handshake failed (no or a foreign client certificate, plaintext). */
  refused(): number;
  close(): Promise<void>;
}

export async function startTlsProxy(options: { target: string; cert: string; key: string; ca: string }): Promise<TlsProxy> {
  const [targetHost, targetPort] = splitAddress(options.target);
  const sockets = new Set<Socket>();
  let refused = 0;
  const server = createServer(
    {
      cert: options.cert,
      key: options.key,
      ca: options.ca,
      requestCert: true,
      rejectUnauthorized: true,
      // gRPC runs on HTTP/2, which TLS clients negotiate by ALPN.
      ALPNProtocols: ['h2'],
    },
    (tlsSocket: TLSSocket) => {
      const upstream = connect(targetPort, targetHost);
      sockets.add(tlsSocket);
      sockets.add(upstream);
      const end = () => {
        tlsSocket.destroy();
        upstream.destroy();
        sockets.delete(tlsSocket);
        sockets.delete(upstream);
      };
      tlsSocket.on('error', end);
      upstream.on('error', end);
      tlsSocket.on('close', end);
      upstream.on('close', end);
      tlsSocket.pipe(upstream);
      upstream.pipe(tlsSocket);
    },
  );
  server.on('tlsClientError', () => {
    refused += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the TLS proxy has no address');
  return {
    address: `127.0.0.1:${address.port}`,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
