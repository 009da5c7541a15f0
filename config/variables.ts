import { z } from 'zod';
import { CARRIER_CATALOGUE } from '../scripts/carrier-simulator/catalogue';
import { SimulatorScriptSchema } from '../scripts/carrier-simulator/script';
import { apiKeysForm } from './api-keys';
import { fxRatesForm } from './fx';
import { payloadKeysForm } from './payload-keys';
import {
  addressesForm,
  baseUrl,
  boolean,
  host,
  hostPort,
  socketAddress,
  httpUrl,
  shopWebhookUrl,
  json,
  optional,
  originsForm,
  path,
  pem,
  port,
  portOrZero,
  positiveInteger,
  positiveIntegerAtMost,
  positiveNumber,
  postgresUrl,
  probability,
  secret,
  secretsForm,
  timeoutMs,
  timeScale,
  waitMs,
  wholeNumber,
  withDefault,
} from './forms';
import { ALL_QUEUES, queueChoiceForm } from './queues';
import { shipEngineApiKeyForm, stallFraction, shipEngineCarriersForm, shipEngineWarehousesForm } from './shipengine';

/** The longest COLIS_WEBHOOK_TIMEOUT_MS: a minute. */
const WEBHOOK_TIMEOUT_MAX_MS = 60_000;

/**
 * Every environment variable Colis reads, declared once: how its value is parsed, the accepted
 * form an error names, and the README's default and meaning (the README's table is rendered from
 * this list, and a test fails when they differ). To add a variable, add one entry here; its typed
 * value is then `config.<NAME>` wherever the entry point hands the config down.
 */

export interface Variable<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The accepted form, as an error line states it. */
  form: string;
  /** The README's default column. */
  default: string;
  /** The README's meaning column. */
  meaning: string;
  /** Never echoed: an error names the variable and the length of its value only. */
  secret?: boolean;
}

const variable = <S extends z.ZodType>(spec: Variable<S>): Variable<S> => spec;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const WORKER_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export const VARIABLES = {
  NODE_ENV: variable({
    schema: withDefault(z.enum(['development', 'production', 'test']), 'development'),
    form: 'development, production or test',
    default: '`development`',
    meaning: '`production` refuses the built-in development keys and secrets',
  }),
  DATABASE_URL: variable({
    schema: optional(postgresUrl),
    form: 'a postgresql://user:password@host:port/database URL',
    default: 'embedded PostgreSQL',
    meaning: 'any PostgreSQL ≥ 14; when set, nothing embedded starts and migrations are applied to it',
    secret: true,
  }),
  COLIS_DB_POOL: variable({
    schema: withDefault(positiveIntegerAtMost(1000, 'more connections per process than a PostgreSQL server admits'), 10),
    form: 'a whole number of connections, 1–1000, e.g. 10',
    default: '`10`',
    meaning: 'PostgreSQL connections per process (at most 1000)',
  }),
  COLIS_PG_PORT: variable({
    schema: withDefault(port, 5433),
    form: 'a TCP port, 1–65535',
    default: '`5433`',
    meaning: 'port of the embedded PostgreSQL',
  }),
  COLIS_DATA_DIR: variable({
    schema: withDefault(path, '.data'),
    form: 'a directory path',
    default: '`.data`',
    meaning: 'where the embedded services keep their data (relative to the checkout); one running `npm start` per directory',
  }),
  COLIS_TOOLS_DIR: variable({
    schema: withDefault(path, '.tools'),
    form: 'a directory path',
    default: '`.tools`',
    meaning: 'where the Temporal binaries are installed when none is found',
  }),
  TEMPORAL_ADDRESS: variable({
    schema: optional(hostPort),
    form: 'host:port, e.g. my-ns.a1b2c.tmprl.cloud:7233',
    default: 'embedded dev server on `127.0.0.1:$TEMPORAL_PORT`',
    meaning: 'a Temporal cluster (self-hosted or Cloud); when set, no dev server starts',
  }),
  TEMPORAL_NAMESPACE: variable({
    // No default here: a profile's namespace applies when the variable is unset (worker/temporal-config.ts falls back to "default").
    schema: optional(z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, 'not a namespace name')),
    form: 'a namespace name (letters, digits, ".", "_", "-")',
    default: '`default`',
    meaning: "namespace (over a profile's)",
  }),
  TEMPORAL_API_KEY: variable({
    schema: optional(z.string().regex(/^\S+$/, 'contains spaces')),
    form: 'an API key without spaces',
    default: '–',
    meaning: 'Temporal Cloud API key (implies TLS)',
    secret: true,
  }),
  TEMPORAL_TLS: variable({
    schema: optional(boolean),
    form: 'true or false',
    default: 'auto',
    meaning: 'TLS with the system roots; on by itself with an API key or any TLS file, `false` forces plaintext',
  }),
  TEMPORAL_TLS_CLIENT_CERT_PATH: variable({
    schema: optional(path),
    form: 'the path of a PEM certificate',
    default: '–',
    meaning: 'mTLS client certificate (or `TEMPORAL_TLS_CLIENT_CERT_DATA`, the PEM itself); set together with its key',
  }),
  TEMPORAL_TLS_CLIENT_KEY_PATH: variable({
    schema: optional(path),
    form: 'the path of a PEM private key',
    default: '–',
    meaning: 'mTLS client key (or `TEMPORAL_TLS_CLIENT_KEY_DATA`); set together with the certificate',
  }),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: variable({
    schema: optional(path),
    form: 'the path of a PEM CA certificate',
    default: '–',
    meaning: "the server's CA, when not a public one (or `TEMPORAL_TLS_SERVER_CA_CERT_DATA`)",
  }),
  TEMPORAL_TLS_CLIENT_CERT_DATA: variable({
    schema: optional(pem),
    form: 'a PEM certificate',
    default: '–',
    meaning: 'the mTLS client certificate itself, instead of a path',
  }),
  TEMPORAL_TLS_CLIENT_KEY_DATA: variable({
    schema: optional(pem),
    form: 'a PEM private key',
    default: '–',
    meaning: 'the mTLS client key itself, instead of a path',
    secret: true,
  }),
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: variable({
    schema: optional(pem),
    form: 'a PEM CA certificate',
    default: '–',
    meaning: "the server's CA itself, instead of a path",
  }),
  TEMPORAL_TLS_SERVER_NAME: variable({
    schema: optional(host),
    form: 'a host name',
    default: '–',
    meaning: 'TLS server name (SNI) override',
  }),
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: variable({
    schema: optional(z.enum(['false', '0'], { error: 'the TypeScript SDK always verifies the host; set TEMPORAL_TLS_SERVER_NAME' })),
    form: 'false (host verification cannot be turned off here; set TEMPORAL_TLS_SERVER_NAME to the name in the certificate)',
    default: '–',
    meaning: 'accepted for compatibility with the `temporal` CLI, as `false` only',
  }),
  TEMPORAL_CONFIG_FILE: variable({
    schema: optional(path),
    form: 'the path of a TOML file of Temporal profiles',
    default: '`~/.config/temporalio/temporal.toml` when it exists',
    meaning:
      "Temporal's own profile file (the `temporal` CLI reads the same): `[profile.<name>]` with `address`, `namespace`, `api_key`, `tls`, `grpc_meta`; " +
      'the `TEMPORAL_*` variables override its fields one by one',
  }),
  TEMPORAL_PROFILE: variable({
    schema: optional(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a profile name')),
    form: 'a profile name',
    default: '`default`',
    meaning: 'which profile of the TOML file to use (an explicitly named profile must exist)',
  }),
  TEMPORAL_PORT: variable({
    schema: withDefault(port, 7233),
    form: 'a TCP port, 1–65535',
    default: '`7233`',
    meaning: 'gRPC port of the embedded dev server',
  }),
  TEMPORAL_UI_PORT: variable({
    schema: withDefault(port, 8233),
    form: 'a TCP port, 1–65535',
    default: '`8233`',
    meaning: 'Web UI port of the embedded dev server',
  }),
  TEMPORAL_CLI_PATH: variable({
    schema: optional(path),
    form: 'the path of a temporal binary',
    default: '–',
    meaning: 'use this Temporal CLI instead of looking it up',
  }),
  TEMPORAL_TEST_SERVER_PATH: variable({
    schema: optional(path),
    form: 'the path of a temporal-test-server binary',
    default: '–',
    meaning: 'use this time-skipping test server (tests) instead of looking it up',
  }),
  COLIS_API_PORT: variable({
    schema: withDefault(portOrZero, 3000),
    form: 'a TCP port, 0–65535 (0 picks a free one)',
    default: '`3000`',
    meaning: 'where the API listens',
  }),
  COLIS_API_HOST: variable({
    schema: withDefault(host, '127.0.0.1'),
    form: 'a host name or IP address',
    default: '`127.0.0.1`',
    meaning: 'the address the API binds',
  }),
  COLIS_PUBLIC_URL: variable({
    schema: optional(baseUrl),
    form: 'an http(s) URL',
    default: 'relative links',
    meaning: 'absolute base of the status and tracking URLs the API returns',
  }),
  COLIS_API_KEYS: variable({
    schema: optional(apiKeysForm),
    form: 'name:role:key[:carrierCode],… with role intake, ops or carrier and keys of 16+ characters',
    default: 'dev keys',
    meaning: '`name:role:key[:carrierCode],…` with roles `intake`, `ops`, `carrier`; required when `NODE_ENV=production`',
    secret: true,
  }),
  COLIS_TRACKING_SECRET: variable({
    schema: optional(secret),
    form: '16+ printable characters without spaces',
    default: 'dev secret',
    meaning: "signs customers' tracking links; required in production",
    secret: true,
  }),
  COLIS_TRACKING_SECRETS_RETIRED: variable({
    schema: optional(secretsForm),
    form: 'secret,… each 16+ printable characters without spaces',
    default: 'none',
    meaning:
      'former `COLIS_TRACKING_SECRET`s whose links still open (never used to sign): rotate by moving the secret here and setting a new one, ' +
      'then drop it once the links in mails already sent may expire',
    secret: true,
  }),
  COLIS_TIME_SCALE: variable({
    schema: withDefault(timeScale, 1),
    form: 'a number of business seconds per real second from 1 to 1000000, e.g. 1440',
    default: '`1440` under `npm start`, else `1`',
    meaning: 'business seconds per real second',
  }),
  COLIS_WORKER_QUEUES: variable({
    schema: withDefault(queueChoiceForm, ALL_QUEUES),
    form: 'all, or a list of orders, carriers, notify, warehouse:<CODE>, warehouse:*',
    default: 'all',
    meaning: 'which queues this process serves: `orders,carriers,notify,warehouse:PAR1,warehouse:*`',
  }),
  COLIS_MAX_CACHED_WORKFLOWS: variable({
    // Each cached workflow holds its isolate's heap (bench/RESULTS.md, "Worker memory"): past this the cache outgrows any worker.
    schema: withDefault(positiveIntegerAtMost(100_000, "the cache would outgrow the worker's memory"), 1000),
    form: 'a whole number of workflows, 1–100000, e.g. 1000',
    default: '`1000`',
    meaning: 'sticky cache size of the orders worker: bounds memory however many shipments wait for scans (at most 100000)',
  }),
  COLIS_WORKER_LOG_LEVEL: variable({
    schema: withDefault(z.enum(WORKER_LOG_LEVELS), 'WARN'),
    form: WORKER_LOG_LEVELS.join(', '),
    default: '`WARN`',
    meaning: "the Temporal worker runtime's log level",
  }),
  COLIS_CARRIERS: variable({
    schema: withDefault(z.enum(['simulator']), 'simulator'),
    form: 'simulator',
    default: '`simulator`',
    meaning:
      'the backend of every carrier code not booked through ShipEngine (`COLIS_SHIPENGINE_CARRIERS` picks ShipEngine per code); `simulator` is the only value',
  }),
  COLIS_SIMULATOR_SCRIPT: variable({
    schema: optional(json(SimulatorScriptSchema)),
    form: 'JSON such as {"byCarrier":{"ecoroute":"stall"},"faults":{"swiftpost":{"errorRate":0.3}}}',
    default: '–',
    meaning:
      'JSON scenarios and faults for the simulator, e.g. `{"byCarrier":{"ecoroute":"stall"},"faults":{"swiftpost":{"errorRate":0.3}}}`',
  }),
  COLIS_SIMULATOR_STATE_FILE: variable({
    schema: optional(path),
    form: 'a file path',
    default: 'memory (`npm start`: `$COLIS_DATA_DIR/carrier-simulator.json`)',
    meaning: "keeps the simulated carriers' labels across restarts",
  }),
  COLIS_SHIPENGINE_API_URL: variable({
    schema: withDefault(baseUrl, 'https://api.shipengine.com'),
    form: 'an http(s) URL',
    default: '`https://api.shipengine.com`',
    meaning: "ShipEngine's API (v1), for the carriers in `COLIS_SHIPENGINE_CARRIERS`",
  }),
  COLIS_SHIPENGINE_API_KEY: variable({
    schema: optional(shipEngineApiKeyForm),
    form: '16+ printable characters without spaces (a ShipEngine API key)',
    default: '–',
    meaning: 'ShipEngine API key (sent as the `API-Key` header, never logged); required with `COLIS_SHIPENGINE_CARRIERS`',
    secret: true,
  }),
  COLIS_SHIPENGINE_CARRIERS: variable({
    schema: optional(shipEngineCarriersForm),
    form: 'a list of <ShipEngine carrier id>=<carrier code>, e.g. se-123456=swiftpost,se-654321=ecoroute',
    default: '– (every carrier simulated)',
    meaning:
      'carriers booked through ShipEngine instead of the simulator: `se-123456=swiftpost` books carrier code `swiftpost` on ShipEngine carrier account `se-123456`; a code not in the catalogue is added as a carrier. Once set, only these carriers sell new labels (the simulated ones still serve the labels they sold)',
  }),
  COLIS_SHIPENGINE_WAREHOUSES: variable({
    schema: optional(shipEngineWarehousesForm),
    form: 'a list of <warehouse code>=<ShipEngine warehouse id>, e.g. PAR1=se-4567,LYO1=se-4568',
    default: '–',
    meaning:
      "each warehouse's ShipEngine warehouse (its ship-from address); required with `COLIS_SHIPENGINE_CARRIERS`; a warehouse without one gets no ShipEngine rates",
  }),
  COLIS_SHIPENGINE_TIMEOUT_MS: variable({
    schema: withDefault(timeoutMs, 15_000),
    form: 'a whole number of milliseconds, e.g. 15000',
    default: '`15000`',
    meaning: 'how long one ShipEngine call may take before it counts as a (retried) timeout',
  }),
  COLIS_SHIPENGINE_REQUESTS_PER_MINUTE: variable({
    schema: withDefault(positiveIntegerAtMost(100_000, 'more than any ShipEngine account is granted'), 200),
    form: 'a whole number, 1–100000, e.g. 200',
    default: '`200`',
    meaning:
      "how many ShipEngine requests each process sends at most in any minute (ShipEngine's default account limit is 200, the sandbox's 20; give each process sharing a key its share). A request whose turn is more than 5 s off (an address check at intake: 250 ms), or asked to wait by a 429/503 `Retry-After` (which holds every request of the process), is not sent: the activity comes back when it may, the address is taken as given",
  }),
  COLIS_SHIPENGINE_JWKS_URL: variable({
    schema: optional(httpUrl),
    form: 'an http(s) URL',
    default: '`COLIS_SHIPENGINE_API_URL` + `/jwks`',
    meaning:
      'where ShipEngine publishes the public keys (JWKS) its webhooks are signed with; fetched by the API, cached, fetched again on an unknown key id',
  }),
  COLIS_SHIPENGINE_WEBHOOK_TOLERANCE_SECONDS: variable({
    schema: withDefault(positiveIntegerAtMost(3600, 'a longer window lets a captured webhook be replayed'), 300),
    form: 'a whole number of seconds, 1–3600, e.g. 300',
    default: '`300`',
    meaning:
      "how far a ShipEngine webhook's `x-shipengine-timestamp` may be from our clock (either way) before it is refused as a replay (at most 3600)",
  }),
  COLIS_SHIPENGINE_POLL_FRACTION: variable({
    schema: withDefault(stallFraction, 0.5),
    form: 'a number above 0 and at most 1, e.g. 0.5',
    default: '`0.5`',
    meaning:
      'ShipEngine-booked parcels, tracked by webhook, are also polled every this fraction of their stall window, so a parcel whose webhooks stop is polled before it is called stuck',
  }),
  COLIS_FX_RATES: variable({
    schema: optional(fxRatesForm),
    form: 'a list of <FROM>:<TO>=<rate>, e.g. USD:EUR=0.92,GBP:EUR=1.17',
    default: "– (a quote in another currency than the order's is left out)",
    meaning:
      "exchange rates the rate shop compares carrier quotes with: a quote in another currency than the order's (a ShipEngine account in USD) is converted (`USD:EUR=0.92`: 1 USD = 0.92 EUR; the reverse pair is derived), or left out of the rate shop with the reason when no rate is given",
  }),
  COLIS_WEBHOOK_TARGET_URL: variable({
    schema: optional(httpUrl),
    form: 'an http(s) URL',
    default: 'the API (`npm start`), none (worker)',
    meaning: 'where the simulated carriers push their tracking webhooks',
  }),
  COLIS_ESCALATION_WEBHOOK_URL: variable({
    schema: optional(httpUrl),
    form: 'an http(s) URL',
    default: '–',
    meaning: 'escalations are POSTed here (besides the log); a 3xx answer is a failed attempt, its redirect not followed',
  }),
  COLIS_SMTP_URL: variable({
    schema: optional(z.url({ protocol: /^smtps?$/, error: 'not an smtp:// or smtps:// URL' })),
    form: 'an smtp://[user:password@]host:port or smtps:// URL',
    default: 'MailDev under `npm start`',
    meaning: 'the mail relay customer mails are sent through; unset, `npm start` runs MailDev and prints its inbox',
    secret: true,
  }),
  COLIS_MAIL_FROM: variable({
    schema: withDefault(z.email('not an e-mail address'), 'no-reply@colis.localhost'),
    form: 'an e-mail address',
    default: '`no-reply@colis.localhost`',
    meaning: "sender address of customer mails (the shop's name is shown in front of it)",
  }),
  COLIS_MAILDEV_SMTP_PORT: variable({
    schema: withDefault(port, 1025),
    form: 'a TCP port, 1–65535',
    default: '`1025`',
    meaning: "SMTP port of `npm start`'s MailDev",
  }),
  COLIS_MAILDEV_WEB_PORT: variable({
    schema: withDefault(port, 1080),
    form: 'a TCP port, 1–65535',
    default: '`1080`',
    meaning: "web inbox (and REST API, `/api/email`) of `npm start`'s MailDev",
  }),
  COLIS_SHOP_WEBHOOK_URL: variable({
    schema: optional(shopWebhookUrl),
    form: 'an http(s) URL without user or password, on a port HTTP clients call',
    default: '–',
    meaning:
      "every shop's signed status webhooks are POSTed here (set with `COLIS_SHOP_WEBHOOK_SECRET`); per-shop subscriptions: `POST /webhooks/subscriptions`",
  }),
  COLIS_SHOP_WEBHOOK_SECRET: variable({
    schema: optional(z.string().regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'not whsec_ followed by base64 of 24+ bytes')),
    form: 'whsec_ followed by base64 of 24+ random bytes, e.g. whsec_$(openssl rand -base64 32)',
    default: '–',
    meaning: 'signing secret of `COLIS_SHOP_WEBHOOK_URL` (Standard Webhooks)',
    secret: true,
  }),
  COLIS_WEBHOOK_TIMEOUT_MS: variable({
    // A drain (a 2-minute activity) starts batches of posts for 20 s, each batch as long as its slowest post: a longer
    // wait cannot end within the activity, which is then retried beside the drain still posting.
    schema: withDefault(
      positiveIntegerAtMost(
        WEBHOOK_TIMEOUT_MAX_MS,
        "a relay's drain must end within its 2-minute activity, one batch of posts after its 20 s",
      ),
      10_000,
    ),
    form: `a whole number of milliseconds, at most ${WEBHOOK_TIMEOUT_MAX_MS}`,
    default: '`10000`',
    meaning: `how long a shop endpoint may take to answer a webhook before the attempt counts as failed (at most ${WEBHOOK_TIMEOUT_MAX_MS})`,
  }),
  COLIS_TEMPORAL_UI_URL: variable({
    schema: optional(baseUrl),
    form: 'an http(s) URL',
    default: "the dev server's UI",
    meaning: 'base of the Web UI links the API returns',
  }),
  COLIS_PAYLOAD_KEYS: variable({
    schema: optional(payloadKeysForm),
    form: 'keyId:base64Key,… with keys of 32 random bytes (openssl rand -base64 32) and unique ids',
    default: 'a fixed development key',
    meaning:
      'AES-256-GCM keys of the Temporal payload codec on every client and worker (API, workers, scripts): the last one encrypts, all of them decrypt. ' +
      'Rotate in two rollouts: add the new key (not last) everywhere, then make it last; drop a key only when no retained history needs it. Required when `NODE_ENV=production`',
    secret: true,
  }),
  COLIS_PAYLOAD_COMPRESSION: variable({
    schema: withDefault(boolean, true),
    form: 'true or false',
    default: '`true`',
    meaning:
      'deflate Temporal payloads before encrypting them when that makes them smaller (history bytes); every process opens both forms either way. ' +
      'A process of a release before this switch cannot open a deflated payload: upgrade with `false` until every process runs this release, then `true` (README, "Upgrading a running system")',
  }),
  COLIS_CODEC_CORS_ORIGINS: variable({
    schema: optional(originsForm),
    form: 'a comma-separated list of http(s) origins, e.g. https://temporal.example.com',
    default: "the Web UI's origin (with its localhost / 127.0.0.1 twin)",
    meaning: 'browser origins (the Temporal Web UI) allowed to call `/codec` with credentials',
  }),
  COLIS_TRUSTED_PROXIES: variable({
    schema: optional(addressesForm),
    form: 'a comma-separated list of IP addresses or CIDR ranges, e.g. 10.0.0.0/8',
    default: '– (the connecting address is the client)',
    meaning:
      'the load balancers or reverse proxies in front of the API: a request from one of them is counted against the client its `X-Forwarded-For` names (rate limits, failed authentications, logs). ' +
      'Set it behind an HTTP load balancer: without it every client is the balancer, and 30 wrong tracking tokens from anyone turn everyone away for a minute',
  }),
  COLIS_RATE_LIMIT_PER_MINUTE: variable({
    schema: withDefault(positiveInteger, 600),
    form: 'a whole number of requests, e.g. 600',
    default: '`600`',
    meaning: 'API requests per minute per key (whichever header carries it), and per client address on public pages',
  }),
  COLIS_AUTH_FAILURES_PER_MINUTE: variable({
    schema: withDefault(positiveInteger, 30),
    form: 'a whole number of attempts, e.g. 30',
    default: '`30`',
    meaning:
      'failed authentications (wrong key or codec session, bad webhook signature, wrong or missing tracking token) per minute per client address; then 429 with Retry-After. A request with no key at all guesses nothing and counts at COLIS_RATE_LIMIT_PER_MINUTE',
  }),
  COLIS_WEBHOOK_RATE_LIMIT_PER_MINUTE: variable({
    schema: withDefault(positiveInteger, 6000),
    form: 'a whole number of requests, e.g. 6000',
    default: '`6000`',
    meaning: 'signed (keyless) tracking webhooks per minute per carrier, counted apart from any other traffic',
  }),
  COLIS_BODY_LIMIT_BYTES: variable({
    schema: withDefault(positiveIntegerAtMost(16 * 1024 * 1024, 'every request would be read into memory that large'), 256 * 1024),
    form: 'a whole number of bytes, 1–16777216, e.g. 262144',
    default: '`262144`',
    meaning: 'largest request body the API reads (at most 16 MiB)',
  }),
  COLIS_WORKFLOW_CALL_TIMEOUT_MS: variable({
    schema: withDefault(timeoutMs, 10_000),
    form: 'a whole number of milliseconds, e.g. 10000',
    default: '`10000`',
    meaning: 'how long an API query or update waits for a workflow (no worker, stuck task) before answering 503',
  }),
  COLIS_INTAKE_START_WAIT_MS: variable({
    schema: withDefault(waitMs, 25),
    form: 'a positive number of milliseconds, e.g. 25',
    default: '`25`',
    meaning:
      '`POST /orders` answers once the order is committed and at most this long waiting for its workflow to start (`workflowStarted` in the answer); ' +
      'under a burst or a Temporal outage the start continues behind the answer and a sweep retries it, backing off from 2 s to 30 s after each ' +
      'failed start; meanwhile the order reads and lists as `received`',
  }),
  COLIS_INTAKE_MAX_STARTS_PER_SECOND: variable({
    schema: optional(positiveNumber),
    form: 'a positive number of starts per second',
    default: 'no limit',
    meaning:
      'meter order workflow starts per API process: a burst above what the workers can journey at once waits in PostgreSQL ' +
      "(`colis_intake_unstarted_orders` in `/metrics`) instead of overflowing the workers' sticky cache",
  }),
  COLIS_INTAKE_ADAPTIVE_STARTS: variable({
    schema: withDefault(boolean, true),
    form: 'true or false',
    default: '`true`',
    meaning:
      'start order workflows while fewer than N accepted orders are still being reserved and planned, N tuned from the rate they ' +
      'finish (Little’s law), so a burst drains at the rate the workers sustain; `colis_intake_start_limit` in `/metrics`',
  }),
  COLIS_DECISION_RULES: variable({
    schema: withDefault(z.enum(['promise', 'baseline']), 'promise'),
    form: 'promise or baseline',
    default: '`promise`',
    meaning:
      'the decision layer: `promise` (promise engine at intake, allocation by cost to the door, carrier choice by learned late risk) ' +
      'or `baseline` (the earlier rules: fixed-day promise, allocation by the customer’s country then the lowest code, the carrier’s own estimate), kept to measure one against the other',
  }),
  COLIS_PROMISE_CONFIDENCE: variable({
    schema: withDefault(probability, 0.95),
    form: 'a number strictly between 0 and 1, e.g. 0.95',
    default: '`0.95`',
    meaning: 'the probability that every parcel of an order arrives by its promise that the promise given at intake must reach',
  }),
  COLIS_ON_TIME_TARGET: variable({
    schema: withDefault(probability, 0.95),
    form: 'a number strictly between 0 and 1, e.g. 0.95',
    default: '`0.95`',
    meaning: 'carrier choice books the cheapest service whose learned probability of arriving by the promise reaches this',
  }),
  COLIS_WAREHOUSE_DOWN_AFTER_MINUTES: variable({
    schema: withDefault(wholeNumber.pipe(z.number().max(10_080, 'must be at most 10080 (a week)')), 120),
    form: 'a whole number of business minutes, 0 to 10080',
    default: '`120`',
    meaning:
      'a warehouse whose queue leaves a pick unserved this long counts as down (as if ops declared it): its waiting shipments ' +
      'move to another warehouse with the stock; scaled by the time scale like every business wait (never under 1 real ' +
      'second); 0: only ops declare a warehouse down (e.g. at an instant clock, where a busy queue is no outage)',
  }),
  COLIS_PERSONAL_DATA_RETENTION_DAYS: variable({
    schema: withDefault(positiveIntegerAtMost(3650, "ten years is past any legal need to keep an order's personal data"), 180),
    form: 'a whole number of days, 1–3650, e.g. 180',
    default: '`180`',
    meaning:
      "days an order's personal data (names, street, e-mail, phone, free texts, label files) is kept once the order is over: " +
      'final, its return window closed, no return, escalation or carrier claim open; then erased, keeping what the reports ' +
      'need (README "Personal data: what is kept, for how long, and erasure")',
  }),
  COLIS_OPS_ANSWER_REPLAY_DAYS: variable({
    schema: withDefault(positiveIntegerAtMost(365, 'a client retries an ops request within minutes, not a year later'), 30),
    form: 'a whole number of days, 1–365, e.g. 30',
    default: '`30`',
    meaning:
      "days an ops action's stored answer replays for a repeat of its Idempotency-Key (the key refuses a second application " +
      'for good, with a 409 once the answer is dropped), and after which webhook events no longer being sent lose ' +
      'their personal keys (README "Personal data: what is kept, for how long, and erasure")',
  }),
  COLIS_LOG_LEVEL: variable({
    schema: withDefault(z.enum(LOG_LEVELS), 'info'),
    form: LOG_LEVELS.join(', '),
    default: '`info`',
    meaning: "the API's log level",
  }),
  COLIS_TEMPORAL_METRICS_ADDRESS: variable({
    schema: withDefault(socketAddress, '127.0.0.1:9464'),
    form: 'IP address:port (`[::1]:9464` for IPv6)',
    default: '`127.0.0.1:9464`',
    meaning: 'where the worker runtime exports Prometheus metrics',
  }),
  COLIS_TEMPORAL_METRICS_URL: variable({
    schema: withDefault(httpUrl, 'http://127.0.0.1:9464/metrics'),
    form: 'an http(s) URL',
    default: '`http://127.0.0.1:9464/metrics`',
    meaning: "where the API's `/metrics` reads the workers' metrics",
  }),
  COLIS_API_URL: variable({
    schema: withDefault(baseUrl, 'http://127.0.0.1:3000'),
    form: 'an http(s) URL',
    default: '`http://127.0.0.1:3000`',
    meaning: '`npm run demo`: the API it places orders with',
  }),
  COLIS_INTAKE_KEY: variable({
    schema: withDefault(z.string().min(1), 'colis-dev-intake-key'),
    form: 'an intake API key',
    default: 'the dev intake key',
    meaning: '`npm run demo`: the key it places orders with',
    secret: true,
  }),
  DEMO_ORDERS: variable({
    schema: withDefault(positiveInteger, 24),
    form: 'a whole number of orders, e.g. 24',
    default: '`24`',
    meaning: '`npm run demo`: how many orders it places',
  }),
  COLIS_BENCH_KEEP: variable({
    schema: withDefault(boolean, false),
    form: 'true or false',
    default: '`false`',
    meaning: "benchmarks and drills keep their stack's temporary folder (logs, data) instead of deleting it",
  }),
  COLIS_RECORD_HISTORIES: variable({
    schema: withDefault(boolean, false),
    form: 'true or false (or 1 / 0)',
    default: '`false`',
    meaning: 'tests: the replay test records fresh workflow histories instead of replaying the stored ones',
  }),
  COLIS_FUZZ_RUNS: variable({
    schema: withDefault(positiveInteger, 12),
    form: 'a whole number of cases per route, e.g. 400',
    default: '`12` (`npm run fuzz`: `400`)',
    meaning: 'tests: how many generated requests the property-based fuzz test sends to every route',
  }),
  COLIS_FUZZ_SEED: variable({
    schema: optional(
      z
        .string()
        .regex(/^-?[0-9]+$/, 'not an integer')
        .transform(Number),
    ),
    form: 'an integer',
    default: 'random',
    meaning: 'tests: replays a fuzz run (its seed is printed when it fails)',
  }),
  COLIS_CHROMIUM_PATH: variable({
    schema: withDefault(path, '/usr/bin/chromium'),
    form: 'the path of a Chromium binary',
    default: '`/usr/bin/chromium`',
    meaning: 'tests: the browser the page tests drive',
  }),
} as const;

export type VariableName = keyof typeof VARIABLES;

/**
 * A family of variables named after the carriers: one webhook signing secret per carrier in the
 * catalogue. Development gets predictable secrets so the simulator and the API agree without setup;
 * production must set them all, or a guessable secret would let anyone post tracking events.
 */
export const CARRIER_SECRET_PREFIX = 'COLIS_CARRIER_SECRET_';
export const carrierSecretVariable = (carrierCode: string) => `${CARRIER_SECRET_PREFIX}${carrierCode.toUpperCase()}`;
export const CARRIER_SECRET_FAMILY = variable({
  schema: optional(secret),
  form: '16+ printable characters without spaces',
  default: 'dev secrets',
  meaning: `webhook signing secret per carrier (${CARRIER_CATALOGUE.map((c) => `\`${carrierSecretVariable(c.code)}\``).join(', ')}); required in production`,
  secret: true,
});
