import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../api/server';
import { loadConfig } from '../../config';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The API's own Temporal client carries the API key the workers use (TEMPORAL_API_KEY, Temporal's
 * environment-configuration convention), as `Authorization: Bearer <key>` on every call: a gRPC front
 * that only records what it is sent, and refuses, stands in for Temporal Cloud's key check.
 */
const API_KEY = 'colis-test-temporal-api-key-0123';
let front: Http2Server;
let frontAddress = '';
let database: TestDatabase;
const sessions = new Set<ServerHttp2Session>();
const received: { authorization: string | undefined; namespace: string | undefined; path: string }[] = [];

beforeAll(async () => {
  database = await createTestDatabase(2);
  front = createServer();
  front.on('session', (session) => sessions.add(session));
  front.on('stream', (stream, headers) => {
    const header = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : undefined);
    received.push({ authorization: header('authorization'), namespace: header('temporal-namespace'), path: header(':path') ?? '' });
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'api key checked by the test' },
      { endStream: true },
    );
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontAddress = `127.0.0.1:${(front.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // The client keeps its connection open; close() waits for every session to end.
  for (const session of sessions) session.destroy();
  await new Promise<void>((resolve) => front?.close(() => resolve()));
  await database?.drop();
});

describe("the API's Temporal client", () => {
  it('sends TEMPORAL_API_KEY as a bearer token, as the workers do', async () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: frontAddress,
      TEMPORAL_NAMESPACE: 'colis-key-test',
      TEMPORAL_API_KEY: API_KEY,
      // An API key implies TLS; this front speaks plaintext HTTP/2 so the test can read the headers.
      TEMPORAL_TLS: 'false',
      COLIS_API_PORT: '0',
    });
    await expect(startApi({ config, db: database.db })).rejects.toThrow();
    expect(received.length).toBeGreaterThan(0);
    for (const call of received) expect(call.authorization, call.path).toBe(`Bearer ${API_KEY}`);
  });
});
