import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, isAlive } from './processes';
import { makeDirectory } from './directories';

/**
 * One running `npm start` per data directory. The lock is a file created exclusively (O_EXCL) in the
 * data directory, holding the owner's pid and where its services answer. A second start finds it,
 * proves the owner is a live `npm start` (its pid runs scripts/start.ts), and refuses without
 * touching anything; a lock whose owner is gone (kill -9, a crash) is taken over.
 */

export const LOCK_FILE = 'colis.lock';
/** What the owner's command line contains: the entry point of `npm start`. */
const OWNER_MARK = 'scripts/start.ts';

export interface InstanceInfo {
  pid: number;
  startedAt: string;
  dataDir: string;
  /** Where the running instance answers, filled in as its services start. */
  urls: Record<string, string>;
}

export interface InstanceLock {
  readonly path: string;
  /** Records where the instance answers, for the message a second start prints. */
  update(urls: Record<string, string>): void;
  /** Removes the lock if it is still this process's. */
  release(): void;
}

export class InstanceRunning extends Error {
  constructor(readonly owner: InstanceInfo) {
    const where = Object.entries(owner.urls)
      .map(([what, url]) => `${what} ${url}`)
      .join(', ');
    super(
      `Colis is already running on ${owner.dataDir} (pid ${owner.pid}, since ${owner.startedAt}${where ? `; ${where}` : ''}); ` +
        `stop it first (Ctrl-C in its terminal, or kill -INT ${owner.pid}) or give this one another COLIS_DATA_DIR`,
    );
    this.name = 'InstanceRunning';
  }
}

function readInfo(path: string): InstanceInfo | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<InstanceInfo>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, startedAt: String(parsed.startedAt), dataDir: String(parsed.dataDir), urls: parsed.urls ?? {} }
      : undefined;
  } catch {
    return undefined;
  }
}

/** A live process running `npm start`. Without /proc nothing can be proved, so a live pid counts as the owner. */
function isLiveOwner(info: InstanceInfo): boolean {
  if (info.pid === process.pid || !isAlive(info.pid)) return false;
  const argv = commandLine(info.pid);
  return argv === undefined || argv.some((arg) => arg.endsWith(OWNER_MARK));
}

function createExclusive(path: string, info: InstanceInfo): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    writeSync(fd, JSON.stringify(info));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes the lock of `dataDir`, or throws InstanceRunning naming the live owner. */
export function acquireInstanceLock(dataDir: string): InstanceLock {
  makeDirectory(dataDir);
  const path = join(dataDir, LOCK_FILE);
  const mine: InstanceInfo = { pid: process.pid, startedAt: new Date().toISOString(), dataDir, urls: {} };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (createExclusive(path, mine)) return ownedLock(path, mine);
    const owner = readInfo(path);
    if (owner && isLiveOwner(owner)) throw new InstanceRunning(owner);
    // A stale lock: moved aside atomically, so of two starts that both found it stale only one moves it.
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = readInfo(aside);
    if (moved && isLiveOwner(moved)) {
      // Another start took the stale lock over between our read and our move: give it back.
      renameSync(aside, path);
      throw new InstanceRunning(moved);
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`could not take the lock ${path}; remove it if no Colis runs on ${dataDir}`);
}

function ownedLock(path: string, info: InstanceInfo): InstanceLock {
  let released = false;
  return {
    path,
    update(urls) {
      if (released) return;
      info.urls = { ...info.urls, ...urls };
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(info));
      renameSync(temporary, path);
    },
    release() {
      if (released) return;
      released = true;
      if (readInfo(path)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
