import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../scripts/temporal-dev-server';
import { WORKER_ENVIRONMENT, WORKER_NODE_FLAGS } from '../../worker/node-flags';

/**
 * Colis's own entry points (`api/main.ts`, `worker/main.ts`) as separate Node processes, started
 * with nothing but the environment given here: what a deployment runs.
 */

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface ColisProcess {
  child: ChildProcess;
  /** The `ready` line's fields, e.g. { pid, url } or { pid, queues }. */
  ready: Record<string, string>;
  output(): string;
  stop(): Promise<void>;
}

export async function startColisProcess(
  entry: 'api/main.ts' | 'worker/main.ts',
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<ColisProcess> {
  // A worker runs as deployments run it (README, "Scaling out"): with its V8 flags.
  const worker = entry === 'worker/main.ts';
  const flags = worker ? WORKER_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', ...(worker ? WORKER_ENVIRONMENT : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const ready = await new Promise<Record<string, string>>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} was not ready within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = () => {
      const line = /colis \w+ ready (.*)\n/.exec(output);
      if (!line?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolveReady(Object.fromEntries(line[1].split(' ').map((pair) => pair.split('=', 2) as [string, string])));
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} while starting:\n${output}`));
    });
  });
  return { child, ready, output: () => output, stop: () => stopChild(child, 20_000) };
}
