import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';
import { searchAttributes } from '../workflows/definitions';

// @temporalio/proto is CommonJS: reached through its default export under native ESM.
const IVT = proto.temporal.api.enums.v1.IndexedValueType;
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, proto.temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IVT.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IVT.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IVT.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IVT.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IVT.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IVT.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IVT.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** What registration needs of a connection: the client's `Connection` and the worker's `NativeConnection` both have it. */
export type OperatorConnection = Pick<Connection, 'operatorService'>;

/**
 * Registers Colis's typed search attributes through the operator service, at every start-up of
 * `npm start`, the API process and each worker process: a workflow started or upserting with an
 * attribute its namespace lacks is refused, so a deployment on a fresh namespace would accept
 * orders it can never start. Adding an attribute that exists is skipped, so this is idempotent;
 * two processes starting at once may both add, and the loser finds them there. Temporal Cloud
 * does not allow it through this API (attributes there are managed with tcld or the Cloud UI): we
 * then report what must exist instead of failing the process.
 */
export async function registerSearchAttributes(
  connection: OperatorConnection,
  namespace: string,
  log: (message: string) => void = () => {},
): Promise<void> {
  const wanted = Object.values(searchAttributes);
  const missingNow = async () => {
    // Temporal's time-skipping test server cannot list attributes but can add them: then every one is "missing".
    const existing = await connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
    const known = new Set([...Object.keys(existing?.customAttributes ?? {}), ...Object.keys(existing?.systemAttributes ?? {})]);
    return wanted.filter((key) => !known.has(key.name));
  };
  const missing = await missingNow();
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]])),
    });
    log(`registered search attributes: ${missing.map((k) => k.name).join(', ')}`);
  } catch (error) {
    // Another process of this deployment added them first: nothing is missing any more.
    if ((await missingNow()).length === 0) return;
    const list = wanted.map((k) => `${k.name}(${k.type})`).join(', ');
    log(`could not register search attributes (${(error as Error).message}); make sure these exist: ${list}`);
  }
}
