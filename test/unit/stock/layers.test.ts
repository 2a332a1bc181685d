/** The layers the pull uses directly: compact rows, ordering, folding stored rows, and the accumulator's coverage. */
import { describe, expect, it } from 'vitest';
import { normaliseDocument, normaliseProduct } from '../../../src/model/normalise.ts';
import type { CatalogueProduct, NormalisedDocument } from '../../../src/model/types.ts';
import {
  buildCatalogue, compareEvents, computeStock, createStockAccumulator, foldProduct, toProductEvents,
  type CompleteInventoryRecord, type ProductEvent,
} from '../../../src/stock/index.ts';
import { line, minutes, shuffled, stock, v2Doc, v2Product } from './fixtures.ts';

const normal = (raw: unknown): NormalisedDocument => {
  const r = normaliseDocument(raw, 'v2');
  if (!r.ok) throw new Error(r.quarantined.reason);
  return r.doc;
};
const product = (raw: unknown): CatalogueProduct => {
  const r = normaliseProduct(raw, 'v2');
  if (!r.ok) throw new Error(r.reason);
  return r.product;
};

describe('toProductEvents', () => {
  it('one compact row per (document, product) with the doc meta, first stock-before, signed movement', () => {
    const doc = normal(v2Doc('SELL', [
      line('p', 2, 10, { settlement_method: { type: 'FULL_SETTLEMENT' } }), line('p', 1, 8, { settlement_method: { type: 'FULL_PREPAYMENT' } }),
      line('q', '0.5', '1.5'), line(null, 9),
    ], { id: 'D', number: 12, time: minutes(3) }));
    const { catalogue } = buildCatalogue([product(v2Product('p')), product(v2Product('q'))]);
    const out = toProductEvents(doc, catalogue);
    expect(out.rule).toBe('SELL');
    expect(out.skipped.freePriceLines).toBe(1);
    expect(out.inventory).toBeNull();
    expect(out.events).toEqual([
      {
        doc: { id: 'D', type: 'SELL', rawType: 'SELL', number: 12, closeTime: minutes(3), deviceId: 'DEVICE-0001', timeZoneOffset: 10_800_000 },
        productId: 'p', rule: 'SELL', decides: true, stockBefore: 10_000, movement: -2000, setTo: null, handled: 3000, lines: 2,
        settlements: [
          { kind: 'full_prepayment', raw: 'FULL_PREPAYMENT', moves: false, quantity: 1000 },
          { kind: 'full_settlement', raw: 'FULL_SETTLEMENT', moves: true, quantity: 2000 },
        ],
        warnings: [],
      },
      expect.objectContaining({ productId: 'q', stockBefore: 1500, movement: -500, handled: 500 }),
    ]);
    // Rows are plain data: they survive structured cloning (IndexedDB) unchanged.
    expect(structuredClone(out.events)).toEqual(out.events);
  });

  it('a complete inventory yields a record of what it lists; a partial one none', () => {
    const complete = toProductEvents(normal(v2Doc('INVENTORY', [line('B', 1, 0), line('a', 2, 0)], { body: { complete_inventory: true } })));
    expect(complete.inventory).toMatchObject({ complete: true, listed: ['a', 'b'] });
    expect(complete.events.map((e) => [e.productId, e.setTo])).toEqual([['a', 2000], ['B', 1000]]);
    expect(toProductEvents(normal(v2Doc('INVENTORY', [], { body: { complete_inventory: false } }))).inventory).toBeNull();
    expect(toProductEvents(normal(v2Doc('INVENTORY', []))).inventory).toMatchObject({ complete: null });
  });

  it('no-effect documents give no rows', () => {
    const out = toProductEvents(normal(v2Doc('REVALUATION', [{ product_id: 'p', price: { before: 1, after: 2 } }])));
    expect(out).toMatchObject({ rule: 'NO_STOCK_EFFECT', events: [], skipped: expect.objectContaining({ noStockEffectDocuments: 1 }) });
  });
});

describe('compareEvents', () => {
  it('is a total order: sorting any shuffle gives one sequence', () => {
    const events = [
      { time: 1, device: 'B', number: 1, id: 'x' }, { time: 1, device: 'A', number: 2, id: 'y' }, { time: 1, device: 'A', number: 2, id: 'a' },
      { time: 0, device: 'Z', number: 99, id: 'z' }, { time: 2, device: '', number: 0, id: 'w' },
    ].flatMap((o) => toProductEvents(normal(v2Doc('SELL', [line('p', 1, 1)], { time: minutes(o.time), device: o.device, number: o.number, id: o.id }))).events);
    const sorted = [...events].sort(compareEvents).map((e) => e.doc.id);
    expect(sorted).toEqual(['z', 'a', 'y', 'x', 'w']);
    for (let seed = 1; seed < 20; seed++) expect(shuffled(events, seed).sort(compareEvents).map((e) => e.doc.id)).toEqual(sorted);
  });
});

describe('foldProduct over stored rows', () => {
  it('gives the same row as computeStock, from rows kept per product (as the pull stores them)', () => {
    const raws = [
      v2Doc('ACCEPT', [line('p', 10, 0), line('q', 3, 0)], { time: minutes(0) }),
      v2Doc('INVENTORY', [line('q', 2, 3)], { time: minutes(5), body: { complete_inventory: true } }),
      v2Doc('SELL', [line('p', 1, 0)], { time: minutes(9) }),
    ];
    const products = [v2Product('p'), v2Product('q')];
    const { catalogue } = buildCatalogue(products.map(product));
    const rows = new Map<string, ProductEvent[]>();
    const inventories: CompleteInventoryRecord[] = [];
    for (const raw of raws) {
      const out = toProductEvents(normal(raw), catalogue);
      for (const e of out.events) rows.set(e.productId, [...(rows.get(e.productId) ?? []), structuredClone(e)]);
      if (out.inventory) inventories.push(structuredClone(out.inventory));
    }
    const full = computeStock({ api: 'v2', products, documents: raws });
    for (const id of ['p', 'q']) {
      expect(foldProduct(catalogue.get(id)!, [...(rows.get(id) ?? [])].reverse(), inventories)).toEqual(stock(full, id));
    }
    expect(stock(full, 'p')).toMatchObject({ quantity: '-1', ledgerQuantity: '-1' });
  });
});

describe('accumulator coverage', () => {
  const products = [v2Product('recent'), v2Product('old'), v2Product('never'), v2Product('svc', { type: 'SERVICE' })];
  const may = Date.UTC(2025, 4, 1);
  const april = Date.UTC(2025, 3, 1);

  it('a product is decided once its newest stated stock is inside the covered period', () => {
    const acc = createStockAccumulator({ api: 'v2', products });
    expect(acc.coverage()).toBeNull();
    acc.addDocuments([v2Doc('SELL', [line('recent', 1, 5)], { time: may + 1000 })]);
    expect(acc.decidedProductIds()).toEqual([]); // nothing declared covered yet
    acc.setCoverage(may);
    expect(acc.decidedProductIds()).toEqual(['recent']);
    expect(acc.progress()).toEqual({ tracked: 3, decided: 1, undecided: 2, notTracked: 1 });
    acc.addDocuments([v2Doc('SELL', [line('old', 1, 5), line('recent', 1, 99)], { time: april + 1000 })]);
    acc.setCoverage(april);
    expect(acc.decidedProductIds()).toEqual(['old', 'recent']);
    expect(acc.undecidedProductIds()).toEqual(['never']);
    expect(acc.isDecided('RECENT')).toBe(true);
    acc.setCoverage(may); // coverage never shrinks
    expect(acc.coverage()).toBe(april);
    const result = acc.result();
    expect(stock(result, 'recent')).toMatchObject({ quantity: '4', ledgerQuantity: null, chainBreaks: [] });
    expect(result.history).toBe('newest-only');
  });

  it('a newer row without stock-before keeps its product undecided until its anchor is covered', () => {
    const acc = createStockAccumulator({ api: 'v2', products });
    acc.addDocuments([v2Doc('SELL', [line('recent', 1)], { time: may + 1000 })]);
    acc.setCoverage(may);
    expect(acc.isDecided('recent')).toBe(false);
    acc.addDocuments([v2Doc('SELL', [line('recent', 1, 10)], { time: april + 1000 })]);
    acc.setCoverage(april);
    expect(acc.isDecided('recent')).toBe(true);
    expect(stock(acc.result(), 'recent')).toMatchObject({ quantity: '8', derived: expect.objectContaining({ laterDocuments: 1 }) });
  });

  it('a covered complete inventory decides every tracked product it does not list', () => {
    const acc = createStockAccumulator({ api: 'v2', products });
    acc.addDocuments([v2Doc('INVENTORY', [line('old', 4, 0)], { time: may + 5, body: { complete_inventory: true } })]);
    acc.setCoverage(may);
    expect(acc.decidedProductIds()).toEqual(['never', 'old', 'recent']);
    expect(acc.result().products.map((p) => [p.productId, p.quantity])).toEqual([['never', '0'], ['old', '4'], ['recent', '0'], ['svc', null]]);
  });

  it('quarantines like computeStock', () => {
    const acc = createStockAccumulator({ api: 'v2', products });
    acc.addDocuments([{ id: 'bad', type: 'SELL', close_date: 'x', body: { positions: [{ product_id: 'old', quantity: 1 }] } }, 7, null]);
    const result = acc.result();
    expect(result.quarantined).toHaveLength(3);
    expect(stock(result, 'old').warnings.map((w) => w.code)).toEqual(['QUARANTINED_DOCUMENT']);
  });
});
