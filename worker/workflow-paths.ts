import { fileURLToPath } from 'node:url';

/** The entry points of the two workflow bundles: order, shipment and return workflows; the notify relays. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
export const NOTIFY_WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/notify/index.ts', import.meta.url));
