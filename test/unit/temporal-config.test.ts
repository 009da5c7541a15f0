import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import { connectionOptions, describeTarget, namespaceExists, temporalTarget } from '../../worker/temporal-config';

/** Temporal's environment-configuration conventions, as the API, the workers and the scripts read them. */
describe('Temporal connection settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'colis-envconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  // A HOME without ~/.config/temporalio/temporal.toml, so the developer's own profile never leaks in.
  const temporalTargetFromEnv = (env: Record<string, string> & { HOME?: string }, defaultAddress?: string) => {
    const { HOME: home, ...variables } = env;
    return temporalTarget(loadConfig(variables), defaultAddress, home ?? dir);
  };
  const HOME = dir;
  const PEM = (label: string, body = 'MIIB') => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;

  it('nothing set: the embedded dev server, namespace default, plaintext', () => {
    const target = temporalTargetFromEnv({ HOME }, '127.0.0.1:7299');
    expect(target).toEqual({ address: '127.0.0.1:7299', namespace: 'default', embedded: true });
    expect(connectionOptions(target)).toEqual({ address: '127.0.0.1:7299' });
  });

  it('an API key implies TLS with the system roots', () => {
    const target = temporalTargetFromEnv({
      HOME,
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'k',
    });
    expect(target.embedded).toBe(false);
    expect(target.apiKey).toBe('k');
    expect(target.tls).toBe(true);
    expect(describeTarget(target)).toBe('ns.acct.tmprl.cloud:7233 namespace ns.acct (TLS, API key)');
  });

  it('TEMPORAL_TLS=false turns TLS off even with an API key', () => {
    expect(temporalTargetFromEnv({ HOME, TEMPORAL_ADDRESS: 'h:1', TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls).toBe(false);
  });

  it('mTLS files, CA and server name are read from the TEMPORAL_TLS_* variables', () => {
    const crt = file('c.pem', PEM('CERTIFICATE'));
    const key = file('c.key', PEM('PRIVATE KEY'));
    const ca = file('ca.pem', PEM('CERTIFICATE', 'CA'));
    const target = temporalTargetFromEnv({
      HOME,
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: crt,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'frontend',
    });
    const tls = target.tls;
    if (typeof tls !== 'object') throw new Error(`expected a TLS configuration, got ${String(tls)}`);
    const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString();
    expect([text(tls.clientCertPair?.crt), text(tls.clientCertPair?.key), text(tls.serverRootCACertificate)]).toEqual([
      PEM('CERTIFICATE'),
      PEM('PRIVATE KEY'),
      PEM('CERTIFICATE', 'CA'),
    ]);
    expect(tls.serverNameOverride).toBe('frontend');
    expect(describeTarget(target)).toContain('mTLS, custom CA, server name frontend');
  });

  it('a client certificate without its key is refused at start-up, not at the first call', () => {
    expect(() => temporalTargetFromEnv({ HOME, TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_CLIENT_CERT_PATH: file('only.pem', 'C') })).toThrow(
      /TEMPORAL_TLS_CLIENT_KEY_PATH.*mTLS needs both/,
    );
    const profileFile = file(
      'half.toml',
      `[profile.default]\naddress = "h:1"\n[profile.default.tls]\nclient_cert_path = "${file('c2.pem', 'C')}"\n`,
    );
    expect(() => temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: profileFile })).toThrow(ConfigError);
  });

  it('a profile file that is not TOML is refused by its reason and position, never quoting its text (an API key on the line at fault)', () => {
    for (const line of ['api_key = sk-live-0123456789abcdef', 'api_key = "sk-live-0123456789abcdef']) {
      const broken = file('broken.toml', `[profile.default]\naddress = "h:1"\n${line}\n`);
      let refusal = '';
      try {
        temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: broken });
      } catch (error) {
        refusal = error instanceof Error ? error.message : String(error);
      }
      expect(refusal).toMatch(
        /^TEMPORAL_CONFIG_FILE=".*broken\.toml" is invalid \(Invalid TOML document: .* at line 3, column \d+ \(the file's text is not repeated\)\)/,
      );
      expect(refusal).not.toContain('sk-live');
    }
  });

  it("a profile's address, namespace, API key or server name is held to its variable's rules, naming the profile, never the key", () => {
    const refusalOf = (env: Record<string, string>) => {
      try {
        temporalTargetFromEnv({ HOME, ...env });
      } catch (error) {
        return error instanceof ConfigError ? error.message : `not a ConfigError: ${String(error)}`;
      }
      return 'accepted';
    };
    const profiles = file(
      'fields.toml',
      [
        '[profile.default]',
        'address = "temporal.internal"',
        '[profile.spaced]',
        'address = "temporal.internal:7233"',
        'namespace = "orders prod"',
        '[profile.keyed]',
        'address = "temporal.internal:7233"',
        'api_key = "sk-live 0123456789abcdef"',
        '[profile.named]',
        'address = "temporal.internal:7233"',
        '[profile.named.tls]',
        'server_name = "temporal internal"',
        '[profile.good]',
        'address = "temporal.internal:7233"',
        'namespace = "orders-prod"',
      ].join('\n'),
    );
    // Before: accepted here; the first connection then failed as "cannot reach Temporal at … (TEMPORAL_ADDRESS)".
    expect(refusalOf({ TEMPORAL_CONFIG_FILE: profiles })).toMatch(
      /^TEMPORAL_CONFIG_FILE=".*fields\.toml" is invalid \(profile "default", its address "temporal\.internal": not host:port/,
    );
    expect(refusalOf({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'spaced' })).toMatch(
      /^TEMPORAL_PROFILE="spaced" is invalid \(the profile's namespace "orders prod": not a namespace name/,
    );
    const keyed = refusalOf({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'keyed' });
    expect(keyed).toMatch(/^TEMPORAL_PROFILE="keyed" is invalid \(the profile's api_key: contains spaces/);
    expect(keyed).not.toContain('sk-live');
    expect(refusalOf({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'named' })).toMatch(
      /the profile's tls\.server_name "temporal internal"/,
    );
    // A variable over the field is what counts, and it was checked as a variable.
    expect(refusalOf({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_ADDRESS: 'temporal.internal:7233' })).toBe('accepted');
    expect(refusalOf({ TEMPORAL_CONFIG_FILE: profiles, TEMPORAL_PROFILE: 'good' })).toBe('accepted');
  });

  it('at start, a namespace the server does not have names TEMPORAL_NAMESPACE; any other refusal of the question names the address', async () => {
    const target = temporalTargetFromEnv({ HOME, TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'orders-prod' });
    const refusing = (code: number, message: string) => ({
      describeNamespace: async () => {
        throw Object.assign(new Error(message), { code });
      },
    });
    await expect(namespaceExists({ describeNamespace: async () => ({}) }, target)).resolves.toBeUndefined();
    await expect(namespaceExists(refusing(5, '5 NOT_FOUND: Namespace orders-prod is not found.'), target)).rejects.toThrow(
      'cannot use namespace orders-prod at temporal.internal:7233 (TEMPORAL_NAMESPACE): 5 NOT_FOUND: Namespace orders-prod is not found.',
    );
    // An HTTP server, not a Temporal frontend, at the address: not the namespace's fault.
    await expect(namespaceExists(refusing(12, '12 UNIMPLEMENTED: Received HTTP status code 404'), target)).rejects.toThrow(
      'cannot reach Temporal at temporal.internal:7233 namespace orders-prod (plaintext) (TEMPORAL_ADDRESS): 12 UNIMPLEMENTED: Received HTTP status code 404',
    );
  });

  it('a TLS file variable naming a directory, or a file that is not PEM, is refused naming that variable', () => {
    const folder = join(dir, 'certs');
    mkdirSync(folder, { recursive: true });
    const key = file('k.pem', PEM('PRIVATE KEY'));
    expect(() =>
      temporalTargetFromEnv({ HOME, TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_CLIENT_CERT_PATH: folder, TEMPORAL_TLS_CLIENT_KEY_PATH: key }),
    ).toThrow(/^TEMPORAL_TLS_CLIENT_CERT_PATH=".*certs" is invalid \(cannot be read: EISDIR\): expected the path of a PEM certificate/);
    expect(() =>
      temporalTargetFromEnv({ HOME, TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.json', '{"ca":1}') }),
    ).toThrow(/^TEMPORAL_TLS_SERVER_CA_CERT_PATH=".*ca\.json" is invalid \(not a PEM document\)/);
  });

  it('a profile from TEMPORAL_CONFIG_FILE, chosen by TEMPORAL_PROFILE, with environment variables overriding its fields', () => {
    const config = file(
      'temporal.toml',
      [
        '[profile.default]',
        'address = "default.example:7233"',
        '[profile.prod]',
        'address = "prod.example:7233"',
        'namespace = "colis-prod"',
        'api_key = "from-file"',
        '[profile.prod.grpc_meta]',
        'x-tenant = "colis"',
        '',
      ].join('\n'),
    );
    const prod = temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'prod' });
    expect(prod).toMatchObject({ address: 'prod.example:7233', namespace: 'colis-prod', apiKey: 'from-file', tls: true, embedded: false });
    expect(prod.metadata).toEqual({ 'x-tenant': 'colis' });
    expect(temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: config }).address).toBe('default.example:7233');
    const overridden = temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' });
    expect(overridden.namespace).toBe('other');
    expect(() => temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'missing' })).toThrow(/missing/);
  });

  it("a profile shared with the CLI may name the codec endpoint (for the CLI's benefit): Colis's processes read it and ignore it", () => {
    const config = file(
      'with-codec.toml',
      [
        '[profile.ops]',
        'address = "temporal.internal:7233"',
        'namespace = "colis"',
        '[profile.ops.codec]',
        'endpoint = "https://colis.example.com/codec"',
        'auth = "Bearer ops-desk-key"',
        '',
      ].join('\n'),
    );
    const target = temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'ops' });
    expect(target).toEqual({ address: 'temporal.internal:7233', namespace: 'colis', embedded: false });
    expect(JSON.stringify(connectionOptions(target))).not.toContain('ops-desk-key');
  });

  it('the default config file is read from $HOME/.config/temporalio/temporal.toml, as the temporal CLI does', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const configDir = join(home, '.config', 'temporalio');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'temporal.toml'), '[profile.default]\naddress = "home.example:7233"\n');
    expect(temporalTargetFromEnv({ HOME: home }).address).toBe('home.example:7233');
  });

  it('refuses TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true, which the TypeScript SDK cannot honour', () => {
    expect(() => temporalTargetFromEnv({ HOME, TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toThrow(
      /TEMPORAL_TLS_SERVER_NAME/,
    );
  });

  it('an unreadable TLS file or profile file stops start-up naming the variable', () => {
    expect(() => temporalTargetFromEnv({ HOME, TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'nope.pem') })).toThrow(
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH=.*cannot be read: ENOENT/,
    );
    expect(() => temporalTargetFromEnv({ HOME, TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') })).toThrow(/TEMPORAL_CONFIG_FILE=.*ENOENT/);
  });

  it('inline PEM data instead of paths (TEMPORAL_TLS_*_DATA)', () => {
    const pem = (kind: string) => `-----BEGIN ${kind}-----\nAAAA\n-----END ${kind}-----\n`;
    const target = temporalTargetFromEnv({
      HOME,
      TEMPORAL_ADDRESS: 'h:1',
      TEMPORAL_TLS_CLIENT_CERT_DATA: pem('CERTIFICATE'),
      TEMPORAL_TLS_CLIENT_KEY_DATA: pem('PRIVATE KEY'),
    });
    expect(describeTarget(target)).toContain('mTLS');
  });
});
