/**
 * The demo stores look like real shops (issue 16 item 22): stock follows sales, days to weeks of cover, restocked by
 * acceptances; no product sits on months of stock. Measured on the generator's own truth and documents.
 */
import { describe, expect, it } from 'vitest';
import { generateStore, materialiseDay } from '../../../src/emulator/generator/simulate.ts';
import { DEMO_STORES } from '../../../src/emulator/demo-stores.ts';

describe('demo stock', () => {
  it.each(DEMO_STORES.filter((o) => o.apiVersion !== 'v1').map((o) => [o.name, o] as const))('%s: days to weeks of cover, nothing on months', (_name, options) => {
    const store = generateStore({ ...options, endTime: Date.UTC(2026, 11, 1) });
    const P = store.catalogue.products.length;
    const sold = new Float64Array(P);
    const accepted = new Float64Array(P);
    for (let d = 0; d < store.days; d++) {
      for (const doc of materialiseDay(store, d)) {
        for (const l of doc.lines) {
          if (doc.type === 'SELL') sold[l.p] = (sold[l.p] as number) + l.qty;
          if (doc.type === 'ACCEPT') accepted[l.p] = (accepted[l.p] as number) + 1;
        }
      }
    }
    // Products selling at least one unit (or kilogram) a week, and accepted at least once: cover in days.
    const covers = store.catalogue.products
      .filter((p) => p.tracked && (sold[p.index] as number) / store.days >= 1000 / 7 && (accepted[p.index] as number) > 0)
      .map((p) => Math.max(0, store.truth[p.index] as number) / ((sold[p.index] as number) / store.days));
    covers.sort((a, b) => a - b);
    expect(covers.length).toBeGreaterThan(20);
    const median = covers[covers.length >> 1]!;
    const p90 = covers[Math.floor(covers.length * 0.9)]!;
    expect(median).toBeGreaterThan(2);
    expect(median).toBeLessThan(30);
    expect(p90).toBeLessThan(60);
    expect(covers.at(-1)!).toBeLessThan(120);
  });
});
