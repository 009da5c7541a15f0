import type { Milestone, WebhookEventType } from '../../domain/notifications';
import type { ReturnStatus } from '../../domain/return-policy';
import type { ReturnRow } from './return-rows';

const WEBHOOK_OF: Partial<Record<ReturnStatus, WebhookEventType>> = {
  label_created: 'return.label_created',
  in_transit: 'return.in_transit',
  received: 'return.received',
  expired: 'return.cancelled',
  cancelled: 'return.cancelled',
};

/** What the shop hears when a return moves to `status`; for the label, the customer's mail with it. */
export function statusMilestones(
  row: ReturnRow,
  status: ReturnStatus,
  reason: string | undefined,
  items: { skuCode: string; quantity: number }[],
): Milestone[] {
  const type = WEBHOOK_OF[status];
  if (!type) return [];
  const parcel = { returnId: row.id, carrierCode: row.carrierCode, trackingNumber: row.trackingNumber };
  const milestones: Milestone[] = [
    {
      orderId: row.orderId,
      key: `return:${row.id}:${status}`,
      webhook: {
        type,
        data: {
          ...parcel,
          status,
          ...(status === 'label_created' ? { labelUrl: row.labelUrl, labelExpiresAt: row.labelExpiresAt?.toISOString() } : {}),
          ...(reason ? { reason } : {}),
        },
      },
    },
  ];
  if (status === 'label_created') {
    // The return steps: print the label, hand the parcel over before it expires.
    milestones[0] = {
      ...(milestones[0] as Milestone),
      mail: {
        milestone: 'return_started',
        data: {
          returnId: row.id,
          ...(row.labelUrl ? { labelUrl: row.labelUrl } : {}),
          ...(row.labelExpiresAt ? { returnBy: row.labelExpiresAt.toISOString() } : {}),
          ...(row.carrierCode ? { carrierCode: row.carrierCode } : {}),
          ...(row.trackingNumber ? { trackingNumber: row.trackingNumber } : {}),
          items,
        },
      },
    };
  }
  return milestones;
}
