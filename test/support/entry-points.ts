import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project's own entry points (`npm start`, the API, a worker), run as a user runs them: a Node process with tsx. */

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A minimal environment: the caller's PATH and HOME, nothing of the test runner's own COLIS_ settings. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
    ...extra,
  };
}

/** Node with tsx as its loader, as `npm start` runs (scripts/bootstrap.mjs): one process, which owns its signals. */
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export function spawnEntry(entry: string, env: Record<string, string>, cwd = ROOT, args: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, entry), ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Runs an entry point to its end (or kills it after `timeoutMs`) and collects its output. */
export function runEntry(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Finished> {
  const child = spawnEntry(entry, env);
  return collect(child, timeoutMs);
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((done) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** A long-running entry point: its output as it comes, waits on it, and how it ended. */
export class RunningEntry {
  stdout = '';
  stderr = '';
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.ended = new Promise((done) => child.once('close', (code, signal) => done({ code, signal })));
  }

  static start(entry: string, env: Record<string, string>, args: readonly string[] = []): RunningEntry {
    return new RunningEntry(spawnEntry(entry, env, ROOT, args));
  }

  /** Resolves when stdout matches, rejects when the process ends first or the time runs out. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let over = false;
    void this.ended.then(() => {
      over = true;
    });
    while (!pattern.test(this.stdout)) {
      if (over) throw new Error(`ended before ${pattern}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A signal to the whole process group, as a terminal's Ctrl-C sends it. */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, signal);
    } catch {
      // the group has ended
    }
  }

  async endWithin(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), timeoutMs);
    const result = await this.ended;
    clearTimeout(timer);
    return result;
  }
}
