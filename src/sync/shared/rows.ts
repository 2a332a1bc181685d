/**
 * The rules both sides apply to one product's row: the quantity the chosen method proposes, whether a saved manual
 * value is the ledger's, and whether the product is approved. The review on the page (src/ui/review-model.ts,
 * review-reader.ts) and the write plan in the worker (../worker/plan-input.ts) call these, so a value the review
 * shows is the value the plan writes. Pure.
 */
import type { StockMethod } from '../../local/schema.ts';
import { tryParseQuantity } from '../../model/quantity.ts';
import type { ProductStock } from '../../stock/types.ts';
import { needsAttention } from '../../stock/warnings.ts';
import type { StoreDecisions } from './types.ts';

/**
 * The quantity the computation proposes for a product by the chosen method (decimal text), or null: with
 * 'latest-document' only a resolved product proposes its quantity (the guide's rule); with 'ledger' the movement
 * ledger's value; a product whose stock is not tracked never proposes one.
 */
export function proposedQuantity(row: Pick<ProductStock, 'status' | 'quantity' | 'ledgerQuantity'>, method: StockMethod): string | null {
  if (row.status === 'not_tracked') return null;
  if (method === 'ledger') return row.ledgerQuantity;
  return row.status === 'resolved' ? row.quantity : null;
}

/** The saved value is the row's ledger value: the user took the ledger's instead of the newest document's. */
export function isLedgerChoice(row: Pick<ProductStock, 'ledgerQuantity'>, value: string | undefined): boolean {
  if (value === undefined || row.ledgerQuantity === null) return false;
  const a = tryParseQuantity(value);
  return a !== null && a === tryParseQuantity(row.ledgerQuantity);
}

/**
 * Whether a product is approved by these decisions: unless unticked; one that needs attention (a document that lists
 * it could not be read) only when the user ticked it. The review (src/ui/review-reader.ts) ticks rows by this too.
 */
export function approvalOf(decisions: StoreDecisions): (row: { productId: string; warnings: readonly { code: string }[] }) => boolean {
  const notApproved = new Set(decisions.notApproved);
  const ticked = new Set(decisions.ticked);
  return (row) => !notApproved.has(row.productId) && (!needsAttention(row.warnings) || ticked.has(row.productId));
}
