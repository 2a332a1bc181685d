import { needsAttention } from '../../../src/stock/warnings.ts';
import { describe, expect, it } from 'vitest';
import { computeStock, createStockAccumulator, toProductEvents, type StockResult } from '../../../src/stock/index.ts';
import { normaliseDocument } from '../../../src/model/normalise.ts';
import { FREE_PRICE_PRODUCT_ID } from '../../../src/model/types.ts';
import { line, minutes, shuffled, stock, v1Doc, v1Product, v2Doc, v2Product } from './fixtures.ts';

const v2 = (products: unknown[], documents: unknown[]): StockResult => computeStock({ api: 'v2', products, documents });
const codes = (result: StockResult, id: string) => stock(result, id).warnings.map((w) => w.code);

describe('the newest document decides', () => {
  it('older documents do not matter, whatever the input order', () => {
    const docs = [
      v2Doc('ACCEPT', [line('p', 10, 0)], { time: minutes(0), id: 'a' }),
      v2Doc('SELL', [line('p', 3, 10)], { time: minutes(10), id: 'b' }),
      v2Doc('PAYBACK', [line('p', 1, 7)], { time: minutes(20), id: 'c' }),
      v2Doc('SELL', [line('p', 2, 8)], { time: minutes(30), id: 'd' }),
    ];
    const expected = v2([v2Product('p')], docs);
    expect(stock(expected, 'p')).toMatchObject({ quantity: '6', rule: 'SELL', stockBefore: '8', movement: '-2', handled: '2', ledgerQuantity: '6', chainBreaks: [] });
    expect(stock(expected, 'p').decidedBy).toMatchObject({ id: 'd', type: 'SELL', closeTime: minutes(30) });
    for (let seed = 1; seed < 25; seed++) expect(v2([v2Product('p')], shuffled(docs, seed))).toEqual(expected);
  });

  it.each([
    ['device id', [{ device: 'B', number: 1, id: 'x' }, { device: 'A', number: 9, id: 'y' }], 'x'],
    ['number on one device', [{ device: 'A', number: 5, id: 'x' }, { device: 'A', number: 4, id: 'y' }], 'x'],
    ['document id', [{ device: 'A', number: 5, id: 'y' }, { device: 'A', number: 5, id: 'x' }], 'y'],
    ['device id case-insensitively', [{ device: 'b', number: 1, id: 'x' }, { device: 'A', number: 9, id: 'y' }], 'x'],
  ])('ties on close time are broken by %s', (_name, options, winner) => {
    const docs = options.map((o, i) => v2Doc('SELL', [line('p', 1, 10 + i * 10)], { time: minutes(5), ...o }));
    const forward = v2([v2Product('p')], docs);
    const backward = v2([v2Product('p')], [...docs].reverse());
    expect(stock(forward, 'p').decidedBy?.id).toBe(winner);
    expect(backward).toEqual(forward);
  });

  it('close dates in different spellings are compared as instants', () => {
    const a = { ...v2Doc('SELL', [line('p', 1, 10)], { id: 'a' }), close_date: '2025-03-12T14:00:00.000+03:00' }; // 11:00 UTC
    const b = { ...v2Doc('SELL', [line('p', 1, 20)], { id: 'b' }), close_date: Date.UTC(2025, 2, 12, 11, 30) };
    const c = { ...v2Doc('SELL', [line('p', 1, 30)], { id: 'c' }), close_date: '2025-03-12T11:15:00Z' };
    expect(stock(v2([v2Product('p')], [b, c, a]), 'p')).toMatchObject({ quantity: '19', decidedBy: expect.objectContaining({ id: 'b' }) });
  });
});

describe('inventories', () => {
  const catalogue = [v2Product('listed'), v2Product('unlisted'), v2Product('later'), v2Product('never'), v2Product('svc', { type: 'SERVICE' }), { id: 'grp', name: 'Группа', group: true }];
  const history = (complete: unknown) => [
    v2Doc('SELL', [line('listed', 1, 5), line('unlisted', 1, 5), line('later', 1, 5)], { time: minutes(0) }),
    v2Doc('INVENTORY', [line('listed', 12, 4)], { time: minutes(10), id: 'inv', body: complete === undefined ? {} : { complete_inventory: complete } }),
    v2Doc('SELL', [line('later', 1, 9)], { time: minutes(20) }),
  ];

  it('complete: listed = counted, unlisted tracked products = 0 (even with no documents), later documents still decide', () => {
    const result = v2(catalogue, history(true));
    expect(stock(result, 'listed')).toMatchObject({ quantity: '12', rule: 'INVENTORY', stockBefore: '4', setTo: '12' });
    expect(stock(result, 'unlisted')).toMatchObject({ quantity: '0', rule: 'INVENTORY_UNLISTED', decidedBy: expect.objectContaining({ id: 'inv', completeInventory: true }) });
    expect(stock(result, 'never')).toMatchObject({ quantity: '0', status: 'resolved', rule: 'INVENTORY_UNLISTED' });
    expect(stock(result, 'later')).toMatchObject({ quantity: '8', rule: 'SELL' });
    expect(stock(result, 'later').chainBreaks).toEqual([
      expect.objectContaining({ expected: '0', found: '9', size: '9', previous: expect.objectContaining({ id: 'inv' }) }),
    ]);
    expect(stock(result, 'svc')).toMatchObject({ status: 'not_tracked', quantity: null });
    expect(stock(result, 'grp')).toMatchObject({ status: 'not_tracked', quantity: null, notTrackedReason: 'group' });
  });

  it('partial: only listed products change', () => {
    const result = v2(catalogue, history(false));
    expect(stock(result, 'listed').quantity).toBe('12');
    expect(stock(result, 'unlisted')).toMatchObject({ quantity: '4', rule: 'SELL' });
    expect(stock(result, 'never')).toMatchObject({ quantity: null, status: 'unresolved' });
    expect(codes(result, 'unlisted')).not.toContain('INVENTORY_COMPLETENESS_UNKNOWN');
  });

  it('completeness not stated: treated as partial, and products it could have zeroed are flagged', () => {
    const result = v2(catalogue, history(undefined));
    expect(stock(result, 'unlisted')).toMatchObject({ quantity: '4' });
    expect(codes(result, 'unlisted')).toContain('INVENTORY_COMPLETENESS_UNKNOWN');
    expect(codes(result, 'never')).toContain('INVENTORY_COMPLETENESS_UNKNOWN');
    expect(codes(result, 'later')).not.toContain('INVENTORY_COMPLETENESS_UNKNOWN'); // decided after it
    expect(codes(result, 'listed')).not.toContain('INVENTORY_COMPLETENESS_UNKNOWN');
    expect(stock(result, 'unlisted').warnings.find((w) => w.code === 'INVENTORY_COMPLETENESS_UNKNOWN')?.doc?.id).toBe('inv');
  });

  it('V1 inventory (no completeness field) is partial', () => {
    const result = computeStock({ api: 'v1', products: [v1Product('a'), v1Product('b')], documents: [
      v1Doc('SELL', [{ uuid: 'b', quantity: 1, balance: 3 }], { time: minutes(0) }),
      v1Doc('INVENTORY', [{ uuid: 'a', quantity: '12.000', balance: '10' }], { time: minutes(5) }),
    ] });
    expect(stock(result, 'a').quantity).toBe('12');
    expect(stock(result, 'b').quantity).toBe('2');
    expect(codes(result, 'b')).toContain('INVENTORY_COMPLETENESS_UNKNOWN');
  });

  it('a newer complete inventory that lists the product replaces an older one that did not', () => {
    const result = v2([v2Product('p')], [
      v2Doc('INVENTORY', [], { time: minutes(0), body: { complete_inventory: true } }),
      v2Doc('INVENTORY', [line('p', 3, 0)], { time: minutes(5), body: { complete_inventory: true } }),
    ]);
    expect(stock(result, 'p')).toMatchObject({ quantity: '3', rule: 'INVENTORY', chainBreaks: [] });
  });

  it('several count lines of one product add up and are flagged', () => {
    const result = v2([v2Product('p')], [v2Doc('INVENTORY', [line('p', 2, 1), line('p', '0.5', 1)], { body: { complete_inventory: false } })]);
    expect(stock(result, 'p').quantity).toBe('2.5');
    expect(codes(result, 'p')).toContain('REPEATED_INVENTORY_LINE');
  });
});

describe('what is skipped and counted', () => {
  it('free-price lines, services, unknown products, groups', () => {
    const result = v2([v2Product('p'), v2Product('svc', { type: 'SERVICE' }), { id: 'grp', group: true, name: 'G' }], [
      v2Doc('SELL', [
        line(null, 1, 0), line(FREE_PRICE_PRODUCT_ID, 2, 0), line(FREE_PRICE_PRODUCT_ID.toUpperCase(), 1),
        line('svc', 1, 0), line('p', 1, 5, { product_type: 'SERVICE' }), line('grp', 1, 0),
        line('gone', 2, 7, { product_name: 'Удалённый товар', code: '42' }), line('p', 1, 5),
      ], { time: minutes(0) }),
      v2Doc('SELL', [line('gone', 1, 5)], { time: minutes(1) }),
    ]);
    expect(result.skipped).toMatchObject({ freePriceLines: 3, serviceLines: 2, notTrackedLines: 1, unknownProductLines: 2 });
    expect(result.skipped.unknownProducts).toEqual([{ productId: 'gone', name: 'Товар gone', code: '42', lines: 2, documents: 2 }]);
    expect(stock(result, 'p').quantity).toBe('4');
    expect(result.products.map((p) => p.productId)).toEqual(['grp', 'p', 'svc']);
  });

  it('unknown document types are ignored, counted by raw name, and flag the products they list', () => {
    const result = v2([v2Product('p')], [
      v2Doc('SELL', [line('p', 1, 5)], { time: minutes(0) }),
      v2Doc('MOVE', [line('p', 100, 100)], { time: minutes(5) }),
      v2Doc('MOVE', [], { time: minutes(6) }),
      v2Doc('TELEPORT', [], { time: minutes(7) }),
    ]);
    expect(stock(result, 'p').quantity).toBe('4');
    expect(result.skipped.unknownTypeDocuments).toBe(3);
    expect(result.skipped.unknownTypes).toEqual({ MOVE: 2, TELEPORT: 1 });
    expect(stock(result, 'p').warnings).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_DOCUMENT_TYPE', value: 'MOVE' }));
    expect(result.counts.byType).toEqual({ MOVE: 2, TELEPORT: 1, SELL: 1 });
  });

  // evotor-api.md §10 [S]: a CORRECTION (чек коррекции) fixes fiscal data, not goods.
  it('a correction receipt moves nothing, decides nothing and flags nothing; its row is there for the history', () => {
    const docs = [
      v2Doc('SELL', [line('p', 1, 5)], { time: minutes(0) }),
      v2Doc('CORRECTION', [line('p', 100, 100)], { time: minutes(5) }),
    ];
    const result = v2([v2Product('p')], docs);
    expect(stock(result, 'p')).toMatchObject({ quantity: '4', rule: 'SELL', warnings: [] });
    expect(result.skipped).toMatchObject({ unknownTypeDocuments: 0, noStockEffectDocuments: 1 });
    const read = normaliseDocument(docs[1]!, 'v2');
    if (!read.ok) throw new Error('not read');
    const events = toProductEvents(read.doc);
    expect(events.events).toMatchObject([{ productId: 'p', rule: 'CORRECTION', decides: false, movement: 0, warnings: [] }]);
  });

  it('OPEN_TARE moves nothing, does not decide, and flags the product', () => {
    const result = v2([v2Product('p'), v2Product('q')], [
      v2Doc('SELL', [line('p', 1, 5)], { time: minutes(0) }),
      v2Doc('OPEN_TARE', [line('p', 1, -1, { product_type: 'ALCOHOL_NOT_MARKED', tare_volume: 0.5 }), line('q', 1, 3)], { time: minutes(5) }),
    ]);
    expect(stock(result, 'p')).toMatchObject({ quantity: '4', rule: 'SELL' });
    expect(stock(result, 'q')).toMatchObject({ quantity: null, status: 'unresolved' });
    expect(codes(result, 'p')).toContain('OPEN_TARE_IGNORED');
    expect(result.skipped.openTareDocuments).toBe(1);
  });
});

describe('sets and several lines', () => {
  it('components move, the set line moves nothing and is counted; a component inherits the set settlement', () => {
    const result = v2([v2Product('set'), v2Product('c1'), v2Product('c2'), v2Product('c3')], [
      v2Doc('SELL', [
        line('set', 1, 50, { sub_positions: [line('c1', 2, 10), line('c2', '0.5', 3)] }),
        line('set', 1, 50, { settlement_method: { type: 'FULL_PREPAYMENT' }, sub_positions: [line('c3', 1, 4)] }),
      ]),
    ]);
    expect(stock(result, 'c1').quantity).toBe('8');
    expect(stock(result, 'c2').quantity).toBe('2.5');
    expect(stock(result, 'c3').quantity).toBe('4'); // prepaid set: components not handed over
    expect(stock(result, 'set')).toMatchObject({ quantity: null, status: 'unresolved' });
    expect(stock(result, 'set').warnings).toContainEqual(expect.objectContaining({ code: 'SET_HEADER', count: 2 }));
    expect(result.skipped.setHeaderLines).toBe(2);
  });

  it('several lines of one product: movements add up, stock before is the first line\'s', () => {
    const result = v2([v2Product('p')], [
      v2Doc('SELL', [line('p', 2, 10), line('q', 1, 1), line('p', '0.5', '8'), line('p', 1, 7.5, { settlement_method: { type: 'ADVANCE' } })]),
    ]);
    expect(stock(result, 'p')).toMatchObject({ quantity: '7.5', stockBefore: '10', movement: '-2.5', handled: '3.5' });
    expect(stock(result, 'p').settlements).toEqual([{ kind: 'advance', raw: 'ADVANCE', moves: false, quantity: '1' }]);
  });
});

describe('missing stock-before', () => {
  it('is derived from the newest earlier anchor plus later movements, and flagged', () => {
    const result = v2([v2Product('p')], [
      v2Doc('SELL', [line('p', 1, 10)], { time: minutes(0), id: 'anchor' }),
      v2Doc('SELL', [line('p', 2)], { time: minutes(5) }),
      v2Doc('PAYBACK', [line('p', '0.5')], { time: minutes(6), id: 'newest' }),
    ]);
    const p = stock(result, 'p');
    expect(p).toMatchObject({ quantity: '7.5', status: 'resolved', decidedBy: expect.objectContaining({ id: 'newest' }) });
    expect(p.derived).toMatchObject({ from: expect.objectContaining({ id: 'anchor' }), stock: '9', laterMovement: '-1.5', laterDocuments: 2 });
    expect(p.warnings).toContainEqual(expect.objectContaining({ code: 'MISSING_STOCK_BEFORE', count: 2 }));
  });

  it('an inventory anchors even without stock-before', () => {
    const result = v2([v2Product('p')], [v2Doc('INVENTORY', [line('p', 6)], { body: { complete_inventory: false } })]);
    expect(stock(result, 'p')).toMatchObject({ quantity: '6', derived: null });
  });

  it('without any anchor the product stays unresolved and says why', () => {
    const result = v2([v2Product('p')], [v2Doc('SELL', [line('p', 2)])]);
    expect(stock(result, 'p')).toMatchObject({ quantity: null, status: 'unresolved', decidedBy: null });
    expect(codes(result, 'p')).toContain('NO_STOCK_BEFORE');
  });
});

describe('chain and ledger', () => {
  it('reports each break with both documents and its size; the ledger adds every movement', () => {
    const result = v2([v2Product('p')], [
      v2Doc('SELL', [line('p', 3, 10)], { time: minutes(0), id: 'first' }), // 10 -> 7
      v2Doc('SELL', [line('p', 1, 9)], { time: minutes(5), id: 'second' }), // expected 7, found 9: +2
      v2Doc('WRITE_OFF', [line('p', '0.25', '7.5')], { time: minutes(9), id: 'third' }), // expected 8, found 7.5: -0.5
    ]);
    const p = stock(result, 'p');
    expect(p.quantity).toBe('7.25');
    expect(p.chainBreaks).toEqual([
      { previous: expect.objectContaining({ id: 'first' }), next: expect.objectContaining({ id: 'second' }), expected: '7', found: '9', size: '2' },
      { previous: expect.objectContaining({ id: 'second' }), next: expect.objectContaining({ id: 'third' }), expected: '8', found: '7.5', size: '-0.5' },
    ]);
    expect(p.ledgerQuantity).toBe('5.75');
    expect(p.ledger).toMatchObject({ base: 'first_stock_before', baseQuantity: '10', laterMovement: '-4.25', laterDocuments: 3 });
    expect(p.warnings).toContainEqual(expect.objectContaining({ code: 'LEDGER_DIFFERS', value: '5.75' }));
  });

  it('the ledger starts from the latest inventory', () => {
    const result = v2([v2Product('p')], [
      v2Doc('SELL', [line('p', 3, 100)], { time: minutes(0) }),
      v2Doc('INVENTORY', [line('p', 20, 97)], { time: minutes(5), id: 'inv', body: { complete_inventory: false } }),
      v2Doc('SELL', [line('p', 2, 20)], { time: minutes(6) }),
      v2Doc('ACCEPT', [line('p', 5, 18)], { time: minutes(7) }),
    ]);
    expect(stock(result, 'p')).toMatchObject({ quantity: '23', ledgerQuantity: '23', chainBreaks: [] });
    expect(stock(result, 'p').ledger).toMatchObject({ base: 'inventory', from: expect.objectContaining({ id: 'inv' }), baseQuantity: '20', laterMovement: '3', laterDocuments: 2 });
    expect(codes(result, 'p')).not.toContain('LEDGER_DIFFERS');
  });
});

describe('malformed input', () => {
  const good = [
    v2Doc('ACCEPT', [line('p', 10, 0), line('q', 4, 0)], { time: minutes(0) }),
    v2Doc('SELL', [line('p', 1, 10)], { time: minutes(5) }),
  ];
  const base = v2Doc('SELL', [line('p', 5, 100), line('r', 1, 1)], { time: minutes(60), id: 'bad' });
  const malformed: [string, unknown][] = [
    ['missing id', { ...base, id: undefined }],
    ['bad close_date', { ...base, close_date: 'вчера' }],
    ['quantity "abc"', { ...base, body: { positions: [line('p', 'abc', 100), line('r', 1, 1)] } }],
    ['4 decimals', { ...base, body: { positions: [line('p', '1.0001', 100), line('r', 1, 1)] } }],
    ['positions not an array', { ...base, body: { positions: 'p' } }],
    ['missing quantity', { ...base, body: { positions: [{ product_id: 'p', initial_quantity: 100 }, line('r', 1, 1)] } }],
    ['not an object', 'SELL p 5'],
    ['null', null],
  ];

  it.each(malformed)('%s: quarantined with a reason, never changes a quantity', (_name, raw) => {
    const clean = v2([v2Product('p'), v2Product('q'), v2Product('r')], good);
    const dirty = v2([v2Product('p'), v2Product('q'), v2Product('r')], [...good, raw]);
    expect(dirty.quarantined).toHaveLength(1);
    expect(dirty.quarantined[0]!.reason).not.toBe('');
    expect(dirty.counts.quarantinedDocuments).toBe(1);
    for (const id of ['p', 'q', 'r']) {
      expect(stock(dirty, id).quantity).toBe(stock(clean, id).quantity);
      expect(stock(dirty, id).status).toBe(stock(clean, id).status);
    }
  });

  it('products a quarantined document touches are flagged; one it alone touches stays unresolved', () => {
    const dirty = v2([v2Product('p'), v2Product('q'), v2Product('r')], [...good, malformed[2]![1]]);
    expect(codes(dirty, 'p')).toContain('QUARANTINED_DOCUMENT');
    expect(codes(dirty, 'r')).toContain('QUARANTINED_DOCUMENT');
    expect(codes(dirty, 'q')).not.toContain('QUARANTINED_DOCUMENT');
    expect(stock(dirty, 'r').status).toBe('unresolved');
    expect(dirty.quarantined[0]).toMatchObject({ id: 'bad', type: 'SELL', closeTime: minutes(60), productIds: ['p', 'r'] });
  });

  it('never throws, whatever it is given', () => {
    const junk = [undefined, null, 0, '', [], {}, { id: 1 }, { body: null }, Symbol.for('x'), () => 1, new Date(), [v2Doc('SELL', [])]];
    expect(() => computeStock({ api: 'v2', products: junk, documents: junk })).not.toThrow();
    expect(() => computeStock({ api: 'v1', products: junk, documents: junk })).not.toThrow();
    expect(() => computeStock({ api: 'v2', products: null as never, documents: undefined as never })).not.toThrow();
    const result = computeStock({ api: 'v2', products: [{ name: 'без id' }, v2Product('p')], documents: [] });
    expect(result.quarantinedProducts).toEqual([{ id: null, reason: expect.stringMatching(/id/) }]);
    expect(result.products.map((p) => p.productId)).toEqual(['p']);
  });
});

describe('catalogue and output', () => {
  it('every catalogue product is present, sorted by id; ids match case-insensitively', () => {
    const result = v2([v2Product('B-2'), v2Product('a-1'), v2Product('c-3')], [v2Doc('SELL', [line('b-2', 1, 3), line('A-1', 1, 1)])]);
    expect(result.products.map((p) => [p.productId, p.quantity])).toEqual([['a-1', '0'], ['B-2', '2'], ['c-3', null]]);
    expect(result.counts).toMatchObject({ products: 3, resolved: 2, unresolved: 1, notTracked: 0 });
  });

  it('a product that other products name as parent keeps no stock (modifications are counted instead)', () => {
    const result = v2([v2Product('parent'), v2Product('m1', { parent_id: 'parent' }), v2Product('m2', { parent_id: 'parent' })], [
      v2Doc('SELL', [line('m1', 1, 5), line('parent', 1, 5)]),
    ]);
    expect(stock(result, 'parent')).toMatchObject({ status: 'not_tracked', notTrackedReason: 'has_modifications' });
    expect(stock(result, 'm1').quantity).toBe('4');
    expect(result.skipped.notTrackedLines).toBe(1);
  });

  it('reports the cloud quantity beside the computed one', () => {
    const result = v2([v2Product('p', { quantity: '3.5' }), v2Product('odd', { quantity: 'lots' })], []);
    expect(stock(result, 'p').cloudQuantity).toBe('3.5');
    expect(codes(result, 'odd')).toContain('BAD_CLOUD_QUANTITY');
  });

  it('duplicate documents (overlapping pages) are read once', () => {
    const docs = [v2Doc('SELL', [line('p', 1, 10)], { time: minutes(0), id: 'x' }), v2Doc('SELL', [line('p', 1, 9)], { time: minutes(1), id: 'y' })];
    const result = v2([v2Product('p')], [...docs, ...docs, docs[0]]);
    expect(stock(result, 'p')).toMatchObject({ quantity: '8', ledgerQuantity: '8', documents: 2, chainBreaks: [] });
    expect(result.counts).toMatchObject({ documents: 5, documentsRead: 2, duplicateDocuments: 3 });
  });

  it('two different payloads with one id: one is kept whatever the order, and it is reported', () => {
    const a = v2Doc('SELL', [line('p', 1, 10)], { id: 'same' });
    const b = v2Doc('SELL', [line('p', 2, 10)], { id: 'same' });
    expect(v2([v2Product('p')], [a, b])).toEqual(v2([v2Product('p')], [b, a]));
    expect(v2([v2Product('p')], [a, b]).warnings).toContainEqual(expect.objectContaining({ code: 'DUPLICATE_DOCUMENT', value: 'same' }));
  });

  it('two different payloads with one id flag every product either names (issue 12): it needs attention', () => {
    const a = v2Doc('SELL', [line('p', 1, 10)], { id: 'same' });
    const b = v2Doc('SELL', [line('p', 2, 10), line('q', 1, 5)], { id: 'same' });
    const result = v2([v2Product('p'), v2Product('q'), v2Product('r')], [a, b, v2Doc('SELL', [line('r', 1, 3)], { id: 'other' })]);
    for (const id of ['p', 'q']) {
      expect(stock(result, id).warnings).toContainEqual(expect.objectContaining({ code: 'DUPLICATE_DOCUMENT', documentId: 'same' }));
      expect(needsAttention(stock(result, id).warnings)).toBe(true);
    }
    expect(needsAttention(stock(result, 'r').warnings)).toBe(false);
  });

  it('weighted goods stay exact over many documents', () => {
    const docs = [v2Doc('ACCEPT', [line('w', '100', '0')], { time: minutes(0) })];
    let before = 100_000;
    for (let i = 1; i <= 300; i++) {
      docs.push(v2Doc('SELL', [line('w', '0.333', (before / 1000).toFixed(3))], { time: minutes(i) }));
      before -= 333;
    }
    const result = v2([v2Product('w', { measure_name: 'кг' })], docs);
    expect(stock(result, 'w')).toMatchObject({ quantity: '0.1', ledgerQuantity: '0.1', chainBreaks: [] });
  });

  it('flags a stock beyond the 7-digit API limit', () => {
    const result = v2([v2Product('p')], [v2Doc('ACCEPT', [line('p', '9999999.999', '1')])]);
    expect(stock(result, 'p').quantity).toBe('10000000.999');
    expect(codes(result, 'p')).toContain('QUANTITY_OUT_OF_RANGE');
  });

  // evotor-api.md §3, §10: measure_precision is the unit's number of decimals (0 for шт).
  it('counts a quantity with more decimals than measure_precision allows as sent, flags it, and gives the newest precision', () => {
    const docs = [
      v2Doc('ACCEPT', [line('p', 10, 0, { measure_precision: 0 }), line('w', 5, 0, { measure_precision: 0 })], { time: minutes(0) }),
      v2Doc('SELL', [line('p', 1.5, 10, { measure_precision: 0 }), line('w', '1.25', 5, { measure_precision: 3 })], { time: minutes(10) }),
      v2Doc('SELL', [line('n', 1, 5)], { time: minutes(20) }),
    ];
    const products = [v2Product('p'), v2Product('w', { measure_name: 'кг' }), v2Product('n')];
    const result = v2(products, docs);
    expect(stock(result, 'p')).toMatchObject({ quantity: '8.5', measurePrecision: 0 });
    expect(stock(result, 'p').warnings.filter((w) => w.code === 'QUANTITY_PRECISION').map((w) => w.value)).toEqual(['0']);
    // The newest document's precision, not the oldest's; within it 1.25 fits.
    expect(stock(result, 'w')).toMatchObject({ quantity: '3.75', measurePrecision: 3 });
    expect(codes(result, 'w')).not.toContain('QUANTITY_PRECISION');
    // No document gives one: the field is absent and the unit's name decides (src/model/precision.ts).
    expect(stock(result, 'n')).not.toHaveProperty('measurePrecision');
    // The accumulator (pages newest first) says the same.
    const acc = createStockAccumulator({ api: 'v2', products });
    acc.addDocuments([docs[2], docs[1], docs[0]]);
    expect(acc.result().products.map((p) => [p.productId, p.measurePrecision])).toEqual([['n', undefined], ['p', 0], ['w', 3]]);
  });
});
