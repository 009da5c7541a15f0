/** How Colis names its workflows, shipments and task queues. Pure: the workflow bundle imports it. */

export const ids = {
  orderWorkflowId: (orderId: string) => `order-${orderId}`,
  shipmentWorkflowId: (shipmentId: string) => `shipment-${shipmentId}`,
  shipmentId: (orderId: string, seq: number) => `${orderId}-S${seq}`,
  /** An escalation's id from its dedupe key, in the characters a listing cursor admits (api/services/cursor.ts). */
  escalationId: (dedupeKey: string) => `ESC-${dedupeKey.replace(/[^A-Za-z0-9-]/g, '-')}`,
  escalationAlertWorkflowId: (escalationId: string) => `escalation-alert-${escalationId}`,
};

export const TASK_QUEUES = {
  orders: 'colis-orders',
  carriers: 'colis-carriers',
  /** The relays that send customer mails and shop webhooks (workflows/notify). */
  notify: 'colis-notify',
  warehouse: (warehouseCode: string) => `warehouse-${warehouseCode}`,
} as const;
