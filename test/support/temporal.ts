import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { defaultConfig } from '../../config';
import { colisDataConverter, payloadCodec, payloadSealing } from '../../worker/data-converter';

/**
 * The payload encryption every test client and worker uses: the development key ring, the one
 * `loadApiConfig({})` gives the API under test, so both sides read each other's payloads.
 */
export const testPayloadSealing = payloadSealing(defaultConfig());
export const testPayloadKeys = testPayloadSealing.keys;
export const testDataConverter = colisDataConverter(testPayloadSealing);

/**
 * Keepalive the Java test server tolerates. The SDK's client pings every 30 s, even between calls;
 * the test server (a grpc-java server with its defaults) allows one ping per 5 minutes during calls
 * and none without, and answers more with GOAWAY "too_many_pings". That cut the calls in flight:
 * a test file running over a minute or two lost a time-skipping sleep or lock mid-call and waited
 * in real time. Pings every 10 minutes, only during calls, never strike.
 */
const TEST_SERVER_CHANNEL_ARGS = {
  'grpc.keepalive_time_ms': 600_000,
  'grpc.keepalive_permit_without_calls': 0,
} as const;

interface TimeSkippingCreateOptions {
  server: { type: 'time-skipping'; executable: { type: 'existing-path'; path: string } };
  client: { dataConverter: typeof testDataConverter };
  supportsTimeSkipping: true;
  connectionOptions: { channelArgs: typeof TEST_SERVER_CHANNEL_ARGS };
}

/**
 * Temporal's time-skipping test server (a real server; days of timers pass in milliseconds).
 * `createTimeSkipping` takes no connection options, so this goes through the SDK's own `create`
 * (what `createTimeSkipping` calls) to give the client connection keepalive the server accepts.
 */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const create = Reflect.get(TestWorkflowEnvironment, 'create') as (options: TimeSkippingCreateOptions) => Promise<TestWorkflowEnvironment>;
  return create.call(TestWorkflowEnvironment, {
    server: { type: 'time-skipping', executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
    client: { dataConverter: testDataConverter },
    supportsTimeSkipping: true,
    connectionOptions: { channelArgs: TEST_SERVER_CHANNEL_ARGS },
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
  const [decoded] = await payloadCodec(testPayloadSealing).decode([payload]);
  return decoded ? defaultPayloadConverter.fromPayload(decoded) : undefined;
}
