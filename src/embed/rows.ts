/**
 * What the element tells the embedding page, as plain data: the rows of `review-ready`, the detail of `progress`
 * and of `error`. Pure (no DOM), so it is unit-tested directly.
 */
import { fnv1a } from '../model/hash.ts';
import { formatQuantity } from '../model/quantity.ts';
import type { BackendError, PullProgress, ReviewRow, ReviewSummary, WriteProgress } from '../ui/backend.ts';
import { describeError } from '../ui/errors.ts';
import { prepareRows, type RowStatus } from '../ui/review-model.ts';

/** One product of a store's result, as `review-ready` carries it. Quantities are decimal text with a dot, or null. */
export interface EmbedRow {
  storeId: string;
  productId: string;
  name: string;
  /** The cloud's quantity when the products were read; null when the cloud has none. */
  cloudQuantity: string | null;
  /** The quantity the computation proposes (by the chosen method); null when undecided or not tracked. */
  quantity: string | null;
  /** change: differs from the cloud; same: equals it; undecided: no document decides it; not-tracked: no stock kept. */
  status: RowStatus;
  /** The product's documents disagree somewhere (a chain break): worth a look before applying. */
  chainBreak: boolean;
  /** The computation has a warning for it (e.g. a malformed document). */
  warning: boolean;
}

export interface ReviewReadyDetail {
  storeId: string;
  /** Every month to the horizon is in; false while older months are still fetched (another event follows). */
  complete: boolean;
  rows: EmbedRow[];
}

/** `progress` detail: a pull of one store (kind 'pull'), or a write or undo run (kind 'write' | 'undo'). */
export type ProgressDetail = ({ kind: 'pull' } & PullProgress) | WriteProgress;

/** `error` detail: the error's code and parameters, its text in the element's language, and the store if any. */
export interface ErrorDetail {
  code: BackendError['code'] | 'config' | 'not-ready' | 'busy';
  status: number | null;
  params: Record<string, string | number>;
  /** What happened, in the element's language. */
  title: string;
  /** What to do next. */
  action: string;
  /** Developer text (English). Never contains the token. */
  message: string;
  storeId: string | null;
}

/** Review rows of a store's result (all, or a slice as it arrives) as `review-ready` rows (canonical decimals: "7", "0.875", "-2"). */
export function embedRows(result: Pick<ReviewSummary, 'storeId' | 'method'>, rows: readonly ReviewRow[]): EmbedRow[] {
  return prepareRows(rows, result.method).map((v) => ({
    storeId: result.storeId,
    productId: v.row.stock.productId,
    name: v.row.stock.name,
    cloudQuantity: v.cloud === null ? null : formatQuantity(v.cloud),
    quantity: v.computed === null ? null : formatQuantity(v.computed),
    status: v.status,
    chainBreak: v.chainBreak,
    warning: v.warning,
  }));
}

/** A cheap fingerprint of rows: `review-ready` fires again only when something a page can see has changed. */
export function rowsFingerprint(complete: boolean, rows: readonly EmbedRow[]): string {
  let h = fnv1a('');
  for (const r of rows) h = fnv1a(`${r.productId}|${r.cloudQuantity}|${r.quantity}|${r.status}|${r.chainBreak}|${r.warning}\n`, h);
  return `${complete ? 1 : 0}:${rows.length}:${h.toString(16)}`;
}

export function errorDetail(error: BackendError, storeId: string | null = null): ErrorDetail {
  const text = describeError(error);
  return {
    code: error.code,
    status: error.status,
    params: error.params,
    title: text.title,
    action: text.action,
    message: error.message,
    storeId,
  };
}
