import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { getDb, type Db } from '../activities/db';
import { databaseReady } from '../activities/db-ready';
import { type Config, requireDatabaseUrl } from '../config';
import { colisDataConverter } from '../worker/data-converter';
import { buildAddressValidator } from '../carriers/wiring';
import { registerSearchAttributes } from '../worker/search-attributes';
import { connectionOptions, describeTarget, namespaceExists, temporalTarget } from '../worker/temporal-config';
import { startupStep } from '../config/process';
import { buildApp } from './app';
import { apiConfigFrom, type ApiConfig } from './config';

/**
 * Runs the API on a port, from the process's configuration: the database is DATABASE_URL unless a
 * client is given, Temporal is TEMPORAL_ADDRESS (localhost:7233) in TEMPORAL_NAMESPACE with the
 * workers' connection settings, and it listens on COLIS_API_HOST:COLIS_API_PORT (0 picks a free port).
 */
export interface StartApiOptions {
  config: Config;
  db?: Db;
  /** An existing client (e.g. the one the workers' process uses, with the same data converter); otherwise one is connected here. */
  temporalClient?: Client;
  /** What differs from the configuration for this process (e.g. the Web UI of the dev server it started). */
  apiConfig?: Partial<ApiConfig>;
}

export interface RunningApi {
  url: string;
  app: FastifyInstance;
  config: ApiConfig;
  close(): Promise<void>;
}

export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const { config } = options;
  const apiConfig = apiConfigFrom(config, options.apiConfig);
  const db = options.db ?? getDb(requireDatabaseUrl(config), config.COLIS_DB_POOL);
  let ownConnection: Connection | undefined;
  let temporalClient = options.temporalClient;
  if (!temporalClient) {
    const target = temporalTarget(config, 'localhost:7233');
    ownConnection = await startupStep(`cannot reach Temporal at ${describeTarget(target)} (TEMPORAL_ADDRESS)`, () =>
      Connection.connect(connectionOptions(target)),
    );
    temporalClient = new Client({
      connection: ownConnection,
      namespace: target.namespace,
      dataConverter: colisDataConverter(apiConfig.payloadSealing),
    });
    await namespaceExists(temporalClient.workflowService, target);
    // Orders start with their search attributes set: a namespace lacking one would refuse every start.
    await registerSearchAttributes(ownConnection, target.namespace, (m) => process.stderr.write(`colis api: ${m}\n`));
  }
  // Its own database only: a client handed in is the caller's to have checked.
  if (!options.db) await startupStep('cannot use PostgreSQL at DATABASE_URL', () => databaseReady(db));
  const app = await buildApp({ db, temporalClient, config: apiConfig, addressValidator: buildAddressValidator(config) });
  // Plugins load first: a bug there keeps its stack; only the bind below is the environment's doing.
  await app.ready();
  const address = await startupStep(
    `cannot listen on ${config.COLIS_API_HOST} port ${config.COLIS_API_PORT} (COLIS_API_HOST, COLIS_API_PORT)`,
    () => app.listen({ host: config.COLIS_API_HOST, port: config.COLIS_API_PORT }),
  ).catch(async (error: unknown) => {
    await app.close();
    await ownConnection?.close();
    throw error;
  });
  const url = apiConfig.publicUrl ?? address;
  app.log.info({ url, docs: `${url}/docs` }, 'Colis API listening');
  return {
    url: address,
    app,
    config: apiConfig,
    close: async () => {
      await app.close();
      await ownConnection?.close();
    },
  };
}
