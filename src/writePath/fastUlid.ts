/**
 * ULIDs for the write path, which makes several per command (event ids, correlation and
 * contribution ids). The `ulid` package's default randomness asks the operating system for one
 * byte per character (16 crypto calls per id), which showed up as ~9% of the server's CPU under
 * load. Here the bytes come from the same cryptographic source, fetched in blocks.
 */
import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

/** Random bytes fetched per refill: 256 ids' worth. */
const RANDOM_POOL_BYTES = 4_096;

const pool = new Uint8Array(RANDOM_POOL_BYTES);
let next = RANDOM_POOL_BYTES;

/** A fraction in [0, 1) in steps of 1/256, as ulid's own crypto PRNG gives (a byte ÷ 256). */
function pooledRandom(): number {
  if (next === RANDOM_POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
}

/** A new ULID: the current time, then 80 cryptographically random bits. */
export function newUlid(): string {
  return ulid(undefined, pooledRandom);
}
