import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { carrierWebhookSecret } from '../activities/carriers/registry';
import { ApiRoleSchema, type ApiRole } from '../domain/api';

/**
 * The API's configuration, read once from the environment:
 *
 *   COLIS_API_KEYS             name:role:key[:carrierCode],…  (roles: intake, ops, carrier)
 *   COLIS_TEMPORAL_UI_URL      Web UI base for links (default http://localhost:8233)
 *   COLIS_PUBLIC_URL           absolute base for status URLs (default: relative paths)
 *   COLIS_TIME_SCALE           business seconds per real second handed to new orders (default 1)
 *   COLIS_RATE_LIMIT_PER_MINUTE requests per key per minute (default 600)
 *   COLIS_BODY_LIMIT_BYTES     largest request body (default 262144)
 *   COLIS_INTAKE_START_WAIT_MS how long POST /orders waits for the workflow start before answering
 *                              anyway (default 25; the order is committed first, the start goes on)
 *   COLIS_INTAKE_MAX_STARTS_PER_SECOND  meter order workflow starts (default: no limit); a burst above it
 *                              waits in PostgreSQL (see api/services/order-starter.ts)
 *   COLIS_CARRIER_SECRET_<CODE> webhook secrets (see worker/wiring.ts)
 */

type Env = Record<string, string | undefined>;

export interface ConfiguredApiKey {
  name: string;
  role: ApiRole;
  key: string;
  carrierCode?: string;
}

export interface ApiConfig {
  apiKeys: ConfiguredApiKey[];
  temporalUiUrl: string;
  publicUrl?: string;
  timeScale: number;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  /** POST /orders answers after the commit and at most this long waiting for the workflow start. */
  intakeStartWaitMs: number;
  /** Order workflow starts per second at most, per API process; undefined for no limit. */
  intakeMaxStartsPerSecond?: number;
  /** Query and update calls to a workflow give up after this long (no worker, stuck task). */
  workflowCallTimeoutMs: number;
  webhookToleranceSeconds: number;
  /** The signing secret of a carrier's webhooks, or undefined for a carrier we do not know. */
  webhookSecretFor(carrierCode: string): string | undefined;
  logLevel: string;
}

/** Predictable keys so `npm start` works without setup; refused when NODE_ENV=production. */
export const DEV_API_KEYS: readonly ConfiguredApiKey[] = [
  { name: 'dev-intake', role: 'intake', key: 'colis-dev-intake-key' },
  { name: 'dev-ops', role: 'ops', key: 'colis-dev-ops-key' },
  ...CARRIER_CATALOGUE.map((carrier) => ({
    name: `dev-${carrier.code}`,
    role: 'carrier' as const,
    key: `colis-dev-${carrier.code}-key`,
    carrierCode: carrier.code,
  })),
];

export function parseApiKeys(raw: string): ConfiguredApiKey[] {
  const keys = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [name, role, key, carrierCode, ...rest] = entry.split(':');
      const parsedRole = ApiRoleSchema.safeParse(role);
      if (!name || !parsedRole.success || !key || rest.length > 0) {
        throw new Error(`COLIS_API_KEYS: "${name ?? ''}" is not name:role:key[:carrierCode] with role intake, ops or carrier`);
      }
      if (key.length < 16) throw new Error(`COLIS_API_KEYS: the key of "${name}" is shorter than 16 characters`);
      if (parsedRole.data === 'carrier' && !carrierCode) throw new Error(`COLIS_API_KEYS: carrier key "${name}" names no carrier`);
      return { name, role: parsedRole.data, key, ...(carrierCode ? { carrierCode } : {}) };
    });
  const names = new Set<string>();
  for (const { name } of keys) {
    if (names.has(name)) throw new Error(`COLIS_API_KEYS: "${name}" appears twice`);
    names.add(name);
  }
  return keys;
}

export function loadApiConfig(env: Env = process.env, overrides: Partial<ApiConfig> = {}): ApiConfig {
  const production = env.NODE_ENV === 'production';
  const rawKeys = env.COLIS_API_KEYS?.trim();
  if (!rawKeys && production) throw new Error('COLIS_API_KEYS must be set in production');
  const knownCarriers = new Set<string>(CARRIER_CATALOGUE.map((carrier) => carrier.code));
  // Resolved at start-up so a missing production secret fails now, not at the first webhook.
  const secrets = new Map([...knownCarriers].map((code) => [code, carrierWebhookSecret(code, env)]));
  return {
    apiKeys: rawKeys ? parseApiKeys(rawKeys) : [...DEV_API_KEYS],
    temporalUiUrl: (env.COLIS_TEMPORAL_UI_URL ?? 'http://localhost:8233').replace(/\/+$/, ''),
    ...(env.COLIS_PUBLIC_URL ? { publicUrl: env.COLIS_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    timeScale: positiveNumber(env.COLIS_TIME_SCALE, 1, 'COLIS_TIME_SCALE'),
    rateLimitPerMinute: positiveNumber(env.COLIS_RATE_LIMIT_PER_MINUTE, 600, 'COLIS_RATE_LIMIT_PER_MINUTE'),
    bodyLimitBytes: positiveNumber(env.COLIS_BODY_LIMIT_BYTES, 256 * 1024, 'COLIS_BODY_LIMIT_BYTES'),
    intakeStartWaitMs: positiveNumber(env.COLIS_INTAKE_START_WAIT_MS, 25, 'COLIS_INTAKE_START_WAIT_MS'),
    intakeMaxStartsPerSecond: env.COLIS_INTAKE_MAX_STARTS_PER_SECOND
      ? positiveNumber(env.COLIS_INTAKE_MAX_STARTS_PER_SECOND, 1, 'COLIS_INTAKE_MAX_STARTS_PER_SECOND')
      : undefined,
    workflowCallTimeoutMs: positiveNumber(env.COLIS_WORKFLOW_CALL_TIMEOUT_MS, 10_000, 'COLIS_WORKFLOW_CALL_TIMEOUT_MS'),
    webhookToleranceSeconds: 300,
    webhookSecretFor: (carrierCode) => secrets.get(carrierCode),
    logLevel: env.COLIS_LOG_LEVEL ?? 'info',
    ...overrides,
  };
}

function positiveNumber(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** For `npm start`: which keys to use in development (the keys themselves, never logged in production). */
export function describeDevApiKeys(config: ApiConfig): string[] {
  return config.apiKeys.map((k) => `${k.role.padEnd(7)} ${k.name}${k.carrierCode ? ` (${k.carrierCode})` : ''}: ${k.key}`);
}
