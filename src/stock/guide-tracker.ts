/**
 * The guide's answer kept up to date while rows arrive in any order (newest months first during a pull), in
 * O(products) memory: per tracked product only its newest stated stock (the anchor) and the rare deciding rows newer
 * than it that state none. There is no ledger and no chain check here (they need the whole history: foldProduct).
 *
 * Shared by the core's accumulator (fed raw documents) and the pull's computation (fed stored rows), so both decide
 * with the same rule: a product is decided once its anchor is inside the coverage (older rows cannot change it).
 */
import type { CatalogueProduct } from '../model/types.ts';
import { addUnstatedInventoryWarning, buildProductStock, guideResult, isAnchor, newerPrecision, unlistedEvent } from './fold.ts';
import { compareDocs, compareEvents, productKey } from './order.ts';
import type { CompleteInventoryRecord, ProductEvent, ProductStock, Warning } from './types.ts';
import { WarningBag } from './warnings.ts';

/** What is kept per tracked product. */
export interface GuideState {
  anchor: ProductEvent | null;
  /** Deciding rows newer than the anchor (no stated stock), oldest first. */
  later: ProductEvent[];
  /** Deciding rows seen, unlisting inventories included (the same count foldProduct gives). */
  documents: number;
  warnings: WarningBag;
  /** The newest row that gives the unit's measure_precision. */
  precisionFrom: ProductEvent | null;
}

export interface GuideTracker {
  /** The state of a tracked product by productKey; undefined for untracked and unknown products. */
  state(key: string): GuideState | undefined;
  addEvent(state: GuideState, event: ProductEvent): void;
  /** A complete inventory (or one that does not say): it sets every tracked product it does not list to 0. */
  addInventory(record: CompleteInventoryRecord): void;
  /** The close time of the product's newest stated stock, or null. */
  anchorTime(key: string): number | null;
  /** The product's row as the guide reads it so far (ledger null, no chain breaks). */
  productStock(product: CatalogueProduct, extraWarnings?: readonly Warning[]): ProductStock;
}

export function createGuideTracker(products: readonly CatalogueProduct[]): GuideTracker {
  const keys = products.map((product) => productKey(product.id));
  const states = new Map<string, GuideState>();
  products.forEach((product, i) => {
    if (product.tracked) states.set(keys[i]!, { anchor: null, later: [], documents: 0, warnings: new WarningBag(), precisionFrom: null });
  });
  let newestUnstated: CompleteInventoryRecord | null = null;

  const addEvent = (state: GuideState, event: ProductEvent) => {
    if (event.warnings.length > 0) state.warnings.addAll(event.warnings);
    state.precisionFrom = newerPrecision(state.precisionFrom, event);
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

  return {
    state: (key) => states.get(key),
    addEvent,
    addInventory(record) {
      if (record.complete === null) {
        if (!newestUnstated || compareDocs(record.doc, newestUnstated.doc) > 0) newestUnstated = record;
        return;
      }
      // addEvent(state, unlistedEvent(record, id)) for every tracked product it does not list, without making the
      // row when it is older than the product's anchor (pages come newest first, so that is the usual case).
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
    },
    anchorTime: (key) => states.get(key)?.anchor?.doc.closeTime ?? null,
    productStock(product, extraWarnings = []) {
      const key = productKey(product.id);
      const bag = new WarningBag();
      if (extraWarnings.length > 0) bag.addAll(extraWarnings);
      const state = states.get(key);
      if (!state) return buildProductStock(product, null, null, [], 0, bag);
      bag.addAll(state.warnings.toArray());
      const guide = guideResult(state.anchor, state.later);
      bag.addAll(guide.warnings);
      addUnstatedInventoryWarning(bag, key, guide, newestUnstated);
      return buildProductStock(product, guide, null, [], state.documents, bag, state.precisionFrom?.measurePrecision);
    },
  };
}
