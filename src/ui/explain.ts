/**
 * The reason for a product's stock in words comes from the computation core (src/stock explainProduct): the UI never
 * words rules itself. This only adapts it to a review row and the UI's language.
 */
import { explainProduct } from '../stock/explain.ts';
import type { PullMethod, ReviewRow } from './backend.ts';
import type { Lang } from './i18n.ts';

/**
 * `deviceNames`: the store's terminal names by device id (ReviewResult.deviceNames); `method`: the one whose value the
 * row shows, so the reason gives the same number as the column.
 */
export function explainRow(row: ReviewRow, lang: Lang, deviceNames?: Readonly<Record<string, string>>, method: PullMethod = 'latest-document'): string {
  // A light row: explainProduct reads its chain-break count and newest break.
  return explainProduct(row.stock, lang, deviceNames ? { deviceNames, method } : { method });
}
