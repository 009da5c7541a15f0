import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asciiOnly, cachedWorkflowBundle, sourceDigest } from '../../worker/workflow-bundles';

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

const SANDBOX_CONVERTERS = ['worker/failure-converter.cjs', 'worker/payload-converter.ts'];

describe('the workflow bundles', () => {
  it('hold workflows, pure domain modules and the Temporal SDK, and no zod, activity, API, database or script code', async () => {
    const { ours, libraries } = await modulesOf('workflows');
    // The converters are the files of worker/ the sandbox loads: failure messages are encrypted there too, and a payload in
    // an encoding we never write is read as unreadable there (worker/payload-converter.ts, both bundles).
    expect(ours.filter((m) => !/^(workflows|domain)\//.test(m) && !SANDBOX_CONVERTERS.includes(m))).toEqual([]);
    expect(libraries.filter((name) => !name.startsWith('@temporalio/'))).toEqual(['long', 'ms', 'nexus-rpc']);
    expect(ours).toContain('workflows/v1/order.ts');
    expect(ours).toContain('workflows/order/workflow.ts');
  }, 60_000);

  it('keep the notification relays to their workflow and the names they need: no zod from the mail schemas', async () => {
    const { ours, libraries } = await modulesOf('notify');
    expect(ours.filter((m) => !/^(workflows\/notify|domain)\//.test(m) && m !== 'worker/payload-converter.ts')).toEqual([]);
    expect(ours).not.toContain('domain/notifications.ts');
    expect(libraries.filter((name) => !name.startsWith('@temporalio/'))).toEqual(['long', 'ms', 'nexus-rpc']);
    expect(ours).toContain('workflows/notify/relay.ts');
  }, 60_000);
});

describe('a bundle written in ASCII', () => {
  it('keeps every character, escaped, so V8 holds the text one byte per character', () => {
    const source = "const reason = 'abîmé — perdu';\n// 2 × 3 → 6, Baagøe\nconst re = /[—→]/;\nconst smile = '😀';\n";
    const ascii = asciiOnly(source);
    expect(/[\u0080-\uffff]/.test(ascii)).toBe(false);
    // Evaluated, the escaped text means the same values.
    const evaluate = (code: string) => new Function(`${code}; return [reason, re.test('a→b'), smile];`)() as unknown[];
    expect(evaluate(ascii)).toEqual(evaluate(source));
    expect(ascii.split('\n').length).toBe(source.split('\n').length);
  });

  it('is how both workflow bundles are kept', async () => {
    for (const name of ['workflows', 'notify'] as const)
      expect(/[\u0080-\uffff]/.test((await cachedWorkflowBundle(name)).code)).toBe(false);
  }, 60_000);
});

describe('the bundle cache', () => {
  it('is keyed by the checkout too: a second checkout of the same sources, sharing node_modules, builds its own', () => {
    // Its modules are named by their path from the checkout (`../../main/node_modules/…`): reused elsewhere, a bundle
    // read from another checkout's cache named them so in this one's workers (found by the bundle test above).
    const root = resolve(__dirname, '..', '..');
    const other = mkdtempSync(join(tmpdir(), 'colis-second-checkout-'));
    try {
      for (const entry of ['workflows', 'domain', 'worker', 'node_modules', 'package-lock.json'])
        symlinkSync(join(root, entry), join(other, entry));
      expect(sourceDigest('workflows', `${root}/`)).toBe(sourceDigest('workflows'));
      expect(sourceDigest('workflows', other)).not.toBe(sourceDigest('workflows'));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
