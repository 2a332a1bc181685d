/**
 * The reason for a product's stock in words comes from the computation core (src/stock explainProduct): the UI never
 * words rules itself. This only adapts it to a review row and the UI's language.
 */
import { explainProduct } from '../stock/explain.ts';
import type { ChainBreak, ProductStock } from '../stock/types.ts';
import type { ReviewRow, ReviewStock } from './backend.ts';
import type { Lang } from './i18n.ts';

/** `deviceNames`: the store's terminal names by device id (StoreSummary.deviceNames). */
export function explainRow(row: ReviewRow, lang: Lang, deviceNames?: Readonly<Record<string, string>>): string {
  return explainProduct(asProductStock(row.stock), lang, deviceNames ? { deviceNames } : {});
}

/**
 * A review row's product in the shape explainProduct takes. Of the chain breaks it reads only how many there are and
 * the newest, which the light row keeps; it never reads the ledger's detail.
 */
function asProductStock(stock: ReviewStock): ProductStock {
  const last = stock.lastChainBreak;
  const chainBreaks: ChainBreak[] = last ? new Array<ChainBreak>(stock.chainBreakCount).fill(last) : [];
  return { ...stock, chainBreaks, ledger: null };
}
