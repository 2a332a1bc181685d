/** The report of a run, per store, computed from the journal (pure). */
import type { CsvRow } from './csv.ts';
import { isOutstanding, mayHaveWritten } from './state.ts';
import type { ItemStatus, ItemSummary, JournalItem, JournalRun, MovedProduct, RunReport, StoreReport } from './types.ts';

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
      remaining: mine.filter(isOutstanding).filter((i) => i.status !== 'written').length,
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
