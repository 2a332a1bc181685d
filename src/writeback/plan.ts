/**
 * Building a plan: which products to write and with which target. Pure (no I/O): index.ts reads the cloud and the
 * new documents, then calls these.
 *
 * A write plan holds every product of the computation with a status, so the report and the CSV show the whole
 * result; only `pending` ones are written:
 * - the value is the user's manual value, else the computed quantity of a resolved product;
 * - not approved → skipped (not-approved); no value → skipped (undecided); not tracked → skipped (not-tracked);
 *   gone from the cloud → skipped (not-in-cloud); beyond 7 integer digits → skipped (out-of-range);
 * - approved with a value: pending; after the guard has moved the targets, a pending product whose target equals
 *   the cloud's quantity becomes unchanged (settleUnchanged).
 *
 * An undo plan holds the products of a write run whose write may have landed; its target starts from their
 * quantity before (guard movements since are added later, like for a write).
 */
import { needsAttention } from '../stock/warnings.ts';
import { MAX_API_QUANTITY, parseQuantity, QuantityError, type Milli } from '../model/quantity.ts';
import type { CatalogueProduct } from '../model/types.ts';
import { compareKeys } from '../model/text-order.ts';
import { productKey } from '../stock/index.ts';
import { mayHaveWritten } from './state.ts';
import type { ComputedProduct, CreatePlanStore, ItemReason, JournalItem } from './types.ts';

/** A product as read from the cloud when the plan is made. */
export interface CloudProduct {
  product: CatalogueProduct;
  /** The raw object as the API sent it (kept for V1, whose POST replaces whole products). */
  raw: unknown;
}

/** Cloud products by productKey(id). */
export type CloudCatalogue = ReadonlyMap<string, CloudProduct>;

export class ManualValueError extends Error {
  override readonly name = 'ManualValueError';
  constructor(readonly productId: string, readonly value: unknown, reason: string) {
    super(`Manual value for ${productId}: ${reason}`);
  }
}

/** A typed value: decimal text with a dot or a comma ("1,5", "−2" with a minus sign) or Milli. */
export function parseManual(productId: string, value: string | Milli): Milli {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ManualValueError(productId, value, 'not a whole number of thousandths');
    return value as Milli;
  }
  try {
    return parseQuantity(value.replace(/\s/g, '').replace('−', '-'));
  } catch (error) {
    throw new ManualValueError(productId, value, error instanceof QuantityError ? error.message : 'not a quantity');
  }
}

function warningText(w: string | { code: string; value?: string | null }): string {
  return typeof w === 'string' ? w : w.value ? `${w.code}: ${w.value}` : w.code;
}

function computedValue(c: ComputedProduct): Milli | null {
  if (c.status !== 'resolved' || c.quantity === null) return null;
  return parseQuantity(c.quantity);
}

/**
 * The computation's cut-off: the newest close time of a deciding document (every document that moved a tracked
 * product decides it, when it is that product's newest). Documents after it were not in the computation; documents
 * at or before it were. Falls back to the caller's cut-off (or `fallback`) when nothing was decided.
 */
export function planCutoff(store: CreatePlanStore, fallback: number): number {
  let newest: number | null = null;
  for (const c of store.computed) {
    const t = c.decidedBy?.closeTime;
    if (typeof t === 'number' && (newest === null || t > newest)) newest = t;
  }
  return newest ?? store.cutoff ?? fallback;
}

/** The items of one store of a new write plan, every product of the computation, sorted by product id. */
export function buildPlanItems(store: CreatePlanStore, runId: string, cloud: CloudCatalogue, now: number): JournalItem[] {
  const manual = new Map<string, Milli>();
  for (const [id, value] of Object.entries(store.manual ?? {})) manual.set(productKey(id), parseManual(id, value));
  const approved = store.approved === 'all-resolved' ? null : new Set(store.approved.map(productKey));

  const items: JournalItem[] = [];
  for (const c of store.computed) {
    const key = productKey(c.productId);
    const fromCloud = cloud.get(key);
    const computed = computedValue(c);
    const manualValue = manual.get(key) ?? null;
    const base = manualValue ?? computed;
    const attention = needsAttention(c.warnings);
    const isApproved = manualValue !== null || (approved === null ? c.status === 'resolved' && !attention : approved.has(key));

    let reason: ItemReason | null = null;
    if (c.status === 'not_tracked' || fromCloud?.product.tracked === false) reason = 'not-tracked';
    else if (base === null) reason = 'undecided';
    else if (!isApproved) reason = attention ? 'needs-review' : 'not-approved';
    else if (!fromCloud) reason = 'not-in-cloud';
    else if (Math.abs(base) > MAX_API_QUANTITY) reason = 'out-of-range';

    const product = fromCloud?.product;
    items.push({
      runId,
      storeId: store.storeId,
      productId: product?.id ?? c.productId,
      name: product?.name || c.name || '',
      code: product?.code ?? c.code ?? null,
      measureName: product?.measureName ?? c.measureName ?? null,
      before: product?.quantity ?? null,
      computed,
      manual: manualValue,
      base,
      target: reason === null ? base : null,
      adjustments: [],
      decidingDocument: c.decidedBy
        ? { id: c.decidedBy.id, type: c.decidedBy.type, number: c.decidedBy.number, closeTime: c.decidedBy.closeTime, deviceId: c.decidedBy.deviceId, timeZoneOffset: c.decidedBy.timeZoneOffset }
        : null,
      rule: c.rule ?? null,
      warnings: (c.warnings ?? []).map(warningText),
      status: reason === null ? 'pending' : 'skipped',
      reason,
      attempts: 0,
      lastAnswer: null,
      written: null,
      v1Product: store.api === 'v1' && fromCloud && isPlainObject(fromCloud.raw) ? fromCloud.raw : null,
      updatedAt: now,
    });
  }
  items.sort((a, b) => compareKeys(a.productId, b.productId));
  return items;
}

/**
 * After the plan-time guard: a pending product whose target equals the cloud's quantity needs no write.
 * (A product whose cloud quantity is unknown is written: we cannot tell it is unchanged.)
 */
export function settleUnchanged(items: readonly JournalItem[], now: number): JournalItem[] {
  return items.map((item) =>
    item.status === 'pending' && item.before !== null && item.target === item.before
      ? { ...item, status: 'unchanged' as const, reason: null, updatedAt: now }
      : item,
  );
}

/**
 * The items of one store of an undo plan: each product of the write run whose write may have landed, with the
 * quantity before as base and target, and the cloud's quantity now as its own "before".
 * Products with no quantity before (the cloud gave none) cannot be restored: skipped, reported.
 */
export function buildUndoItems(original: readonly JournalItem[], runId: string, cloud: CloudCatalogue, now: number): JournalItem[] {
  const items: JournalItem[] = [];
  for (const o of original) {
    if (!mayHaveWritten(o)) continue;
    const fromCloud = cloud.get(productKey(o.productId));
    let reason: ItemReason | null = null;
    if (o.before === null) reason = 'undecided';
    else if (!fromCloud) reason = 'not-in-cloud';
    items.push({
      ...o,
      runId,
      before: fromCloud?.product.quantity ?? o.written ?? null,
      computed: o.computed,
      manual: null,
      base: o.before,
      target: reason === null ? o.before : null,
      adjustments: [],
      status: reason === null ? 'pending' : 'skipped',
      reason,
      attempts: 0,
      lastAnswer: null,
      written: null,
      v1Product: o.v1Product !== null && fromCloud && isPlainObject(fromCloud.raw) ? fromCloud.raw : o.v1Product,
      updatedAt: now,
    });
  }
  return items;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
