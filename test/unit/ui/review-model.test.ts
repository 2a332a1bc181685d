import { describe, expect, it } from 'vitest';
import { milli, type Milli } from '../../../src/model/quantity.ts';
import {
  countByFilter,
  filterRows,
  effectiveQuantity,
  takesLedger,
  difference,
  parseManualQuantity,
  prepareRows,
  proposesChange,
  sortRows,
  summarize,
} from '../../../src/ui/review-model.ts';
import { rankRows } from '../../../src/ui/review-ranking.ts';
import { allowedDecimals, fitsDecimals } from '../../../src/model/precision.ts';
import { manyRows, productStock, reviewRow } from './memory-backend.ts';

const S = 'store-1';

function sample() {
  return rankRows(
    prepareRows([
      reviewRow(S, productStock('a', { name: 'Яблоки', code: '100', quantity: '7', cloudQuantity: '0' })),
      reviewRow(S, productStock('b', { name: 'апельсины', code: '20', quantity: '5', cloudQuantity: '5' })),
      reviewRow(S, productStock('c', { name: 'Бананы весовые', code: '3', quantity: '0.875', cloudQuantity: '2', measureName: 'кг' })),
      reviewRow(S, productStock('d', { name: 'Ёлка', code: null, status: 'unresolved', quantity: null, ledgerQuantity: null, cloudQuantity: '4' })),
      reviewRow(S, productStock('e', { name: 'Доставка', status: 'not_tracked', quantity: null, ledgerQuantity: null, cloudQuantity: null })),
      reviewRow(S, productStock('f', { name: 'Вода', quantity: '12', cloudQuantity: '10', ledgerQuantity: '11', chainBreaks: [{ previous: productStock('x').decidedBy!, next: productStock('y').decidedBy!, expected: '9', found: '10', size: '1' }] })),
    ]),
  );
}

describe('prepareRows', () => {
  it('parses quantities exactly and classifies every product', () => {
    const rows = sample();
    expect(rows.map((r) => r.status)).toEqual(['change', 'same', 'change', 'undecided', 'not-tracked', 'change']);
    expect(rows[2]!.computed).toBe(875);
    expect(rows[2]!.cloud).toBe(2000);
    expect(rows[5]!.chainBreak).toBe(true);
  });

  it('with the ledger method proposes the ledger quantity', () => {
    const rows = prepareRows([reviewRow(S, productStock('f', { quantity: '12', cloudQuantity: '10', ledgerQuantity: '11' }))], 'ledger');
    expect(rows[0]!.computed).toBe(11000);
  });
});

describe('filters and search', () => {
  it('filters by status and flags', () => {
    const rows = sample();
    const names = (f: Parameters<typeof filterRows>[1]) => filterRows(rows, f).map((r) => r.row.stock.productId);
    expect(names({ status: 'change', search: '', storeId: null })).toEqual(['a', 'c', 'f']);
    expect(names({ status: 'undecided', search: '', storeId: null })).toEqual(['d']);
    expect(names({ status: 'chain-break', search: '', storeId: null })).toEqual(['f']);
    expect(names({ status: 'all', search: '', storeId: 'other' })).toEqual([]);
    expect(countByFilter(rows, null)).toMatchObject({ all: 6, change: 3, same: 1, undecided: 1, 'not-tracked': 1, 'chain-break': 1 });
  });

  it('searches name and code case-insensitively (Cyrillic included)', () => {
    const rows = sample();
    expect(filterRows(rows, { status: 'all', search: 'БАНАН', storeId: null }).map((r) => r.row.stock.productId)).toEqual(['c']);
    expect(filterRows(rows, { status: 'all', search: '20', storeId: null }).map((r) => r.row.stock.productId)).toEqual(['b']);
    expect(filterRows(rows, { status: 'change', search: 'а', storeId: null }).map((r) => r.row.stock.productId)).toEqual(['c', 'f']);
  });

  it('negative stock has a filter and a count of its own (issue 16 item 4)', () => {
    const rows = prepareRows([
      reviewRow(S, productStock('n', { quantity: '-2.5', cloudQuantity: '0', measureName: 'кг' })),
      reviewRow(S, productStock('p', { quantity: '3', cloudQuantity: '0' })),
    ]);
    expect(rows.map((r) => r.negative)).toEqual([true, false]);
    expect(filterRows(rows, { status: 'negative', search: '', storeId: null }).map((r) => r.row.stock.productId)).toEqual(['n']);
    expect(countByFilter(rows, null).negative).toBe(1);
  });

  it('offers the ledger\'s value where it differs from the newest document\'s, and writes it once taken (issue 16 item 2)', () => {
    const rows = prepareRows([
      reviewRow(S, productStock('f', { quantity: '12', cloudQuantity: '10', ledgerQuantity: '11' })),
      reviewRow(S, productStock('g', { quantity: '5', cloudQuantity: '0', ledgerQuantity: '5' })),
      reviewRow(S, productStock('u', { status: 'unresolved', quantity: null, ledgerQuantity: '4' })),
    ]);
    const f = rows[0]!;
    expect(f.ledger).toBe(11_000);
    expect(rows.map((r) => r.ledger)).toEqual([11_000, null, null]);
    expect(effectiveQuantity(f, undefined)).toBe(12_000);
    expect(takesLedger(f, milli(11_000))).toBe(true);
    expect(effectiveQuantity(f, milli(11_000))).toBe(11_000);
    expect(difference(f, milli(11_000))).toBe(1_000);
    // Another value saved for a decided row is not the ledger's: the documents stay.
    expect(effectiveQuantity(f, milli(5_000))).toBe(12_000);
    const s = summarize(rows, new Map([[f.key, milli(11_000)]]), new Set());
    expect(s).toMatchObject({ ledgerDiffers: 1, ledgerTaken: 1, manual: 0 });
    // With the ledger method the column already shows the ledger: nothing to offer.
    const byLedger = prepareRows(rows.map((r) => r.row), 'ledger');
    expect(byLedger.length).toBe(rows.length);
    expect(byLedger.every((r) => r.ledger === null)).toBe(true);
  });

  it('with several words, matches every word, in any order, in the name or the code (issue 16 item 21)', () => {
    const rows = sample();
    const ids = (search: string) => filterRows(rows, { status: 'all', search, storeId: null }).map((r) => r.row.stock.productId);
    expect(ids('бананы весовые')).toEqual(['c']);
    expect(ids('  Весовые   БАНАНЫ ')).toEqual(['c']);
    expect(ids('бананы 3')).toEqual(['c']);
    expect(ids('бананы вода')).toEqual([]);
  });
});

describe('sorting', () => {
  const none = new Map<string, Milli>();

  it('sorts names with the Russian collator (ё with е, case-insensitive)', () => {
    const sorted = sortRows(sample(), { key: 'name', dir: 'asc' }, none).map((r) => r.row.stock.name);
    expect(sorted).toEqual(['апельсины', 'Бананы весовые', 'Вода', 'Доставка', 'Ёлка', 'Яблоки']);
  });

  it('sorts codes numerically, a missing code first', () => {
    const sorted = sortRows(sample(), { key: 'code', dir: 'asc' }, none).map((r) => r.row.stock.code);
    expect(sorted).toEqual([null, '3', '20', '100', 'e', 'f']);
    const desc = sortRows(sample(), { key: 'code', dir: 'desc' }, none).map((r) => r.row.stock.code);
    expect(desc).toEqual(['f', 'e', '100', '20', '3', null]);
  });

  it('sorts by the size of the difference, unknown last in both directions', () => {
    const rows = sample();
    const desc = sortRows(rows, { key: 'difference', dir: 'desc' }, none).map((r) => r.row.stock.productId);
    expect(desc.slice(0, 3)).toEqual(['a', 'f', 'c']);
    expect(desc.slice(-2).sort()).toEqual(['d', 'e']);
    const asc = sortRows(rows, { key: 'difference', dir: 'asc' }, none).map((r) => r.row.stock.productId);
    expect(asc[0]).toBe('b');
    expect(asc.slice(-2).sort()).toEqual(['d', 'e']);
  });

  it('a manual quantity counts for the computed column', () => {
    const rows = sample();
    const manual = new Map<string, Milli>([['store-1/d', milli(100_000)]]);
    expect(sortRows(rows, { key: 'computed', dir: 'desc' }, manual)[0]!.row.stock.productId).toBe('d');
  });
});

describe('summary', () => {
  it('counts approved changes, sums differences exactly, counts undecided and manual', () => {
    const rows = sample();
    let s = summarize(rows, new Map(), new Set());
    expect(s).toMatchObject({ products: 6, changes: 3, undecided: 1, manual: 0, chainBreaks: 1, stores: 1, notApproved: 0 });
    // Per unit: pieces and kilograms are never added together (issue 16 item 3).
    expect(s.byUnit).toEqual([{ unit: 'шт', increase: 7000 + 2000, decrease: 0 }, { unit: 'кг', increase: 0, decrease: 875 - 2000 }]);
    s = summarize(rows, new Map([['store-1/d', milli(4500)]]), new Set(['store-1/a']));
    expect(s).toMatchObject({ changes: 3, notApproved: 1, undecided: 0, manual: 1 });
    expect(s.byUnit).toEqual([{ unit: 'кг', increase: 0, decrease: 875 - 2000 }, { unit: 'шт', increase: 500 + 2000, decrease: 0 }]);
  });

  it('a manual value equal to the cloud proposes nothing', () => {
    const rows = sample();
    expect(proposesChange(rows[3]!, milli(4000))).toBe(false);
    expect(proposesChange(rows[3]!, milli(4001))).toBe(true);
    expect(proposesChange(rows[4]!, milli(1))).toBe(false);
  });

  // How fast is measured by the bench (test/bench), not asserted here: a timed assertion only fails a loaded machine.
  it('ranks, filters and sorts 50,000 rows', () => {
    const rows = rankRows(prepareRows(manyRows(S, 50_000)));
    const filtered = filterRows(rows, { status: 'change', search: '1', storeId: null });
    const names = (dir: 'asc' | 'desc') => sortRows(filtered, { key: 'name', dir }, new Map()).map((r) => r.row.stock.name);
    summarize(rows, new Map(), new Set());
    expect(rows).toHaveLength(50_000);
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.length).toBeLessThan(50_000);
    expect(names('desc')).toEqual(names('asc').reverse());
  });
});

describe('manual quantity parsing', () => {
  it.each([
    ['12', 12000], ['0,875', 875], ['0.875', 875], [' 1 234,5 ', 1_234_500], ['1\u00a0234,5', 1_234_500], [',5', 500], ['7,', 7000], ['0', 0], ['9999999,999', 9_999_999_999],
  ])('accepts %j', (text, value) => {
    expect(parseManualQuantity(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['', 'format'], ['abc', 'format'], ['1,2345', 'format'], ['1e3', 'format'], ['1,2,3', 'format'], ['1.234,5', 'format'], ['--1', 'format'], ['+5', 'format'],
    ['-1', 'negative'], ['\u22121,5', 'negative'], ['10000000', 'too-large'],
  ])('refuses %j (%s)', (text, error) => {
    expect(parseManualQuantity(text)).toEqual({ ok: false, error, decimals: 3 });
  });

  it('follows the product\'s measure: whole numbers for pieces, up to 3 decimals for кг and л (issue 16 item 1)', () => {
    expect(allowedDecimals('шт')).toBe(0);
    expect(allowedDecimals('шт.')).toBe(0);
    expect(allowedDecimals('упак')).toBe(0);
    expect(allowedDecimals('кг')).toBe(3);
    expect(allowedDecimals('л')).toBe(3);
    expect(allowedDecimals(null)).toBe(3);
    // The documents' measure_precision wins when known (evotor-api.md §3).
    expect(allowedDecimals('шт', 2)).toBe(2);
    expect(allowedDecimals('кг', 0)).toBe(0);
    expect(allowedDecimals('шт', 3)).toBe(3);
    const pieces = allowedDecimals('шт');
    expect(parseManualQuantity('1,5', pieces)).toEqual({ ok: false, error: 'whole', decimals: 0 });
    expect(parseManualQuantity('0,875', pieces)).toEqual({ ok: false, error: 'whole', decimals: 0 });
    expect(parseManualQuantity('15', pieces)).toEqual({ ok: true, value: 15_000 });
    expect(parseManualQuantity('12,000', pieces)).toEqual({ ok: true, value: 12_000 });
    expect(parseManualQuantity('1,5', allowedDecimals('кг'))).toEqual({ ok: true, value: 1_500 });
    expect(parseManualQuantity('1,25', 2)).toEqual({ ok: true, value: 1_250 });
    expect(parseManualQuantity('1,255', 2)).toEqual({ ok: false, error: 'decimals', decimals: 2 });
    expect(parseManualQuantity('1,2345', 3)).toEqual({ ok: false, error: 'format', decimals: 3 });
  });

  it('uses the same rule as the documents\' QUANTITY_PRECISION check (src/model/precision.ts)', () => {
    const typed: [string, Milli][] = [['1', milli(1000)], ['1,5', milli(1500)], ['1,25', milli(1250)], ['1,125', milli(1125)], ['0,001', milli(1)]];
    for (const decimals of [0, 1, 2, 3]) {
      for (const [text, value] of typed) expect(parseManualQuantity(text, decimals).ok).toBe(fitsDecimals(value, decimals));
    }
    expect(fitsDecimals(milli(1500), 0)).toBe(false);
    expect(fitsDecimals(milli(1500), 1)).toBe(true);
  });
});
