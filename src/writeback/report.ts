/** The report of a run, per store, computed from the journal (pure). */
import type { Milli } from '../model/quantity.ts';
import { parseQuantity } from '../model/quantity.ts';
import type { Lang } from '../stock/index.ts';
import { toCsv, type CsvRow } from './csv.ts';
import { isOutstanding, mayHaveWritten } from './state.ts';
import type { CreatePlanStore, ItemStatus, ItemSummary, JournalItem, JournalRun, MovedProduct, RunReport, StoreReport, UnitTotal } from './types.ts';

export const ITEM_STATUSES: readonly ItemStatus[] = ['pending', 'sent', 'written', 'verified', 'mismatch', 'failed', 'skipped', 'unchanged'];

const zeroCounts = (): Record<ItemStatus, number> =>
  Object.fromEntries(ITEM_STATUSES.map((s) => [s, 0])) as Record<ItemStatus, number>;

export function summarise(item: JournalItem): ItemSummary {
  return {
    productId: item.productId, name: item.name, code: item.code, before: item.before, target: item.target,
    status: item.status, reason: item.reason, message: item.lastAnswer?.message ?? null,
  };
}

export function movedOf(item: JournalItem): MovedProduct | null {
  if (item.adjustments.length === 0 && item.reason !== 'needs-review') return null;
  return {
    productId: item.productId, name: item.name,
    from: item.adjustments[0]?.from ?? item.base,
    to: item.status === 'skipped' ? null : item.target,
    adjustments: item.adjustments,
  };
}

/** Increase and decrease over the products a run writes (or wrote), in all and per unit. */
function sums(items: readonly JournalItem[]): { increase: Milli; decrease: Milli; byUnit: UnitTotal[] } {
  let increase = 0;
  let decrease = 0;
  const byUnit = new Map<string | null, UnitTotal>();
  for (const i of items) {
    if (i.status === 'skipped' || i.status === 'unchanged' || i.target === null || i.before === null) continue;
    const d = i.target - i.before;
    const unit = i.measureName?.trim() || null;
    const u = byUnit.get(unit) ?? { unit, increase: 0 as Milli, decrease: 0 as Milli };
    if (d > 0) {
      increase += d;
      u.increase = (u.increase + d) as Milli;
    } else {
      decrease += d;
      u.decrease = (u.decrease + d) as Milli;
    }
    byUnit.set(unit, u);
  }
  return { increase: increase as Milli, decrease: decrease as Milli, byUnit: [...byUnit.values()] };
}

const ATTENTION = new Set(['needs-review', 'not-in-cloud', 'out-of-range']);

export function buildReport(run: JournalRun, items: readonly JournalItem[]): RunReport {
  const total = zeroCounts();
  const stores: StoreReport[] = run.stores.map((store) => {
    const mine = items.filter((i) => i.storeId === store.storeId);
    const counts = zeroCounts();
    for (const item of mine) {
      counts[item.status] += 1;
      total[item.status] += 1;
    }
    return {
      storeId: store.storeId,
      storeName: store.storeName,
      api: store.api,
      counts,
      written: counts.verified + counts.written,
      unchanged: counts.unchanged,
      failed: counts.failed + counts.mismatch,
      skipped: counts.skipped,
      remaining: mine.filter(isOutstanding).length,
      ...sums(mine),
      failures: mine.filter((i) => i.status === 'failed' || i.status === 'mismatch').map(summarise),
      attention: mine.filter((i) => i.status === 'skipped' && i.reason !== null && ATTENTION.has(i.reason)).map(summarise),
      moved: mine.map(movedOf).filter((m): m is MovedProduct => m !== null),
      error: store.error,
    };
  });
  const wroteSomething = items.some(mayHaveWritten);
  return {
    runId: run.id,
    kind: run.kind,
    undoOf: run.undoOf,
    undoneBy: run.undoneBy,
    status: run.status,
    statusReason: run.statusReason,
    warnings: run.warnings,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    stores,
    counts: total,
    remaining: stores.reduce((n, s) => n + s.remaining, 0),
    requests: run.requests,
    rateLimited: run.rateLimited,
    undoable: run.kind === 'write' && run.status !== 'undone' && run.status !== 'applying' && wroteSomething,
  };
}

/** Rows for the CSV export: every product of the run, store by store. */
export function csvRows(run: JournalRun, items: readonly JournalItem[]): CsvRow[] {
  const names = new Map(run.stores.map((s) => [s.storeId, s.storeName]));
  return items.map((item) => ({
    storeName: names.get(item.storeId) ?? item.storeId,
    storeId: item.storeId,
    productId: item.productId,
    code: item.code,
    name: item.name,
    before: item.before,
    computed: item.manual ?? item.computed,
    written: item.status === 'verified' || item.status === 'mismatch' ? item.written : item.status === 'written' ? item.target : null,
    decidingDocument: item.decidingDocument,
    rule: item.manual !== null ? 'manual' : item.rule,
    warnings: [...item.warnings, ...item.adjustments.map((a) => a.note)],
    status: item.status,
    reason: item.reason,
    message: item.lastAnswer?.message ?? null,
  }));
}

/** The CSV of a review before any plan (computed vs the cloud as pulled), same format as exportCsv. Pure. */
export function exportReviewCsv(stores: readonly CreatePlanStore[], lang: Lang = 'ru'): string {
  return toCsv(reviewCsvRows(stores), lang);
}

/**
 * Rows for a CSV of the review, before any plan exists: what was computed and what the cloud showed when the
 * products were pulled. Status is "pending" for an approved change, "unchanged" or "skipped" otherwise.
 */
export function reviewCsvRows(stores: readonly CreatePlanStore[]): CsvRow[] {
  const rows: CsvRow[] = [];
  for (const store of stores) {
    const approved = store.approved === 'all-resolved' ? null : new Set(store.approved.map((id) => id.toLowerCase()));
    const manual = new Map(Object.entries(store.manual ?? {}).map(([id, v]) => [id.toLowerCase(), v]));
    for (const c of store.computed) {
      const key = c.productId.toLowerCase();
      const before = c.cloudQuantity == null ? null : safe(c.cloudQuantity);
      const computed = c.status === 'resolved' && c.quantity !== null ? safe(c.quantity) : null;
      const typed = manual.get(key);
      const value = typed === undefined ? computed : typeof typed === 'number' ? typed : safe(typed.replace(',', '.'));
      const isApproved = typed !== undefined || (approved === null ? c.status === 'resolved' : approved.has(key));
      const status = value === null || !isApproved || c.status === 'not_tracked' ? 'skipped' : value === before ? 'unchanged' : 'pending';
      rows.push({
        storeName: store.storeName ?? store.storeId, storeId: store.storeId, productId: c.productId, code: c.code ?? null,
        name: c.name ?? '', before, computed: value, written: null,
        decidingDocument: c.decidedBy
          ? { id: c.decidedBy.id, type: c.decidedBy.type, number: c.decidedBy.number, closeTime: c.decidedBy.closeTime, deviceId: c.decidedBy.deviceId, timeZoneOffset: c.decidedBy.timeZoneOffset }
          : null,
        rule: typed !== undefined ? 'manual' : c.rule ?? null,
        warnings: (c.warnings ?? []).map((w) => (typeof w === 'string' ? w : w.value ? `${w.code}: ${w.value}` : w.code)),
        status,
        reason: status !== 'skipped' ? null : c.status === 'not_tracked' ? 'not-tracked' : value === null ? 'undecided' : 'not-approved',
        message: null,
      });
    }
  }
  return rows;
}

function safe(text: string): Milli | null {
  try {
    return parseQuantity(text);
  } catch {
    return null;
  }
}
