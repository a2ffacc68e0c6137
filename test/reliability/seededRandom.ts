/**
 * A small seeded generator (mulberry32) for the reliability suites, so a failing run can be
 * repeated: every suite prints its seed, and RELIABILITY_SEED=<n> replays the same choices.
 * Timing on a real network still varies, so a replay takes the same decisions, not
 * necessarily the same interleaving.
 */
export const SEED_ENV = 'RELIABILITY_SEED';

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /** An independent stream for one client, derived from this one's seed. */
  fork(label: number): Random;
}

export function seedFromEnv(): number {
  const text = process.env[SEED_ENV]?.trim();
  if (text !== undefined && text !== '') {
    const seed = Number(text);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff)
      throw new Error(`${SEED_ENV} must be a 32-bit unsigned integer, got ${text}`);
    return seed;
  }
  return Math.floor(Math.random() * 0xffff_ffff);
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const random: Random = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    chance: (probability) => next() < probability,
    fork: (label) =>
      seededRandom(
        (Math.imul(seed ^ 0x9e37_79b9, 0x85eb_ca6b) + Math.imul(label + 1, 0xc2b2_ae35)) >>> 0,
      ),
  };
  return random;
}
