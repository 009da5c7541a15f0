import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../worker/workers';

/**
 * What the workflow bundle holds is what every cached workflow evaluates (the SDK's reusable V8 context
 * runs each module once per workflow): zod, activity code or I/O libraries in it would cost memory per
 * order at best and determinism at worst. The lint rules keep workflow files from importing them; this
 * checks the result, imports of imports included.
 */
describe('the workflow bundle', () => {
  it('holds workflows, pure domain modules and the Temporal SDK, and no zod, activity, API, database or script code', async () => {
    const { code } = await workflowBundle();
    const modules = [...new Set([...code.matchAll(/^\/\*\*\*\/ "\.\/([^"]+)"/gm)].map((m) => m[1] ?? ''))];
    expect(modules.length).toBeGreaterThan(20);
    const ours = modules.filter((m) => !m.startsWith('node_modules/'));
    // The failure converter is the one file of worker/ the sandbox loads (failure messages are encrypted there too).
    expect(ours.filter((m) => !/^(workflows|domain)\//.test(m) && m !== 'worker/failure-converter.cjs')).toEqual([]);
    const libraries = [...new Set(modules.flatMap((m) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m)?.[1] ?? []))].sort();
    expect(libraries.filter((name) => !name.startsWith('@temporalio/'))).toEqual(['long', 'ms', 'nexus-rpc']);
    expect(ours).toContain('workflows/v1/order.ts');
    expect(ours).toContain('workflows/order/workflow.ts');
  }, 60_000);
});
