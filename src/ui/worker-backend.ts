/**
 * The SyncBackend port over the sync worker's bridge (src/sync/page/bridge.ts): pulls, progress, results, histories,
 * the user's decisions, and the write-back (plan, journal, apply, undo, resume, CSV) all run in the worker. This
 * adapter only translates shapes (StoreProgress → PullProgress, RunResult → WritePlan, a Blob → a named CsvFile);
 * what the screens' pull options mean for a pull is decided in src/sync/page/pull-options.ts, and nothing heavy runs
 * here (no plan building, no CSV text, no fetch, no IndexedDB), so the page never blocks. The user's decisions and
 * the chosen method/horizon are saved by the worker in IndexedDB, so a reload gets them back from getResult() and
 * the progress.
 *
 * Use `createBackend` (create-backend.ts) to get one; this module is the adapter alone, testable with a fake bridge.
 */
import type { ApiVersion } from '../model/types.ts';
import { creationDateFromStoreId } from '../pull/windows.ts';
import { unlistedEvent } from '../stock/fold.ts';
import type { RunReport, RunResult } from '../writeback/types.ts';
import type { SyncBridge } from '../sync/page/bridge.ts';
import { AskedOptions, olderMonthsCall, startOptionsFor } from '../sync/page/pull-options.ts';
import type { PullOptions, StoreProgress, StoreTerminals, SyncResult } from '../sync/shared/types.ts';
import {
  toBackendError,
  type BackendEvent,
  type CsvFile,
  type DirectCall,
  type PendingWork,
  type PlanStore,
  type ProductHistory,
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

/** The calls the port passes to the worker as they are (backend.ts DirectCall; forgetStore also forgets what the adapter holds). */
const DIRECT: readonly DirectCall[] = [
  'pausePull', 'resumePull', 'cancelPull', 'setManualQuantity', 'setApproval', 'runWrite', 'stopPlan', 'cancelPlan', 'discardUndo',
];

/** What the adapter uses of the bridge (the real one, or a fake in tests). */
export type SyncApiBridge = Pick<
  SyncBridge,
  | DirectCall | 'configure' | 'listStores' | 'pullProgress' | 'startPull' | 'getResult' | 'getResultRows' | 'productHistory'
  | 'planWrite' | 'planUndo' | 'pendingRuns' | 'listRuns' | 'exportCsv' | 'onProgress' | 'onWriteProgress' | 'terminate'
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

/** A call's signal as its last argument, when there is one (no trailing undefined). */
const tail = (signal: AbortSignal | undefined): [] | [AbortSignal] => (signal ? [signal] : []);

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

/** A store of the cloud's list with what this browser knows of its pull. `api`: its API when no pull says. */
function storeSummary(info: { id: string; name: string; address: string | null }, p: StoreProgress | undefined, api: ApiVersion, now: number): StoreSummary {
  return {
    id: info.id,
    name: info.name,
    address: info.address,
    apiVersion: p?.api ?? api,
    createdAt: creationDateFromStoreId(info.id, now),
    state: p ? STATE_OF[p.status] : 'never',
    // When the store was pulled (the documents are as of then), not when the job row was last touched.
    lastSyncedAt: p && p.resultReady ? (p.snapshotAt ?? p.updatedAt) : null,
    error: p?.error ? toBackendError(p.error) : null,
  };
}

export function createWorkerBackend(deps: WorkerBackendDeps): SyncBackend {
  const { sync } = deps;
  const api = deps.api ?? 'v2';
  const now = deps.now ?? Date.now;
  const language = (): Lang => deps.lang ?? uiLang.value;
  const listeners = new Set<(e: BackendEvent) => void>();
  const asked = new AskedOptions();
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
  const pullProgressOf = (p: StoreProgress): PullProgress => toPullProgress(p, asked.of(p));

  const offProgress = sync.onProgress((p) => {
    const before = lastProgress.get(p.storeId);
    lastProgress.set(p.storeId, p);
    asked.heard(p);
    emit({ type: 'pull-progress', progress: pullProgressOf(p) });
    if (p.resultReady && (before === undefined || before.resultVersion !== p.resultVersion || !before.resultReady)) {
      emit({ type: 'review-changed', storeId: p.storeId });
    }
    if (before !== undefined && before.status !== p.status) emit({ type: 'stores-changed' });
  });
  const offWrite = sync.onWriteProgress((progress) => emit({ type: 'write-progress', progress }));

  async function progressList(signal?: AbortSignal): Promise<StoreProgress[]> {
    await ready;
    const list = await sync.pullProgress(...tail(signal));
    for (const p of list) lastProgress.set(p.storeId, p);
    return list;
  }

  function reviewSummary(result: SyncResult): ReviewSummary {
    completeByStore.set(result.storeId, result.complete);
    return reviewSummaryOf(result, language());
  }

  function describePlan(result: RunResult): WritePlan {
    return { runId: result.report.runId, kind: result.report.kind, stores: planStores(result.report), moved: result.moved };
  }

  /** The direct calls: the same method of the worker, once it is configured. */
  const direct = Object.fromEntries(DIRECT.map((method) => [method, async (...args: unknown[]) => {
    await ready;
    return (sync[method] as (...a: unknown[]) => Promise<unknown>)(...args);
  }])) as unknown as Pick<SyncBackend, DirectCall>;

  return {
    ...direct,
    async listStores(options, signal) {
      await ready;
      const [stores, progress] = await Promise.all([
        sync.listStores(options?.refresh === true ? { refresh: true } : {}, ...tail(signal)), progressList(signal),
      ]);
      for (const s of stores) storeNames.set(s.id, s.name);
      const byId = new Map(progress.map((p) => [p.storeId, p]));
      return stores.map((s) => storeSummary(s, byId.get(s.id), v1Keys.has(s.id.toLowerCase()) ? 'v1' : api, now()));
    },

    async startPull(storeId, options, signal) {
      await ready;
      asked.ask(storeId, options);
      await sync.startPull(storeId, startOptionsFor(lastProgress.get(storeId), options, storeNames.get(storeId)), ...tail(signal));
    },
    async loadOlderMonths(storeId, signal) {
      await ready;
      const call = olderMonthsCall(lastProgress.get(storeId));
      if (call.resume) await sync.resumePull(storeId, ...tail(signal));
      else await sync.startPull(storeId, call.options, ...tail(signal));
    },
    async pullProgress(signal) {
      return (await progressList(signal)).filter((p) => p.status !== 'idle').map(pullProgressOf);
    },

    async reviewRows(storeId, onSlice, signal) {
      await ready;
      return readReviewResult(sync, storeId, { summarize: reviewSummary, ...(onSlice ? { onSlice } : {}), ...(signal ? { signal } : {}) });
    },
    async productHistory(storeId, productId, signal) {
      await ready;
      const h = await sync.productHistory(storeId, productId, ...tail(signal));
      const unlisted = h.unlistedBy.map((doc) => unlistedEvent({ doc, complete: true, listed: [] }, productId));
      return {
        storeId, productId, stock: h.row, events: [...h.events, ...unlisted], complete: completeByStore.get(storeId) ?? false,
      } satisfies ProductHistory;
    },

    async planWrite(storeIds, signal) {
      await ready;
      return describePlan(await sync.planWrite(storeIds, ...tail(signal)));
    },
    async planUndo(runId, signal) {
      await ready;
      return describePlan(await sync.planUndo(runId, ...tail(signal)));
    },
    async forgetStore(storeId, signal) {
      await ready;
      await sync.forgetStore(storeId, ...tail(signal));
      lastProgress.delete(storeId);
      completeByStore.delete(storeId);
    },
    async exportCsv(storeIds, runId, signal): Promise<CsvFile> {
      await ready;
      const lang = language(); // the file speaks the UI's language (src/writeback/csv.ts)
      const blob = await sync.exportCsv(storeIds, runId, lang, ...tail(signal));
      const name = lang === 'en' ? (runId === null ? 'stock-review' : 'stock-write') : runId === null ? 'ostatki-proverka' : 'ostatki-zapis';
      return { filename: csvName(name, now()), blob };
    },

    async pendingWork(signal): Promise<PendingWork> {
      await ready;
      const [progress, unfinished, runs] = await Promise.all([progressList(signal), sync.pendingRuns(...tail(signal)), sync.listRuns(...tail(signal))]);
      const pulls = progress.filter((p) => p.status === 'interrupted' || p.status === 'paused' || p.status === 'failed');
      const undoable = runs.filter((r) => r.kind === 'write' && r.undoable && r.status === 'completed').at(-1) ?? null;
      return { pulls: pulls.map(pullProgressOf), run: unfinished[0] ?? null, undoable };
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
