import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SHIPENGINE_KEY_ID_HEADER,
  SHIPENGINE_SIGNATURE_HEADER,
  SHIPENGINE_TIMESTAMP_HEADER,
} from '../../activities/carriers/shipengine/webhook-signature';

/**
 * ShipEngine's side of its webhook signatures, played locally: RSA key pairs generated here, their
 * public halves served as a JWKS by a small HTTP server (as ShipEngine serves `GET /jwks`), and
 * payloads signed as ShipEngine signs them. `publish` replaces the served set (a key rotation).
 */

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

export function signedHeaders(body: string | Buffer, key: SigningKey, at: Date = new Date()): Record<string, string> {
  const timestamp = at.toISOString();
  const signature = sign('sha256', Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]), key.privateKey).toString('base64');
  return {
    [SHIPENGINE_KEY_ID_HEADER]: key.kid,
    [SHIPENGINE_SIGNATURE_HEADER]: signature,
    [SHIPENGINE_TIMESTAMP_HEADER]: timestamp,
  };
}

export interface JwksServer {
  url: string;
  /** How many times the key set was fetched. */
  fetches: number;
  publish(keys: readonly SigningKey[]): void;
  stop(): Promise<void>;
}

export async function serveJwks(initial: readonly SigningKey[]): Promise<JwksServer> {
  let keys = [...initial];
  const state = { fetches: 0 };
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/jwks') {
      response.writeHead(404).end();
      return;
    }
    state.fetches += 1;
    const body = JSON.stringify({
      keys: keys.map((key) => ({ ...key.publicKey.export({ format: 'jwk' }), kid: key.kid, use: 'sig', alg: 'RS256' })),
    });
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get fetches() {
      return state.fetches;
    },
    publish(next) {
      keys = [...next];
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
