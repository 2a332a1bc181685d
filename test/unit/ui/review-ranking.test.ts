import { describe, expect, it } from 'vitest';
import type { ReviewRow } from '../../../src/ui/backend.ts';
import { prepareRows, type ViewRow } from '../../../src/ui/review-model.ts';
import { createStoreRowsBuilder, rankRows, rankStores } from '../../../src/ui/review-ranking.ts';
import { ordered, productStock, reviewRow } from './memory-backend.ts';

const NAMES = ['Молоко 1 л', 'молоко 10 л', 'Ёлка', 'Елка', 'Apple', 'хлеб', 'Хлеб', '', 'Вода 2', 'Вода 10'];

/** Rows with repeated names and codes, so the ties are decided by position. */
function rows(storeId: string, n: number): ReviewRow[] {
  return ordered(Array.from({ length: n }, (_, i) => reviewRow(storeId, productStock(`p${(i * 7919) % n}`, { name: NAMES[(i * 31) % NAMES.length]!, code: i % 5 === 0 ? null : String((i * 13) % 97) }))));
}

/** What sorting and the table read of a row (the row objects differ, their content must not). */
const shape = (view: readonly ViewRow[]) => view.map((r) => ({ key: r.key, index: r.index, nameRank: r.nameRank, codeRank: r.codeRank, status: r.status, search: r.search }));

describe('ranks built slice by slice from the worker\'s orders', () => {
  it.each([5, 128, 1500])('equal the one-shot ranks (slices of %i)', (size) => {
    const all = rows('s', 3000);
    const builder = createStoreRowsBuilder('latest-document', all.length);
    for (let offset = 0; offset < all.length; offset += size) builder.add(all.slice(offset, offset + size));
    expect(shape(rankStores([builder.finish()]))).toEqual(shape(rankRows(prepareRows(all))));
  });

  it('merge several stores as ranking their rows together would', () => {
    const a = rows('a', 500);
    const b = rows('b', 700);
    const build = (list: ReviewRow[]) => {
      const builder = createStoreRowsBuilder('latest-document', list.length);
      builder.add(list.slice(0, 300));
      builder.add(list.slice(300));
      return builder.finish();
    };
    const one = rankRows([...prepareRows(a), ...prepareRows(b)]);
    expect(shape(rankStores([build(a), build(b)]))).toEqual(shape(one));
  });
});
