import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config';

/** Where everything local lives. Both folders are git-ignored and safe to delete. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Persistent state of the embedded services: PostgreSQL cluster, Temporal's SQLite file, logs (COLIS_DATA_DIR). */
export const dataDir = (config: Pick<Config, 'COLIS_DATA_DIR'>) => resolve(ROOT, config.COLIS_DATA_DIR);
/** Binaries the project provisions itself: Temporal CLI, time-skipping test server (COLIS_TOOLS_DIR). */
export const toolsDir = (config: Pick<Config, 'COLIS_TOOLS_DIR'>) => resolve(ROOT, config.COLIS_TOOLS_DIR);
