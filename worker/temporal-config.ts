import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { type Config, ConfigError, VARIABLES } from '../config';

/**
 * Where Temporal is, from the standard variables the Temporal CLI and SDKs use (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*; see config/variables.ts), so the dev server,
 * a self-hosted cluster and Temporal Cloud differ only by environment.
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  /** True when nothing points elsewhere: Colis starts its own dev server. */
  embedded: boolean;
}

type TemporalSettings = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CLIENT_CERT_PATH'
  | 'TEMPORAL_TLS_CLIENT_KEY_PATH'
  | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
>;

type PemVariable = 'TEMPORAL_TLS_CLIENT_CERT_PATH' | 'TEMPORAL_TLS_CLIENT_KEY_PATH' | 'TEMPORAL_TLS_SERVER_CA_CERT_PATH';

/** Read at start-up, so a wrong path stops the process before it starts anything. */
function readPem(variable: PemVariable, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ variable, shown: JSON.stringify(path), why: `cannot be read: ${why}`, form: VARIABLES[variable].form }]);
  }
}

/** Reads the TLS files named by the configuration (throws ConfigError when one cannot be read). */
export function temporalTarget(config: TemporalSettings, defaultAddress = '127.0.0.1:7233'): TemporalTarget {
  const apiKey = config.TEMPORAL_API_KEY;
  const certPath = config.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = config.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = config.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const serverName = config.TEMPORAL_TLS_SERVER_NAME;
  let tls: TLSConfig | boolean | undefined;
  if (certPath || keyPath || caPath || serverName) {
    tls = {
      ...(certPath && keyPath
        ? {
            clientCertPair: {
              crt: readPem('TEMPORAL_TLS_CLIENT_CERT_PATH', certPath),
              key: readPem('TEMPORAL_TLS_CLIENT_KEY_PATH', keyPath),
            },
          }
        : {}),
      ...(caPath ? { serverRootCACertificate: readPem('TEMPORAL_TLS_SERVER_CA_CERT_PATH', caPath) } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
    };
  } else if (apiKey || config.TEMPORAL_TLS) {
    tls = true;
  }
  return {
    address: config.TEMPORAL_ADDRESS ?? defaultAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(apiKey ? { apiKey } : {}),
    ...(tls !== undefined ? { tls } : {}),
    embedded: !config.TEMPORAL_ADDRESS,
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
