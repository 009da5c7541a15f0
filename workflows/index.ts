// The workflow bundle's entry point: every workflow type a Colis worker runs.
export { orderWorkflow } from './order';
export { shipmentWorkflow } from './shipment';
