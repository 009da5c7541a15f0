import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../config';

/**
 * Where the replay test's recorded histories live, and how one is written. A journey test that ends
 * a workflow in a state worth replaying records it when `COLIS_RECORD_HISTORIES=1`
 * (`test/workflows/replay.test.ts` replays every file of `histories/<generation>/`).
 */
export const HISTORIES_ROOT = fileURLToPath(new URL('./histories/', import.meta.url));
export const CURRENT_HISTORIES_DIR = `${HISTORIES_ROOT}v3/`;
export const RECORD_HISTORIES = loadConfig(process.env).COLIS_RECORD_HISTORIES;

/**
 * Stored as protobufjs's JSON form (enum names, 64-bit numbers as strings, bytes as base64), which
 * `fromObject` reads back exactly. Not `historyToJSON` from @temporalio/common: with the nested
 * protobufjs copies npm installs here, its protojson rejects the History type ("type must be a Type").
 */
export const History = temporal.api.history.v1.History;
const JSON_FORM = { enums: String, longs: String, bytes: String, defaults: false } as const;

/** Writes `workflowId`'s history as `histories/v3/<file>.json`. */
export async function writeHistory(client: Client, workflowId: string, file: string): Promise<void> {
  mkdirSync(CURRENT_HISTORIES_DIR, { recursive: true });
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(
    `${CURRENT_HISTORIES_DIR}${file}.json`,
    `${JSON.stringify(History.toObject(History.fromObject(history), JSON_FORM), null, 1)}\n`,
  );
}
