import { readFileSync } from 'node:fs';

/** Processes of other runs, known only by their pid: proved before they are signalled, never assumed. */

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The argv of a live process (Linux /proc), or undefined when it cannot be read: then nothing can be
 * proved about it, and callers must not signal it.
 */
export function commandLine(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((part) => part !== '');
  } catch {
    return undefined;
  }
}

/** Signals `pid`, then waits up to `graceMs` for it to end; SIGKILL after that. True when it is gone. */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return !isAlive(pid);
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!isAlive(pid)) return true;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone in between
  }
  for (let i = 0; i < 50 && isAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 100));
  return !isAlive(pid);
}
