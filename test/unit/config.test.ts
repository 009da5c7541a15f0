import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_CLOCK, INSTANT_CLOCK } from '../../bench/lib/clocks';
import { ConfigError, loadConfig } from '../../config';
import { temporalTarget } from '../../worker/temporal-config';
import { README_PATH, readmeConfigRows, renderConfigTable, tableRows } from '../../config/readme';

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
};

describe('configuration, parsed once from the environment', () => {
  it('gives every default with nothing set', () => {
    const config = loadConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.COLIS_TIME_SCALE).toBe(1);
    expect(config.COLIS_API_PORT).toBe(3000);
    expect(config.COLIS_WORKER_QUEUES).toEqual({ orders: true, carriers: true, warehouses: '*', notify: true });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.carrierSecrets.swiftpost).toMatch(/^dev-/);
    expect(config.COLIS_PERSONAL_DATA_RETENTION_DAYS).toBe(180);
    expect(config.COLIS_OPS_ANSWER_REPLAY_DAYS).toBe(30);
  });

  it('types the values it parses, and a blank value counts as unset', () => {
    const config = loadConfig({
      COLIS_TIME_SCALE: '1440',
      COLIS_API_PORT: ' ',
      TEMPORAL_TLS: 'true',
      COLIS_WORKER_QUEUES: 'orders, warehouse:PAR1,warehouse:PAR1',
      COLIS_PUBLIC_URL: 'https://colis.example.com/',
      COLIS_SIMULATOR_SCRIPT: '{"byCarrier":{"ecoroute":"stall"}}',
      COLIS_CARRIER_SECRET_SWIFTPOST: 'a-long-enough-secret',
    });
    expect(config.COLIS_TIME_SCALE).toBe(1440);
    expect(config.COLIS_API_PORT).toBe(3000);
    expect(config.TEMPORAL_TLS).toBe(true);
    expect(config.COLIS_WORKER_QUEUES).toEqual({ orders: true, carriers: false, warehouses: ['PAR1'], notify: false });
    expect(config.COLIS_PUBLIC_URL).toBe('https://colis.example.com');
    expect(config.COLIS_SIMULATOR_SCRIPT).toEqual({ byCarrier: { ecoroute: 'stall' } });
    expect(config.carrierSecrets.swiftpost).toBe('a-long-enough-secret');
  });

  it('refuses a bad value in one line naming the variable, the value and the accepted form', () => {
    const message = refusal({ COLIS_TIME_SCALE: 'fast' });
    expect(message).toBe(
      'COLIS_TIME_SCALE="fast" is invalid (not a number): expected a number of business seconds per real second from 1 to 1000000, e.g. 1440',
    );
    expect(message).not.toContain('\n');
  });

  it.each([
    ['COLIS_TIME_SCALE', '0', /greater than 0/],
    ['COLIS_TIME_SCALE', '1e3', /not a number/],
    // A negative value is a number: it is refused for its sign, not called "not a number".
    ['COLIS_TIME_SCALE', '-5', /\(must be greater than 0\)/],
    ['COLIS_PROMISE_CONFIDENCE', '-0.5', /\(must be greater than 0\)/],
    ['COLIS_RATE_LIMIT_PER_MINUTE', '-600', /\(must be greater than 0\)/],
    ['COLIS_WAREHOUSE_DOWN_AFTER_MINUTES', '-1', /\(must be 0 or more\)/],
    ['COLIS_PERSONAL_DATA_RETENTION_DAYS', '0', /\(must be greater than 0\)/],
    ['COLIS_PERSONAL_DATA_RETENTION_DAYS', '90d', /\(not a whole number\)/],
    ['COLIS_PERSONAL_DATA_RETENTION_DAYS', '5000', /\(must be at most 3650: /],
    ['COLIS_OPS_ANSWER_REPLAY_DAYS', '0', /^COLIS_OPS_ANSWER_REPLAY_DAYS="0" is invalid \(must be greater than 0\)/],
    ['COLIS_OPS_ANSWER_REPLAY_DAYS', '30 days', /\(not a whole number\)/],
    ['COLIS_OPS_ANSWER_REPLAY_DAYS', '400', /\(must be at most 365: /],
    ['COLIS_API_PORT', '70000', /65535/],
    ['COLIS_PG_PORT', '0', /port 0/],
    ['DATABASE_URL', 'mysql://localhost/colis', /postgresql/],
    ['TEMPORAL_ADDRESS', 'localhost', /host:port/],
    // The metrics exporter takes a socket address: a host name passed this check, then failed the start naming no variable.
    ['COLIS_TEMPORAL_METRICS_ADDRESS', 'localhost:9477', /\(not an IP address and port/],
    ['COLIS_TEMPORAL_METRICS_ADDRESS', '127.0.0.1:0', /\(ports run from 1 to 65535\)/],
    ['COLIS_TEMPORAL_METRICS_ADDRESS', '300.1.1.1:9477', /\(not an IP address\)/],
    ['COLIS_PUBLIC_URL', 'javascript:alert(1)', /http/],
    ['COLIS_WORKER_QUEUES', 'orders,invoices', /unknown queue "invoices"/],
    ['COLIS_LOG_LEVEL', 'verbose', /COLIS_LOG_LEVEL/],
    ['NODE_ENV', 'prod', /development, production or test/],
    ['COLIS_SIMULATOR_SCRIPT', '{"byCarrier":{"ecorout":"stall"}}', /byCarrier: names a carrier that does not exist/],
    ['COLIS_SIMULATOR_SCRIPT', '{not json', /not valid JSON/],
    ['COLIS_SIMULATOR_SCRIPT', '{"bycarrier":{}}', /bycarrier/],
    ['COLIS_API_KEYS', 'shop:intake:short', /shorter than 16/],
    // One key under two names: its holder got the role of whichever came last (a shop's intake key acting as ops).
    [
      'COLIS_API_KEYS',
      'shop:intake:abcdefghijklmnop,desk:ops:abcdefghijklmnop',
      /\("desk" has the key of "shop": each name needs its own key\)/,
    ],
    // A URL without a scheme, or one no URL parser reads, was a bare "TypeError: Invalid URL" naming no variable.
    ['COLIS_PUBLIC_URL', 'colis.example.com', /\(not an http\(s\) URL\)/],
    ['COLIS_PUBLIC_URL', 'https://colis.example.com:99999', /\(not an http\(s\) URL\)/],
    ['COLIS_TEMPORAL_UI_URL', 'https://', /\(not an http\(s\) URL\)/],
    ['COLIS_API_URL', '127.0.0.1:3000', /\(not an http\(s\) URL\)/],
    ['COLIS_CARRIER_SECRET_SWIFTPOST', 'short', /16/],
    // A base URL is joined with paths (`${COLIS_PUBLIC_URL}/track/…` in customer mails): a query or fragment would swallow
    // them, credentials would be mailed to every customer.
    ['COLIS_PUBLIC_URL', 'https://colis.example.com/?campaign=x', /\(a base URL has no query/],
    ['COLIS_PUBLIC_URL', 'https://colis.example.com/#top', /\(a base URL has no query/],
    ['COLIS_PUBLIC_URL', 'https://ops:hunter2@colis.example.com', /\(a base URL has no user or password\)/],
    ['COLIS_TEMPORAL_UI_URL', 'http://localhost:8233/?x=1', /\(a base URL has no query/],
    ['COLIS_SHIPENGINE_API_URL', 'https://api.shipengine.com?x', /\(a base URL has no query/],
    ['COLIS_API_URL', 'http://127.0.0.1:3000/#', /\(a base URL has no query/],
    // The shop webhook's URL, held to what a subscription's is: taken, its every delivery failed for three days, and ops
    // read the password in GET /webhooks/subscriptions.
    ['COLIS_SHOP_WEBHOOK_URL', 'https://erp:hunter2-password@shop.example.com/hooks', /\(the URL must not carry credentials/],
    ['COLIS_SHOP_WEBHOOK_URL', 'https://shop.example.com:25/hooks', /\(the URL uses port 25, which HTTP clients refuse to call/],
    ['COLIS_SHOP_WEBHOOK_URL', 'http://shop.example.com:0/hooks', /\(the URL uses port 0/],
    // Business time runs `scale` times real time: below 1 its timers outgrow what Temporal takes, far above instant
    // (1000000, the drills' clock) its calendar leaves the years PostgreSQL stores within hours of running.
    ['COLIS_TIME_SCALE', '0.0000001', /\(must be at least 1 \(real time\)\)/],
    ['COLIS_TIME_SCALE', '999999999999999', /\(must be at most 1000000 \(instant: a business day in 86 ms, as the drills run\)\)/],
    // Node fires a timer longer than 2^31-1 ms at once: a "very long" timeout would time every call out after 1 ms.
    ['COLIS_WEBHOOK_TIMEOUT_MS', '3000000000', /\(must be at most 60000: /],
    // A shop endpoint given longer than a relay's drain can wait: the drain's activity was retried beside it, still posting.
    ['COLIS_WEBHOOK_TIMEOUT_MS', '120000', /\(must be at most 60000: a relay's drain must end within its 2-minute activity/],
    ['COLIS_SHIPENGINE_TIMEOUT_MS', '99999999999', /\(must be at most 2147483647 ms/],
    ['COLIS_WORKFLOW_CALL_TIMEOUT_MS', '9007199254740991', /\(must be at most 2147483647 ms/],
    ['COLIS_INTAKE_START_WAIT_MS', '2147483647.5', /\(must be at most 2147483647 ms/],
    // Valid numbers far past what they protect: a pool no PostgreSQL admits, a cache no worker holds, a body read
    // whole into memory, a replay window of years.
    ['COLIS_DB_POOL', '100000', /\(must be at most 1000: more connections per process than a PostgreSQL server admits\)/],
    ['COLIS_MAX_CACHED_WORKFLOWS', '9007199254740991', /\(must be at most 100000: /],
    ['COLIS_BODY_LIMIT_BYTES', '99999999999', /\(must be at most 16777216: /],
    // The proxies whose X-Forwarded-For names the client: a host name or a range past its family's bits trusts nobody meant.
    ['COLIS_TRUSTED_PROXIES', 'lb.internal', /not an IP address or CIDR range/],
    ['COLIS_TRUSTED_PROXIES', '10.0.0.0/33', /not an IP address or CIDR range/],
    [
      'COLIS_SHIPENGINE_WEBHOOK_TOLERANCE_SECONDS',
      '31536000',
      /\(must be at most 3600: a longer window lets a captured webhook be replayed\)/,
    ],
  ])('refuses %s=%s', (variable, value, why) => {
    const message = refusal({ [variable]: value });
    expect(message.startsWith(`${variable}=`)).toBe(true);
    expect(message).toMatch(why);
    expect(message).not.toContain('\n');
  });

  it('takes the trusted proxies as addresses and ranges', () => {
    expect(loadConfig({ COLIS_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.10,fd00::/8' }).COLIS_TRUSTED_PROXIES).toEqual([
      '10.0.0.0/8',
      '192.0.2.10',
      'fd00::/8',
    ]);
  });

  it('takes retired tracking secrets as a list, each as long as a secret, and never echoes them', () => {
    expect(
      loadConfig({ COLIS_TRACKING_SECRETS_RETIRED: 'first-retired-secret-0001, second-retired-secret-0002' })
        .COLIS_TRACKING_SECRETS_RETIRED,
    ).toEqual(['first-retired-secret-0001', 'second-retired-secret-0002']);
    const message = refusal({ COLIS_TRACKING_SECRETS_RETIRED: 'first-retired-secret-0001,tooshort' });
    expect(message).toMatch(/^COLIS_TRACKING_SECRETS_RETIRED=\(\d+ characters, withheld\) is invalid/);
    expect(message).not.toContain('first-retired-secret-0001');
  });

  it('takes a base URL with a path', () => {
    expect(loadConfig({ COLIS_PUBLIC_URL: 'https://example.com/colis/' }).COLIS_PUBLIC_URL).toBe('https://example.com/colis');
  });

  it('takes the clocks the demo, the drills and the benchmarks run', () => {
    for (const clock of [DEMO_CLOCK, INSTANT_CLOCK]) expect(loadConfig({ COLIS_TIME_SCALE: String(clock) }).COLIS_TIME_SCALE).toBe(clock);
  });

  it('takes a metrics address in IPv4 or bracketed IPv6', () => {
    for (const address of ['0.0.0.0:9464', '[::1]:9477'])
      expect(loadConfig({ COLIS_TEMPORAL_METRICS_ADDRESS: address }).COLIS_TEMPORAL_METRICS_ADDRESS).toBe(address);
  });

  it('takes the longest timeout a Node timer keeps', () => {
    expect(loadConfig({ COLIS_SHIPENGINE_TIMEOUT_MS: '2147483647' }).COLIS_SHIPENGINE_TIMEOUT_MS).toBe(2_147_483_647);
  });

  it('takes a shop webhook timeout of up to a minute', () => {
    expect(loadConfig({ COLIS_WEBHOOK_TIMEOUT_MS: '60000' }).COLIS_WEBHOOK_TIMEOUT_MS).toBe(60_000);
  });

  it('never echoes a secret value', () => {
    const message = refusal({ COLIS_API_KEYS: 'shop:admin:my-very-secret-key-123' });
    expect(message).toContain('COLIS_API_KEYS=(33 characters, withheld)');
    expect(message).not.toContain('my-very-secret-key-123');
    expect(refusal({ DATABASE_URL: 'mysql://colis:hunter2-password@db/colis' })).not.toContain('hunter2');
  });

  // A URL refused for carrying credentials (or for another reason) was echoed whole, its password with it, into the
  // terminal and the supervisor's log.
  it.each([
    ['COLIS_PUBLIC_URL', 'https://ops:hunter2-password@colis.example.com'],
    ['COLIS_SHOP_WEBHOOK_URL', 'ftp://shop:hunter2-password@shop.example.com/hooks'],
    ['COLIS_ESCALATION_WEBHOOK_URL', 'https://ops:hunter2-password@'],
    ['TEMPORAL_ADDRESS', 'ops:hunter2-password@temporal.example.com:7233'],
  ])('never echoes the password of a refused %s, naming the user and the host', (variable, value) => {
    const message = refusal({ [variable]: value });
    expect(message).toMatch(new RegExp(`^${variable}=".*ops|^${variable}=".*shop`));
    expect(message).not.toContain('hunter2');
    expect(message).toContain(':***@');
  });

  it('shows control characters and cuts long values so the error stays one line', () => {
    const message = refusal({ COLIS_API_HOST: `bad\nhost${'x'.repeat(200)}` });
    expect(message).toContain('"bad\\nhost');
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(300);
  });

  it('refuses an unknown COLIS_ variable, a typo that would otherwise be ignored', () => {
    expect(refusal({ COLIS_TIME_SCAL: '1440' })).toMatch(/^COLIS_TIME_SCAL=.* \(not a Colis variable; did you mean COLIS_TIME_SCALE\?\)/);
    expect(refusal({ COLIS_CARRIER_SECRET_UPS: 'a-long-enough-secret' })).toMatch(/no carrier has this code/);
  });

  it('names the first problem and counts the others', () => {
    expect(refusal({ COLIS_TIME_SCALE: 'x', COLIS_API_PORT: 'y', COLIS_PG_PORT: 'z' })).toMatch(
      /^COLIS_TIME_SCALE=.* \(and 2 more: COLIS_PG_PORT, COLIS_API_PORT\)$|^COLIS_PG_PORT=.* \(and 2 more/,
    );
  });

  it('requires real keys and secrets in production', () => {
    expect(refusal({ NODE_ENV: 'production' })).toMatch(/^COLIS_API_KEYS=\(unset\) is invalid \(required when NODE_ENV=production\)/);
    const keys = 'shop:intake:0123456789abcdef';
    expect(refusal({ NODE_ENV: 'production', COLIS_API_KEYS: keys })).toMatch(/^COLIS_TRACKING_SECRET=/);
    expect(refusal({ NODE_ENV: 'production', COLIS_API_KEYS: keys, COLIS_TRACKING_SECRET: 'tracking-secret-0123' })).toMatch(
      /^COLIS_CARRIER_SECRET_SWIFTPOST=\(unset\).*and 3 more: COLIS_CARRIER_SECRET_PARCELNORD, COLIS_CARRIER_SECRET_ECOROUTE, COLIS_PAYLOAD_KEYS/,
    );
    const secrets = {
      COLIS_CARRIER_SECRET_SWIFTPOST: 'swiftpost-secret-0123',
      COLIS_CARRIER_SECRET_PARCELNORD: 'parcelnord-secret-0123',
      COLIS_CARRIER_SECRET_ECOROUTE: 'ecoroute-secret-012345',
    };
    expect(refusal({ NODE_ENV: 'production', COLIS_API_KEYS: keys, COLIS_TRACKING_SECRET: 'tracking-secret-0123', ...secrets })).toMatch(
      /^COLIS_PAYLOAD_KEYS=\(unset\) is invalid \(required when NODE_ENV=production\)/,
    );
  });

  it('refuses in production a shop webhook URL production never posts to (old: taken, its every delivery refused at send)', () => {
    const production = {
      NODE_ENV: 'production',
      COLIS_API_KEYS: 'shop:intake:0123456789abcdef',
      COLIS_TRACKING_SECRET: 'tracking-secret-0123',
      COLIS_CARRIER_SECRET_SWIFTPOST: 'swiftpost-secret-0123',
      COLIS_CARRIER_SECRET_PARCELNORD: 'parcelnord-secret-0123',
      COLIS_CARRIER_SECRET_ECOROUTE: 'ecoroute-secret-012345',
      COLIS_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      COLIS_SHOP_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
    };
    expect(loadConfig({ ...production, COLIS_SHOP_WEBHOOK_URL: 'https://erp.shop.example/hooks' }).COLIS_SHOP_WEBHOOK_URL).toBe(
      'https://erp.shop.example/hooks',
    );
    expect(refusal({ ...production, COLIS_SHOP_WEBHOOK_URL: 'http://erp.shop.example/hooks' })).toMatch(
      /^COLIS_SHOP_WEBHOOK_URL="http:\/\/erp.shop.example\/hooks" is invalid \(the URL must be an https URL, refused when NODE_ENV=production/,
    );
    expect(refusal({ ...production, COLIS_SHOP_WEBHOOK_URL: 'https://10.0.0.5/hooks' })).toMatch(/private address \(10\.0\.0\.5\)/);
    expect(refusal({ ...production, COLIS_SHOP_WEBHOOK_URL: 'https://[::ffff:127.0.0.1]/hooks' })).toMatch(/private address/);
    // Development posts to the machine's own receiver.
    expect(
      loadConfig({
        COLIS_SHOP_WEBHOOK_URL: 'http://127.0.0.1:4000/hooks',
        COLIS_SHOP_WEBHOOK_SECRET: production.COLIS_SHOP_WEBHOOK_SECRET,
      }),
    ).toBeDefined();
  });

  it('refuses, before anything starts, a TLS file that cannot be read', () => {
    const config = loadConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/client.pem',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/client.key',
    });
    expect(() => temporalTarget(config)).toThrow(
      'TEMPORAL_TLS_CLIENT_CERT_PATH="/nonexistent/client.pem" is invalid (cannot be read: ENOENT): expected the path of a PEM certificate',
    );
  });

  it('requires an mTLS certificate and its key together', () => {
    expect(refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/colis/client.pem' })).toMatch(/^TEMPORAL_TLS_CLIENT_KEY_PATH=\(unset\)/);
  });

  it('books carrier codes through ShipEngine from three variables, and refuses a mapping that cannot be meant', () => {
    const config = loadConfig({
      COLIS_SHIPENGINE_API_KEY: 'TEST_abcdefghijklmnop',
      COLIS_SHIPENGINE_CARRIERS: 'se-123456=swiftpost, se-654321=ups',
      COLIS_SHIPENGINE_WAREHOUSES: 'PAR1=se-4567',
    });
    expect(config.COLIS_SHIPENGINE_CARRIERS).toEqual({ swiftpost: 'se-123456', ups: 'se-654321' });
    expect(config.COLIS_SHIPENGINE_WAREHOUSES).toEqual({ PAR1: 'se-4567' });
    expect(config.COLIS_SHIPENGINE_API_URL).toBe('https://api.shipengine.com');
    expect(refusal({ COLIS_SHIPENGINE_CARRIERS: 'se-1=swiftpost' })).toMatch(
      /^COLIS_SHIPENGINE_API_KEY=\(unset\) is invalid \(required when COLIS_SHIPENGINE_CARRIERS/,
    );
    const key = { COLIS_SHIPENGINE_API_KEY: 'TEST_abcdefghijklmnop' };
    // Without a ship-from no ShipEngine rate can be had: the key and the carriers alone would ship nothing.
    for (const warehouses of [{}, { COLIS_SHIPENGINE_WAREHOUSES: ' ' }] as Record<string, string>[]) {
      expect(refusal({ ...key, COLIS_SHIPENGINE_CARRIERS: 'se-1=swiftpost', ...warehouses })).toMatch(
        /^COLIS_SHIPENGINE_WAREHOUSES=.* is invalid \(required when COLIS_SHIPENGINE_CARRIERS is set\)/,
      );
    }
    expect(refusal({ ...key, COLIS_SHIPENGINE_CARRIERS: 'swiftpost=se-1' })).toContain('"swiftpost" is not a ShipEngine carrier id');
    expect(refusal({ ...key, COLIS_SHIPENGINE_CARRIERS: 'se-1=swiftpost,se-2=swiftpost' })).toContain(
      'carrier code "swiftpost" is mapped twice',
    );
    expect(refusal({ ...key, COLIS_SHIPENGINE_CARRIERS: 'se-1=Swift Post' })).toContain('is not a carrier code');
    expect(refusal({ ...key, COLIS_SHIPENGINE_WAREHOUSES: 'PAR1=4567' })).toContain('"4567" is not a ShipEngine warehouse id');
    const withheld = refusal({ COLIS_SHIPENGINE_API_KEY: 'short key' });
    expect(withheld).toContain('COLIS_SHIPENGINE_API_KEY=(9 characters, withheld)');
    expect(withheld).not.toContain('short key');
  });

  it("the README's configuration table is the one rendered from the declarations", () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readmeConfigRows(readme), 'run `npm run config:readme`').toEqual(tableRows(renderConfigTable()));
  });
});
