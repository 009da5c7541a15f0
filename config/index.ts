import type { z } from 'zod';
import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { devWebhookSecret } from '../activities/carriers/registry';
import { refusedInProduction } from '../activities/notifications/webhook-url';
import {
  CARRIER_SECRET_FAMILY,
  CARRIER_SECRET_PREFIX,
  carrierSecretVariable,
  VARIABLES,
  type Variable,
  type VariableName,
} from './variables';

export type { ConfiguredApiKey } from './api-keys';
export { ALL_QUEUES, type QueueChoice } from './queues';
export { carrierSecretVariable, VARIABLES } from './variables';

/**
 * The configuration of a Colis process, parsed once from an environment record by its entry point
 * (API, worker, `npm start`, scripts, bench) and handed down. Pure: the caller passes `process.env`.
 */
export type Config = { readonly [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']> } & {
  /** Webhook signing secret per carrier code of the catalogue (development defaults unless set). */
  readonly carrierSecrets: Readonly<Record<string, string>>;
};

export type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigProblem {
  variable: string;
  /** The value as shown to the operator: quoted, shortened, or withheld for a secret. */
  shown: string;
  why: string;
  form: string;
}

/** What stops start-up: one line naming the variable, its value and the accepted form. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(describeProblems(problems));
    this.name = 'ConfigError';
  }
}

function describeProblems(problems: readonly ConfigProblem[]): string {
  const [first, ...more] = problems;
  if (!first) return 'invalid configuration';
  const line = `${first.variable}=${first.shown} is invalid (${first.why}): expected ${first.form}`;
  return more.length === 0 ? line : `${line} (and ${more.length} more: ${more.map((p) => p.variable).join(', ')})`;
}

const MAX_SHOWN = 80;

/**
 * A URL or address given with a user and password (`https://ops:pw@host`, `ops:pw@host:7233`) shows its user and host but
 * not its password: a value refused for carrying credentials, or for anything else, must not put them in a log.
 */
const USER_PASSWORD = /^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)?([^\s/@:]*):[^\s/@]*@/;
const withoutPassword = (value: string): string => value.replace(USER_PASSWORD, '$1$2:***@');

/** JSON quoting shows control characters and stray spaces; long values are cut so the line stays one line. */
function show(value: string | undefined, spec: Pick<Variable, 'secret'>): string {
  if (value === undefined) return '(unset)';
  if (spec.secret) return `(${value.length} characters, withheld)`;
  const quoted = JSON.stringify(withoutPassword(value));
  return quoted.length > MAX_SHOWN ? `${quoted.slice(0, MAX_SHOWN - 4)}…"` : quoted;
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue.message}`.replace(/\s+/g, ' ');
}

function parseVariable(name: string, spec: Variable, raw: string | undefined, problems: ConfigProblem[]): unknown {
  const parsed = spec.schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  problems.push({ variable: name, shown: show(raw, spec), why: issueText(parsed.error), form: spec.form });
  return undefined;
}

/** Rules across variables; each names the variable an operator has to change. */
function crossChecks(config: Config, env: Env, problems: ConfigProblem[]): void {
  const require = (name: string, spec: Variable, why: string) => problems.push({ variable: name, shown: '(unset)', why, form: spec.form });
  if (config.NODE_ENV === 'production') {
    if (!config.COLIS_API_KEYS) require('COLIS_API_KEYS', VARIABLES.COLIS_API_KEYS, 'required when NODE_ENV=production');
    if (!config.COLIS_TRACKING_SECRET)
      require('COLIS_TRACKING_SECRET', VARIABLES.COLIS_TRACKING_SECRET, 'required when NODE_ENV=production');
    for (const carrier of CARRIER_CATALOGUE) {
      const name = carrierSecretVariable(carrier.code);
      if (!env[name]?.trim()) require(name, CARRIER_SECRET_FAMILY, 'required when NODE_ENV=production');
    }
    if (!config.COLIS_PAYLOAD_KEYS) require('COLIS_PAYLOAD_KEYS', VARIABLES.COLIS_PAYLOAD_KEYS, 'required when NODE_ENV=production');
  }
  if (config.COLIS_SHIPENGINE_CARRIERS && !config.COLIS_SHIPENGINE_API_KEY) {
    require('COLIS_SHIPENGINE_API_KEY', VARIABLES.COLIS_SHIPENGINE_API_KEY, 'required when COLIS_SHIPENGINE_CARRIERS is set');
  }
  // Without a ship-from, every ShipEngine rate is refused: the parcels would wait for ops, not ship.
  if (config.COLIS_SHIPENGINE_CARRIERS && Object.keys(config.COLIS_SHIPENGINE_WAREHOUSES ?? {}).length === 0) {
    require('COLIS_SHIPENGINE_WAREHOUSES', VARIABLES.COLIS_SHIPENGINE_WAREHOUSES, 'required when COLIS_SHIPENGINE_CARRIERS is set');
  }
  const shopWebhookUrl = config.COLIS_SHOP_WEBHOOK_URL;
  const refused = config.NODE_ENV === 'production' && shopWebhookUrl ? refusedInProduction(new URL(shopWebhookUrl)) : undefined;
  if (refused) {
    const spec = VARIABLES.COLIS_SHOP_WEBHOOK_URL;
    const why = `the URL ${refused}, refused when NODE_ENV=production: its every delivery would fail`;
    problems.push({ variable: 'COLIS_SHOP_WEBHOOK_URL', shown: show(env.COLIS_SHOP_WEBHOOK_URL, spec), why, form: spec.form });
  }
  if (Boolean(config.COLIS_SHOP_WEBHOOK_URL) !== Boolean(config.COLIS_SHOP_WEBHOOK_SECRET)) {
    const missing = config.COLIS_SHOP_WEBHOOK_URL ? 'COLIS_SHOP_WEBHOOK_SECRET' : 'COLIS_SHOP_WEBHOOK_URL';
    require(missing, VARIABLES[missing], 'the shop webhook needs both its URL and its secret');
  }
  const cert = config.TEMPORAL_TLS_CLIENT_CERT_PATH ?? config.TEMPORAL_TLS_CLIENT_CERT_DATA;
  const key = config.TEMPORAL_TLS_CLIENT_KEY_PATH ?? config.TEMPORAL_TLS_CLIENT_KEY_DATA;
  if (Boolean(cert) !== Boolean(key)) {
    const missing = cert ? 'TEMPORAL_TLS_CLIENT_KEY_PATH' : 'TEMPORAL_TLS_CLIENT_CERT_PATH';
    require(missing, VARIABLES[missing], 'mTLS needs both the certificate and its key');
  }
}

/** A typo in a variable's name would otherwise be ignored in silence. */
function unknownVariables(env: Env, problems: ConfigProblem[]): void {
  const known = Object.keys(VARIABLES);
  const carrierSecrets = new Set(CARRIER_CATALOGUE.map((carrier) => carrierSecretVariable(carrier.code)));
  for (const name of Object.keys(env)) {
    if (!name.startsWith('COLIS_') || name in VARIABLES || carrierSecrets.has(name)) continue;
    const nearest = known.filter((candidate) => candidate.startsWith('COLIS_')).sort((a, b) => distance(a, name) - distance(b, name))[0];
    const hint = name.startsWith(CARRIER_SECRET_PREFIX) ? 'no carrier has this code' : `not a Colis variable; did you mean ${nearest}?`;
    problems.push({ variable: name, shown: show(env[name], { secret: true }), why: hint, form: 'one of the variables in the README' });
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Parses every variable; throws a ConfigError naming every bad one (the message names the first). */
export function loadConfig(env: Env): Config {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES) as [VariableName, Variable][]) {
    values[name] = parseVariable(name, spec, env[name], problems);
  }
  const carrierSecrets: Record<string, string> = {};
  for (const carrier of CARRIER_CATALOGUE) {
    const name = carrierSecretVariable(carrier.code);
    const value = parseVariable(name, CARRIER_SECRET_FAMILY, env[name], problems);
    carrierSecrets[carrier.code] = typeof value === 'string' ? value : devWebhookSecret(carrier.code);
  }
  unknownVariables(env, problems);
  const config = { ...values, carrierSecrets } as Config;
  if (problems.length === 0) crossChecks(config, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The configuration with nothing set: every default, as a test or a tool without an environment sees it. */
export const defaultConfig = (overrides: Env = {}): Config => loadConfig(overrides);

/** A process started on its own (API, worker, a script) has no embedded database to fall back on. */
export function requireDatabaseUrl(config: Pick<Config, 'DATABASE_URL'>): string {
  if (config.DATABASE_URL) return config.DATABASE_URL;
  throw new ConfigError([
    { variable: 'DATABASE_URL', shown: '(unset)', why: 'required by a process started on its own', form: VARIABLES.DATABASE_URL.form },
  ]);
}
