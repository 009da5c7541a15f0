import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { LABEL_CONTENT_TYPES, type LabelFormat } from '../../domain/carrier';

/**
 * A printable label as the carrier made it, outbound (`/shipments/{id}/label`) or return
 * (`/returns/{id}/label`, the customer's tracking page): one schema, one way to send it.
 */

/** The label file itself: Fastify sends a Buffer as it is, the schema only documents it. */
export const LabelFileSchema = z
  .custom<Buffer>((value) => Buffer.isBuffer(value))
  .meta({
    description: 'the label file: application/pdf or application/zpl',
    type: 'string',
    format: 'binary',
  });

export function sendLabelFile(reply: FastifyReply, file: { format: LabelFormat; name: string; content: Uint8Array }) {
  return reply
    .type(LABEL_CONTENT_TYPES[file.format])
    .header('content-disposition', `inline; filename="${file.name}.${file.format}"`)
    .header('cache-control', 'private, no-store')
    .send(Buffer.from(file.content));
}
