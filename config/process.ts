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

/** The last words of an entry point that failed: one line for a configuration error, the stack for a bug. */
export function exitWithError(program: string, error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${program}: configuration refused: ${error.message}\n`);
    process.exit(CONFIG_EXIT_CODE);
  }
  process.stderr.write(`${program}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
