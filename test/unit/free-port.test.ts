import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/ports';

/** Ports asked for one after another before anything binds them are all different (npm start's seven in a test). */
describe('freePort', () => {
  it('never hands out the same port twice in one process', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
  });
});
