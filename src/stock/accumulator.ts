/**
 * The same guide result, fed page by page (newest months first, any order within) so the pull can stop early.
 * Memory is O(products) (guide-tracker.ts). There is therefore no ledger and no chain check here
 * (result().history = 'newest-only'); fold the stored rows with foldProduct for those.
 */
import type { ApiVersion, CatalogueProduct } from '../model/types.ts';
import { createGuideTracker, type GuideState } from './guide-tracker.ts';
import { productKey } from './order.ts';
import { StoreTally } from './tally.ts';
import type { StockResult } from './types.ts';

export interface StockAccumulator {
  /** Adds raw documents (a page); malformed ones are quarantined like in computeStock. */
  addDocuments(rawDocuments: Iterable<unknown>): void;
  /** Declares that every document closed at or after sinceMs has been added. Coverage only grows backwards. */
  setCoverage(sinceMs: number): void;
  /** The earliest time declared covered, or null. */
  coverage(): number | null;
  /** A tracked product is decided once its newest stated stock is at or after the coverage: older pages cannot change it. */
  isDecided(productId: string): boolean;
  decidedProductIds(): string[];
  undecidedProductIds(): string[];
  progress(): { tracked: number; decided: number; undecided: number; notTracked: number };
  /** The guide result so far (same quantities, status and deciding documents as computeStock on the same documents). */
  result(): StockResult;
}

export function createStockAccumulator(input: { api: ApiVersion; products: readonly unknown[] }): StockAccumulator {
  const tally = new StoreTally(input.api === 'v1' ? 'v1' : 'v2', Array.isArray(input.products) ? input.products : []);
  const tracker = createGuideTracker(tally.products);
  /** productKey of tally.products[i], computed once (progress walks every product). */
  const keys = tally.products.map((product) => productKey(product.id));
  /** The states by catalogue entry, for routing rows without a productKey per row. */
  const statesByEntry = new Map<CatalogueProduct, GuideState>();
  tally.products.forEach((product, i) => {
    const state = tracker.state(keys[i]!);
    if (state) statesByEntry.set(product, state);
  });
  const entries: CatalogueProduct[] = [];
  let since: number | null = null;

  const isDecided = (key: string) => {
    const anchorTime = tracker.anchorTime(key);
    return since !== null && anchorTime !== null && anchorTime >= since;
  };

  return {
    addDocuments(rawDocuments) {
      for (const raw of rawDocuments) {
        const doc = tally.normalise(raw);
        if (!doc) continue;
        entries.length = 0;
        const read = tally.readWithEntries(doc, entries);
        const events = read.events;
        for (let i = 0; i < events.length; i++) {
          const state = statesByEntry.get(entries[i]!);
          if (state) tracker.addEvent(state, events[i]!);
        }
        if (read.inventory) tracker.addInventory(read.inventory);
      }
    },
    setCoverage(sinceMs) {
      if (Number.isFinite(sinceMs)) since = since === null ? sinceMs : Math.min(since, sinceMs);
    },
    coverage: () => since,
    isDecided: (productId) => isDecided(productKey(productId)),
    decidedProductIds: () => tally.products.filter((p, i) => p.tracked && isDecided(keys[i]!)).map((p) => p.id),
    undecidedProductIds: () => tally.products.filter((p, i) => p.tracked && !isDecided(keys[i]!)).map((p) => p.id),
    progress() {
      let tracked = 0;
      let decided = 0;
      tally.products.forEach((p, i) => {
        if (!p.tracked) return;
        tracked += 1;
        if (isDecided(keys[i]!)) decided += 1;
      });
      return { tracked, decided, undecided: tracked - decided, notTracked: tally.products.length - tracked };
    },
    result() {
      const products = tally.products.map((product) => tracker.productStock(product, tally.extraWarnings(product.id)));
      return tally.result(products, 'newest-only');
    },
  };
}
