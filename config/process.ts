import { type Config, ConfigError, type Env, loadConfig } from './index';

/** Exit code of a process refused by its configuration (distinct from a crash's 1). */
export const CONFIG_EXIT_CODE = 2;

/**
 * For entry points only, before they start anything: the parsed configuration, or one line on
 * stderr naming the bad variable and the process ends with CONFIG_EXIT_CODE.
 */
export function loadConfigOrExit(env: Env, program: string): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    return exitWithError(program, error);
  }
}

/**
 * A service the configuration names that cannot be used at start (Temporal does not answer at TEMPORAL_ADDRESS, the
 * API's address cannot be listened on): the environment is at fault, not the code, so its message is the one line an
 * operator needs, naming the variable, and no stack trace.
 */
export class StartupFailure extends Error {
  override name = 'StartupFailure';
}

/** The first line of an error's message, for a StartupFailure's reason. */
export const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 300) ?? '';

/** Runs a start-up step; its failure becomes a StartupFailure saying what could not be done and why. */
export async function startupStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new StartupFailure(`${what}: ${firstLine(error)}`);
  }
}

/** The last words of an entry point that failed: one line for a configuration error or a start-up failure, the stack for a bug. */
export function exitWithError(program: string, error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${program}: configuration refused: ${error.message}\n`);
    process.exit(CONFIG_EXIT_CODE);
  }
  if (error instanceof StartupFailure) {
    process.stderr.write(`${program}: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${program}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
