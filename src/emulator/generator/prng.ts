/**
 * Small seeded PRNG for the emulator: sfc32 (128-bit state) seeded from cyrb128 of a text key.
 *
 * Every stream of randomness is derived from a text key such as `seed|day|17|main`, so any part of a store
 * (one day's documents, the catalogue, the offline periods) can be regenerated on its own, byte for byte,
 * on any machine: only 32-bit integer operations and one exact division are used.
 */

/** cyrb128: four independent 32-bit hashes of a string (public domain, bryc). */
export function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** One 32-bit hash of a string (first lane of cyrb128). */
export function hash32(text: string): number {
  return cyrb128(text)[0];
}

/** A uniform number in [0, 1) from a text key: for deterministic per-item decisions (e.g. malformed documents). */
export function hashUnit(text: string): number {
  return hash32(text) / 4294967296;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(key: string) {
    [this.a, this.b, this.c, this.d] = cyrb128(key);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Next uniform unsigned 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Shuffles `list` in place (Fisher–Yates, from the end) and returns it. */
  shuffle<T>(list: T[]): T[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  }

  /** 1 + number of failures before success with probability p, capped. */
  geometric(p: number, cap: number): number {
    let n = 1;
    while (n < cap && !this.chance(p)) n++;
    return n;
  }

  /** Lowercase uuid v4 (product and position ids). */
  uuid(): string {
    const w0 = this.next();
    const w1 = this.next();
    const w2 = this.next();
    const w3 = this.next();
    return formatUuid(w0, w1, w2, w3);
  }
}

export function hex8(word: number): string {
  return (word >>> 0).toString(16).padStart(8, '0');
}

/** Formats four 32-bit words as a version-4, variant-1 uuid (lowercase). */
export function formatUuid(w0: number, w1: number, w2: number, w3: number): string {
  const h1 = hex8(w1);
  const v = ((w1 & 0x0fff) | 0x4000) >>> 0;
  const h2 = hex8(w2);
  const variant = (((w2 >>> 16) & 0x3fff) | 0x8000) >>> 0;
  return `${hex8(w0)}-${h1.slice(0, 4)}-${v.toString(16).padStart(4, '0')}-${variant.toString(16).padStart(4, '0')}-${h2.slice(4)}${hex8(w3)}`;
}
