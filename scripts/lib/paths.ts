import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where everything local lives. Both folders are git-ignored and safe to delete. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Persistent state of the embedded services: PostgreSQL cluster, Temporal's SQLite file, logs. */
export const DATA_DIR = resolve(ROOT, process.env.COLIS_DATA_DIR ?? '.data');
/** Binaries the project provisions itself (Temporal CLI, time-skipping test server). */
export const TOOLS_DIR = resolve(ROOT, process.env.COLIS_TOOLS_DIR ?? '.tools');
