/**
 * Property tests: a simulated store whose true stock we know, documents written the way a single terminal writes
 * them (initial_quantity = the simulated stock before), and the computation must give exactly the simulated stock,
 * in any input order, page by page, and with malformed documents mixed in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatQuantity, type Milli } from '../../../src/model/quantity.ts';
import { computeStock, createStockAccumulator, type StockResult } from '../../../src/stock/index.ts';
import { evotorDate, shuffled, v2Product } from './fixtures.ts';

const RECEIPTS = ['SELL', 'PAYBACK', 'BUY', 'BUYBACK'] as const;
const MOVES = [...RECEIPTS, 'ACCEPT', 'RETURN', 'WRITE_OFF'] as const;
const DOWN = new Set(['SELL', 'BUYBACK', 'RETURN', 'WRITE_OFF']);
const QUIET = ['REVALUATION', 'CASH_INCOME', 'OPEN_SESSION', 'Z_REPORT', 'OPEN_TARE', 'SOMETHING_NEW'] as const;
/** Spellings and whether they hand goods over. */
const SETTLEMENTS: [unknown, boolean][] = [
  [undefined, true], [{ type: 'FULL_SETTLEMENT' }, true], [{ type: 'FULL_PREPAYMENT' }, false], [{ type: 'PrepaymentPartial' }, false],
  [{ type: 'ADVANCE' }, false], [{ type: 'CREDIT_PAYMENT' }, false], [{ type: 'Lend' }, true], [{ type: 'partial-settlement' }, true], [{ type: 7 }, false],
];
const START = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;

interface LineSpec { product: number; quantity: number; negative: boolean; asString: boolean; settlement: number }
interface DocSpec {
  kind: 'move' | 'inventory' | 'quiet' | 'set';
  type: string;
  lines: LineSpec[];
  complete: boolean | undefined;
  gapDays: number;
}

const lineSpec = (products: number, weighted: boolean[]) =>
  fc.record({
    product: fc.nat(products - 1),
    quantity: fc.integer({ min: 0, max: 20_000 }),
    negative: fc.boolean(),
    asString: fc.boolean(),
    settlement: fc.nat(SETTLEMENTS.length - 1),
  }).map((l) => ({ ...l, quantity: weighted[l.product] ? l.quantity : Math.round(l.quantity / 1000) * 1000 }));

const docSpec = (products: number, weighted: boolean[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('move' as const), type: fc.constantFrom(...MOVES), lines: fc.array(lineSpec(products, weighted), { minLength: 1, maxLength: 4 }), complete: fc.constant(undefined), gapDays: fc.nat(3) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('inventory' as const), type: fc.constant('INVENTORY'), lines: fc.array(lineSpec(products, weighted), { maxLength: 3 }), complete: fc.option(fc.boolean(), { nil: undefined }), gapDays: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('quiet' as const), type: fc.constantFrom(...QUIET), lines: fc.array(lineSpec(products, weighted), { maxLength: 2 }), complete: fc.constant(undefined), gapDays: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), type: fc.constant('SELL'), lines: fc.array(lineSpec(products, weighted), { minLength: 1, maxLength: 3 }), complete: fc.constant(undefined), gapDays: fc.nat(3) }) },
  );

const history = fc
  .record({ products: fc.integer({ min: 1, max: 6 }), weightedSeed: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }) })
  .chain(({ products, weightedSeed }) =>
    fc.record({
      products: fc.constant(products),
      weighted: fc.constant(weightedSeed),
      initial: fc.array(fc.integer({ min: -5_000, max: 50_000 }), { minLength: products, maxLength: products }),
      docs: fc.array(docSpec(products, weightedSeed), { minLength: 1, maxLength: 25 }),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    }),
  );

type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

const pid = (i: number) => `p${i}`;
const KIT = 'kit';

function quantityJson(milli: number, negative: boolean, asString: boolean): string | number {
  const text = formatQuantity((negative ? -milli : milli) as Milli);
  return asString ? text : Number(text);
}

/** Writes the documents a single terminal would write, and returns them with the true stock at the end. */
function simulate(h: History) {
  const truth = h.initial.map((q, i) => (h.weighted[i] ? q : Math.round(q / 1000) * 1000));
  let kitTruth = 0;
  const decided = new Set<string>();
  const docs: unknown[] = [];
  let time = START;
  h.docs.forEach((spec, n) => {
    time += spec.gapDays * DAY; // gap 0: same close time, the terminal's number orders them
    const before = [...truth];
    const kitBefore = kitTruth;
    const position = (l: LineSpec, extra: Record<string, unknown> = {}) => ({
      product_id: pid(l.product), product_type: 'NORMAL', product_name: `Товар ${l.product}`,
      quantity: quantityJson(l.quantity, l.negative && spec.kind !== 'inventory', l.asString),
      initial_quantity: quantityJson(before[l.product]!, false, l.asString),
      ...(SETTLEMENTS[l.settlement]![0] === undefined ? {} : { settlement_method: SETTLEMENTS[l.settlement]![0] }),
      ...extra,
    });
    let positions: unknown[];
    const body: Record<string, unknown> = {};
    if (spec.kind === 'move' || spec.kind === 'set') {
      const receipt = (RECEIPTS as readonly string[]).includes(spec.type);
      for (const l of spec.lines) {
        const moves = !receipt || SETTLEMENTS[l.settlement]![1];
        if (moves) truth[l.product] = truth[l.product]! + (DOWN.has(spec.type) ? -l.quantity : l.quantity);
        decided.add(pid(l.product));
      }
      positions = spec.kind === 'set'
        // One set line; its components carry their own settlement, the set none.
        ? [{ product_id: KIT, quantity: 1, initial_quantity: kitBefore, sub_positions: spec.lines.map((l) => position(l)) }]
        : spec.lines.map((l) => position(l));
    } else if (spec.kind === 'inventory') {
      const counted = new Map<number, number>();
      for (const l of spec.lines) counted.set(l.product, (counted.get(l.product) ?? 0) + l.quantity);
      for (const [product, count] of counted) {
        truth[product] = count;
        decided.add(pid(product));
      }
      if (spec.complete === true) {
        truth.forEach((_, i) => {
          if (!counted.has(i)) truth[i] = 0;
          decided.add(pid(i));
        });
        kitTruth = 0;
        decided.add(KIT);
      }
      if (spec.complete !== undefined) body.complete_inventory = spec.complete;
      positions = spec.lines.map((l) => position(l));
    } else {
      positions = spec.lines.map((l) => position(l)); // no effect on the truth
    }
    docs.push({
      type: spec.type, id: `d${n}`, number: n + 1, close_date: evotorDate(time), time_zone_offset: 10_800_000,
      device_id: 'T1', store_id: 'S', body: { positions, ...body },
    });
  });
  const expected = new Map<string, string | null>();
  truth.forEach((q, i) => expected.set(pid(i), decided.has(pid(i)) ? formatQuantity(q as Milli) : null));
  expected.set(KIT, decided.has(KIT) ? formatQuantity(kitTruth as Milli) : null);
  const products = [...truth.keys()].map((i) => v2Product(pid(i))).concat([v2Product(KIT), v2Product('svc', { type: 'SERVICE' })]);
  return { docs, products, expected };
}

const essentials = (result: StockResult) =>
  result.products.map((p) => ({ id: p.productId, quantity: p.quantity, status: p.status, decidedBy: p.decidedBy?.id ?? null }));

describe('property: random single-terminal histories', () => {
  it('give exactly the simulated stock, in any input order, with an unbroken chain', () => {
    fc.assert(
      fc.property(history, (h) => {
        const { docs, products, expected } = simulate(h);
        const result = computeStock({ api: 'v2', products, documents: shuffled(docs, h.seed) });
        for (const [id, quantity] of expected) {
          const p = result.products.find((x) => x.productId === id)!;
          expect(p.quantity, id).toBe(quantity);
          expect(p.status, id).toBe(quantity === null ? 'unresolved' : 'resolved');
          expect(p.chainBreaks, id).toEqual([]);
          if (quantity !== null) expect(p.ledgerQuantity, id).toBe(quantity);
        }
        expect(result.products.find((x) => x.productId === 'svc')!.status).toBe('not_tracked');
        expect(result.quarantined).toEqual([]);
        expect(computeStock({ api: 'v2', products: [...products].reverse(), documents: [...docs].reverse() })).toEqual(
          computeStock({ api: 'v2', products, documents: docs }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('the accumulator, fed pages in any order, agrees with computeStock', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 7 }), (h, pageSize) => {
        const { docs, products } = simulate(h);
        // Make some documents lack stock-before, so the derived path is exercised too.
        const thinned = docs.map((d, i) => (i % 3 === 1 ? stripStockBefore(d) : d));
        const full = computeStock({ api: 'v2', products, documents: thinned });
        const acc = createStockAccumulator({ api: 'v2', products });
        const order = shuffled(thinned, h.seed);
        for (let i = 0; i < order.length; i += pageSize) acc.addDocuments(order.slice(i, i + pageSize));
        const incremental = acc.result();
        expect(essentials(incremental)).toEqual(essentials(full));
        expect(incremental.skipped).toEqual(full.skipped);
        expect(incremental.history).toBe('newest-only');
        for (const p of incremental.products) {
          const f = full.products.find((x) => x.productId === p.productId)!;
          const ignore = new Set(['LEDGER_DIFFERS']);
          expect(p.warnings.map((w) => w.code).filter((c) => !ignore.has(c)), p.productId).toEqual(
            f.warnings.map((w) => w.code).filter((c) => !ignore.has(c)),
          );
          expect(p.derived).toEqual(f.derived);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('pages newest first: a product marked decided already has its final answer', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 20 }), (h, windowDays) => {
        const { docs, products } = simulate(h);
        const full = computeStock({ api: 'v2', products, documents: docs });
        const acc = createStockAccumulator({ api: 'v2', products });
        const times = docs.map((d) => Date.parse((d as { close_date: string }).close_date.replace('+0000', 'Z')));
        const newest = Math.max(...times);
        for (let until = newest + 1; until > START - windowDays * DAY; until -= windowDays * DAY) {
          const since = until - windowDays * DAY;
          acc.addDocuments(shuffled(docs.filter((_, i) => times[i]! >= since && times[i]! < until), h.seed));
          acc.setCoverage(since);
          const now = acc.result();
          for (const id of acc.decidedProductIds()) {
            const a = now.products.find((p) => p.productId === id)!;
            const f = full.products.find((p) => p.productId === id)!;
            expect({ q: a.quantity, d: a.decidedBy?.id }, id).toEqual({ q: f.quantity, d: f.decidedBy?.id });
          }
        }
        expect(essentials(acc.result())).toEqual(essentials(full));
        expect(acc.progress().undecided).toBe(full.products.filter((p) => p.status === 'unresolved').length);
      }),
      { numRuns: 200 },
    );
  });

  it('malformed documents never change a quantity, a status or a deciding document', () => {
    const malformed = fc.oneof(
      fc.constant({ type: 'SELL', close_date: '2024-06-01T00:00:00Z', body: { positions: [{ product_id: 'p0', quantity: 1, initial_quantity: 99 }] } }),
      fc.constant({ id: 'm2', type: 'SELL', close_date: 'завтра', body: { positions: [{ product_id: 'p0', quantity: 1, initial_quantity: 99 }] } }),
      fc.constant({ id: 'm3', type: 'ACCEPT', close_date: '2030-01-01T00:00:00Z', body: { positions: [{ product_id: 'p1', quantity: 'abc', initial_quantity: 0 }] } }),
      fc.constant({ id: 'm4', type: 'INVENTORY', close_date: '2030-01-01T00:00:00Z', body: { complete_inventory: true, positions: 'all' } }),
      fc.constant({ id: 'm5', type: 'SELL', close_date: '2030-01-01T00:00:00Z', body: { positions: [{ product_id: 'p0', quantity: '0.0001', initial_quantity: 5 }] } }),
      fc.constant({ id: 'm6', type: 'WRITE_OFF', close_date: '2030-01-01T00:00:00Z', body: { positions: [{ product_id: 'p2', initial_quantity: 5 }] } }),
      fc.anything(),
    );
    fc.assert(
      fc.property(history, fc.array(malformed, { maxLength: 4 }), (h, junk) => {
        const { docs, products } = simulate(h);
        const clean = computeStock({ api: 'v2', products, documents: docs });
        const dirty = computeStock({ api: 'v2', products, documents: shuffled([...docs, ...junk], h.seed) });
        expect(essentials(dirty)).toEqual(essentials(clean));
        expect(dirty.counts.quarantinedDocuments + dirty.counts.documentsRead).toBe(docs.length + junk.length);
      }),
      { numRuns: 200 },
    );
  });
});

function stripStockBefore(doc: unknown): unknown {
  const d = structuredClone(doc) as { type: string; body: { positions: Record<string, unknown>[] } };
  if (d.type === 'INVENTORY') return d;
  const strip = (p: Record<string, unknown>) => {
    delete p.initial_quantity;
    (p.sub_positions as Record<string, unknown>[] | undefined)?.forEach(strip);
  };
  d.body.positions.forEach(strip);
  return d;
}
