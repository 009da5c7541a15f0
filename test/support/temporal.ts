import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { defaultConfig } from '../../config';
import { colisDataConverter, payloadKeyRing } from '../../worker/data-converter';
import { AesGcmPayloadCodec } from '../../worker/payload-codec';

/**
 * The payload encryption every test client and worker uses: the development key ring, the one
 * `loadApiConfig({})` gives the API under test, so both sides read each other's payloads.
 */
export const testPayloadKeys = payloadKeyRing(defaultConfig());
export const testDataConverter = colisDataConverter(testPayloadKeys);

/** Temporal's time-skipping test server (a real server; days of timers pass in milliseconds). */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
    client: { dataConverter: testDataConverter },
  });
}

/** The run's shared Temporal dev server: the same server `npm start` runs, with search attributes. */
export function connectDevServer(namespace = 'default'): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({
    address: inject('temporalDevAddress'),
    namespace,
    client: { dataConverter: testDataConverter },
  });
}

/** What a history payload holds, read the way every Colis process reads it: through the payload codec. */
export async function decodedPayload(payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return undefined;
  const [decoded] = await new AesGcmPayloadCodec(testPayloadKeys).decode([payload]);
  return decoded ? defaultPayloadConverter.fromPayload(decoded) : undefined;
}
