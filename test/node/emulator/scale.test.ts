import { describe, expect, it } from 'vitest';
import { bench } from '../../../src/emulator/bench.ts';

describe('emulator scale', () => {
  it('generates about 100,000 documents in seconds and serves a page from the middle quickly (times printed, not asserted)', () => {
    const r = bench(100_000, 12, 5_000, 3);
    console.log(`emulator scale: ${JSON.stringify(r)}`);
    expect(r.documents).toBeGreaterThan(90_000);
    expect(r.recordMB).toBeLessThan(64);
  }, 120_000);
});
