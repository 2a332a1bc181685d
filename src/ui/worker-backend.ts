/**
 * The SyncBackend port over the real parts: the sync worker's bridge (src/worker: pulls, progress, results,
 * histories) and the write-back (src/writeback: plan, journal, apply, undo, CSV). A thin translation: no rule of
 * the computation or of the write-back is decided here.
 *
 * Kept here until the worker owns them (see src/ui/README.md): the chosen method/horizon per store and the user's
 * decisions (manual quantities, unapproved products) live in this object's memory for the page's lifetime.
 */
import type { ApiVersion } from '../model/types.ts';
import type { ProductHistory as WorkerHistory, ResultRow, StoreResult } from '../pull/computation.ts';
import { creationDateFromStoreId } from '../pull/windows.ts';
import { unlistedEvent } from '../stock/fold.ts';
import { exportReviewCsv, type Writeback } from '../writeback/index.ts';
import type { ComputedProduct, CreatePlanStore, RunKind, RunReport, RunResult } from '../writeback/types.ts';
import type { SyncBridge } from '../worker/bridge.ts';
import type { StoreProgress } from '../worker/protocol.ts';
import { formatQuantity, parseQuantity } from '../model/quantity.ts';
import {
  toBackendError,
  type BackendEvent,
  type CsvFile,
  type PendingWork,
  type PlanStore,
  type ProductHistory,
  type PullOptions,
  type PullPhase,
  type PullProgress,
  type ReviewResult,
  type StoreSummary,
  type StoreSyncState,
  type SyncBackend,
  type WritePlan,
} from './backend.ts';
import type { Session } from './launch.ts';
import { DEFAULT_OPTIONS } from './state.ts';
import { proposedText } from './review-model.ts';

/** What the adapter uses of the write-back (the Writeback class, or the worker's proxy of it). */
export type WritebackApi = Pick<Writeback, 'createPlan' | 'planUndo' | 'applyPlan' | 'pending' | 'listRuns' | 'exportCsv' | 'discard'>;

export type SyncApiBridge = Pick<
  SyncBridge,
  'configure' | 'listStores' | 'listProgress' | 'start' | 'pause' | 'resume' | 'cancel' | 'getResult' | 'getHistory' | 'onProgress' | 'terminate'
>;

export interface WorkerBackendDeps {
  session: Session;
  sync: SyncApiBridge;
  writeback: WritebackApi | Promise<WritebackApi>;
  /** The API version of the account (the worker is configured per version). Default 'v2'. */
  api?: ApiVersion;
  now?: () => number;
}

const STATE_OF: Record<StoreProgress['status'], StoreSyncState> = {
  idle: 'never', queued: 'running', running: 'running', paused: 'paused', interrupted: 'paused', done: 'done', failed: 'failed', cancelled: 'cancelled',
};

export function toPullProgress(p: StoreProgress, options: PullOptions): PullProgress {
  let phase: PullPhase;
  switch (p.status) {
    case 'idle':
    case 'queued':
      phase = 'queued';
      break;
    case 'running':
      phase = p.background ? 'background' : p.phase === 'products' ? 'products' : 'documents';
      break;
    case 'interrupted':
    case 'paused':
      phase = 'paused';
      break;
    default:
      phase = p.status;
  }
  return {
    storeId: p.storeId,
    phase,
    options,
    monthsDone: p.monthsDone,
    monthsTotal: p.monthsTotal > 0 ? p.monthsTotal : null,
    currentMonth: p.currentMonth,
    pages: p.pages + p.productPages,
    documents: p.documents,
    productsTotal: p.productsTracked,
    productsDecided: p.productsDecided,
    etaMs: p.etaMs,
    resultReady: p.resultReady,
    stopReason: p.stopReason,
    waiting: p.waiting ? { reason: p.waiting.reason, until: p.waiting.until } : null,
    error: p.error ? toBackendError(p.error) : null,
  };
}

/** What a planned run will change per store (the write-back sums target − before where before is known). */
export function planStores(report: RunReport): PlanStore[] {
  return report.stores.map((s) => ({ storeId: s.storeId, storeName: s.storeName, products: s.remaining, increase: s.increase, decrease: s.decrease }));
}

/**
 * Until the cloud's device names are read: the store's terminals numbered "1", "2"… by id (stable across reloads and
 * background updates), from every document the result names.
 */
export function terminalNames(rows: readonly ResultRow[]): Record<string, string> {
  const ids = new Set<string>();
  for (const row of rows) {
    for (const doc of [row.decidedBy, row.derived?.from, row.ledger?.from, ...row.chainBreaks.flatMap((b) => [b.previous, b.next])]) {
      if (doc && doc.deviceId !== '') ids.add(doc.deviceId);
    }
  }
  const sorted = [...ids].sort();
  return Object.fromEntries(sorted.map((id, i) => [id, String(i + 1)]));
}

function csvName(prefix: string, now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${prefix}-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}.csv`;
}

export function createWorkerBackend(deps: WorkerBackendDeps): SyncBackend {
  const { sync, session } = deps;
  const api = deps.api ?? 'v2';
  const now = deps.now ?? Date.now;
  const listeners = new Set<(e: BackendEvent) => void>();
  const optionsByStore = new Map<string, PullOptions>();
  const manualByStore = new Map<string, Map<string, string>>();
  const rejectedByStore = new Map<string, Set<string>>();
  const lastProgress = new Map<string, StoreProgress>();
  const completeByStore = new Map<string, boolean>();
  const kindByRun = new Map<string, RunKind>();
  /** Store names as the cloud lists them (progress may not know them yet). */
  const storeNames = new Map<string, string>();
  const nameOf = (storeId: string): string => storeNames.get(storeId) ?? lastProgress.get(storeId)?.storeName ?? storeId;

  const ready = sync.configure({ api, token: session.token, baseUrl: session.apiBase });
  const writeback = Promise.resolve(deps.writeback);
  const emit = (e: BackendEvent) => {
    for (const l of listeners) l(e);
  };
  const optionsOf = (storeId: string) => optionsByStore.get(storeId) ?? DEFAULT_OPTIONS;

  const offProgress = sync.onProgress((p) => {
    const before = lastProgress.get(p.storeId);
    lastProgress.set(p.storeId, p);
    emit({ type: 'pull-progress', progress: toPullProgress(p, optionsOf(p.storeId)) });
    if (p.resultReady && (before === undefined || before.resultVersion !== p.resultVersion || !before.resultReady)) {
      emit({ type: 'review-changed', storeId: p.storeId });
    }
    if (before !== undefined && before.status !== p.status) emit({ type: 'stores-changed' });
  });

  async function progressList(): Promise<StoreProgress[]> {
    await ready;
    const list = await sync.listProgress();
    for (const p of list) lastProgress.set(p.storeId, p);
    return list;
  }

  function summary(info: { id: string; name: string; address: string | null }, p: StoreProgress | undefined): StoreSummary {
    const state = p ? STATE_OF[p.status] : 'never';
    return {
      id: info.id,
      name: info.name,
      address: info.address,
      apiVersion: p?.api ?? api,
      createdAt: creationDateFromStoreId(info.id, now()),
      state,
      lastSyncedAt: p && p.resultReady ? p.updatedAt : null,
      error: p?.error ? toBackendError(p.error) : null,
    };
  }

  function toReviewResult(storeId: string, result: StoreResult): ReviewResult {
    const manual = manualByStore.get(storeId);
    const rejected = rejectedByStore.get(storeId);
    completeByStore.set(storeId, result.complete);
    return {
      storeId,
      method: optionsOf(storeId).method,
      complete: result.complete,
      deviceNames: terminalNames(result.rows),
      rows: result.rows.map((row: ResultRow) => ({
        storeId,
        stock: row,
        manualQuantity: manual?.get(row.productId) ?? null,
        approved: !(rejected?.has(row.productId) ?? false),
        provisional: row.provisional,
      })),
    };
  }

  function computedOf(storeId: string, result: StoreResult): ComputedProduct[] {
    const method = optionsOf(storeId).method;
    return result.rows.map((row) => {
      const quantity = proposedText({ storeId, stock: row, manualQuantity: null, approved: true, provisional: row.provisional }, method);
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

  function describePlan(result: RunResult): WritePlan {
    kindByRun.set(result.report.runId, result.report.kind);
    return { runId: result.report.runId, kind: result.report.kind, stores: planStores(result.report), moved: result.moved };
  }

  /** What the write-back needs of these stores: computed values by the chosen method, approvals, manual values. */
  async function planSpecs(storeIds: readonly string[]): Promise<CreatePlanStore[]> {
    const progress = new Map((await progressList()).map((p) => [p.storeId, p]));
    const specs: CreatePlanStore[] = [];
    for (const storeId of storeIds) {
      const result = await sync.getResult(storeId);
      const rejected = rejectedByStore.get(storeId) ?? new Set<string>();
      const manual = manualByStore.get(storeId) ?? new Map<string, string>();
      specs.push({
        storeId,
        storeName: nameOf(storeId),
        api: result.api,
        // Documents closed up to the pull's snapshot are in the computation; the guard looks after it.
        cutoff: progress.get(storeId)?.snapshotAt ?? now(),
        computed: computedOf(storeId, result),
        approved: result.rows.filter((r) => !rejected.has(r.productId)).map((r) => r.productId),
        manual: Object.fromEntries([...manual].filter(([id]) => !rejected.has(id))),
      });
    }
    return specs;
  }

  return {
    async listStores() {
      await ready;
      const [stores, progress] = await Promise.all([sync.listStores(), progressList()]);
      for (const s of stores) storeNames.set(s.id, s.name);
      const byId = new Map(progress.map((p) => [p.storeId, p]));
      return stores.map((s) => summary(s, byId.get(s.id)));
    },

    async startPull(storeId, options) {
      await ready;
      optionsByStore.set(storeId, options);
      const p = lastProgress.get(storeId);
      const restart = p !== undefined && (p.status === 'done' || p.status === 'cancelled');
      const horizon = options.horizonMonths;
      await sync.start(storeId, {
        restart,
        fullPeriod: options.fullPeriod,
        ...(horizon !== null ? { fallbackHorizonMonths: horizon, v1HistoryMonths: Math.min(horizon, 12) } : {}),
        storeName: nameOf(storeId),
      });
    },
    async pausePull(storeId) {
      await ready;
      await sync.pause(storeId);
    },
    async resumePull(storeId) {
      await ready;
      await sync.resume(storeId);
    },
    async cancelPull(storeId) {
      await ready;
      await sync.cancel(storeId);
    },
    async pullProgress() {
      return (await progressList()).filter((p) => p.status !== 'idle').map((p) => toPullProgress(p, optionsOf(p.storeId)));
    },

    async reviewRows(storeId) {
      await ready;
      return toReviewResult(storeId, await sync.getResult(storeId));
    },
    async productHistory(storeId, productId) {
      await ready;
      const h: WorkerHistory = await sync.getHistory(storeId, productId);
      const unlisted = h.unlistedBy.map((doc) => unlistedEvent({ doc, complete: true, listed: [] }, productId));
      const events = [...h.events, ...unlisted];
      return { storeId, productId, events, complete: completeByStore.get(storeId) ?? false } satisfies ProductHistory;
    },
    async setManualQuantity(storeId, productId, quantity) {
      const map = manualByStore.get(storeId) ?? new Map<string, string>();
      if (quantity === null) map.delete(productId);
      else map.set(productId, formatQuantity(parseQuantity(quantity)));
      manualByStore.set(storeId, map);
    },
    async setApproval(storeId, productIds, approved) {
      const set = rejectedByStore.get(storeId) ?? new Set<string>();
      for (const id of productIds) {
        if (approved) set.delete(id);
        else set.add(id);
      }
      rejectedByStore.set(storeId, set);
    },

    async planWrite(storeIds) {
      await ready;
      const stores = await planSpecs(storeIds);
      const wb = await writeback;
      return describePlan(await wb.createPlan({ stores }));
    },
    async planUndo(runId) {
      const wb = await writeback;
      return describePlan(await wb.planUndo(runId));
    },
    async runWrite(runId) {
      const wb = await writeback;
      const kind = kindByRun.get(runId) ?? 'write';
      return wb.applyPlan(runId, { onProgress: (info) => emit({ type: 'write-progress', progress: { ...info, kind } }) });
    },
    async cancelPlan(runId) {
      const wb = await writeback;
      await wb.discard(runId);
    },
    async discardUndo(runId) {
      const wb = await writeback;
      await wb.discard(runId);
    },
    async exportCsv(storeIds, runId): Promise<CsvFile> {
      const text = runId === null ? (await ready, exportReviewCsv(await planSpecs(storeIds))) : await (await writeback).exportCsv(runId);
      return { filename: csvName(runId === null ? 'ostatki-proverka' : 'ostatki-zapis', now()), blob: new Blob([text], { type: 'text/csv;charset=utf-8' }) };
    },

    async pendingWork(): Promise<PendingWork> {
      const wb = await writeback;
      const [progress, unfinished, runs] = await Promise.all([progressList(), wb.pending(), wb.listRuns()]);
      for (const r of [...unfinished, ...runs]) kindByRun.set(r.runId, r.kind);
      const pulls = progress.filter((p) => p.status === 'interrupted' || p.status === 'paused' || p.status === 'failed');
      const undoable = runs.filter((r) => r.kind === 'write' && r.undoable && r.status === 'completed').at(-1) ?? null;
      return {
        pulls: pulls.map((p) => toPullProgress(p, optionsOf(p.storeId))),
        run: unfinished[0] ?? null,
        undoable,
      };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      listeners.clear();
      offProgress();
      sync.terminate();
    },
  };
}
