/**
 * The fewest document pages that decide the same products as an early-stopped pull, from the emulator's ground
 * truth (not from the app): for every product the app decided, the newest document of the store that states its
 * stock (a stock document that lists it, or a complete inventory); the newest set of whole months that holds all
 * of those documents is the least a month-by-month pull must fetch; its pages are counted as the pull pages them
 * (the checkpoints of the whole-period run: same windows, same page size).
 */
import { forEachLine } from '../../../src/emulator/generator/day.ts';
import type { RuntimeStore } from '../../../src/emulator/store.ts';

/** Document types whose lines state a product's stock (a prepaid sale too: it states the stock before). */
const DECIDING = new Set(['SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'ACCEPT', 'WRITE_OFF', 'RETURN', 'INVENTORY']);

export interface MonthPages {
  month: string;
  since: number;
  until: number;
  pages: number;
}

export interface MinimumPages {
  /** Newest months needed (k) and their document pages. */
  months: number;
  pages: number;
  /** Products whose newest deciding document the truth could not find within the months (should be 0). */
  notFound: number;
  /** Products decided by the app with a newest deciding document other than the truth's (should be 0). */
  decidedByDiffers: number;
}

/**
 * @param decided product id → the deciding document id the app reports (null when it reports none)
 * @param months the whole-period run's month checkpoints (any order)
 */
export function minimumPages(store: RuntimeStore, decided: ReadonlyMap<string, string | null>, months: readonly MonthPages[]): MinimumPages {
  const newestFirst = [...months].sort((a, b) => (a.month < b.month ? 1 : -1));
  const products = store.gen.catalogue.products;
  const missing = new Set(decided.keys());
  const newest = new Map<string, string>();
  let used = 0;
  let pages = 0;
  for (const month of newestFirst) {
    if (missing.size === 0) break;
    used++;
    pages += month.pages;
    // Forward through the month: the last deciding document seen for a product is its newest in the month.
    const inMonth = new Map<string, string>();
    let completeInventory: string | null = null;
    store.scan(store.firstOrdinal(month.since), { since: month.since, until: month.until + 1, types: null, device: null }, (doc) => {
      if (!DECIDING.has(doc.type)) return true;
      if (doc.type === 'INVENTORY' && doc.complete) {
        completeInventory = doc.id;
        inMonth.clear(); // everything before it in the month is older than this inventory
        return true;
      }
      forEachLine(doc, (line) => {
        const product = line.p >= 0 ? products[line.p] : undefined;
        if (product?.tracked) inMonth.set(product.id, doc.id);
      });
      return true;
    });
    for (const id of [...missing]) {
      const by = inMonth.get(id) ?? completeInventory;
      if (by !== null) {
        newest.set(id, by);
        missing.delete(id);
      }
    }
  }
  let differs = 0;
  for (const [id, by] of decided) if (by !== null && newest.has(id) && newest.get(id) !== by) differs++;
  return { months: used, pages, notFound: missing.size, decidedByDiffers: differs };
}
