import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../config';
import { connectionOptions, temporalTarget } from '../../worker/temporal-config';
import { searchAttributes } from '../../workflows/definitions';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { CONNECTION_NAMESPACE } from '../support/namespaces';
import { type ColisProcess, startColisProcess } from '../support/processes';
import { createTlsFiles, startTlsProxy, type TlsFiles, type TlsProxy } from '../support/tls-proxy';

/**
 * The API and the workers reach a TLS-only Temporal (mutual TLS, as a self-hosted cluster with
 * client authentication or Temporal Cloud requires) with nothing but Temporal's standard settings:
 * the API from environment variables, the worker from a profile in a TOML config file. Both run
 * as the real entry points (`node api/main.ts`, `node worker/main.ts`), the way a deployment does.
 */
describe('API and worker processes behind a TLS-only Temporal front', () => {
  let tls: TlsFiles;
  let proxy: TlsProxy;
  let database: TestDatabase;
  let api: ColisProcess | undefined;
  let worker: ColisProcess | undefined;

  beforeAll(async () => {
    tls = await createTlsFiles();
    proxy = await startTlsProxy({
      target: inject('temporalDevAddress'),
      cert: readFileSync(tls.serverCertPath, 'utf8'),
      key: readFileSync(tls.serverKeyPath, 'utf8'),
      ca: readFileSync(tls.caCertPath, 'utf8'),
    });
    database = await createTestDatabase(2);
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await proxy?.close();
    await database?.drop();
    tls?.remove();
  });

  const customAttributes = async (): Promise<string[]> => {
    const connection = await Connection.connect({ address: inject('temporalDevAddress') });
    try {
      const listed = await connection.operatorService.listSearchAttributes({ namespace: CONNECTION_NAMESPACE });
      return Object.keys(listed.customAttributes ?? {});
    } finally {
      await connection.close();
    }
  };

  const tlsEnv = () => ({
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_NAMESPACE: CONNECTION_NAMESPACE,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: tls.caCertPath,
    TEMPORAL_TLS_CLIENT_CERT_PATH: tls.clientCertPath,
    TEMPORAL_TLS_CLIENT_KEY_PATH: tls.clientKeyPath,
    TEMPORAL_TLS_SERVER_NAME: tls.serverName,
  });

  it('refuses a plaintext client and a TLS client without a certificate: the front is TLS-only', async () => {
    const before = proxy.refused();
    const plaintext = Connection.connect({ address: proxy.address, connectTimeout: 3_000 });
    await expect(plaintext.then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
    const noCertificate = Connection.connect({
      address: proxy.address,
      connectTimeout: 3_000,
      tls: { serverRootCACertificate: readFileSync(tls.caCertPath), serverNameOverride: tls.serverName },
    });
    await expect(noCertificate.then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
    expect(proxy.refused()).toBeGreaterThan(before);
  });

  it('the settings the API and workers read reach the server through it', async () => {
    const connection = await Connection.connect({ ...connectionOptions(temporalTarget(loadConfig(tlsEnv()))), connectTimeout: 10_000 });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await connection.close();
    }
  });

  it('node api/main.ts with TEMPORAL_TLS_* variables is ready and starts orders; a worker configured by a TOML profile runs them', async () => {
    // The namespace is fresh (test/support/global-setup.ts registers nothing in it): the API process
    // registers the search attributes its order starts carry, or no order could start.
    expect(await customAttributes()).not.toContain('OrderId');
    api = await startColisProcess('api/main.ts', {
      ...tlsEnv(),
      HOME: tls.dir,
      DATABASE_URL: database.url,
      COLIS_API_PORT: '0',
      COLIS_LOG_LEVEL: 'warn',
      // Answer once the workflow has started, so the answer says whether the start crossed the TLS front.
      COLIS_INTAKE_START_WAIT_MS: '20000',
    });
    const base = api.ready.url ?? '';
    const readiness = await fetch(`${base}/readyz`);
    expect(await readiness.json()).toEqual({ status: 'ready', checks: { postgres: 'up', temporal: 'up' } });

    const placed = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'colis-dev-intake-key', 'idempotency-key': `tls-${Date.now()}` },
      body: JSON.stringify({
        customer: { id: 'CUST-TLS', name: 'Camille Martin' },
        shipTo: { name: 'Camille Martin', line1: '12 rue de la République', city: 'Lyon', postalCode: '69002', countryCode: 'FR' },
        lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
      }),
    });
    expect(placed.status).toBe(202);
    const { orderId, workflowStarted } = (await placed.json()) as { orderId: string; workflowStarted: boolean };
    expect(workflowStarted).toBe(true);
    expect(await customAttributes()).toEqual(expect.arrayContaining(Object.values(searchAttributes).map((key) => key.name)));

    // The worker takes the same connection from a profile instead: TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE.
    const configFile = join(tls.dir, 'temporal.toml');
    writeFileSync(
      configFile,
      [
        '[profile.staging]',
        `address = "${proxy.address}"`,
        `namespace = "${CONNECTION_NAMESPACE}"`,
        '[profile.staging.tls]',
        `client_cert_path = "${tls.clientCertPath}"`,
        `client_key_path = "${tls.clientKeyPath}"`,
        `server_ca_cert_path = "${tls.caCertPath}"`,
        `server_name = "${tls.serverName}"`,
        '',
      ].join('\n'),
    );
    worker = await startColisProcess('worker/main.ts', {
      HOME: tls.dir,
      TEMPORAL_CONFIG_FILE: configFile,
      TEMPORAL_PROFILE: 'staging',
      DATABASE_URL: database.url,
      COLIS_WORKER_QUEUES: 'orders',
    });

    // The order leaves `received` only when a worker ran its workflow task: through the TLS front.
    const deadline = Date.now() + 60_000;
    let stage = 'received';
    while (stage === 'received' && Date.now() < deadline) {
      const row = await database.db.order.findUnique({ where: { id: orderId }, select: { status: true } });
      stage = row?.status ?? 'received';
      if (stage === 'received') await new Promise((r) => setTimeout(r, 250));
    }
    expect(stage).not.toBe('received');
  });
});
