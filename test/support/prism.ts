import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../scripts/temporal-dev-server';

/**
 * Stoplight Prism serving an OpenAPI definition as a validating mock: every request is checked
 * against the definition, and what fails is reported in the answer's `sl-violations` header and in
 * Prism's log. The fetch it hands out records every exchange and lets a test ask for one of the
 * definition's documented answers (`Prefer: code=404`) for requests matching a rule.
 */

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PRISM_BIN = join(ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

export interface Violation {
  location: string[];
  severity: string;
  code: string;
  message: string;
}

export interface Exchange {
  method: string;
  path: string;
  status: number;
  requestViolations: Violation[];
  responseViolations: Violation[];
}

export interface Steer {
  method: string;
  /** Matched against the path (without the query). */
  path: RegExp;
  /** The value of Prism's `Prefer` header, e.g. `code=404`. */
  prefer: string;
}

export interface PrismMock {
  url: string;
  /** Records exchanges and applies the steering rules. */
  fetch: typeof fetch;
  exchanges: Exchange[];
  steer(rules: Steer[]): void;
  /** Prism's own output (its validator's lines among it). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function violationsOf(header: string | null): Violation[] {
  if (!header) return [];
  try {
    return JSON.parse(header) as Violation[];
  } catch {
    return [{ location: ['unparsed'], severity: 'Error', code: 'unparsed', message: header }];
  }
}

export async function startPrism(definition: unknown, timeoutMs = 120_000): Promise<PrismMock> {
  const dir = await mkdtemp(join(tmpdir(), 'colis-prism-'));
  const file = join(dir, 'openapi.json');
  await writeFile(file, JSON.stringify(definition));
  const port = await freePort();
  const child = spawn(process.execPath, [PRISM_BIN, 'mock', '-h', '127.0.0.1', '-p', String(port), file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`prism did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`)), timeoutMs);
    const check = () => {
      if (!/Prism is listening/.test(output)) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolveReady();
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`prism exited with ${code} while starting:\n${output.slice(-2000)}`));
    });
  });

  const exchanges: Exchange[] = [];
  let rules: Steer[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    const rule = rules.find((r) => r.method === method && r.path.test(url.pathname));
    const headers = new Headers(init?.headers);
    if (rule) headers.set('Prefer', rule.prefer);
    const response = await fetch(url, { ...init, headers });
    const violations = violationsOf(response.headers.get('sl-violations'));
    exchanges.push({
      method,
      path: url.pathname,
      status: response.status,
      requestViolations: violations.filter((v) => v.location[0] === 'request'),
      responseViolations: violations.filter((v) => v.location[0] === 'response'),
    });
    return response;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    fetch: recordingFetch,
    exchanges,
    steer(next) {
      rules = next;
    },
    log: () => output,
    async stop() {
      await stopChild(child, 10_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
