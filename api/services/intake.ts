import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Db } from '../../activities/db';
import { ids, TASK_QUEUES } from '../../domain/journey';
import type { OrderRequest, OrderWorkflowInput } from '../../domain/order';
import { promisedByFor } from '../../domain/promise';
import { searchAttributes } from '../../workflows/definitions';
import { ApiError } from '../errors';

/**
 * Intake in one atomic step: the order workflow is the only writer of the order, so the API only
 * starts it. The workflow id is derived from the caller and its Idempotency-Key, which makes
 * Temporal itself the idempotency store: a repeated or concurrent submit can never start a second
 * workflow, and there is no row written here that could diverge from a workflow that never started.
 */

export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';

/** What intake stores in the workflow's memo: enough to answer a repeat without a database. */
export interface IntakeMemo {
  requestHash: string;
  /** Unique per start attempt: tells the request that started the workflow from its repeats. */
  intakeId: string;
  /** The API key name that placed the order: intake keys read only their own orders. */
  submittedBy: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** Scoped by caller, so two order sources that happen to pick the same key never collide. */
export const scopedIdempotencyKey = (apiKeyName: string, idempotencyKey: string) => `${apiKeyName}:${idempotencyKey}`;

/** `ORD-` + 12 base32 characters (60 bits) of sha256(caller:key). */
export function deriveOrderId(apiKeyName: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(scopedIdempotencyKey(apiKeyName, idempotencyKey), 'utf8').digest();
  return `ORD-${base32(digest).slice(0, 12)}`;
}

/** JSON with object keys sorted at every depth: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Hash of the parsed request (defaults applied), so a body that only spells out a default is the same request. */
export const requestHash = (request: OrderRequest) => createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex');

export async function unknownSkus(db: Db, request: OrderRequest): Promise<{ index: number; sku: string }[]> {
  const codes = request.lines.map((line) => line.sku);
  const known = new Set((await db.sku.findMany({ where: { code: { in: codes } }, select: { code: true } })).map((s) => s.code));
  return request.lines.flatMap((line, index) => (known.has(line.sku) ? [] : [{ index, sku: line.sku }]));
}

export interface IntakeResult {
  orderId: string;
  workflowId: string;
  outcome: 'created' | 'existing';
}

export interface PlaceOrderArgs {
  client: Client;
  request: OrderRequest;
  apiKeyName: string;
  idempotencyKey: string;
  timeScale: number;
  now?: Date;
}

export async function placeOrder({ client, request, apiKeyName, idempotencyKey, timeScale, now = new Date() }: PlaceOrderArgs): Promise<IntakeResult> {
  const orderId = deriveOrderId(apiKeyName, idempotencyKey);
  const workflowId = ids.orderWorkflowId(orderId);
  const hash = requestHash(request);
  const memo: IntakeMemo = { requestHash: hash, intakeId: randomUUID(), submittedBy: apiKeyName };
  const promisedBy = request.promisedBy ?? promisedByFor(request.serviceLevel, now.getTime(), timeScale);
  const input: OrderWorkflowInput = {
    orderId,
    idempotencyKey: scopedIdempotencyKey(apiKeyName, idempotencyKey),
    requestHash: hash,
    receivedAt: now.toISOString(),
    promisedBy,
    request,
    timeScale,
  };

  try {
    await client.workflow.start<(input: OrderWorkflowInput) => Promise<unknown>>(ORDER_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: TASK_QUEUES.orders,
      args: [input],
      // A twin, running or finished, makes the start fail (FAIL, REJECT_DUPLICATE): one round trip for a
      // new order, and only a duplicate pays for the describe that compares the request.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { ...memo },
      typedSearchAttributes: [
        { key: searchAttributes.orderId, value: orderId },
        { key: searchAttributes.customerId, value: request.customer.id },
        { key: searchAttributes.orderStatus, value: 'received' },
        { key: searchAttributes.promisedBy, value: new Date(promisedBy) },
      ],
      staticSummary: `Order ${orderId} · ${request.lines.reduce((n, l) => n + l.quantity, 0)} item(s) · ${request.serviceLevel} to ${request.shipTo.city}`,
      staticDetails: [
        `**Order** ${orderId} from ${request.source} (key ${apiKeyName})`,
        `**Promised by** ${promisedBy}`,
        `**Lines** ${request.lines.map((line) => `${line.quantity} × ${line.sku}`).join(', ')}`,
      ].join('\n\n'),
    });
    return { orderId, workflowId, outcome: 'created' };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }

  const existing = await client.workflow.getHandle(workflowId).describe();
  const stored = intakeMemoOf(existing);
  if (stored?.requestHash !== hash) {
    throw new ApiError(
      409,
      'idempotency_conflict',
      `Idempotency-Key "${idempotencyKey}" was already used for a different order request (order ${orderId})`,
    );
  }
  return { orderId, workflowId, outcome: stored.intakeId === memo.intakeId ? 'created' : 'existing' };
}

export function intakeMemoOf(description: WorkflowExecutionDescription): IntakeMemo | undefined {
  const memo = description.memo ?? {};
  const { requestHash: hash, intakeId, submittedBy } = memo as Partial<Record<keyof IntakeMemo, unknown>>;
  if (typeof hash !== 'string' || typeof intakeId !== 'string' || typeof submittedBy !== 'string') return undefined;
  return { requestHash: hash, intakeId, submittedBy };
}
