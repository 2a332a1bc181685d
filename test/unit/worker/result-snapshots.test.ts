import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../../../src/pull/computation.ts';
import { STALE_RESULT } from '../../../src/sync/shared/types.ts';
import { ResultSnapshots, lightStock } from '../../../src/sync/worker/result-snapshots.ts';
import { productStock, resultRow } from '../ui/memory-backend.ts';

const S = 'store-1';
const doc = (id: string) => productStock(id).decidedBy!;
const row = resultRow;

describe('light rows', () => {
  it('keep what the review reads, with the chain breaks counted and the newest kept, and drop the heavy lists', () => {
    const breaks = [1, 2, 3].map((n) => ({ previous: doc(`a${n}`), next: doc(`b${n}`), expected: '1', found: '2', size: '1' }));
    const light = lightStock(row('p', { chainBreaks: breaks, ledger: { base: 'inventory', from: doc('i'), baseQuantity: '5', laterMovement: '-1', laterDocuments: 1 } }));
    expect(light).not.toHaveProperty('chainBreaks');
    expect(light).not.toHaveProperty('ledger');
    expect(light).toMatchObject({ productId: 'p', pk: 'p', quantity: '7', ledgerQuantity: '7', chainBreakCount: 3, lastChainBreak: breaks[2] });
    expect(lightStock(row('q'))).toMatchObject({ chainBreakCount: 0, lastChainBreak: null });
  });
});

describe('result snapshots', () => {
  it('hand out slices of the version taken, unchanged by later changes to the rows', () => {
    const snapshots = new ResultSnapshots();
    const rows = ['a', 'b', 'c', 'd', 'e'].map((id) => row(id, { provisional: true }));
    expect(snapshots.take(S, 3, rows)).toBe(5);
    rows[0]!.provisional = false; // the computation marks rows final in place when coverage grows
    expect(snapshots.slice(S, 3, 0, 2).map((r) => [r.productId, r.provisional])).toEqual([['a', true], ['b', true]]);
    expect(snapshots.slice(S, 3, 4, 2).map((r) => r.productId)).toEqual(['e']);
    expect(snapshots.slice(S, 3, 5, 2)).toEqual([]);
  });

  it('order the rows by name and by code with the Russian collator (equal texts by product key)', () => {
    const snapshots = new ResultSnapshots();
    const names = ['Вода 10', 'вода 2', 'Ёлка', 'Елка', 'Apple'];
    snapshots.take(S, 1, names.map((name, i) => row(`p${i}`, { name, code: i === 4 ? null : String(10 - i) })));
    const light = snapshots.slice(S, 1, 0, 10);
    // Cyrillic before Latin, numbers by value, ё with е (then by key).
    expect(light.map((r) => r.nameOrder)).toEqual([1, 0, 2, 3, 4]);
    expect(light.map((r) => r.codeOrder)).toEqual([4, 3, 2, 1, 0]);
  });

  it('keep the newest two versions per store; an older one is stale', () => {
    const snapshots = new ResultSnapshots();
    snapshots.take(S, 1, [row('a')]);
    snapshots.take(S, 2, [row('a'), row('b')]);
    expect(snapshots.take(S, 2, [])).toBe(2); // the same version is taken once
    expect(snapshots.slice(S, 1, 0, 10)).toHaveLength(1);
    snapshots.take(S, 3, [row('c')]);
    expect(() => snapshots.slice(S, 1, 0, 10)).toThrow(expect.objectContaining({ name: STALE_RESULT }));
    expect(snapshots.slice(S, 2, 0, 10)).toHaveLength(2);
    expect(() => snapshots.slice('other', 3, 0, 10)).toThrow(expect.objectContaining({ name: STALE_RESULT }));
  });

  it('refuse offsets and limits a page should not send', () => {
    const snapshots = new ResultSnapshots();
    snapshots.take(S, 1, [row('a')]);
    expect(() => snapshots.slice(S, 1, -1, 10)).toThrow(TypeError);
    expect(() => snapshots.slice(S, 1, 0, 0)).toThrow(TypeError);
    expect(() => snapshots.slice(S, 1, 0, 1e9)).toThrow(TypeError);
    expect(() => snapshots.slice(S, 1, 0.5, 10)).toThrow(TypeError);
  });
});
