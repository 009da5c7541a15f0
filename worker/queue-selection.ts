import { ConfigError, type QueueChoice, VARIABLES } from '../config';

/** Which task queues a worker process serves. */
export type QueueSelection = { orders: boolean; carriers: boolean; warehouses: string[]; notify: boolean };

/**
 * The queues to serve, from COLIS_WORKER_QUEUES (parsed by config) and the active warehouses: a
 * warehouse that does not exist is a configuration error, not a worker that polls a queue nobody uses.
 */
export function selectQueues(choice: QueueChoice, activeWarehouses: readonly string[]): QueueSelection {
  if (choice.warehouses === '*')
    return { orders: choice.orders, carriers: choice.carriers, warehouses: [...activeWarehouses], notify: choice.notify };
  const unknown = choice.warehouses.filter((code) => !activeWarehouses.includes(code));
  if (unknown.length > 0) {
    throw new ConfigError([
      {
        variable: 'COLIS_WORKER_QUEUES',
        shown: JSON.stringify(unknown.map((code) => `warehouse:${code}`).join(',')),
        why: `no active warehouse ${unknown.join(', ')}`,
        form: `${VARIABLES.COLIS_WORKER_QUEUES.form}, with CODE one of ${activeWarehouses.join(', ')}`,
      },
    ]);
  }
  return { orders: choice.orders, carriers: choice.carriers, warehouses: choice.warehouses, notify: choice.notify };
}
