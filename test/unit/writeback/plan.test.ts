import { describe, expect, it } from 'vitest';
import { milli } from '../../../src/model/quantity.ts';
import type { CatalogueProduct } from '../../../src/model/types.ts';
import { applyNewDocuments, salesAfterWrite } from '../../../src/writeback/guard.ts';
import { buildPlanItems, buildUndoItems, ManualValueError, parseManual, settleUnchanged, type CloudCatalogue } from '../../../src/writeback/plan.ts';
import type { ComputedProduct, CreatePlanStore, GuardAdjustment, JournalItem } from '../../../src/writeback/types.ts';
import { exportReviewCsv } from '../../../src/writeback/index.ts';
import { reviewCsvRows } from '../../../src/writeback/report.ts';

const T0 = Date.UTC(2025, 2, 12, 10, 0);

function cloud(entries: [string, number | null, Partial<CatalogueProduct>?][]): CloudCatalogue {
  return new Map(entries.map(([id, q, extra]) => [id, {
    product: { id, name: `name ${id}`, code: id.toUpperCase(), type: 'NORMAL', measureName: 'шт', quantity: q === null ? null : milli(q), parentId: null, isGroup: false, tracked: true, ...extra },
    raw: { uuid: id, name: `name ${id}`, quantity: q, price: 1 },
  }]));
}

const resolved = (productId: string, quantity: string): ComputedProduct => ({ productId, quantity, status: 'resolved', rule: 'SELL', warnings: [{ code: 'LEDGER_DIFFERS', value: '3' }] });
const undecided = (productId: string): ComputedProduct => ({ productId, quantity: null, status: 'unresolved' });

function store(computed: ComputedProduct[], over: Partial<CreatePlanStore> = {}): CreatePlanStore {
  return { storeId: 'S', api: 'v2', cutoff: T0, computed, approved: 'all-resolved', ...over };
}

const byId = (items: JournalItem[]) => new Map(items.map((i) => [i.productId, i]));

describe('buildPlanItems', () => {
  it('plans only approved products whose value differs; the rest is kept with a reason', () => {
    const items = byId(settleUnchanged(buildPlanItems(store([
      resolved('a', '7'), resolved('b', '2'), undecided('c'), { productId: 'd', quantity: null, status: 'not_tracked' }, resolved('e', '1'),
    ]), 'R', cloud([['a', 0], ['b', 2000], ['c', 5000], ['d', null, { tracked: false }]]), 1), 1));
    expect(items.get('a')).toMatchObject({ status: 'pending', before: 0, target: 7000, computed: 7000, name: 'name a', code: 'A' });
    expect(items.get('b')).toMatchObject({ status: 'unchanged', target: 2000 });
    expect(items.get('c')).toMatchObject({ status: 'skipped', reason: 'undecided', target: null });
    expect(items.get('d')).toMatchObject({ status: 'skipped', reason: 'not-tracked' });
    expect(items.get('e')).toMatchObject({ status: 'skipped', reason: 'not-in-cloud' });
    expect(items.get('a')!.warnings).toEqual(['LEDGER_DIFFERS: 3']);
  });

  it('with a list of approvals, leaves the others out; a manual value approves and wins', () => {
    const items = byId(buildPlanItems(store([resolved('a', '7'), resolved('b', '3'), undecided('c'), resolved('d', '4')], {
      approved: ['A'], manual: { c: '1,5', d: '−2' },
    }), 'R', cloud([['a', 0], ['b', 0], ['c', 0], ['d', 0]]), 1));
    expect(items.get('a')!.status).toBe('pending');
    expect(items.get('b')).toMatchObject({ status: 'skipped', reason: 'not-approved' });
    expect(items.get('c')).toMatchObject({ status: 'pending', manual: 1500, target: 1500, computed: null });
    expect(items.get('d')).toMatchObject({ status: 'pending', manual: -2000, target: -2000, computed: 4000 });
  });

  it('writes a product whose cloud quantity is unknown (cannot tell it is unchanged)', () => {
    const items = settleUnchanged(buildPlanItems(store([resolved('a', '0')]), 'R', cloud([['a', null]]), 1), 1);
    expect(items[0]).toMatchObject({ status: 'pending', before: null, target: 0 });
  });

  it('skips values beyond 7 integer digits and refuses malformed manual values', () => {
    expect(buildPlanItems(store([resolved('a', '10000000')]), 'R', cloud([['a', 0]]), 1)[0]).toMatchObject({ status: 'skipped', reason: 'out-of-range' });
    expect(() => parseManual('x', '1.2345')).toThrow(ManualValueError);
    expect(() => parseManual('x', 'abc')).toThrow(ManualValueError);
    expect(parseManual('x', '12 345,5')).toBe(12_345_500);
  });

  it('keeps the complete V1 product as read, and nothing for V2', () => {
    expect(buildPlanItems(store([resolved('a', '7')], { api: 'v1' }), 'R', cloud([['a', 0]]), 1)[0]!.v1Product).toEqual({ uuid: 'a', name: 'name a', quantity: 0, price: 1 });
    expect(buildPlanItems(store([resolved('a', '7')]), 'R', cloud([['a', 0]]), 1)[0]!.v1Product).toBeNull();
  });
});

describe('guard: documents after the cut-off move the targets', () => {
  const sell = (id: string, at: number, lines: [string, number, string?][], type = 'SELL', body: Record<string, unknown> = {}) => ({
    id, type, number: 10, close_date: new Date(at).toISOString(), device_id: 'dev', body: { positions: lines.map(([p, q, s]) => ({ product_id: p, quantity: q, initial_quantity: 9, ...(s ? { settlement_method: { type: s } } : {}) })), ...body },
  });
  const planned = () => buildPlanItems(store([resolved('a', '7'), resolved('b', '3'), resolved('c', '5')]), 'R', cloud([['a', 0], ['b', 0], ['c', 0]]), 1);

  it('a sale of 2 after the cut-off lowers the target by 2, a return raises it; older documents are ignored', () => {
    const out = applyNewDocuments([
      sell('old', T0 - 1000, [['a', 5]]),
      sell('s1', T0 + 1000, [['a', 2]]),
      sell('r1', T0 + 2000, [['a', 1]], 'PAYBACK'),
    ], 'v2', planned(), [], T0, 5);
    const a = out.items.find((i) => i.productId === 'a')!;
    expect(a.target).toBe(6000);
    expect(a.adjustments.map((x) => [x.document.id, x.kind, x.quantity, x.from, x.to])).toEqual([
      ['s1', 'delta', -2000, 7000, 5000], ['r1', 'delta', 1000, 5000, 6000],
    ]);
    expect(a.adjustments[0]!.note).toMatch(/^Продажа №10 от .*: -2$/);
    expect(out.moved).toEqual([expect.objectContaining({ productId: 'a', from: 7000, to: 6000 })]);
    expect(out.seenIds.sort()).toEqual(['r1', 's1']);
    expect(out.changed).toHaveLength(1);
  });

  it('never applies a document twice', () => {
    const first = applyNewDocuments([sell('s1', T0 + 1000, [['a', 2]])], 'v2', planned(), [], T0, 5);
    const second = applyNewDocuments([sell('s1', T0 + 1000, [['a', 2]])], 'v2', first.items, first.seenIds, T0, 6);
    expect(second.changed).toHaveLength(0);
    expect(second.items.find((i) => i.productId === 'a')!.target).toBe(5000);
  });

  it('a prepayment moves nothing (same rule as the computation)', () => {
    const out = applyNewDocuments([sell('s1', T0 + 1000, [['a', 2, 'FULL_PREPAYMENT']])], 'v2', planned(), [], T0, 5);
    expect(out.changed).toHaveLength(0);
  });

  it('an inventory sets the count; a complete one sets unlisted tracked products to 0', () => {
    const out = applyNewDocuments([
      sell('inv', T0 + 1000, [['a', 4]], 'INVENTORY', { complete_inventory: true }),
    ], 'v2', planned(), [], T0, 5);
    const t = byId(out.items);
    expect(t.get('a')!.target).toBe(4000);
    expect(t.get('b')!.target).toBe(0);
    expect(t.get('c')!.adjustments[0]).toMatchObject({ kind: 'set', quantity: 0 });
  });

  it('a malformed new document that lists a product sends it to review instead of guessing', () => {
    const broken = { id: 'bad', type: 'SELL', close_date: new Date(T0 + 1000).toISOString(), body: { positions: [{ product_id: 'b', quantity: 'lots' }] } };
    const out = applyNewDocuments([broken], 'v2', planned(), [], T0, 5);
    expect(byId(out.items).get('b')).toMatchObject({ status: 'skipped', reason: 'needs-review' });
    expect(out.moved[0]).toMatchObject({ productId: 'b', to: null });
  });

  it('leaves written, verified and skipped products alone', () => {
    const items = planned().map((i) => (i.productId === 'a' ? { ...i, status: 'verified' as const } : i));
    const out = applyNewDocuments([sell('s1', T0 + 1000, [['a', 2]])], 'v2', items, [], T0, 5);
    expect(out.changed).toHaveLength(0);
    expect(out.seenIds).toEqual(['s1']);
  });

  it('then settleUnchanged drops a product whose moved target equals the cloud', () => {
    // computed 7 at the cut-off; a sale of 2 since, and the cloud already shows 5.
    const items = buildPlanItems(store([resolved('a', '7')]), 'R', cloud([['a', 5000]]), 1);
    const out = applyNewDocuments([sell('s1', T0 + 1000, [['a', 2]])], 'v2', items, [], T0, 5);
    expect(settleUnchanged(out.items, 6)[0]).toMatchObject({ status: 'unchanged', target: 5000 });
  });
});

describe('salesAfterWrite: new documents of a product already written (the cloud moves its stock by each on arrival)', () => {
  const adj = (kind: 'delta' | 'set', quantity: number): GuardAdjustment => ({ document: { id: 'd', type: 'SELL', number: 1, closeTime: T0, deviceId: 'dev', timeZoneOffset: null }, kind, quantity: milli(quantity), from: milli(0), to: milli(0), note: '' });
  const sales = [adj('delta', -1000), adj('delta', -2000)];

  it('the cloud shows our target less every sale: they came after the PATCH, nothing to write (never counted twice)', () => {
    expect(salesAfterWrite(milli(7000), sales, milli(4000))).toEqual({ verdict: 'applied', to: milli(4000) });
  });

  it('the cloud shows our target itself, or less only the later sale: the PATCH erased the earlier ones, write the target less all', () => {
    expect(salesAfterWrite(milli(7000), sales, milli(7000))).toEqual({ verdict: 'erased', to: milli(4000), erased: 2 });
    expect(salesAfterWrite(milli(7000), sales, milli(5000))).toEqual({ verdict: 'erased', to: milli(4000), erased: 1 });
  });

  it('an inventory among them sets the count; a value no suffix explains is left unclear (reported, not written)', () => {
    expect(salesAfterWrite(milli(7000), [adj('set', 10000), adj('delta', -1000)], milli(6000))).toEqual({ verdict: 'erased', to: milli(9000), erased: 1 });
    expect(salesAfterWrite(milli(7000), sales, milli(100000))).toEqual({ verdict: 'unclear', to: milli(4000) });
    expect(salesAfterWrite(milli(7000), sales, null)).toEqual({ verdict: 'unclear', to: milli(4000) });
  });
});

describe('buildUndoItems', () => {
  it('restores the quantity before for each product whose write may have landed', () => {
    const original = buildPlanItems(store([resolved('a', '7'), resolved('b', '3'), resolved('c', '5')]), 'R', cloud([['a', 1000], ['b', 0], ['c', null]]), 1);
    const done = original.map((i): JournalItem => i.productId === 'b' ? i : { ...i, status: 'verified', written: i.target });
    const undo = byId(buildUndoItems(done, 'U', cloud([['a', 7000], ['b', 0], ['c', 5000]]), 2));
    expect(undo.get('a')).toMatchObject({ runId: 'U', status: 'pending', base: 1000, target: 1000, before: 7000 });
    expect(undo.has('b')).toBe(false); // never written
    expect(undo.get('c')).toMatchObject({ status: 'skipped', reason: 'undecided' }); // no quantity before known
  });
});

describe('review CSV (before any plan)', () => {
  it('shows computed against the cloud as pulled, with what would be written', () => {
    const rows = reviewCsvRows([store([
      { ...resolved('a', '7'), cloudQuantity: '0', name: 'Молоко' },
      { ...resolved('b', '2'), cloudQuantity: '2' },
      { ...undecided('c'), cloudQuantity: '5' },
      { ...undecided('d'), cloudQuantity: '1' },
    ], { manual: { d: '3,5' } })]);
    expect(rows.map((r) => [r.productId, r.before, r.computed, r.status, r.reason, r.rule])).toEqual([
      ['a', 0, 7000, 'pending', null, 'SELL'],
      ['b', 2000, 2000, 'unchanged', null, 'SELL'],
      ['c', 5000, null, 'skipped', 'undecided', null],
      ['d', 1000, 3500, 'pending', null, 'manual'],
    ]);
    const csv = exportReviewCsv([store([{ ...resolved('a', '-7'), cloudQuantity: '0', name: '=cmd' }])]);
    expect(csv).toContain(`"'=cmd";0;-7;;`);
  });
});
