/**
 * What the write-back is given for a store, built in the worker from what is on disk: the computed result, the
 * method saved with the pull job, and the user's saved decisions. Pure, so the rules are unit-tested directly.
 *
 * The same choices as the review on the page: both take the proposed quantity and the approval from
 * ../shared/rows.ts. A manual value counts only for a product that proposes none (an undecided one, where the review
 * offers the input), so a value typed before background fetching decided the product never overrides the documents — or when it is the product's ledger value, which the
 * user took in the review instead of the newest document's (issue 16): it is then written as the ledger's, and it
 * lapses by itself once new documents change the ledger.
 */
import type { DecisionRecord, StockMethod } from '../../local/schema.ts';
import type { ResultRow } from '../../pull/computation.ts';
import type { ComputedProduct, CreatePlanStore } from '../../writeback/types.ts';
import type { ApiVersion } from '../../model/types.ts';
import type { StoreDecisions } from '../shared/types.ts';
import { approvalOf, isLedgerChoice, proposedQuantity } from '../shared/rows.ts';

export function computedProducts(rows: readonly ResultRow[], method: StockMethod): ComputedProduct[] {
  return rows.map((row) => {
    const quantity = proposedQuantity(row, method);
    return {
      productId: row.productId,
      quantity,
      status: row.status === 'not_tracked' ? 'not_tracked' : quantity === null ? 'unresolved' : 'resolved',
      decidedBy: row.decidedBy,
      rule: row.rule,
      warnings: row.warnings.map((w) => ({ code: w.code, value: w.value })),
      name: row.name,
      code: row.code,
      measureName: row.measureName,
      cloudQuantity: row.cloudQuantity,
    } satisfies ComputedProduct;
  });
}

export interface PlanStoreInput {
  storeId: string;
  storeName: string;
  api: ApiVersion;
  /** The pull's snapshot time (documents up to it are in the computation); the write-back prefers its own cut-off. */
  cutoff: number;
  rows: readonly ResultRow[];
  method: StockMethod;
  decisions: StoreDecisions;
}

/** One store of a write plan: values by the method, every product approved unless unticked, manual values. */
export function planStore(input: PlanStoreInput): CreatePlanStore {
  const notApproved = new Set(input.decisions.notApproved);
  const computed = computedProducts(input.rows, input.method).map((c, i) => {
    const row = input.rows[i]!;
    const value = input.decisions.manual[c.productId];
    if (c.quantity === null || c.quantity === row.ledgerQuantity || !isLedgerChoice(row, value)) return c;
    return { ...c, quantity: row.ledgerQuantity, rule: 'LEDGER' };
  });
  const manual: Record<string, string> = {};
  computed.forEach((c) => {
    const value = input.decisions.manual[c.productId];
    if (value !== undefined && c.quantity === null && c.status !== 'not_tracked' && !notApproved.has(c.productId)) manual[c.productId] = value;
  });
  return {
    storeId: input.storeId,
    storeName: input.storeName,
    api: input.api,
    cutoff: input.cutoff,
    computed,
    approved: input.rows.filter(approvalOf(input.decisions)).map((r) => r.productId),
    manual,
  };
}

/** The decisions as saved per product (src/local `decisions`) in the shape results and plans carry. */
export function toDecisions(records: readonly DecisionRecord[]): StoreDecisions {
  const manual: Record<string, string> = {};
  const notApproved: string[] = [];
  const ticked: string[] = [];
  for (const r of records) {
    if (r.manual !== null) manual[r.productId] = r.manual;
    if (!r.approved) notApproved.push(r.productId);
    else if (r.ticked) ticked.push(r.productId);
  }
  return { manual, notApproved, ticked };
}
