import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { TLSConfig } from '@temporalio/client';
import { type ClientConfigProfile, loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import { type Config, ConfigError, VARIABLES } from '../config';
import { pem } from '../config/forms';
import { firstLine, StartupFailure } from '../config/process';

/**
 * Where Temporal is and how to reach it, by Temporal's own environment-configuration conventions
 * (@temporalio/envconfig, the rules the `temporal` CLI follows): a profile of a TOML file
 * (TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml; TEMPORAL_PROFILE), then the
 * TEMPORAL_* variables over its fields (address, namespace, API key, TLS, mTLS). The API, every
 * worker process and the scripts connect the same way, so the dev server, a self-hosted cluster
 * and Temporal Cloud differ only by configuration. The variables are declared in config/variables.ts.
 */
export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  /** gRPC headers sent with every call (`grpc_meta` of a profile). */
  metadata?: Record<string, string>;
  /** True when neither a variable nor a profile names a server: Colis starts its own dev server. */
  embedded: boolean;
}

const TEMPORAL_VARIABLES = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;

type TemporalSettings = Pick<Config, (typeof TEMPORAL_VARIABLES)[number]>;

/** Reads the profile file and the TLS files it or the variables name; a ConfigError names what to fix. */
export function temporalTarget(config: TemporalSettings, defaultAddress = '127.0.0.1:7233', home = homedir()): TemporalTarget {
  const profile = loadProfile(config, home);
  profileValuesValid(config, profile);
  const connect = readable(config, () => toClientOptions(profile));
  if (profile.tls && Boolean(profile.tls.clientCert) !== Boolean(profile.tls.clientKey)) {
    refuse(
      'TEMPORAL_PROFILE',
      config.TEMPORAL_PROFILE,
      "the profile's tls names a client certificate without its key, or a key without its certificate",
    );
  }
  const tls = connect.connectionOptions.tls ?? undefined;
  const metadata = profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? { ...profile.grpcMeta } : undefined;
  return {
    address: profile.address ?? defaultAddress,
    // TEMPORAL_NAMESPACE has a default of its own: a profile's namespace applies only when the variable is unset.
    namespace: connect.namespace ?? 'default',
    ...(profile.apiKey ? { apiKey: profile.apiKey } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(metadata ? { metadata } : {}),
    embedded: profile.address === undefined,
  };
}

/** The variables as envconfig reads them: only those set, as strings, plus HOME for the default file. */
function loadProfile(config: TemporalSettings, home: string): ClientConfigProfile {
  const env: Record<string, string> = { HOME: home };
  for (const name of TEMPORAL_VARIABLES) {
    const value = config[name];
    if (value !== undefined) env[name] = String(value);
  }
  // envconfig treats a missing file as no file; a file the operator named must exist.
  if (config.TEMPORAL_CONFIG_FILE && !existsSync(config.TEMPORAL_CONFIG_FILE)) {
    refuse('TEMPORAL_CONFIG_FILE', config.TEMPORAL_CONFIG_FILE, 'cannot be read: ENOENT');
  }
  for (const name of TLS_FILE_VARIABLES) tlsFileReadable(name, config[name]);
  return readable(config, () => loadClientConfigProfile({ overrideEnvVars: env }));
}

/**
 * The profile's fields pass the rules their variables do (config/variables.ts): a profile address that is no host:port
 * failed only the first connection, blamed on TEMPORAL_ADDRESS, which was not set; a namespace with a space, only the
 * namespace check at start. A field its variable overrides was checked as the variable already. The refusal names the
 * profile and the field, never an API key's value.
 */
function profileValuesValid(config: TemporalSettings, profile: ClientConfigProfile): void {
  const fields = [
    { field: 'address', variable: 'TEMPORAL_ADDRESS', value: profile.address },
    { field: 'namespace', variable: 'TEMPORAL_NAMESPACE', value: profile.namespace },
    { field: 'api_key', variable: 'TEMPORAL_API_KEY', value: profile.apiKey },
    { field: 'tls.server_name', variable: 'TEMPORAL_TLS_SERVER_NAME', value: profile.tls?.serverName },
  ] as const;
  for (const { field, variable, value } of fields) {
    if (value === undefined || config[variable] !== undefined) continue;
    const checked = VARIABLES[variable].schema.safeParse(value);
    if (checked.success) continue;
    const shown = VARIABLES[variable].secret ? '' : ` ${JSON.stringify(value)}`;
    const issue = checked.error.issues[0]?.message ?? 'refused';
    const why = `its ${field}${shown}: ${issue} (takes ${VARIABLES[variable].form})`;
    if (config.TEMPORAL_PROFILE !== undefined) refuse('TEMPORAL_PROFILE', config.TEMPORAL_PROFILE, `the profile's ${why.slice(4)}`);
    refuse('TEMPORAL_CONFIG_FILE', config.TEMPORAL_CONFIG_FILE ?? '~/.config/temporalio/temporal.toml', `profile "default", ${why}`);
  }
}

const TLS_FILE_VARIABLES = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'] as const;

/**
 * A TLS file a variable names is a PEM document, as its `_DATA` twin must be: read by envconfig, a directory's EISDIR
 * carries no path and was blamed on TEMPORAL_CONFIG_FILE, and a file of something else (a JSON, a DER certificate) only
 * failed the first connection, as "cannot reach Temporal at TEMPORAL_ADDRESS" with the TLS library's words.
 */
function tlsFileReadable(variable: (typeof TLS_FILE_VARIABLES)[number], path: string | undefined): void {
  if (path === undefined) return;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    refuse(variable, path, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? firstLine(error)}`);
  }
  if (!pem.safeParse(text).success) refuse(variable, path, 'not a PEM document');
}

/** Runs a step that reads files; what it cannot read becomes a ConfigError naming the variable. */
function readable<T>(config: TemporalSettings, step: () => T): T {
  try {
    return step();
  } catch (error) {
    const why = fileErrorReason(error);
    if (config.TEMPORAL_PROFILE && why.includes(config.TEMPORAL_PROFILE)) refuse('TEMPORAL_PROFILE', config.TEMPORAL_PROFILE, why);
    const code = (error as NodeJS.ErrnoException).code;
    const path = (error as NodeJS.ErrnoException).path;
    if (code && path) {
      const variable = TEMPORAL_VARIABLES.find((name) => config[name] === path) ?? 'TEMPORAL_CONFIG_FILE';
      refuse(variable, path, `cannot be read: ${code}`);
    }
    refuse('TEMPORAL_CONFIG_FILE', config.TEMPORAL_CONFIG_FILE ?? '~/.config/temporalio/temporal.toml', why);
  }
}

/**
 * Why a profile file could not be read, without its text: the TOML parser quotes the lines around a syntax error, and
 * the line at fault may be `api_key = …` or an inline `client_key_data`, which would then be printed on stderr and
 * kept by whatever collects it. Its reason and position are enough to find it.
 */
function fileErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const { line, column } = error as { line?: unknown; column?: unknown };
  if (typeof line !== 'number') return message;
  const reason = message.split('\n')[0] ?? message;
  return `${reason} at line ${line}${typeof column === 'number' ? `, column ${column}` : ''} (the file's text is not repeated)`;
}

function refuse(variable: (typeof TEMPORAL_VARIABLES)[number], value: string | undefined, why: string): never {
  throw new ConfigError([
    {
      variable,
      shown: value === undefined ? '(unset)' : JSON.stringify(value),
      why: why.replace(/\s+/g, ' '),
      form: VARIABLES[variable].form,
    },
  ]);
}

/** Options accepted by both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
export function connectionOptions(target: TemporalTarget): {
  address: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  metadata?: Record<string, string>;
} {
  return {
    address: target.address,
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    ...(target.tls !== undefined ? { tls: target.tls } : {}),
    ...(target.metadata ? { metadata: target.metadata } : {}),
  };
}

/** For start-up lines: where Colis connects and how, never the secrets themselves. */
export function describeTarget(target: TemporalTarget): string {
  const tls = target.tls === undefined || target.tls === false ? 'plaintext' : target.tls === true ? 'TLS' : tlsKind(target.tls);
  return `${target.address} namespace ${target.namespace} (${tls}${target.apiKey ? ', API key' : ''})`;
}

function tlsKind(tls: TLSConfig): string {
  return `${tls.clientCertPair ? 'mTLS' : 'TLS'}${tls.serverRootCACertificate ? ', custom CA' : ''}${tls.serverNameOverride ? `, server name ${tls.serverNameOverride}` : ''}`;
}

/** What both a client's and a native (worker) connection offer to ask the server about a namespace. */
interface NamespaceLookup {
  describeNamespace(request: { namespace: string }): Promise<unknown>;
}

/** gRPC's NOT_FOUND, as both connections report it. */
const GRPC_NOT_FOUND = 5;

/**
 * The namespace TEMPORAL_NAMESPACE (or the profile) names exists: connecting does not ask, so a misspelt one let the API
 * answer ready and accept orders whose workflows could never start, and a worker end with the SDK's gRPC status dump.
 * Any other failure of the question is the address's: what answers there is no Temporal frontend (an HTTP server).
 */
export async function namespaceExists(service: NamespaceLookup, target: TemporalTarget): Promise<void> {
  try {
    await service.describeNamespace({ namespace: target.namespace });
  } catch (error) {
    const notFound = (error as { code?: unknown }).code === GRPC_NOT_FOUND;
    throw new StartupFailure(
      notFound
        ? `cannot use namespace ${target.namespace} at ${target.address} (TEMPORAL_NAMESPACE): ${firstLine(error)}`
        : `cannot reach Temporal at ${describeTarget(target)} (TEMPORAL_ADDRESS): ${firstLine(error)}`,
    );
  }
}
