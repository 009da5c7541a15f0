import {
  type ConverterHint,
  DefaultPayloadConverter,
  encodingTypes,
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadConverter,
  type SerializationContext,
} from '@temporalio/common';
import { decode } from '@temporalio/common/lib/encoding';
import { isUnreadableReason, UNREADABLE_ENCODING, UNREADABLE_REASONS, unreadablePayload } from '../domain/unreadable-payload';

/**
 * The workflows' payload converter (Temporal's `payloadConverterPath`, bundled into the workflow sandbox): the SDK's
 * default, except that a payload no Colis process writes is read as an `UnreadablePayload` instead of thrown at.
 * The CLI and the Web UI send any encoding they are told (`--input-meta encoding=foo/bar`): the SDK threw reading
 * such a signal, which failed the workflow task on every retry (the order stood still for ever), and the message
 * guards never saw it. Now they drop it, or refuse it as an update, naming why (domain/unreadable-payload.ts).
 * Every payload our own processes write (`binary/null`, `binary/plain`, `json/plain`, opened by the codec) reads
 * as before, and writing is the default's, byte for byte: no recorded history replays differently.
 */
const READABLE_ENCODINGS = new Set<string>([
  encodingTypes.METADATA_ENCODING_NULL,
  encodingTypes.METADATA_ENCODING_RAW,
  encodingTypes.METADATA_ENCODING_JSON,
]);

class ColisPayloadConverter implements PayloadConverter {
  private readonly standard = new DefaultPayloadConverter();

  toPayload<T>(value: T, context?: SerializationContext, hint?: ConverterHint<T>): Payload {
    return this.standard.toPayload(value, context, hint);
  }

  fromPayload<T>(payload: Payload, context?: SerializationContext, hint?: ConverterHint<T>): T {
    const encodingBytes = payload.metadata?.[METADATA_ENCODING_KEY];
    const encoding = encodingBytes ? decode(encodingBytes) : '';
    if (encoding === UNREADABLE_ENCODING) {
      const reason = decode(payload.data ?? new Uint8Array());
      return unreadablePayload(isUnreadableReason(reason) ? reason : UNREADABLE_REASONS.unknownEncoding) as T;
    }
    if (!READABLE_ENCODINGS.has(encoding)) return unreadablePayload(UNREADABLE_REASONS.unknownEncoding) as T;
    try {
      return this.standard.fromPayload(payload, context, hint);
    } catch (error) {
      if (encoding === encodingTypes.METADATA_ENCODING_JSON && error instanceof SyntaxError)
        return unreadablePayload(UNREADABLE_REASONS.notJson) as T;
      throw error;
    }
  }
}

export const payloadConverter: PayloadConverter = new ColisPayloadConverter();
