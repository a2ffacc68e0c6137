/**
 * Seeded randomness for the benchmark's data sets: the same seed gives the same ids, amounts
 * and choices, so two runs measure the same log.
 */

/** mulberry32: small, fast, good enough to pick amounts and pots. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ULIDs from the seed: a fixed base time plus a counter (so they sort in creation order), random tail. */
export function seededUlids(random: () => number, baseTimeMs = Date.UTC(2025, 3, 1)): () => string {
  let counter = 0;
  return () => {
    let time = baseTimeMs + counter++;
    let head = '';
    for (let i = 0; i < 10; i++) {
      head = CROCKFORD[time % 32]! + head;
      time = Math.floor(time / 32);
    }
    let tail = '';
    for (let i = 0; i < 16; i++) tail += CROCKFORD[Math.floor(random() * 32)]!;
    return head + tail;
  };
}

export const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
export const between = (random: () => number, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));
