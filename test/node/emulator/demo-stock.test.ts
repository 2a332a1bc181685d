/**
 * The demo stores look like real shops (issue 16 item 22): stock follows sales, days to weeks of cover, restocked by
 * acceptances of what runs out; no product sits on months of stock, and below zero are only the few products the
 * store sells but never accepts (the `unaccepted` option: real stores that do not count some goods, evotor-api.md
 * §10 [S]). Measured on the generator's own truth and documents, and on what the review computes from them, for
 * histories ending on several dates (the days' draws differ with them).
 */
import { describe, expect, it } from 'vitest';
import { generateStore, materialiseDay } from '../../../src/emulator/generator/simulate.ts';
import { DEMO_STORES } from '../../../src/emulator/demo-stores.ts';
import { productFromCatalogue, v2Product } from '../../../src/emulator/products.ts';
import { v2Document } from '../../../src/emulator/serialize.ts';
import { computeStock } from '../../../src/stock/index.ts';

const V2_STORES = DEMO_STORES.filter((o) => o.apiVersion !== 'v1');
const ENDS = [Date.UTC(2026, 11, 1), Date.UTC(2026, 9, 3)];

describe('demo stock', () => {
  it.each(V2_STORES.flatMap((o) => ENDS.map((end) => [o.name, new Date(end).toISOString().slice(0, 10), o, end] as const)))(
    '%s, history to %s: days to weeks of cover, below zero only what is never accepted',
    (_name, _date, options, end) => {
      const store = generateStore({ ...options, endTime: end });
      const P = store.catalogue.products.length;
      const sold = new Float64Array(P);
      const accepted = new Float64Array(P);
      const documents: unknown[] = [];
      for (let d = 0; d < store.days; d++) {
        for (const doc of materialiseDay(store, d)) {
          documents.push(v2Document(store, doc));
          for (const l of doc.lines) {
            if (l.p < 0) continue;
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
      expect(median).toBeGreaterThan(5);
      expect(median).toBeLessThan(30);
      expect(p90).toBeLessThan(60);
      expect(covers.at(-1)!).toBeLessThan(120);

      // Below zero, in the truth and in the review's numbers (the guide's method on the served documents): only
      // products never accepted, at most as many as the option asks for, a few in the whole store.
      const cat = store.catalogue.products;
      const products = cat.map((p) => v2Product(productFromCatalogue(p, cat, store.start), store.id, store.userId, true));
      const review = computeStock({ api: 'v2', products, documents });
      const byId = new Map(cat.map((p) => [p.id, p.index]));
      const negative = review.products.filter((p) => p.quantityMilli !== null && p.quantityMilli < 0).map((p) => byId.get(p.productId)!);
      const truthNegative = [...store.catalogue.tracked].filter((p) => (store.truth[p] as number) < 0);
      expect(negative.sort()).toEqual(truthNegative.sort());
      expect(negative.length).toBeLessThanOrEqual(options.unaccepted ?? 0);
      expect(negative.length / store.catalogue.tracked.length).toBeLessThan(0.02);
      for (const p of negative) expect(accepted[p], `${cat[p]!.name} is below zero but was accepted`).toBe(0);
    },
  );

  it('without products that are never accepted, nothing in the demo stores goes below zero', () => {
    for (const options of V2_STORES) {
      const store = generateStore({ ...options, unaccepted: 0, endTime: ENDS[0] });
      expect([...store.catalogue.tracked].filter((p) => (store.truth[p] as number) < 0)).toEqual([]);
    }
  });
});
