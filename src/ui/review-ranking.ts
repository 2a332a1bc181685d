/**
 * Ranks of the review's rows by name and by code (src/model/text-order.ts), so sorting by text compares integers.
 * A collator sort of 50,000 names takes a few hundred milliseconds, too long for one task on the page, so the worker
 * orders each store's result (ReviewRow.nameOrder, codeOrder) and the page only places rows as their slices arrive;
 * stores shown together are merged once, in linear time. Pure.
 */
import { compareText } from '../model/text-order.ts';
import type { PullMethod, ReviewResult, ReviewRow, ReviewSlice } from './backend.ts';
import { prepareRows, type ViewRow } from './review-model.ts';

const byName = (a: ViewRow, b: ViewRow) => compareText(a.row.stock.name, b.row.stock.name) || a.index - b.index;
const byCode = (a: ViewRow, b: ViewRow) => compareText(a.row.stock.code ?? '', b.row.stock.code ?? '') || a.index - b.index;

/** One store's prepared rows in result order, and the same rows ordered by name and by code. */
export interface StoreRows {
  rows: ViewRow[];
  byName: ViewRow[];
  byCode: ViewRow[];
}

export interface StoreRowsBuilder {
  add(slice: readonly ReviewRow[]): void;
  finish(): StoreRows;
}

/** A store's rows built slice by slice, each row put at its place in the worker's orders (no text compared). */
export function createStoreRowsBuilder(method: PullMethod, total: number): StoreRowsBuilder {
  const built: StoreRows = { rows: [], byName: new Array<ViewRow>(total), byCode: new Array<ViewRow>(total) };
  return {
    add(slice) {
      for (const r of prepareRows(slice, method, built.rows.length)) {
        built.rows.push(r);
        built.byName[r.row.nameOrder] = r;
        built.byCode[r.row.codeOrder] = r;
      }
    },
    finish: () => built,
  };
}

/**
 * A store's rows read through `read` (SyncBackend.reviewRows or the reader under it), prepared and placed slice by
 * slice as they arrive. A slice at offset 0 after others means the result changed while it was read: start again.
 */
export async function readStoreRows(
  read: (onSlice: (slice: ReviewSlice) => void) => Promise<ReviewResult>,
): Promise<{ result: ReviewResult; rows: StoreRows }> {
  let builder: StoreRowsBuilder | null = null;
  const result = await read((slice) => {
    if (slice.offset === 0 || !builder) builder = createStoreRowsBuilder(slice.summary.method, slice.total);
    builder.add(slice.rows);
  });
  return { result, rows: (builder ?? createStoreRowsBuilder(result.method, 0)).finish() };
}

/** Two ordered lists as one; on a tie the first list's row comes first (its store is shown first). */
function merge(a: readonly ViewRow[], b: readonly ViewRow[], compare: (x: ViewRow, y: ViewRow) => number): ViewRow[] {
  if (a.length === 0) return b.slice();
  const out = new Array<ViewRow>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/**
 * The rows of these stores, in this order, numbered and ranked by name and by code across all of them. Mutates the
 * rows (they belong to the state that prepared them); each store's own order stays valid, as renumbering keeps the
 * order of its rows. One store costs no comparison; more cost one linear merge each.
 */
export function rankStores(stores: readonly StoreRows[]): ViewRow[] {
  const all: ViewRow[] = [];
  for (const store of stores) for (const r of store.rows) all.push(r);
  all.forEach((r, i) => (r.index = i));
  let names: ViewRow[] = [];
  let codes: ViewRow[] = [];
  for (const store of stores) {
    names = merge(names, store.byName, byName);
    codes = merge(codes, store.byCode, byCode);
  }
  names.forEach((r, i) => (r.nameRank = i));
  codes.forEach((r, i) => (r.codeRank = i));
  return all;
}

/** Ranks rows prepared in one go, ordering their text here (the reference the worker's orders must equal). */
export function rankRows(view: ViewRow[]): ViewRow[] {
  view.forEach((r, i) => (r.index = i));
  return rankStores([{ rows: view, byName: view.slice().sort(byName), byCode: view.slice().sort(byCode) }]);
}
