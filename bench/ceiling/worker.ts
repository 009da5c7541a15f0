import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { WorkerLogger } from '../../worker/logger';
import { exitWithError, loadConfigOrExit } from '../../config/process';
import { colisDataConverter, FAILURE_CONVERTER_PATH, payloadSealing } from '../../worker/data-converter';
import { connectionOptions, temporalTarget } from '../../worker/temporal-config';
import { createCeilingActivities } from './activities';

import { CEILING_QUEUE } from './shapes';

/** The ceiling's worker: its own process and task queue, the same worker settings as Colis's orders worker. */
async function main(): Promise<void> {
  Runtime.install({ logger: new WorkerLogger('WARN'), shutdownSignals: [] });
  const config = loadConfigOrExit(process.env, 'ceiling worker');
  const target = temporalTarget(config);
  // The same payload encryption as Colis's own workers, so the ceiling carries the same codec cost.
  const dataConverter = colisDataConverter(payloadSealing(config));
  const clientConnection = await Connection.connect(connectionOptions(target));
  const client = new Client({ connection: clientConnection, namespace: target.namespace, dataConverter });
  const connection = await NativeConnection.connect(connectionOptions(target));
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: CEILING_QUEUE,
    workflowBundle,
    dataConverter,
    activities: createCeilingActivities(client),
    maxCachedWorkflows: 1000,
    maxConcurrentActivityTaskExecutions: 50,
    shutdownGraceTime: '5 seconds',
  });
  const stop = () => worker.shutdown();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`ceiling worker ready pid=${process.pid}\n`);
  await worker.run();
  await connection.close();
  await clientConnection.close();
  process.exit(0);
}

main().catch((error: unknown) => exitWithError('ceiling worker', error));
