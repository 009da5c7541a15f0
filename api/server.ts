import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { getDb, type Db } from '../activities/db';
import { connectionOptions, temporalTargetFromEnv } from '../worker/temporal-config';
import { buildApp } from './app';
import { loadApiConfig, type ApiConfig } from './config';

/**
 * Runs the API on a port. Everything is optional: by default the database is DATABASE_URL, Temporal
 * is TEMPORAL_ADDRESS (localhost:7233) in TEMPORAL_NAMESPACE (default), configuration comes from
 * the environment (api/config.ts) and the port from COLIS_API_PORT (3000; 0 picks a free one).
 */
export interface StartApiOptions {
  db?: Db;
  /** An existing client (e.g. the one the workers' process uses); otherwise one is connected here. */
  temporalClient?: Client;
  /** Used to build a client when none is given. */
  connection?: Connection;
  namespace?: string;
  config?: Partial<ApiConfig>;
  host?: string;
  port?: number;
}

export interface RunningApi {
  url: string;
  app: FastifyInstance;
  config: ApiConfig;
  close(): Promise<void>;
}

export async function startApi(options: StartApiOptions = {}): Promise<RunningApi> {
  const env = process.env;
  const db = options.db ?? getDb();
  let ownConnection: Connection | undefined;
  let temporalClient = options.temporalClient;
  if (!temporalClient) {
    // The same connection settings as the workers (address, namespace, TLS, mTLS, API key).
    const target = temporalTargetFromEnv(env, 'localhost:7233');
    let connection = options.connection;
    if (!connection) {
      ownConnection = await Connection.connect(connectionOptions(target));
      connection = ownConnection;
    }
    temporalClient = new Client({ connection, namespace: options.namespace ?? target.namespace });
  }
  const host = options.host ?? env.COLIS_API_HOST ?? '127.0.0.1';
  const port = options.port ?? Number(env.COLIS_API_PORT ?? 3000);
  const config = loadApiConfig(env, options.config);
  const app = await buildApp({ db, temporalClient, config });
  const address = await app.listen({ host, port });
  const url = config.publicUrl ?? address;
  app.log.info({ url, docs: `${url}/docs` }, 'Colis API listening');
  return {
    url: address,
    app,
    config,
    close: async () => {
      await app.close();
      await ownConnection?.close();
    },
  };
}
