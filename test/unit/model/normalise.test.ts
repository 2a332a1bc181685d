import { describe, expect, it } from 'vitest';
import { normaliseDocument, normaliseProduct } from '../../../src/model/normalise.ts';
import { FREE_PRICE_PRODUCT_ID, type NormalisedDocument, type QuarantinedDocument } from '../../../src/model/types.ts';
import { BASE_TIME, DEVICE, line, TZ_MSK, v1Doc, v1Product, v2Doc, v2Product } from '../stock/fixtures.ts';

function ok(raw: unknown, api: 'v2' | 'v1' = 'v2'): NormalisedDocument {
  const result = normaliseDocument(raw, api);
  if (!result.ok) throw new Error(`quarantined: ${result.quarantined.reason}`);
  return result.doc;
}

function bad(raw: unknown, api: 'v2' | 'v1' = 'v2'): QuarantinedDocument & { productIds: string[] } {
  const result = normaliseDocument(raw, api);
  if (result.ok) throw new Error('expected quarantine');
  return result.quarantined;
}

describe('normaliseDocument V2', () => {
  it('meta and lines', () => {
    const doc = ok(v2Doc('SELL', [line('p1', '1.5', '10', { settlement_method: { type: 'FULL_PREPAYMENT', amount: 0 } }), line(null, 1)], { id: 'D', number: 7 }));
    expect(doc.meta).toEqual({
      id: 'D', type: 'SELL', rawType: 'SELL', closeTime: BASE_TIME, timeZoneOffset: TZ_MSK, deviceId: DEVICE, number: 7, storeId: 'STORE',
    });
    expect(doc.lines).toEqual([
      { index: 0, productId: 'p1', productType: 'NORMAL', quantity: 1500, stockBefore: 10_000, settlementMethod: 'FULL_PREPAYMENT', productName: 'Товар p1' },
      { index: 1, productId: null, productType: 'NORMAL', quantity: 1000, stockBefore: null, settlementMethod: null, productName: 'Товар null' },
    ]);
  });

  // evotor-api.md §10: measure_precision gives the decimals a product's quantity may have (0 for pieces).
  it('reads measure_precision as the decimals the unit allows, and leaves an unreadable one out', () => {
    const doc = ok(v2Doc('SELL', [
      line('p1', 1.5, 10, { measure_precision: 0 }), line('p2', 1, 10, { measure_precision: '2' }),
      line('p3', 0.125, 10, { measure_precision: 3 }), line('p4', 1.5, 10, { measure_precision: 7 }), line('p5', 1.5, 10),
      line('p6', 1.5, 10, { measure_precision: 'x' }), line('p7', 1.5, 10, { measure_precision: -1 }), line('p8', 1.5, 10, { measure_precision: 0.5 }),
    ]));
    // Above 3 allows what 3 allows: the Cloud keeps thousandths (§3).
    expect(doc.lines.map((l) => l.measurePrecision)).toEqual([0, 2, 3, 3, undefined, undefined, undefined, undefined]);
  });

  // evotor-api.md §10 [C]: "product_id is absent on free-price lines"; §4: or the reserved id.
  it('free-price lines need no product id and no quantity', () => {
    const doc = ok(v2Doc('SELL', [{ product_name: 'Свободная цена', price: 50 }, { product_id: FREE_PRICE_PRODUCT_ID, product_name: 'Свободная цена' }, line('p', 1, 2)]));
    expect(doc.lines.map((l) => [l.productId, l.quantity])).toEqual([[null, 0], [FREE_PRICE_PRODUCT_ID, 0], ['p', 1000]]);
  });

  // evotor-api.md §10 [C]: the documentation's samples wrap items, {"position": …} and {"payment": …}; real JSON is flat.
  it('reads wrapped positions (and their sub-positions) and wrapped payments like flat ones', () => {
    const flat = v2Doc('SELL', [line('set', 1, 0, { sub_positions: [line('c1', 2, 5)] }), line('p', 1, 3)], { id: 'W', body: { payments: [{ type: 'ADVANCE', sum: 1 }] } });
    const wrapped = {
      ...flat,
      body: {
        positions: flat.body.positions.map((p) => ({ position: p.sub_positions ? { ...p, sub_positions: p.sub_positions.map((c) => ({ position: c })) } : p })),
        payments: [{ payment: { type: 'ADVANCE', sum: 1, app_info: { name: 'По предоплате' } } }],
      },
    };
    expect(ok(wrapped)).toEqual(ok(flat));
    expect(ok(wrapped).meta.paidByAdvance).toBe(true);
    expect(bad({ ...flat, body: { positions: [{ position: { product_id: 'p', quantity: 'abc' } }] } }).reason).toMatch(/^body\.positions\[0\]\.position\.quantity: /);
  });

  it('keeps created_at when it is readable, and never rejects a document for it', () => {
    expect(ok({ ...v2Doc('SELL', []), created_at: '2025-02-02T10:18:10.007+0000' }).meta.createdTime).toBe(Date.UTC(2025, 1, 2, 10, 18, 10, 7));
    expect(ok({ ...v2Doc('SELL', []), created_at: 'later' }).meta.createdTime).toBeUndefined();
  });

  it('unknown type is kept as UNKNOWN with its raw name; lower case types are read', () => {
    expect(ok(v2Doc('MOVE', [])).meta).toMatchObject({ type: 'UNKNOWN', rawType: 'MOVE' });
    // evotor-api.md §10 [S]: CORRECTION (чек коррекции) is seen in real documents, so it is a known type.
    expect(ok(v2Doc('CORRECTION', [])).meta).toMatchObject({ type: 'CORRECTION', rawType: 'CORRECTION' });
    expect(ok(v2Doc('sell', [])).meta).toMatchObject({ type: 'SELL', rawType: 'sell' });
  });

  it('sub-positions become lines with parentIndex; the set gets hasSubPositions; components inherit settlement', () => {
    const doc = ok(v2Doc('SELL', [
      line('set', 1, 0, { settlement_method: { type: 'ADVANCE' }, sub_positions: [line('c1', 2, 5), line('c2', 1, 3, { settlement_method: 'FULL_SETTLEMENT' })] }),
      line('p', 1, 1),
    ]));
    expect(doc.lines.map((l) => [l.index, l.productId, l.parentIndex, l.hasSubPositions, l.settlementMethod])).toEqual([
      [0, 'set', undefined, true, 'ADVANCE'],
      [1, 'c1', 0, undefined, 'ADVANCE'],
      [2, 'c2', 0, undefined, 'FULL_SETTLEMENT'],
      [3, 'p', undefined, undefined, null],
    ]);
  });

  it('complete_inventory: true, false, "false", absent', () => {
    expect(ok(v2Doc('INVENTORY', [], { body: { complete_inventory: true } })).meta.completeInventory).toBe(true);
    expect(ok(v2Doc('INVENTORY', [], { body: { complete_inventory: 'false' } })).meta.completeInventory).toBe(false);
    expect(ok(v2Doc('INVENTORY', [])).meta.completeInventory).toBeUndefined();
  });

  it('time_zone_offset that is not a number is dropped, not fatal', () => {
    expect(ok(v2Doc('SELL', [], { tz: 'garbage' as never })).meta.timeZoneOffset).toBeNull();
    expect(ok(v2Doc('SELL', [], { tz: null })).meta.timeZoneOffset).toBeNull();
  });

  it('REVALUATION positions without quantity are fine', () => {
    const doc = ok(v2Doc('REVALUATION', [{ product_id: 'p', code: '1', price: { before: 1, after: 2 } }]));
    expect(doc.lines).toHaveLength(1);
  });

  it.each([
    ['missing id', (d: Record<string, unknown>) => ({ ...d, id: undefined }), /id/],
    ['empty id', (d: Record<string, unknown>) => ({ ...d, id: '' }), /id/],
    ['bad close_date', (d: Record<string, unknown>) => ({ ...d, close_date: '32.13.2025' }), /close_date/],
    ['missing close_date', (d: Record<string, unknown>) => ({ ...d, close_date: undefined }), /close_date/],
    ['quantity "abc"', (d: Record<string, unknown>) => ({ ...d, body: { positions: [line('p1', 'abc', 1)] } }), /positions\[0\]\.quantity/],
    ['4 decimals', (d: Record<string, unknown>) => ({ ...d, body: { positions: [line('p1', '0.0001', 1)] } }), /3 decimal/],
    ['initial_quantity "x"', (d: Record<string, unknown>) => ({ ...d, body: { positions: [line('p1', 1, 'x')] } }), /initial_quantity/],
    ['positions not an array', (d: Record<string, unknown>) => ({ ...d, body: { positions: { product_id: 'p1', quantity: 1 } } }), /positions/],
    ['missing quantity', (d: Record<string, unknown>) => ({ ...d, body: { positions: [{ product_id: 'p1', initial_quantity: 1 }] } }), /quantity: missing/],
    ['bad sub-position', (d: Record<string, unknown>) => ({ ...d, body: { positions: [line('s', 1, 0, { sub_positions: [line('p1', 'many', 1)] })] } }), /sub_positions\[0\]\.quantity/],
  ])('quarantines %s with a reason and the product ids it mentions', (_name, mutate, reason) => {
    const raw = mutate(v2Doc('SELL', [line('p1', 1, 5)], { id: 'Q1' }) as unknown as Record<string, unknown>);
    const q = bad(raw);
    expect(q.reason).toMatch(reason);
    expect(q.productIds).toContain('p1');
  });

  it('quarantine keeps what it can read and never throws on garbage', () => {
    for (const raw of [null, undefined, 42, 'SELL', [], { type: 'SELL' }, { body: { positions: [{ product_id: 'x' }] } }]) {
      const result = normaliseDocument(raw, 'v2');
      expect(result.ok).toBe(false);
    }
    const q = bad({ id: 'D', type: 'SELL', close_date: '2025-01-01T00:00:00Z', body: { positions: [{ product_id: FREE_PRICE_PRODUCT_ID, quantity: 'x' }, { product_id: 'a', quantity: 'y' }] } });
    expect(q).toMatchObject({ id: 'D', type: 'SELL', closeTime: Date.UTC(2025, 0, 1), productIds: ['a'] });
    const hostile = { id: 'H', type: 'SELL', close_date: 'x', get body(): never { throw new Error('boom'); } };
    expect(normaliseDocument(hostile, 'v2').ok).toBe(false);
  });
});

describe('normaliseDocument V1', () => {
  it('REGISTER_POSITION lines with balanceQuantity as stock before; payments and discounts ignored', () => {
    const doc = ok(v1Doc('PAYBACK', [{ uuid: 'p1', quantity: -1, balance: 10 }], { uuid: 'U', number: 3 }), 'v1');
    expect(doc.meta).toMatchObject({ id: 'U', type: 'PAYBACK', closeTime: BASE_TIME, timeZoneOffset: null, deviceId: DEVICE, number: 3 });
    expect(doc.lines).toEqual([
      { index: 0, productId: 'p1', productType: 'NORMAL', quantity: -1000, stockBefore: 10_000, settlementMethod: null, productName: 'Товар p1', code: '1', measureName: 'шт' },
    ]);
  });

  it('INVENTORY transactions, balanceQuantity as a string', () => {
    const doc = ok(v1Doc('INVENTORY', [{ uuid: 'p1', quantity: 12, balance: '10' }]), 'v1');
    expect(doc.lines[0]).toMatchObject({ quantity: 12_000, stockBefore: 10_000 });
    expect(doc.meta.completeInventory).toBeUndefined();
  });

  it('free-price commodity null is a line without product id', () => {
    expect(ok(v1Doc('SELL', [{ uuid: null, quantity: 1, balance: 0 }]), 'v1').lines[0]!.productId).toBeNull();
  });

  it('quarantines a V1 document with a bad position and names its products', () => {
    const q = bad(v1Doc('SELL', [{ uuid: 'p1', quantity: 'lots', balance: 1 }, { uuid: 'p2', quantity: 1, balance: 1 }]), 'v1');
    expect(q.reason).toMatch(/transactions\[1\]\.quantity/);
    expect(q.productIds).toEqual(['p1', 'p2']);
    expect(bad({ ...v1Doc('SELL', []), uuid: undefined }, 'v1').reason).toMatch(/uuid/);
  });
});

describe('normaliseProduct', () => {
  it.each([
    ['v2', v2Product('a'), true, undefined],
    ['v2', v2Product('s', { type: 'SERVICE' }), false, 'service'],
    ['v2', { id: 'g', name: 'Группа', group: true }, false, 'group'],
    ['v2', v2Product('m', { has_variants: true }), false, 'has_modifications'],
    ['v2', v2Product('t', { type: 'TOBACCO_MARKED' }), true, undefined],
    ['v1', v1Product('a'), true, undefined],
    ['v1', v1Product('g', { group: true }), false, 'group'],
    ['v1', v1Product('m', { group: true, hasVariants: true }), false, 'has_modifications'],
    ['v1', v1Product('s', { type: 'SERVICE' }), false, 'service'],
  ] as const)('%s %j -> tracked %s', (api, raw, tracked, reason) => {
    const result = normaliseProduct(raw, api);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.product.tracked).toBe(tracked);
    expect(result.product.notTrackedReason).toBe(reason);
  });

  it('reads the cloud quantity exactly and reports an odd one without dropping the product', () => {
    const good = normaliseProduct(v2Product('a', { quantity: '0.875', code: 17 }), 'v2');
    expect(good.ok && good.product).toMatchObject({ quantity: 875, code: '17', measureName: 'шт', name: 'Товар a' });
    const odd = normaliseProduct(v2Product('a', { quantity: 'lots' }), 'v2');
    expect(odd.ok && odd.product.quantity).toBeNull();
    expect(odd.ok && odd.warnings[0]).toMatch(/lots/);
  });

  it('rejects a product without id', () => {
    expect(normaliseProduct({ name: 'x' }, 'v2')).toMatchObject({ ok: false, id: null });
    expect(normaliseProduct({ id: 'x' }, 'v1')).toMatchObject({ ok: false });
    expect(normaliseProduct(null, 'v1')).toMatchObject({ ok: false });
  });
});

describe('hostile payloads', () => {
  it('a proxy that throws on every read is quarantined, not thrown', () => {
    const hostile = new Proxy({}, { get() { throw new Error('no'); }, ownKeys() { throw new Error('no'); }, has() { throw new Error('no'); } });
    const doc = normaliseDocument(hostile, 'v2');
    expect(doc).toMatchObject({ ok: false, quarantined: { id: null, type: null, closeTime: null, productIds: [] } });
    expect(normaliseDocument(hostile, 'v1').ok).toBe(false);
    expect(normaliseProduct(hostile, 'v2').ok).toBe(false);
  });
});
