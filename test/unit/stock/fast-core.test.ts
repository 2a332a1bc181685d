/**
 * The allocation-lean toProductEvents and foldProduct must say exactly what the straightforward versions said.
 * The references below are those versions, verbatim but for imports; random documents, catalogues and inventories
 * are fed to both.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absQuantity, addQuantity, formatQuantity, negateQuantity, ZERO, type Milli } from '../../../src/model/quantity.ts';
import {
  DOCUMENT_TYPES,
  FREE_PRICE_PRODUCT_ID,
  type CatalogueProduct,
  type DocumentLine,
  type DocumentMeta,
  type NormalisedDocument,
} from '../../../src/model/types.ts';
import { buildCatalogue, type Catalogue } from '../../../src/stock/catalogue.ts';
import { emptySkipCounts, toProductEvents, toProductEventsWithEntries } from '../../../src/stock/events.ts';
import {
  addUnstatedInventoryWarning,
  buildProductStock,
  findChainBreaks,
  foldLedger,
  foldProduct,
  guideOfTimeline,
  lists,
  unlistedEvent,
} from '../../../src/stock/fold.ts';
import { compareDocs, compareEvents, docRef, productKey } from '../../../src/stock/order.ts';
import { decidesStock, ruleForType } from '../../../src/stock/rules.ts';
import { classifySettlement } from '../../../src/stock/settlement.ts';
import type {
  CompleteInventoryRecord,
  DocRef,
  DocumentEvents,
  ProductEvent,
  ProductStock,
  SettlementNote,
  SkipCounts,
  UnknownProduct,
  Warning,
} from '../../../src/stock/types.ts';
import { makeWarning, WarningBag } from '../../../src/stock/warnings.ts';

// ---------------------------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------------------------

interface ProductLines {
  productId: string;
  lines: DocumentLine[];
  setHeaders: number;
}

function referenceEvents(doc: NormalisedDocument, catalogue?: Catalogue): DocumentEvents {
  const ref = docRef(doc.meta);
  const rule = ruleForType(doc.meta.type);
  const skipped = emptySkipCounts();
  const result: DocumentEvents = { doc: ref, rule: rule.id, events: [], inventory: null, skipped, unknownProducts: [] };
  if (rule.effect === 'none' || rule.effect === 'mention') skipped.noStockEffectDocuments = 1;
  if (rule.effect === 'none') return result;
  if (rule.effect === 'ignore') skipped.unknownTypeDocuments = 1;
  if (rule.effect === 'flag') skipped.openTareDocuments = 1;
  const counting = decidesStock(rule.effect);
  const count = (key: keyof SkipCounts) => {
    if (counting) skipped[key] += 1;
  };
  const byProduct = new Map<string, ProductLines>();
  const unknown = new Map<string, UnknownProduct>();
  const listed = new Set<string>();
  const groupOf = (productId: string): ProductLines => {
    const key = productKey(productId);
    let group = byProduct.get(key);
    if (!group) byProduct.set(key, (group = { productId, lines: [], setHeaders: 0 }));
    return group;
  };
  for (const line of doc.lines) {
    const id = line.productId;
    const isFreePrice = id === null || productKey(id) === FREE_PRICE_PRODUCT_ID;
    if (!isFreePrice) listed.add(productKey(id));
    const entry = !isFreePrice && catalogue ? catalogue.get(productKey(id)) : undefined;
    if (line.hasSubPositions) {
      count('setHeaderLines');
      if (!isFreePrice && (catalogue ? entry?.tracked === true : true)) groupOf(id).setHeaders += 1;
      continue;
    }
    if (isFreePrice) {
      count('freePriceLines');
      continue;
    }
    if ((line.productType ?? '').trim().toUpperCase() === 'SERVICE') {
      count('serviceLines');
      continue;
    }
    if (catalogue && !entry) {
      count('unknownProductLines');
      if (counting) {
        const key = productKey(id);
        const tally = unknown.get(key) ?? { productId: id, name: null, code: null, lines: 0, documents: 1 };
        tally.lines += 1;
        tally.name ??= line.productName ?? null;
        tally.code ??= line.code ?? null;
        unknown.set(key, tally);
      }
      continue;
    }
    if (entry && !entry.tracked) {
      count(entry.notTrackedReason === 'service' ? 'serviceLines' : 'notTrackedLines');
      continue;
    }
    groupOf(id).lines.push(line);
  }
  for (const group of byProduct.values()) result.events.push(referenceEvent(ref, rule.id, rule.effect, rule.settlementApplies, doc.meta.paidByAdvance === true, group));
  result.events.sort((a, b) => (productKey(a.productId) < productKey(b.productId) ? -1 : 1));
  result.unknownProducts = [...unknown.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
  if (doc.meta.type === 'INVENTORY' && doc.meta.completeInventory !== false) {
    result.inventory = { doc: ref, complete: doc.meta.completeInventory === true ? true : null, listed: [...listed].sort() };
  }
  return result;
}

/** More decimals than the line's measure_precision allows (evotor-api.md §3: quantities are thousandths). */
const tooPrecise = (line: DocumentLine) => line.measurePrecision !== undefined && line.quantity % 10 ** (3 - line.measurePrecision) !== 0;

function referenceEvent(
  doc: DocRef, ruleId: ProductEvent['rule'], effect: ReturnType<typeof ruleForType>['effect'], settlementApplies: boolean,
  byAdvance: boolean, group: ProductLines,
): ProductEvent {
  const warnings: Warning[] = [];
  if (group.setHeaders > 0) warnings.push(makeWarning('SET_HEADER', doc, null, group.setHeaders));
  const event: ProductEvent = {
    doc, productId: group.productId, rule: ruleId, decides: false, stockBefore: group.lines[0]?.stockBefore ?? null,
    movement: ZERO, setTo: null, handled: ZERO, lines: group.lines.length, settlements: [], warnings,
    measurePrecision: group.lines[0]?.measurePrecision,
  };
  if (group.lines.length === 0) return event;
  for (const line of group.lines) event.handled = addQuantity(event.handled, absQuantity(line.quantity));
  if (effect === 'decrease' || effect === 'increase') {
    let moved: Milli = ZERO;
    const notes = new Map<string, SettlementNote>();
    for (const line of group.lines) {
      const quantity = absQuantity(line.quantity);
      if (tooPrecise(line)) warnings.push(makeWarning('QUANTITY_PRECISION', doc, String(line.measurePrecision)));
      const settlement = settlementApplies ? classifySettlement(line.settlementMethod) : null;
      if (!settlement || settlement.moves) moved = addQuantity(moved, quantity);
      if (settlement && (line.settlementMethod !== null || byAdvance)) {
        const raw = line.settlementMethod ?? '';
        const note = notes.get(raw) ?? { kind: settlement.kind, raw, moves: settlement.moves, quantity: ZERO, ...(byAdvance ? { byAdvance: true as const } : {}) };
        note.quantity = addQuantity(note.quantity, quantity);
        notes.set(raw, note);
        if (settlement.kind === 'unknown') warnings.push(makeWarning('UNKNOWN_SETTLEMENT_METHOD', doc, raw));
      }
    }
    event.decides = true;
    event.movement = effect === 'decrease' ? negateQuantity(moved) : moved;
    event.settlements = [...notes.values()].sort((a, b) => (a.raw < b.raw ? -1 : 1));
  } else if (effect === 'count') {
    let counted: Milli = ZERO;
    for (const line of group.lines) {
      if (tooPrecise(line)) warnings.push(makeWarning('QUANTITY_PRECISION', doc, String(line.measurePrecision)));
      counted = addQuantity(counted, line.quantity);
    }
    event.decides = true;
    event.setTo = counted;
    if (group.lines.length > 1) warnings.push(makeWarning('REPEATED_INVENTORY_LINE', doc, null, group.lines.length));
  } else if (effect === 'flag') {
    warnings.push(makeWarning('OPEN_TARE_IGNORED', doc));
  } else if (effect === 'ignore') {
    warnings.push(makeWarning('UNKNOWN_DOCUMENT_TYPE', doc, doc.rawType));
  }
  return event;
}

function referenceFold(
  product: CatalogueProduct, events: readonly ProductEvent[], inventories: readonly CompleteInventoryRecord[], extraWarnings: readonly Warning[] = [],
): ProductStock {
  const key = productKey(product.id);
  const bag = new WarningBag();
  bag.addAll(extraWarnings);
  for (const event of events) bag.addAll(event.warnings);
  // The unit's precision as the newest row giving one says.
  const precision = events.filter((e) => e.measurePrecision !== undefined).sort(compareEvents).at(-1)?.measurePrecision;
  if (!product.tracked) return buildProductStock(product, null, null, [], 0, bag, precision);
  const timeline = events.filter((e) => e.decides);
  let newestUnstated: CompleteInventoryRecord | null = null;
  for (const record of inventories) {
    if (record.complete === true && !lists(record, key)) timeline.push(unlistedEvent(record, product.id));
    if (record.complete === null && (newestUnstated === null || compareDocs(record.doc, newestUnstated.doc) > 0)) newestUnstated = record;
  }
  timeline.sort(compareEvents);
  const guide = guideOfTimeline(timeline);
  bag.addAll(guide.warnings);
  addUnstatedInventoryWarning(bag, key, guide, newestUnstated);
  const ledger = foldLedger(timeline);
  const chainBreaks = findChainBreaks(timeline);
  if (ledger && guide.quantity !== null && ledger.quantity !== guide.quantity) {
    bag.add(makeWarning('LEDGER_DIFFERS', ledger.from.doc, formatQuantity(ledger.quantity)));
  }
  return buildProductStock(product, guide, ledger, chainBreaks, timeline.length, bag, precision);
}

// ---------------------------------------------------------------------------------------------------------------
// Random documents, catalogues, inventories
// ---------------------------------------------------------------------------------------------------------------

const IDS = ['p1', 'P1', ' p1 ', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'pa', 'pb', 'pc', 'pd', 'pe', 'pf', 'pg', 'ph', 'G1', 'svc'];
const productId = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...IDS) }, { weight: 1, arbitrary: fc.constantFrom(null, FREE_PRICE_PRODUCT_ID, FREE_PRICE_PRODUCT_ID.toUpperCase()) });

const line = fc.record({
  productId,
  productType: fc.constantFrom('NORMAL', 'NORMAL', 'SERVICE', ' service ', null, 'ALCOHOL_MARKED'),
  quantity: fc.integer({ min: -50_000, max: 50_000 }),
  stockBefore: fc.option(fc.integer({ min: -50_000, max: 500_000 }), { nil: null }),
  settlementMethod: fc.constantFrom(null, null, null, 'CHECKOUT_FULL', 'PREPAYMENT_FULL', 'CREDIT_CHECKOUT', 'FULL_PREPAYMENT', 'ADVANCE', 'FullSettlement', 'weird', '4', '7'),
  measurePrecision: fc.constantFrom(undefined, undefined, undefined, 0, 2, 3),
  hasSubPositions: fc.constantFrom(undefined, undefined, undefined, true),
  productName: fc.constantFrom(undefined, 'Товар'),
  code: fc.constantFrom(undefined, '17'),
});

const TYPES = [...DOCUMENT_TYPES, 'UNKNOWN'] as const;

const document = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    type: fc.constantFrom(...TYPES, 'SELL', 'SELL', 'INVENTORY', 'INVENTORY'),
    closeTime: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_100_000 }),
    deviceId: fc.constantFrom('', 'DEV', 'dev', 'B'),
    number: fc.option(fc.nat(20), { nil: null }),
    completeInventory: fc.constantFrom(undefined, true, false),
    paidByAdvance: fc.boolean(),
    lines: fc.array(line, { maxLength: 22 }),
  })
  .map(({ lines, ...m }): NormalisedDocument => {
    const meta: DocumentMeta = {
      id: m.id, type: m.type, rawType: m.type === 'UNKNOWN' ? 'RECEIPT_OF_THE_FUTURE' : m.type, closeTime: m.closeTime, timeZoneOffset: null,
      deviceId: m.deviceId, number: m.number, storeId: '',
    };
    if (m.type === 'INVENTORY' && m.completeInventory !== undefined) meta.completeInventory = m.completeInventory;
    if (m.paidByAdvance) meta.paidByAdvance = true;
    return {
      meta,
      lines: lines.map((l, index) => {
        const out: DocumentLine = {
          index, productId: l.productId, productType: l.productType, quantity: l.quantity, stockBefore: l.stockBefore, settlementMethod: l.settlementMethod,
        };
        if (l.hasSubPositions) out.hasSubPositions = true;
        if (l.productName) out.productName = l.productName;
        if (l.code) out.code = l.code;
        if (l.measurePrecision !== undefined) out.measurePrecision = l.measurePrecision;
        return out;
      }),
    };
  });

const catalogueEntry = (id: string, kind: number): CatalogueProduct => ({
  id, name: id, code: null, type: kind === 3 ? 'SERVICE' : 'NORMAL', measureName: null, quantity: null, parentId: null,
  isGroup: kind === 1 || kind === 2, tracked: kind === 0,
  ...(kind === 1 ? { notTrackedReason: 'group' as const } : kind === 2 ? { notTrackedReason: 'has_modifications' as const } : kind === 3 ? { notTrackedReason: 'service' as const } : {}),
});

/** A catalogue over some of the ids: mostly tracked, some groups, parents and services, some ids missing. */
const catalogue = fc
  .array(fc.tuple(fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'pa', 'pb', 'pc', 'pd', 'pe', 'pf', 'G1', 'svc'), fc.constantFrom(0, 0, 0, 0, 1, 2, 3)), { maxLength: 17 })
  .map((entries) => buildCatalogue(entries.map(([id, kind]) => catalogueEntry(id, kind))).catalogue);

describe('toProductEvents = the straightforward version', () => {
  it('on random documents, with and without a catalogue', () => {
    fc.assert(
      fc.property(document, catalogue, (doc, cat) => {
        expect(toProductEvents(doc, cat)).toStrictEqual(referenceEvents(doc, cat));
        expect(toProductEvents(doc)).toStrictEqual(referenceEvents(doc));
        // The variant computeStock uses: the same rows, and each row's catalogue entry.
        const entries: CatalogueProduct[] = [];
        const read = toProductEventsWithEntries(doc, cat, entries);
        expect(read).toStrictEqual(referenceEvents(doc, cat));
        expect(entries).toHaveLength(read.events.length);
        read.events.forEach((event, i) => expect(entries[i]).toBe(cat.get(productKey(event.productId))));
      }),
      { numRuns: 3000 },
    );
  });
});

/** Every document's rows grouped by product key, and its inventories; each given `times` times. */
function readAll(docs: readonly NormalisedDocument[], cat: Catalogue, times: number) {
  const byKey = new Map<string, ProductEvent[]>();
  const inventories: CompleteInventoryRecord[] = [];
  for (const doc of docs) {
    const read = toProductEvents(doc, cat);
    for (const event of read.events) {
      const key = productKey(event.productId);
      byKey.set(key, [...(byKey.get(key) ?? []), ...Array<ProductEvent>(times).fill(event)]);
    }
    if (read.inventory) inventories.push(...Array<CompleteInventoryRecord>(times).fill(read.inventory));
  }
  return { byKey, inventories };
}

describe('foldProduct = the straightforward version', () => {
  it('on random histories, with complete and unstated inventories, the index reused and rebuilt', () => {
    fc.assert(
      fc.property(fc.array(document, { maxLength: 25 }), catalogue, fc.nat(), (docs, cat, seed) => {
        const { byKey, inventories } = readAll(docs, cat, 1);
        const extra = [makeWarning('QUARANTINED_DOCUMENT', null, 'bad')];
        for (const product of cat.values()) {
          const events = byKey.get(productKey(product.id)) ?? [];
          // Events in any order: foldProduct sorts.
          const shuffled = seed % 2 === 0 ? events : [...events].reverse();
          expect(foldProduct(product, shuffled, inventories)).toStrictEqual(referenceFold(product, shuffled, inventories));
          expect(foldProduct(product, shuffled, inventories, extra)).toStrictEqual(referenceFold(product, shuffled, inventories, extra));
          // A different array (and one changed in place) must not reuse the index of the first.
          const fewer = inventories.slice(0, seed % (inventories.length + 1));
          expect(foldProduct(product, shuffled, fewer)).toStrictEqual(referenceFold(product, shuffled, fewer));
        }
        if (inventories.length > 0) {
          const changed = inventories;
          const first = changed[0]!;
          changed[0] = { ...first, complete: first.complete === true ? null : true };
          for (const product of cat.values()) {
            const events = byKey.get(productKey(product.id)) ?? [];
            expect(foldProduct(product, events, changed)).toStrictEqual(referenceFold(product, events, changed));
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

/** Many complete inventories (runs of them with no row of a product between), ties in time, rows given twice. */
const inventoryHeavy = fc.array(
  fc.oneof(
    { weight: 2, arbitrary: document },
    {
      weight: 3,
      arbitrary: fc
        .record({
          id: fc.string({ minLength: 1, maxLength: 3 }),
          closeTime: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_020 }),
          deviceId: fc.constantFrom('', 'DEV'),
          complete: fc.constantFrom(true, true, undefined, false),
          listed: fc.subarray(['p1', 'p2', 'p3', 'P1']),
        })
        .map(({ id, closeTime, deviceId, complete, listed }): NormalisedDocument => {
          const meta: DocumentMeta = { id, type: 'INVENTORY', rawType: 'INVENTORY', closeTime, timeZoneOffset: null, deviceId, number: null, storeId: '' };
          if (complete !== undefined) meta.completeInventory = complete;
          return {
            meta,
            lines: listed.map((productId, index) => ({
              index, productId, productType: 'NORMAL', quantity: 1000 * index, stockBefore: 500, settlementMethod: null,
            })),
          };
        }),
    },
  ),
  { maxLength: 30 },
);

describe('foldProduct with many complete inventories', () => {
  it('collapsing runs of unlisting inventories changes nothing', () => {
    const cat = buildCatalogue(['p1', 'p2', 'p3', 'p4'].map((id) => catalogueEntry(id, 0))).catalogue;
    fc.assert(
      fc.property(inventoryHeavy, fc.boolean(), (docs, twice) => {
        const { byKey, inventories } = readAll(docs, cat, twice ? 2 : 1);
        for (const product of cat.values()) {
          const events = byKey.get(productKey(product.id)) ?? [];
          expect(foldProduct(product, events, inventories)).toStrictEqual(referenceFold(product, events, inventories));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('a row and an unlisting inventory of one document: the row first, as the stable sort put it', () => {
    const [p] = [...buildCatalogue([catalogueEntry('p1', 0)]).catalogue.values()];
    const doc: NormalisedDocument = {
      meta: { id: 'D', type: 'SELL', rawType: 'SELL', closeTime: 1_700_000_000_000, timeZoneOffset: null, deviceId: '', number: 1, storeId: '' },
      lines: [{ index: 0, productId: 'p1', productType: 'NORMAL', quantity: 1000, stockBefore: 5000, settlementMethod: null }],
    };
    const read = toProductEvents(doc);
    const sameDoc: CompleteInventoryRecord = { doc: read.doc, complete: true, listed: [] };
    const later: CompleteInventoryRecord = { doc: { ...read.doc, id: 'E', closeTime: read.doc.closeTime + 1 }, complete: true, listed: [] };
    for (const inventories of [[sameDoc], [sameDoc, later], [later, sameDoc], [later, sameDoc, later]]) {
      expect(foldProduct(p!, read.events, inventories)).toStrictEqual(referenceFold(p!, read.events, inventories));
    }
  });
});
