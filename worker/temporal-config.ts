import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

/**
 * Where Temporal is, from the standard environment variables the Temporal CLI and SDKs use, so
 * the dev server, a self-hosted cluster and Temporal Cloud differ only by environment:
 *
 *   TEMPORAL_ADDRESS                 host:port (default: the embedded dev server)
 *   TEMPORAL_NAMESPACE               namespace (default "default")
 *   TEMPORAL_API_KEY                 API key (Temporal Cloud); implies TLS
 *   TEMPORAL_TLS                     "true" to use TLS with the system roots
 *   TEMPORAL_TLS_CLIENT_CERT_PATH    mTLS client certificate (PEM)
 *   TEMPORAL_TLS_CLIENT_KEY_PATH     mTLS client key (PEM)
 *   TEMPORAL_TLS_SERVER_CA_CERT_PATH custom server CA (PEM)
 *   TEMPORAL_TLS_SERVER_NAME         SNI override
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  /** True when nothing points elsewhere: Colis starts its own dev server. */
  embedded: boolean;
}

type Env = Record<string, string | undefined>;

export function temporalTargetFromEnv(env: Env = process.env, defaultAddress = '127.0.0.1:7233'): TemporalTarget {
  const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
  const apiKey = env.TEMPORAL_API_KEY || undefined;
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  let tls: TLSConfig | boolean | undefined;
  if (certPath || keyPath || caPath || env.TEMPORAL_TLS_SERVER_NAME) {
    if (Boolean(certPath) !== Boolean(keyPath)) {
      throw new Error('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together');
    }
    tls = {
      ...(certPath && keyPath ? { clientCertPair: { crt: readFileSync(certPath), key: readFileSync(keyPath) } } : {}),
      ...(caPath ? { serverRootCACertificate: readFileSync(caPath) } : {}),
      ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
    };
  } else if (apiKey || env.TEMPORAL_TLS === 'true') {
    tls = true;
  }
  return {
    address: env.TEMPORAL_ADDRESS ?? defaultAddress,
    namespace,
    ...(apiKey ? { apiKey } : {}),
    ...(tls !== undefined ? { tls } : {}),
    embedded: !env.TEMPORAL_ADDRESS,
  };
}

/** Options accepted by both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
export function connectionOptions(target: TemporalTarget): { address: string; apiKey?: string; tls?: TLSConfig | boolean } {
  return {
    address: target.address,
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
  };
}
