/**
 * How many times an order's delivery address may change. Each change is a workflow update with its record in the
 * database, every shipment still at the warehouse told, and after a label one voided and another bought: a shop's client
 * stuck in a retry loop with a new address each time would grow the order's history without bound, up to Temporal's
 * limit of about 50,000 events, which terminates the order. A customer who moves an order more often than this is a case
 * for a cancel and a new order, which ops can still make.
 */
export const MAX_ADDRESS_CHANGES = 10;
