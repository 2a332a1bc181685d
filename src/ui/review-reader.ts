/**
 * Reads a store's result from the sync worker the way the page can afford it: the summary with the first rows
 * (getResult), then the other rows in slices (getResultRows), one slice per task with a turn for the browser between
 * them. The next slice is asked for before this one is handed on, so the worker prepares it meanwhile.
 */
import { approvalOf } from '../sync/shared/rows.ts';
import type { SyncApi } from '../sync/shared/api.ts';
import { STALE_RESULT, type LightResultRow, type SyncResult } from '../sync/shared/types.ts';
import type { ReviewResult, ReviewRow, ReviewSlice, ReviewSummary } from './backend.ts';
import { yieldToBrowser } from './yield.ts';

/** Rows per slice: small enough that receiving and preparing one stays far under 50 ms. */
export const REVIEW_SLICE = 1500;
/** Reads started again when the worker dropped the version being read (it keeps the newest two). */
const RESTARTS = 5;

export type ResultSource = Pick<SyncApi, 'getResult' | 'getResultRows'>;

export interface ReadOptions {
  /** The review's summary of a result (terminal names in the UI's language…). */
  summarize(result: SyncResult): ReviewSummary;
  onSlice?: (slice: ReviewSlice) => void;
  sliceSize?: number;
  /** Stops the read: the call in flight is aborted in the worker and the read rejects with an AbortError. */
  signal?: AbortSignal;
}

export async function readReviewResult(sync: ResultSource, storeId: string, options: ReadOptions): Promise<ReviewResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readOnce(sync, storeId, options);
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== STALE_RESULT || attempt >= RESTARTS) throw error;
    }
  }
}

async function readOnce(sync: ResultSource, storeId: string, options: ReadOptions): Promise<ReviewResult> {
  const size = options.sliceSize ?? REVIEW_SLICE;
  const tail = options.signal ? [options.signal] as const : ([] as const);
  const result = await sync.getResult(storeId, ...tail);
  const summary = options.summarize(result);
  const toRow = reviewRowOf(storeId, result);
  const rows: ReviewRow[] = [];
  const ask = (offset: number) => {
    if (offset >= result.rowCount) return null;
    const slice = sync.getResultRows(storeId, result.version, offset, size, ...tail);
    slice.catch(() => undefined); // awaited below; a failure while the page works on the previous slice is not unhandled
    return slice;
  };
  let offset = 0;
  let next: Promise<LightResultRow[]> | null = Promise.resolve(result.firstRows);
  do {
    const light: LightResultRow[] = await next!;
    next = ask(offset + light.length);
    const slice = light.map(toRow);
    for (const row of slice) rows.push(row);
    options.onSlice?.({ summary, offset, rows: slice, total: result.rowCount });
    offset += light.length;
    if (next) await yieldToBrowser();
  } while (next);
  return { ...summary, rows };
}

/** A worker row as a review row: the user's saved decisions joined in. */
function reviewRowOf(storeId: string, result: SyncResult): (row: LightResultRow) => ReviewRow {
  const { manual } = result.decisions;
  const approved = approvalOf(result.decisions);
  return ({ nameOrder, codeOrder, ...stock }) => ({
    storeId,
    stock,
    manualQuantity: manual[stock.productId] ?? null,
    approved: approved(stock),
    provisional: stock.provisional,
    nameOrder,
    codeOrder,
  });
}
