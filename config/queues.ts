import { z } from 'zod';
import { listEntries } from './forms';

/** Which task queues a worker process serves, as configured; `warehouses: '*'` is every active warehouse. */
export interface QueueChoice {
  orders: boolean;
  carriers: boolean;
  warehouses: '*' | string[];
  /** The relays that send customer mails and shop webhooks. */
  notify: boolean;
}

export const ALL_QUEUES: QueueChoice = { orders: true, carriers: true, warehouses: '*', notify: true };

const WAREHOUSE = /^warehouse:([A-Z0-9]{2,20}|\*)$/;

/** `all`, or a list of `orders`, `carriers`, `notify`, `warehouse:<CODE>`, `warehouse:*`. */
export const queueChoiceForm = z.string().transform((raw, ctx): QueueChoice => {
  const parts = listEntries(raw);
  if (parts.length === 1 && parts[0] === 'all') return ALL_QUEUES;
  const choice: QueueChoice = { orders: false, carriers: false, warehouses: [], notify: false };
  for (const part of parts) {
    const warehouse = WAREHOUSE.exec(part)?.[1];
    if (part === 'orders') choice.orders = true;
    else if (part === 'carriers') choice.carriers = true;
    else if (part === 'notify') choice.notify = true;
    else if (warehouse === '*') choice.warehouses = '*';
    else if (warehouse !== undefined) {
      if (choice.warehouses !== '*' && !choice.warehouses.includes(warehouse)) choice.warehouses.push(warehouse);
    } else {
      ctx.addIssue({ code: 'custom', message: `unknown queue "${part}"` });
      return z.NEVER;
    }
  }
  if (parts.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'names no queue' });
    return z.NEVER;
  }
  return choice;
});
