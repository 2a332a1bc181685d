/**
 * Layer 2 of the core: one product's events -> its stock. Three readings of the same history:
 * - guide result: the newest deciding document's stock after (the Evotor guide, step 4);
 * - ledger: the latest inventory (or else the oldest stated stock-before) plus every later movement;
 * - chain: each document's stock-before should equal the previous document's stock after; breaks are reported.
 */
import { addQuantity, formatQuantity, MAX_API_QUANTITY, subtractQuantity, ZERO, type Milli } from '../model/quantity.ts';
import type { CatalogueProduct } from '../model/types.ts';
import { compareDocs, compareEvents, productKey } from './order.ts';
import type { ChainBreak, ChainBreakSummary, CompleteInventoryRecord, ProductEvent, ProductStock, Warning } from './types.ts';
import { makeWarning, WarningBag } from './warnings.ts';

const listedSets = new WeakMap<CompleteInventoryRecord, ReadonlySet<string>>();

/** Whether an inventory lists a product (by productKey). Sets are built once per record: stores have 10k+ products. */
export function lists(record: CompleteInventoryRecord, key: string): boolean {
  return listedSet(record).has(key);
}

/**
 * What foldProduct needs from the store's inventories, the same for every product: the complete ones with their
 * listed sets, and the newest that does not state completeness. A store folds every product against one array, so
 * the index is kept per array (weakly) and reused while the array holds the same records with the same `complete`
 * and `doc` (a record's `listed` is never re-read: `lists` has always cached it).
 */
interface InventoryIndex {
  records: CompleteInventoryRecord[];
  completeness: (true | null)[];
  docs: CompleteInventoryRecord['doc'][];
  /** The complete inventories, oldest first (ties in the array's order), and their listed sets. */
  completeInTime: CompleteInventoryRecord[];
  listedInTime: ReadonlySet<string>[];
  newestUnstated: CompleteInventoryRecord | null;
}

const inventoryIndexes = new WeakMap<readonly CompleteInventoryRecord[], InventoryIndex>();

function inventoryIndex(inventories: readonly CompleteInventoryRecord[]): InventoryIndex {
  const cached = inventoryIndexes.get(inventories);
  if (cached !== undefined && cached.records.length === inventories.length) {
    let same = true;
    for (let i = 0; i < inventories.length; i++) {
      const record = inventories[i]!;
      if (cached.records[i] !== record || cached.completeness[i] !== record.complete || cached.docs[i] !== record.doc) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const index: InventoryIndex = {
    records: [...inventories], completeness: [], docs: [], completeInTime: [], listedInTime: [], newestUnstated: null,
  };
  for (const record of inventories) {
    index.completeness.push(record.complete);
    index.docs.push(record.doc);
    if (record.complete === true) index.completeInTime.push(record);
    if (record.complete === null && (index.newestUnstated === null || compareDocs(record.doc, index.newestUnstated.doc) > 0)) {
      index.newestUnstated = record;
    }
  }
  index.completeInTime.sort((a, b) => compareDocs(a.doc, b.doc)); // stable: ties keep the array's order
  for (const record of index.completeInTime) index.listedInTime.push(listedSet(record));
  if (inventories.length > 0) inventoryIndexes.set(inventories, index);
  return index;
}

function listedSet(record: CompleteInventoryRecord): ReadonlySet<string> {
  let set = listedSets.get(record);
  if (!set) listedSets.set(record, (set = new Set(record.listed)));
  return set;
}

/** An event that states an absolute stock: an inventory count, or a stock-before. Only these can anchor. */
export function isAnchor(event: ProductEvent): boolean {
  return event.decides && (event.setTo !== null || event.stockBefore !== null);
}

/** Stock after the event, when the event states it. */
export function stockAfter(event: ProductEvent): Milli | null {
  if (event.setTo !== null) return event.setTo;
  return event.stockBefore === null ? null : addQuantity(event.stockBefore, event.movement);
}

/** The row a complete inventory implies for a tracked product it does not list: stock 0 as of its time. */
export function unlistedEvent(record: CompleteInventoryRecord, productId: string): ProductEvent {
  return {
    doc: record.doc, productId, rule: 'INVENTORY_UNLISTED', decides: true, stockBefore: null,
    movement: ZERO, setTo: ZERO, handled: ZERO, lines: 0, settlements: [], warnings: [], measurePrecision: undefined,
  };
}

export interface GuideResult {
  quantity: Milli | null;
  /** The newest deciding event (null when nothing decides). */
  decidedBy: ProductEvent | null;
  /** The newest event that states a stock. */
  anchor: ProductEvent | null;
  /** Deciding events newer than the anchor (they have no stock-before), oldest first. */
  later: readonly ProductEvent[];
  laterMovement: Milli;
  warnings: Warning[];
}

/**
 * The guide's answer from the newest anchor and the deciding events after it. Normally `later` is empty and the
 * answer is the anchor's stock after. When newer documents lack a stock-before, their movements are added to the
 * anchor and the product is flagged; with no anchor at all nothing decides.
 */
export function guideResult(anchor: ProductEvent | null, later: readonly ProductEvent[]): GuideResult {
  const laterMovement = later.reduce<Milli>((sum, e) => addQuantity(sum, e.movement), ZERO);
  const newest = later[later.length - 1] ?? anchor;
  if (anchor === null) {
    const warnings = newest ? [makeWarning('NO_STOCK_BEFORE', newest.doc, null, later.length)] : [];
    return { quantity: null, decidedBy: null, anchor: null, later, laterMovement, warnings };
  }
  const warnings = later.length > 0 ? [makeWarning('MISSING_STOCK_BEFORE', newest!.doc, null, later.length)] : [];
  return { quantity: addQuantity(stockAfter(anchor)!, laterMovement), decidedBy: newest, anchor, later, laterMovement, warnings };
}

/** The guide's answer over a product's sorted timeline: the newest anchor plus whatever deciding events follow it. */
export function guideOfTimeline(timeline: readonly ProductEvent[]): GuideResult {
  let anchorIndex = -1;
  for (let i = timeline.length - 1; i >= 0; i--) {
    if (isAnchor(timeline[i]!)) {
      anchorIndex = i;
      break;
    }
  }
  return guideResult(anchorIndex >= 0 ? timeline[anchorIndex]! : null, timeline.slice(anchorIndex + 1));
}

export interface LedgerResult {
  quantity: Milli;
  base: 'inventory' | 'complete_inventory' | 'first_stock_before';
  from: ProductEvent;
  baseQuantity: Milli;
  laterMovement: Milli;
  laterDocuments: number;
}

/**
 * Folds one product's whole history. `events` are this product's rows (any order; sorted here), `inventories` the
 * store's complete inventories and inventories that do not state completeness (their unlisted products matter).
 * `extraWarnings` come from outside the rows (a quarantined document that lists the product, the catalogue).
 */
export function foldProduct(
  product: CatalogueProduct,
  events: readonly ProductEvent[],
  inventories: readonly CompleteInventoryRecord[],
  extraWarnings: readonly Warning[] = [],
): ProductStock {
  const key = productKey(product.id);
  const bag = new WarningBag();
  if (extraWarnings.length > 0) bag.addAll(extraWarnings);
  let precisionFrom: ProductEvent | null = null;
  for (let i = 0; i < events.length; i++) {
    const warnings = events[i]!.warnings;
    if (warnings.length > 0) bag.addAll(warnings);
    precisionFrom = newerPrecision(precisionFrom, events[i]!);
  }
  const precision = precisionFrom?.measurePrecision;
  if (!product.tracked) return buildProductStock(product, null, null, [], 0, bag, precision);

  const own: ProductEvent[] = [];
  for (let i = 0; i < events.length; i++) if (events[i]!.decides) own.push(events[i]!);
  own.sort(compareEvents);
  const index = inventoryIndex(inventories);
  const newestUnstated = index.newestUnstated;

  // The timeline: the product's deciding rows and, merged in time order, a row at 0 for every complete inventory
  // that does not list it (a row of its own first when both are of one time, as a stable sort of rows + inventories
  // put them). Consecutive such inventories with no row of the product between them set it to 0 again and again:
  // only the run's last can be the anchor, the ledger's base or a chain break's `previous`, so the others are only
  // counted (`documents`). A big store's daily complete inventories no longer make a row per product per inventory.
  const timeline: ProductEvent[] = [];
  let unlistedSkipped = 0;
  let pending: CompleteInventoryRecord | null = null;
  let next = 0;
  const complete = index.completeInTime;
  for (let c = 0; c < complete.length; c++) {
    if (index.listedInTime[c]!.has(key)) continue;
    const record = complete[c]!;
    while (next < own.length && compareDocs(own[next]!.doc, record.doc) <= 0) {
      if (pending !== null) {
        timeline.push(unlistedEvent(pending, product.id));
        pending = null;
      }
      timeline.push(own[next++]!);
    }
    if (pending !== null) unlistedSkipped += 1;
    pending = record;
  }
  if (pending !== null) {
    // Rows after the last unlisting inventory come after its row.
    timeline.push(unlistedEvent(pending, product.id));
  }
  while (next < own.length) timeline.push(own[next++]!);

  const guide = guideOfTimeline(timeline);
  bag.addAll(guide.warnings);
  addUnstatedInventoryWarning(bag, key, guide, newestUnstated);

  const ledger = foldLedger(timeline);
  const chainBreaks = findChainBreaks(timeline);
  if (ledger && guide.quantity !== null && ledger.quantity !== guide.quantity) {
    bag.add(makeWarning('LEDGER_DIFFERS', ledger.from.doc, formatQuantity(ledger.quantity)));
  }
  return buildProductStock(product, guide, ledger, chainBreaks, timeline.length + unlistedSkipped, bag, precision);
}

/** A newer inventory that does not say whether it was complete, and does not list the product, might have zeroed it. */
export function addUnstatedInventoryWarning(
  bag: WarningBag, key: string, guide: GuideResult, newestUnstated: CompleteInventoryRecord | null,
): void {
  if (!newestUnstated || lists(newestUnstated, key)) return;
  const decided = guide.decidedBy;
  if (decided && compareDocs(newestUnstated.doc, decided.doc) <= 0) return;
  bag.add(makeWarning('INVENTORY_COMPLETENESS_UNKNOWN', newestUnstated.doc));
}

/** Ledger over a sorted timeline of deciding events. */
export function foldLedger(timeline: readonly ProductEvent[]): LedgerResult | null {
  let baseIndex = -1;
  for (let i = timeline.length - 1; i >= 0; i--) {
    if (timeline[i]!.setTo !== null) {
      baseIndex = i;
      break;
    }
  }
  let base: LedgerResult['base'];
  let baseQuantity: Milli;
  let firstMoving: number;
  if (baseIndex >= 0) {
    const from = timeline[baseIndex]!;
    base = from.rule === 'INVENTORY_UNLISTED' || from.doc.completeInventory === true ? 'complete_inventory' : 'inventory';
    baseQuantity = from.setTo!;
    firstMoving = baseIndex + 1;
  } else {
    baseIndex = timeline.findIndex((e) => e.stockBefore !== null);
    if (baseIndex < 0) return null;
    base = 'first_stock_before';
    baseQuantity = timeline[baseIndex]!.stockBefore!;
    firstMoving = baseIndex;
  }
  let laterMovement: Milli = ZERO;
  for (let i = firstMoving; i < timeline.length; i++) laterMovement = addQuantity(laterMovement, timeline[i]!.movement);
  return {
    quantity: addQuantity(baseQuantity, laterMovement), base, from: timeline[baseIndex]!, baseQuantity, laterMovement,
    laterDocuments: timeline.length - firstMoving,
  };
}

/** Of the row kept and the next, the newer one that gives the unit's measure_precision (the review validates by it). */
export function newerPrecision(kept: ProductEvent | null, event: ProductEvent): ProductEvent | null {
  if (event.measurePrecision === undefined) return kept;
  return kept === null || compareEvents(event, kept) > 0 ? event : kept;
}

/** Each stated stock-before should equal the stock after the previous deciding document. */
export function findChainBreaks(timeline: readonly ProductEvent[]): ChainBreak[] {
  const breaks: ChainBreak[] = [];
  let expected: Milli | null = null;
  let previous: ProductEvent | null = null;
  for (const event of timeline) {
    if (event.stockBefore !== null && expected !== null && previous && event.stockBefore !== expected) {
      breaks.push({
        previous: previous.doc, next: event.doc,
        expected: formatQuantity(expected), found: formatQuantity(event.stockBefore),
        size: formatQuantity(subtractQuantity(event.stockBefore, expected)),
      });
    }
    const after = stockAfter(event);
    expected = after ?? (expected === null ? null : addQuantity(expected, event.movement));
    previous = event;
  }
  return breaks;
}

/** The row with its chain breaks counted and the newest kept (ChainBreakSummary), the list dropped. */
export function summariseChainBreaks<T extends ProductStock>(stock: T): Omit<T, 'chainBreaks'> & ChainBreakSummary {
  const { chainBreaks, ...rest } = stock;
  return { ...rest, chainBreakCount: chainBreaks.length, lastChainBreak: chainBreaks.at(-1) ?? null };
}

const text = (value: Milli | null): string | null => (value === null ? null : formatQuantity(value));

/** Assembles the public row from the parts; shared by computeStock and the accumulator so both say the same. */
export function buildProductStock(
  product: CatalogueProduct,
  guide: GuideResult | null,
  ledger: LedgerResult | null,
  chainBreaks: ChainBreak[],
  documents: number,
  bag: WarningBag,
  measurePrecision?: number,
): ProductStock {
  const decided = guide?.decidedBy ?? null;
  const quantity = product.tracked ? (guide?.quantity ?? null) : null;
  if (quantity !== null && Math.abs(quantity) > MAX_API_QUANTITY) {
    bag.add(makeWarning('QUANTITY_OUT_OF_RANGE', decided?.doc ?? null, formatQuantity(quantity)));
  }
  const derived = guide && guide.anchor && guide.later.length > 0
    ? {
        from: guide.anchor.doc, rule: guide.anchor.rule, stock: formatQuantity(stockAfter(guide.anchor)!),
        laterMovement: formatQuantity(guide.laterMovement), laterDocuments: guide.later.length,
      }
    : null;
  const stock: ProductStock = {
    productId: product.id,
    name: product.name,
    code: product.code,
    measureName: product.measureName,
    status: !product.tracked ? 'not_tracked' : quantity === null ? 'unresolved' : 'resolved',
    notTrackedReason: product.tracked ? null : (product.notTrackedReason ?? 'group'),
    quantity: text(quantity),
    quantityMilli: quantity,
    cloudQuantity: text(product.quantity),
    decidedBy: quantity === null ? null : (decided?.doc ?? null),
    rule: quantity === null ? null : (decided?.rule ?? null),
    stockBefore: quantity === null ? null : text(decided?.stockBefore ?? null),
    movement: quantity === null || !decided ? null : formatQuantity(decided.movement),
    handled: quantity === null || !decided ? null : formatQuantity(decided.handled),
    setTo: quantity === null ? null : text(decided?.setTo ?? null),
    settlements: quantity === null || !decided ? [] : decided.settlements.map((s) => ({ ...s, quantity: formatQuantity(s.quantity) })),
    derived,
    ledgerQuantity: ledger ? formatQuantity(ledger.quantity) : null,
    ledger: ledger
      ? {
          base: ledger.base, from: ledger.from.doc, baseQuantity: formatQuantity(ledger.baseQuantity),
          laterMovement: formatQuantity(ledger.laterMovement), laterDocuments: ledger.laterDocuments,
        }
      : null,
    chainBreaks,
    documents,
    warnings: bag.toArray(),
  };
  if (measurePrecision !== undefined) stock.measurePrecision = measurePrecision;
  return stock;
}
