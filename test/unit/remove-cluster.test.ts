import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeCluster } from '../../scripts/postgres';

/** A cluster's files go, with the /var/tmp home made for it; any other folder it sits in stays. */
describe('removeCluster', () => {
  it('removes the /var/tmp home a cluster was kept in', () => {
    const home = `/var/tmp/colis-${randomBytes(6).toString('hex')}`;
    mkdirSync(join(home, 'postgres'), { recursive: true });
    removeCluster(join(home, 'postgres'));
    expect(existsSync(home)).toBe(false);
  });

  it('leaves the folder of a cluster kept where it was asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'colis-'));
    try {
      mkdirSync(join(dir, 'postgres'));
      removeCluster(join(dir, 'postgres'));
      expect(existsSync(join(dir, 'postgres'))).toBe(false);
      expect(existsSync(dir)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
