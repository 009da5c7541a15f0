/**
 * A small seeded PRNG so every simulated timeline and injected fault is reproducible: the same
 * tracking number always scans at the same moments, the same fault seed fails the same calls.
 */

export type Random = () => number;

/** mulberry32: 32-bit state, uniform floats in [0, 1). Plenty for a simulator, not for secrets. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, to turn a string (a tracking number, a carrier code) into a seed. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function seededRandom(text: string): Random {
  return mulberry32(hashSeed(text));
}

/** A value in [min, max), drawn from `random`. */
export function between(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}
