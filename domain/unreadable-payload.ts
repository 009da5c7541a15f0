/**
 * What a workflow is handed for a payload no Colis process could have written: one in an encoding we never use
 * (`temporal workflow signal --input-meta encoding=foo/bar`), or one that looks sealed but names no key
 * (worker/payload-converter.ts, worker/payload-codec.ts). Before, the SDK threw reading it and the workflow task
 * failed on every retry: one signal typed with the CLI stood an order still for ever. Now the message guards
 * (workflows/shared/message-guards.ts) drop such a signal and refuse such an update, naming why, as for any
 * message without its shape. Pure: the workflow bundle and the worker's converter both read it.
 */

const UNREADABLE_PAYLOAD_KEY = '@colis/unreadable';

/** The encoding the worker's codec gives a payload it cannot open for good, its reason as its data (worker/payload-codec.ts). */
export const UNREADABLE_ENCODING = 'colis/unreadable';

/** Why a payload cannot be read: fixed words, never the payload's own bytes or encoding (they may hold anything). */
export const UNREADABLE_REASONS = {
  unknownEncoding: 'an encoding no Colis process writes',
  notJson: 'not JSON',
  noKey: 'sealed, but names no key',
  keyIdImpossible: 'sealed, but names a key id no configuration can hold',
  tooShort: 'sealed, but too short to hold anything',
} as const;

export type UnreadableReason = (typeof UNREADABLE_REASONS)[keyof typeof UNREADABLE_REASONS];

export interface UnreadablePayload {
  readonly [UNREADABLE_PAYLOAD_KEY]: UnreadableReason;
}

export function unreadablePayload(reason: UnreadableReason): UnreadablePayload {
  return { [UNREADABLE_PAYLOAD_KEY]: reason };
}

export function isUnreadableReason(text: string): text is UnreadableReason {
  return Object.values<string>(UNREADABLE_REASONS).includes(text);
}

/** The problem a message guard reports for an unreadable payload (`the message: unreadable (not JSON)`); undefined for any other value. */
export function unreadableProblem(value: unknown, field: string): string | undefined {
  if (typeof value !== 'object' || value === null || !(UNREADABLE_PAYLOAD_KEY in value)) return undefined;
  const reason = (value as Record<string, unknown>)[UNREADABLE_PAYLOAD_KEY];
  if (typeof reason !== 'string' || !isUnreadableReason(reason)) return undefined;
  return `${field === '' ? 'the message' : field}: unreadable (${reason})`;
}
