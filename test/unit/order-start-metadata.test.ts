import type { Client, WorkflowStartOptions } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { OrderWorkflowInputSchema } from '../../domain/order';
import { startOrderWorkflow } from '../../api/services/order-starter';

/**
 * What the Temporal Web UI shows of an order before anyone opens it: its summary and details, rendered as Markdown. A
 * shop's text in them was taken as Markdown (probe4): a city "[Lyon](https://…)" or a source "[Verify your key](…)"
 * showed ops a link on the order's page, where the shipment's summary already escaped its city.
 */
function capturingClient(): { client: Client; started: WorkflowStartOptions[] } {
  const started: WorkflowStartOptions[] = [];
  const workflow = {
    start: async (_type: string, options: WorkflowStartOptions) => {
      started.push(options);
    },
  };
  return { client: { workflow } as unknown as Client, started };
}

describe("an order's summary and details in the Web UI", () => {
  it("show the shop's city and source as typed, never as a link or markup", async () => {
    const input = OrderWorkflowInputSchema.parse({
      orderId: 'ORD-MARKDOWN01',
      idempotencyKey: 'markdown-0001',
      requestHash: 'h',
      receivedAt: '2026-12-03T10:00:00Z',
      promisedBy: '2026-12-08T18:00:00Z',
      request: {
        customer: { id: 'C1', name: 'Camille Martin' },
        shipTo: {
          name: 'Camille',
          line1: '1 rue X',
          city: '[Lyon](https://evil.example/login) **URGENT**',
          postalCode: '69002',
          countryCode: 'FR',
        },
        lines: [{ sku: 'MUG-CER-350', quantity: 1 }],
        source: '[Verify your key](https://evil.example)',
      },
    });
    const { client, started } = capturingClient();
    await startOrderWorkflow(client, input, 'dev-intake');
    const { staticSummary, staticDetails } = started[0] ?? {};
    expect(staticSummary).toBe(
      'Order ORD-MARKDOWN01 · 1 item(s) · standard to \\[Lyon\\]\\(https://evil.example/login\\) \\*\\*URGENT\\*\\*',
    );
    expect(staticDetails).toContain('from \\[Verify your key\\]\\(https://evil.example\\) (key dev-intake)');
    expect(staticDetails).toMatch(/^\*\*Order\*\* ORD-MARKDOWN01 /);
  });
});
