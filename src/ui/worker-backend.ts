/**
 * The SyncBackend port over the sync worker's bridge (src/worker): pulls, progress, results, histories, the user's
 * decisions, and the write-back (plan, journal, apply, undo, resume, CSV) all run in the worker. This adapter only
 * translates shapes and names; nothing heavy runs here (no plan building, no CSV text, no fetch, no IndexedDB),
 * so the page never blocks. The user's decisions and the chosen method/horizon are saved by the worker in
 * IndexedDB, so a reload gets them back from getResult() and the progress.
 *
 * Use `createBackend` (create-backend.ts) to get one; this module is the adapter alone, testable with a fake bridge.
 */
import type { ApiVersion } from '../model/types.ts';
import { creationDateFromStoreId } from '../pull/windows.ts';
import { unlistedEvent } from '../stock/fold.ts';
import type { RunReport, RunResult } from '../writeback/types.ts';
import type { SyncBridge } from '../sync/page/bridge.ts';
import type { StoreProgress, StoreTerminals, SyncResult } from '../sync/shared/protocol.ts';
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
  type ReviewSummary,
  type StoreSummary,
  type StoreSyncState,
  type SyncBackend,
  type WritePlan,
} from './backend.ts';
import { lang as uiLang, type Lang } from './i18n.ts';
import { readReviewResult } from './review-reader.ts';

/** What the adapter uses of the bridge (the real one, or a fake in tests). */
export type SyncApiBridge = Pick<
  SyncBridge,
  | 'configure' | 'listStores' | 'listProgress' | 'start' | 'pause' | 'resume' | 'cancel' | 'getResult' | 'getResultRows' | 'getHistory'
  | 'setManualQuantity' | 'setApproval' | 'planWrite' | 'planUndo' | 'stopPlan' | 'applyRun' | 'pendingRuns' | 'listRuns'
  | 'exportRunCsv' | 'exportReviewCsv' | 'discardRun' | 'forgetStore' | 'onProgress' | 'onWriteProgress' | 'terminate'
>;

export interface WorkerBackendDeps extends WorkerBackendOptions {
  /** The Evotor token: handed to the worker's memory, never stored. */
  token: string;
  /** Evotor's API root or a proxy (never taken from the page's URL). */
  apiBase: string;
}

export interface WorkerBackendOptions {
  sync: SyncApiBridge;
  /** The API version of the account (the worker is configured per version). Default 'v2'. */
  api?: ApiVersion;
  /** Stores to pull and write through API V1 (SyncConfig.v1Stores); the others use `api`. */
  v1Stores?: readonly string[];
  /** The language of the few words the backend makes itself (terminal numbers); default: the UI's current one. */
  lang?: Lang;
  /** IndexedDB names (tests, or several independent instances on one page). */
  dbName?: string;
  journalName?: string;
  now?: () => number;
}

const STATE_OF: Record<StoreProgress['status'], StoreSyncState> = {
  idle: 'never', queued: 'running', running: 'running', paused: 'paused', interrupted: 'paused', done: 'done', failed: 'failed', cancelled: 'cancelled',
};

/** The options a store's job was started with (saved with it in IndexedDB), as the port says them. */
export function optionsOfProgress(p: StoreProgress): PullOptions {
  return { method: p.method, horizonMonths: p.horizonMonths, fullPeriod: p.fullPeriod };
}

export function toPullProgress(p: StoreProgress, options: PullOptions = optionsOfProgress(p)): PullProgress {
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
    storeName: p.storeName && p.storeName !== p.storeId ? p.storeName : null,
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
    interrupted: p.status === 'interrupted',
    loadedSince: p.coveredSince,
    olderMonths: p.horizonSource === 'user-horizon' || p.horizonSource === 'fallback' || (p.coveredSince !== null && p.horizonSince !== null && p.coveredSince > p.horizonSince),
  };
}

/** What a planned run will change per store (the write-back sums target − before where before is known). */
export function planStores(report: RunReport): PlanStore[] {
  return report.stores.map((s) => ({ storeId: s.storeId, storeName: s.storeName, products: s.remaining, byUnit: s.byUnit }));
}

/**
 * Terminal names for reasons and timelines: the cloud's name, else the terminal's number, written so that it
 * cannot be taken for a name ("№ 2" / "#2").
 */
export function terminalLabels(terminals: StoreTerminals, language: Lang): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, t] of Object.entries(terminals.byId)) out[id] = t.name ?? (language === 'en' ? `#${t.number}` : `№ ${t.number}`);
  return out;
}

/** What the review keeps of a result's summary: method, completeness, terminal names in the UI's language. */
export function reviewSummaryOf(result: SyncResult, language: Lang): ReviewSummary {
  return {
    storeId: result.storeId,
    method: result.method,
    complete: result.complete,
    deviceNames: terminalLabels(result.terminals, language),
    deviceNamesSource: result.terminals.source,
    deviceNamesError: result.terminals.error ? toBackendError(result.terminals.error) : null,
  };
}

function csvName(prefix: string, now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${prefix}-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}.csv`;
}

const sameOptions = (a: PullOptions, b: PullOptions) => a.method === b.method && a.horizonMonths === b.horizonMonths && a.fullPeriod === b.fullPeriod;

export function createWorkerBackend(deps: WorkerBackendDeps): SyncBackend {
  const { sync } = deps;
  const api = deps.api ?? 'v2';
  const now = deps.now ?? Date.now;
  const language = (): Lang => deps.lang ?? uiLang.value;
  const listeners = new Set<(e: BackendEvent) => void>();
  /** Options just asked for, until the worker's job shows them (its progress carries the saved ones). */
  const requested = new Map<string, PullOptions>();
  const lastProgress = new Map<string, StoreProgress>();
  const completeByStore = new Map<string, boolean>();
  /** Store names as the cloud lists them (progress may not know them yet). */
  const storeNames = new Map<string, string>();

  const { token, apiBase } = deps;
  const v1Keys = new Set((deps.v1Stores ?? []).map((id) => id.toLowerCase()));
  const ready = sync.configure({
    api, token, baseUrl: apiBase,
    ...(deps.v1Stores !== undefined && deps.v1Stores.length > 0 ? { v1Stores: [...deps.v1Stores] } : {}),
    ...(deps.dbName !== undefined ? { dbName: deps.dbName } : {}),
    ...(deps.journalName !== undefined ? { journalName: deps.journalName } : {}),
  });
  ready.catch(() => undefined); // every call awaits it and reports its failure
  const emit = (e: BackendEvent) => {
    for (const l of listeners) l(e);
  };
  const optionsOf = (p: StoreProgress): PullOptions => requested.get(p.storeId) ?? optionsOfProgress(p);

  const offProgress = sync.onProgress((p) => {
    const before = lastProgress.get(p.storeId);
    lastProgress.set(p.storeId, p);
    const asked = requested.get(p.storeId);
    if (asked && sameOptions(asked, optionsOfProgress(p))) requested.delete(p.storeId);
    emit({ type: 'pull-progress', progress: toPullProgress(p, optionsOf(p)) });
    if (p.resultReady && (before === undefined || before.resultVersion !== p.resultVersion || !before.resultReady)) {
      emit({ type: 'review-changed', storeId: p.storeId });
    }
    if (before !== undefined && before.status !== p.status) emit({ type: 'stores-changed' });
  });
  const offWrite = sync.onWriteProgress((progress) => emit({ type: 'write-progress', progress }));

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
      apiVersion: p?.api ?? (v1Keys.has(info.id.toLowerCase()) ? 'v1' : api),
      createdAt: creationDateFromStoreId(info.id, now()),
      state,
      // When the store was pulled (the documents are as of then), not when the job row was last touched.
      lastSyncedAt: p && p.resultReady ? (p.snapshotAt ?? p.updatedAt) : null,
      error: p?.error ? toBackendError(p.error) : null,
    };
  }

  function reviewSummary(result: SyncResult): ReviewSummary {
    completeByStore.set(result.storeId, result.complete);
    return reviewSummaryOf(result, language());
  }

  function describePlan(result: RunResult): WritePlan {
    return { runId: result.report.runId, kind: result.report.kind, stores: planStores(result.report), moved: result.moved };
  }

  return {
    async listStores(options) {
      await ready;
      const [stores, progress] = await Promise.all([sync.listStores(options?.refresh === true ? { refresh: true } : {}), progressList()]);
      for (const s of stores) storeNames.set(s.id, s.name);
      const byId = new Map(progress.map((p) => [p.storeId, p]));
      return stores.map((s) => summary(s, byId.get(s.id)));
    },

    async startPull(storeId, options) {
      await ready;
      const p = lastProgress.get(storeId);
      const hasJob = p !== undefined && p.status !== 'idle';
      // A finished pull starts again from now (so does one whose background fetching was stopped, or one laid out for
      // another horizon: its months differ). A pull cancelled before its result keeps its pages: it continues from them.
      const finished = p?.status === 'done' || (p?.status === 'cancelled' && p.resultReady);
      const restart = hasJob && (finished || p.horizonMonths !== options.horizonMonths);
      const horizon = options.horizonMonths;
      requested.set(storeId, options);
      const name = storeNames.get(storeId);
      await sync.start(storeId, {
        restart,
        method: options.method,
        fullPeriod: options.fullPeriod,
        horizonMonths: horizon,
        // V1 keeps a limited history: never ask for more than a year there.
        ...(horizon !== null ? { v1HistoryMonths: Math.min(horizon, 12) } : {}),
        // Without a name from the cloud's list, the worker finds it (or shows the id).
        ...(name !== undefined ? { storeName: name } : {}),
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
    async loadOlderMonths(storeId) {
      await ready;
      const p = lastProgress.get(storeId);
      // Stopped before its horizon: it goes on. Done: a year before the horizon is laid out and fetched.
      if (p && p.status !== 'done') await sync.resume(storeId);
      else await sync.start(storeId, { olderMonths: 12 });
    },
    async pullProgress() {
      return (await progressList()).filter((p) => p.status !== 'idle').map((p) => toPullProgress(p, optionsOf(p)));
    },

    async reviewRows(storeId, onSlice) {
      await ready;
      return readReviewResult(sync, storeId, { summarize: reviewSummary, ...(onSlice ? { onSlice } : {}) });
    },
    async productHistory(storeId, productId) {
      await ready;
      const h = await sync.getHistory(storeId, productId);
      const unlisted = h.unlistedBy.map((doc) => unlistedEvent({ doc, complete: true, listed: [] }, productId));
      return {
        storeId, productId, stock: h.row, events: [...h.events, ...unlisted], complete: completeByStore.get(storeId) ?? false,
      } satisfies ProductHistory;
    },
    async setManualQuantity(storeId, productId, quantity) {
      await ready;
      await sync.setManualQuantity(storeId, productId, quantity);
    },
    async setApproval(storeId, productIds, approved) {
      await ready;
      await sync.setApproval(storeId, productIds, approved);
    },

    async planWrite(storeIds) {
      await ready;
      return describePlan(await sync.planWrite(storeIds));
    },
    async planUndo(runId) {
      await ready;
      return describePlan(await sync.planUndo(runId));
    },
    async runWrite(runId) {
      await ready;
      return sync.applyRun(runId);
    },
    async cancelPlan(runId) {
      await ready;
      await sync.discardRun(runId);
    },
    async stopPlan() {
      await ready;
      await sync.stopPlan();
    },
    async discardUndo(runId) {
      await ready;
      await sync.discardRun(runId);
    },
    async forgetStore(storeId) {
      await ready;
      await sync.forgetStore(storeId);
      lastProgress.delete(storeId);
      completeByStore.delete(storeId);
    },
    async exportCsv(storeIds, runId): Promise<CsvFile> {
      await ready;
      const blob = runId === null ? await sync.exportReviewCsv(storeIds) : await sync.exportRunCsv(runId);
      return { filename: csvName(runId === null ? 'ostatki-proverka' : 'ostatki-zapis', now()), blob };
    },

    async pendingWork(): Promise<PendingWork> {
      await ready;
      const [progress, unfinished, runs] = await Promise.all([progressList(), sync.pendingRuns(), sync.listRuns()]);
      const pulls = progress.filter((p) => p.status === 'interrupted' || p.status === 'paused' || p.status === 'failed');
      const undoable = runs.filter((r) => r.kind === 'write' && r.undoable && r.status === 'completed').at(-1) ?? null;
      return {
        pulls: pulls.map((p) => toPullProgress(p, optionsOf(p))),
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
      offWrite();
      sync.terminate();
    },
  };
}
