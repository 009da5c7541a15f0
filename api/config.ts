import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { type Config, type ConfiguredApiKey, type Env, loadConfig } from '../config';
import { ShipEngineKeySet } from '../activities/carriers/shipengine/webhook-signature';
import { type PayloadSealing, payloadSealing } from '../worker/data-converter';
import type { DecisionSettings } from '../domain/decision-rules';

export type { ConfiguredApiKey } from '../config';

export interface ShipEngineTracking {
  keySet: ShipEngineKeySet;
  carrierCodes: string[];
  toleranceSeconds: number;
}

/** What the API needs of the configuration (config/variables.ts), shaped for its plugins and routes. */
export interface ApiConfig {
  apiKeys: ConfiguredApiKey[];
  temporalUiUrl: string;
  publicUrl?: string;
  timeScale: number;
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  /** The proxies whose X-Forwarded-For names the client (COLIS_TRUSTED_PROXIES); none: the connecting address is the client. */
  trustedProxies?: string[];
  webhooksPerMinute: number;
  bodyLimitBytes: number;
  /** POST /orders answers after the commit and at most this long waiting for the workflow start. */
  intakeStartWaitMs: number;
  /** Order workflow starts per second at most, per API process; undefined for no limit. */
  intakeMaxStartsPerSecond?: number;
  /** Hold starts to the adaptive in-flight limit (api/services/start-limiter.ts). */
  intakeAdaptiveStarts: boolean;
  /** Query and update calls to a workflow give up after this long (no worker, stuck task). */
  workflowCallTimeoutMs: number;
  webhookToleranceSeconds: number;
  /** The signing secret of a carrier's webhooks, or undefined for a carrier we do not know. */
  webhookSecretFor(carrierCode: string): string | undefined;
  /** ShipEngine's track webhooks: the keys that sign them and the carrier codes booked through ShipEngine; undefined when none is. */
  shipEngineTracking?: ShipEngineTracking;
  /** Signs customers' tracking links. */
  trackingSecret: string;
  /** Former tracking secrets whose links still open (COLIS_TRACKING_SECRETS_RETIRED); none signs. */
  retiredTrackingSecrets: readonly string[];
  /** The Temporal payload codec's keys and compression: the API's client seals with them and /codec serves them. */
  payloadSealing: PayloadSealing;
  /** Browser origins (the Temporal Web UI) that may call the codec endpoint with credentials. */
  codecCorsOrigins: string[];
  /** Shop webhook URLs may reach loopback or private addresses (development and tests only, never production). */
  allowPrivateWebhookUrls: boolean;
  /** Where GET /metrics reads the workers' own metrics. */
  temporalMetricsUrl: string;
  logLevel: string;
  /** Promise engine or baseline rules, and their confidence targets. */
  decisions: DecisionSettings;
  /** The carriers that sell new labels when not every one does (COLIS_SHIPENGINE_CARRIERS): promises count only theirs. */
  sellingCarriers?: string[];
  /** Days an order's personal data is kept once the order is over (COLIS_PERSONAL_DATA_RETENTION_DAYS). */
  personalDataRetentionDays: number;
  /** Days an ops action's stored answer replays, and webhook events keep their personal keys (COLIS_OPS_ANSWER_REPLAY_DAYS). */
  opsAnswerReplayDays: number;
}

/** Predictable keys so `npm start` works without setup; production requires COLIS_API_KEYS (config refuses to start). */
export const DEV_INTAKE_KEY = { name: 'dev-intake', role: 'intake', key: 'colis-dev-intake-key' } as const satisfies ConfiguredApiKey;
export const DEV_OPS_KEY = { name: 'dev-ops', role: 'ops', key: 'colis-dev-ops-key' } as const satisfies ConfiguredApiKey;
export const DEV_API_KEYS: readonly ConfiguredApiKey[] = [
  DEV_INTAKE_KEY,
  DEV_OPS_KEY,
  ...CARRIER_CATALOGUE.map((carrier) => ({
    name: `dev-${carrier.code}`,
    role: 'carrier' as const,
    key: `colis-dev-${carrier.code}-key`,
    carrierCode: carrier.code,
  })),
];

export const DEV_TRACKING_SECRET = 'colis-dev-tracking-secret';

export function apiConfigFrom(config: Config, overrides: Partial<ApiConfig> = {}): ApiConfig {
  const secrets = new Map(Object.entries(config.carrierSecrets));
  const temporalUiUrl = overrides.temporalUiUrl ?? config.COLIS_TEMPORAL_UI_URL ?? 'http://localhost:8233';
  return {
    apiKeys: config.COLIS_API_KEYS ?? [...DEV_API_KEYS],
    temporalUiUrl,
    // The Web UI calls /codec from its own origin: by default the origin of the UI this API links to.
    codecCorsOrigins: config.COLIS_CODEC_CORS_ORIGINS ?? loopbackTwins(new URL(temporalUiUrl).origin),
    ...(config.COLIS_PUBLIC_URL ? { publicUrl: config.COLIS_PUBLIC_URL } : {}),
    timeScale: config.COLIS_TIME_SCALE,
    rateLimitPerMinute: config.COLIS_RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: config.COLIS_AUTH_FAILURES_PER_MINUTE,
    ...(config.COLIS_TRUSTED_PROXIES ? { trustedProxies: config.COLIS_TRUSTED_PROXIES } : {}),
    webhooksPerMinute: config.COLIS_WEBHOOK_RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: config.COLIS_BODY_LIMIT_BYTES,
    intakeStartWaitMs: config.COLIS_INTAKE_START_WAIT_MS,
    intakeMaxStartsPerSecond: config.COLIS_INTAKE_MAX_STARTS_PER_SECOND,
    intakeAdaptiveStarts: config.COLIS_INTAKE_ADAPTIVE_STARTS,
    workflowCallTimeoutMs: config.COLIS_WORKFLOW_CALL_TIMEOUT_MS,
    webhookToleranceSeconds: 300,
    webhookSecretFor: (carrierCode) => secrets.get(carrierCode),
    ...shipEngineTrackingFrom(config),
    trackingSecret: config.COLIS_TRACKING_SECRET ?? DEV_TRACKING_SECRET,
    retiredTrackingSecrets: config.COLIS_TRACKING_SECRETS_RETIRED ?? [],
    allowPrivateWebhookUrls: config.NODE_ENV !== 'production',
    temporalMetricsUrl: config.COLIS_TEMPORAL_METRICS_URL,
    payloadSealing: payloadSealing(config),
    logLevel: config.COLIS_LOG_LEVEL,
    decisions: decisionSettingsOf(config),
    personalDataRetentionDays: config.COLIS_PERSONAL_DATA_RETENTION_DAYS,
    opsAnswerReplayDays: config.COLIS_OPS_ANSWER_REPLAY_DAYS,
    // Once ShipEngine books any code, only those codes sell (carriers/wiring.ts, `buildCarriers`).
    ...(config.COLIS_SHIPENGINE_CARRIERS ? { sellingCarriers: Object.keys(config.COLIS_SHIPENGINE_CARRIERS) } : {}),
    ...overrides,
  };
}

function shipEngineTrackingFrom(config: Config): { shipEngineTracking?: ShipEngineTracking } {
  if (!config.COLIS_SHIPENGINE_CARRIERS) return {};
  const jwksUrl = config.COLIS_SHIPENGINE_JWKS_URL ?? `${config.COLIS_SHIPENGINE_API_URL.replace(/\/+$/, '')}/jwks`;
  return {
    shipEngineTracking: {
      keySet: new ShipEngineKeySet({ jwksUrl, timeoutMs: config.COLIS_SHIPENGINE_TIMEOUT_MS }),
      carrierCodes: Object.keys(config.COLIS_SHIPENGINE_CARRIERS),
      toleranceSeconds: config.COLIS_SHIPENGINE_WEBHOOK_TOLERANCE_SECONDS,
    },
  };
}

/** A browser treats http://localhost:8233 and http://127.0.0.1:8233 as different origins; ops may open either. */
function loopbackTwins(origin: string): string[] {
  const { hostname } = new URL(origin);
  if (hostname === 'localhost') return [origin, origin.replace('//localhost', '//127.0.0.1')];
  if (hostname === '127.0.0.1') return [origin, origin.replace('//127.0.0.1', '//localhost')];
  return [origin];
}

/** For tests and tools: the API's configuration from an environment record (throws ConfigError). */
export function loadApiConfig(env: Env, overrides: Partial<ApiConfig> = {}): ApiConfig {
  return apiConfigFrom(loadConfig(env), overrides);
}

/** The decision layer's settings, as the API and the workers both read them. */
export function decisionSettingsOf(
  config: Pick<Config, 'COLIS_DECISION_RULES' | 'COLIS_PROMISE_CONFIDENCE' | 'COLIS_ON_TIME_TARGET' | 'COLIS_WAREHOUSE_DOWN_AFTER_MINUTES'>,
): DecisionSettings {
  return {
    rules: config.COLIS_DECISION_RULES,
    promiseConfidence: config.COLIS_PROMISE_CONFIDENCE,
    onTimeTarget: config.COLIS_ON_TIME_TARGET,
    warehouseDownAfterMinutes: config.COLIS_WAREHOUSE_DOWN_AFTER_MINUTES,
  };
}
