import { type CarrierApi, LABEL_FORMATS, type LabelDocument } from '../../domain/carrier';
import { CarrierRejected } from './errors';

/**
 * A label's printable files (outbound or return), fetched once at purchase because carriers' links
 * expire and a simulated carrier's are no address at all. A format the carrier does not make (or
 * refuses) is skipped; an outage fails the activity, whose retry finds the same label under its
 * idempotency key and fetches again.
 */
export async function fetchLabelDocuments(api: CarrierApi, carrierLabelId: string): Promise<LabelDocument[]> {
  if (!api.labelDocument) return [];
  const documents: LabelDocument[] = [];
  for (const format of LABEL_FORMATS) {
    try {
      const document = await api.labelDocument(carrierLabelId, format);
      if (document) documents.push(document);
    } catch (error) {
      if (!(error instanceof CarrierRejected)) throw error;
    }
  }
  return documents;
}
