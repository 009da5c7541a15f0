import { describe, expect, it } from 'vitest';
import { cachedWorkflowBundle } from '../../worker/workflow-bundles';

/**
 * What a workflow bundle holds is what every cached workflow evaluates (the SDK's reusable V8 context
 * runs each module once per workflow): zod, activity code or I/O libraries in it would cost memory per
 * workflow at best and determinism at worst. The lint rules keep workflow files from importing them; this
 * checks the result, imports of imports included, for both bundles: the orders worker's and the
 * notification relays'.
 */
async function modulesOf(name: 'workflows' | 'notify'): Promise<{ ours: string[]; libraries: string[] }> {
  const { code } = await cachedWorkflowBundle(name);
  const modules = [...new Set([...code.matchAll(/^\/\*\*\*\/ "\.\/([^"]+)"/gm)].map((m) => m[1] ?? ''))];
  expect(modules.length).toBeGreaterThan(10);
  const libraries = [...new Set(modules.flatMap((m) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)?.[1] ?? []))].sort();
  return { ours: modules.filter((m) => !m.startsWith('node_modules/')), libraries };
}

describe('the workflow bundles', () => {
  it('hold workflows, pure domain modules and the Temporal SDK, and no zod, activity, API, database or script code', async () => {
    const { ours, libraries } = await modulesOf('workflows');
    // The failure converter is the one file of worker/ the sandbox loads (failure messages are encrypted there too).
    expect(ours.filter((m) => !/^(workflows|domain)\//.test(m) && m !== 'worker/failure-converter.cjs')).toEqual([]);
    expect(libraries.filter((name) => !name.startsWith('@temporalio/'))).toEqual(['long', 'ms', 'nexus-rpc']);
    expect(ours).toContain('workflows/v1/order.ts');
    expect(ours).toContain('workflows/order/workflow.ts');
  }, 60_000);

  it('keep the notification relays to their workflow and the names they need: no zod from the mail schemas', async () => {
    const { ours, libraries } = await modulesOf('notify');
    expect(ours.filter((m) => !/^(workflows\/notify|domain)\//.test(m))).toEqual([]);
    expect(ours).not.toContain('domain/notifications.ts');
    expect(libraries.filter((name) => !name.startsWith('@temporalio/'))).toEqual(['long', 'ms', 'nexus-rpc']);
    expect(ours).toContain('workflows/notify/relay.ts');
  }, 60_000);
});
