// The workflow bundle's entry point: every workflow type a Colis worker runs.
// New orders start orderWorkflowV3. v2 shares its code and runs orders started before it on the commands they
// recorded (workflows/shared/generation.ts). v1 is frozen: orders started before the rewrite finish on the code
// that started them, and it goes once none is left running (README, "Upgrading a running system").
export { orderWorkflowV2, orderWorkflowV3 } from './order/workflow';
export { shipmentWorkflowV2, shipmentWorkflowV3 } from './shipment/workflow';
export { orderWorkflow } from './v1/order';
export { shipmentWorkflow } from './v1/shipment';
// A return (RMA) of delivered goods: its own workflow, return-<id>.
export { returnWorkflow } from './returns/workflow';
// notify-<relay>: sends a relay's mails or webhooks from the outbox; its deliveries run on the notify queue.
export { notificationRelayWorkflow } from './notify/relay';
// escalation-alert-<id>: pages ops for an escalation the API opened (no journey holds it), stepping it up until answered.
export { escalationAlertWorkflow } from './escalations/alert';
