import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { AesGcmPayloadCodec, developmentKeyRing, type PayloadCodecOptions, type PayloadKeyRing } from './payload-codec';

/**
 * The one data converter of every Temporal client and worker Colis runs (API, workers, scripts,
 * tests, benchmarks): payloads deflated (COLIS_PAYLOAD_COMPRESSION) and encrypted with the key ring of
 * COLIS_PAYLOAD_KEYS (config/variables.ts), failure messages and stack traces encoded with them.
 * Development without keys uses a fixed, public key so `npm start` works without setup and restarts
 * read their own histories.
 */

/** The workflow bundle and every client and worker load the failure converter from this file. */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));
/** The workflow bundles' payload converter: reads a payload no Colis process writes as unreadable, for the message guards. */
export const PAYLOAD_CONVERTER_PATH = fileURLToPath(new URL('./payload-converter.ts', import.meta.url));

export function payloadKeyRing(config: Pick<Config, 'COLIS_PAYLOAD_KEYS'>): PayloadKeyRing {
  return config.COLIS_PAYLOAD_KEYS ?? developmentKeyRing();
}

/** How payloads are sealed: the keys, and whether they are deflated first (COLIS_PAYLOAD_COMPRESSION). */
export interface PayloadSealing extends PayloadCodecOptions {
  keys: PayloadKeyRing;
}

export function payloadSealing(config: Pick<Config, 'COLIS_PAYLOAD_KEYS' | 'COLIS_PAYLOAD_COMPRESSION'>): PayloadSealing {
  return { keys: payloadKeyRing(config), compress: config.COLIS_PAYLOAD_COMPRESSION };
}

export function payloadCodec({ keys, ...options }: PayloadSealing): AesGcmPayloadCodec {
  return new AesGcmPayloadCodec(keys, options);
}

/**
 * A payload typed with the CLI to look sealed under no key is handed on marked unreadable (`unsealable: 'mark'`), for the
 * workflows' payload converter to read (PAYLOAD_CONVERTER_PATH, in the bundles): the codec endpoint keeps refusing it.
 */
export function colisDataConverter(sealing: PayloadSealing): DataConverter {
  return { payloadCodecs: [payloadCodec({ ...sealing, unsealable: 'mark' })], failureConverterPath: FAILURE_CONVERTER_PATH };
}
