// The notify worker's workflow bundle: apart from the journey's, so a relay never shares a bundle
// (nor a replay test) with the order and shipment workflows.
export { notificationRelayWorkflow } from './relay';
