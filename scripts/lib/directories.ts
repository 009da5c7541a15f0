import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes `path` and its missing parents, one level at a time. Node's own `mkdirSync(path, { recursive: true })`
 * never returns under `/proc` (the kernel answers ENOENT for a new entry there, and Node's recursion takes that
 * for a missing parent and tries again forever): a configured folder such as `COLIS_DATA_DIR=/proc/colis` hung
 * the start. One level at a time, the first refusal (ENOENT, EACCES, EPERM, EROFS, ENOTDIR) is thrown at once.
 */
export function makeDirectory(path: string, mode?: number): void {
  const target = resolve(path);
  const missing: string[] = [];
  for (let at = target; !isDirectory(at); at = dirname(at)) {
    if (existsSync(at)) throw Object.assign(new Error(`ENOTDIR: ${at} exists and is not a directory`), { code: 'ENOTDIR' });
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, mode === undefined ? undefined : { mode });
    } catch (error) {
      // Made meanwhile by another process (two starts at once): what we wanted.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && isDirectory(dir)) continue;
      throw error;
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
