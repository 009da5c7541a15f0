import type { LabelFormat } from '../../domain/carrier';
import type { Db } from '../../activities/db';

export interface ReturnLabelFile {
  format: LabelFormat;
  /** The file's name without extension: the return parcel's tracking number. */
  name: string;
  content: Uint8Array;
}

/**
 * A return's printable label, kept at purchase (activities/return-labels.ts): none before the label is
 * bought or once it is voided (an expired return). `orderId` (the tracking page's) must be the
 * return's own order.
 */
export async function returnLabelFile(
  db: Db,
  where: { returnId: string; orderId?: string },
  format: LabelFormat,
): Promise<ReturnLabelFile | { carrierUrl: string } | undefined> {
  const row = await db.return.findUnique({
    where: { id: where.returnId },
    select: {
      orderId: true,
      trackingNumber: true,
      labelVoidedAt: true,
      labelUrl: true,
      labelDocuments: { where: { format }, select: { content: true } },
    },
  });
  if (!row || (where.orderId !== undefined && row.orderId !== where.orderId)) return undefined;
  const document = row.labelDocuments[0];
  if (row.labelVoidedAt || !row.trackingNumber) return undefined;
  if (document) return { format, name: row.trackingNumber, content: document.content };
  // A carrier that makes no files (or a label bought before they were kept): its own link, if it is one.
  return format === 'pdf' && row.labelUrl && /^https:\/\/[^/]+\.[a-z]{2,}\//i.test(row.labelUrl) && !row.labelUrl.includes('.invalid/')
    ? { carrierUrl: row.labelUrl }
    : undefined;
}
