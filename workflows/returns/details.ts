import type { EscalationView } from '../../domain/journey';
import type { ReturnStatus } from '../../domain/return-policy';

/**
 * What the return's line in the Web UI says while its parcel is followed back (`showCurrentDetails`, Markdown-escaped);
 * `wakeAtMs` is when the workflow checks again, infinite when only a signal wakes it.
 */
export function followingDetails(
  status: ReturnStatus,
  parcel: { status: string; trackingNumber: string | undefined },
  labelExpiresAtMs: number,
  escalations: readonly EscalationView[],
  wakeAtMs: number,
): string {
  const at = Number.isFinite(wakeAtMs) ? ` (next check ${minute(wakeAtMs).replace('T', ' ')})` : '';
  const open = escalations.find((v) => v.resolvedAt === undefined);
  if (open) return `Escalated (${open.reason}, ${open.severity}): waiting for an ops decision${at}`;
  if (status === 'received') return 'At the warehouse: waiting for the inspection (restock or write off)';
  if (parcel.status === 'label_created')
    return `Label ${parcel.trackingNumber ?? ''} sent to the customer; waiting for the parcel until ${minute(labelExpiresAtMs)}${at}`;
  return `Return parcel ${parcel.trackingNumber ?? ''} ${parcel.status.replace(/_/g, ' ')}${at}`;
}

function minute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}
