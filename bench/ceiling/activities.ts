import type { Client } from '@temporalio/client';

/** No work: the ceiling measures the engine, not the business. */
export function createCeilingActivities(client: Client) {
  return {
    async noop(): Promise<void> {},
    /** The "carrier": once the label is bought its scans arrive from outside, as signals, a moment later. */
    async pushScans({ workflowId, count }: { workflowId: string; count: number }): Promise<void> {
      const handle = client.workflow.getHandle(workflowId);
      setImmediate(() => {
        void (async () => {
          for (let i = 0; i < count; i++) await handle.signal('trackingEvents', i).catch(() => {});
        })();
      });
    },
  };
}

export type CeilingActivities = ReturnType<typeof createCeilingActivities>;
