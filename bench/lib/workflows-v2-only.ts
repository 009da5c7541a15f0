// A workflow bundle entry without the frozen v1 workflows, so bench/workflow-memory.ts can tell what v1 costs per workflow.
export { orderWorkflowV2, orderWorkflowV3 } from '../../workflows/order/workflow';
export { shipmentWorkflowV2, shipmentWorkflowV3 } from '../../workflows/shipment/workflow';
