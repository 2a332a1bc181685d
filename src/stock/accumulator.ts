/**
 * The same guide result, fed page by page (newest months first, any order within) so the pull can stop early.
 * Memory is O(products): per product only its newest stated stock (the anchor) and the rare deciding rows newer than
 * it that state none. There is therefore no ledger and no chain check here (result().history = 'newest-only');
 * fold the stored rows with foldProduct for those.
 */
import type { ApiVersion, CatalogueProduct } from '../model/types.ts';
import { addUnstatedInventoryWarning, buildProductStock, guideResult, isAnchor, unlistedEvent } from './fold.ts';
import { compareDocs, compareEvents, productKey } from './order.ts';
import { StoreTally } from './tally.ts';
import type { CompleteInventoryRecord, ProductEvent, StockResult } from './types.ts';
import { WarningBag } from './warnings.ts';

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

interface ProductState {
  anchor: ProductEvent | null;
  /** Deciding rows newer than the anchor (no stated stock), oldest first. */
  later: ProductEvent[];
  documents: number;
  warnings: WarningBag;
}

export function createStockAccumulator(input: { api: ApiVersion; products: readonly unknown[] }): StockAccumulator {
  const tally = new StoreTally(input.api === 'v1' ? 'v1' : 'v2', Array.isArray(input.products) ? input.products : []);
  const states = new Map<string, ProductState>();
  /** productKey of tally.products[i], computed once (complete inventories and progress walk every product). */
  const keys = tally.products.map((product) => productKey(product.id));
  /** The same states by catalogue entry, for routing rows without a productKey per row. */
  const statesByEntry = new Map<CatalogueProduct, ProductState>();
  tally.products.forEach((product, i) => {
    if (!product.tracked) return;
    const state: ProductState = { anchor: null, later: [], documents: 0, warnings: new WarningBag() };
    states.set(keys[i]!, state);
    statesByEntry.set(product, state);
  });
  const entries: CatalogueProduct[] = [];
  let newestUnstated: CompleteInventoryRecord | null = null;
  let since: number | null = null;

  const addEvent = (state: ProductState, event: ProductEvent) => {
    if (event.warnings.length > 0) state.warnings.addAll(event.warnings);
    if (!event.decides) return;
    state.documents += 1;
    if (state.anchor && compareEvents(event, state.anchor) <= 0) return; // older than what we know: cannot decide
    if (isAnchor(event)) {
      state.anchor = event;
      if (state.later.length > 0) state.later = state.later.filter((e) => compareEvents(e, event) > 0);
    } else if (!state.later.some((e) => compareEvents(e, event) === 0)) {
      state.later.push(event);
      state.later.sort(compareEvents);
    }
  };

  const addInventory = (record: CompleteInventoryRecord) => {
    if (record.complete === null) {
      if (!newestUnstated || compareDocs(record.doc, newestUnstated.doc) > 0) newestUnstated = record;
      return;
    }
    // addEvent(state, unlistedEvent(record, id)) for every tracked product it does not list, without making the row
    // when it is older than the product's anchor (pages come newest first, so that is the usual case).
    const products = tally.products;
    const listed = new Set(record.listed);
    for (let i = 0; i < products.length; i++) {
      const key = keys[i]!;
      const state = states.get(key);
      if (!state || listed.has(key)) continue;
      state.documents += 1;
      if (state.anchor && compareDocs(record.doc, state.anchor.doc) <= 0) continue;
      const event = unlistedEvent(record, products[i]!.id);
      state.anchor = event; // a row at 0 states a stock: it anchors
      if (state.later.length > 0) state.later = state.later.filter((e) => compareEvents(e, event) > 0);
    }
  };

  const isDecided = (key: string) => {
    const anchor = states.get(key)?.anchor;
    return since !== null && anchor != null && anchor.doc.closeTime >= since;
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
          if (state) addEvent(state, events[i]!);
        }
        if (read.inventory) addInventory(read.inventory);
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
      const products = tally.products.map((product, i) => {
        const key = keys[i]!;
        const bag = new WarningBag();
        bag.addAll(tally.extraWarnings(product.id));
        const state = states.get(key);
        if (!state) return buildProductStock(product, null, null, [], 0, bag);
        bag.addAll(state.warnings.toArray());
        const guide = guideResult(state.anchor, state.later);
        bag.addAll(guide.warnings);
        addUnstatedInventoryWarning(bag, key, guide, newestUnstated);
        return buildProductStock(product, guide, null, [], state.documents, bag);
      });
      return tally.result(products, 'newest-only');
    },
  };
}
