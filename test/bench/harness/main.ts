/**
 * The page the benchmark and the fault suite drive (test/bench/run.ts, test/faults/run.ts) through playwright-core.
 * It runs the app's real parts as the app wires them (src/ui/create-backend.ts): the sync worker through its
 * bridge (pull, progress, results, decisions, plan/apply/resume of writes), and IndexedDB on disk. Everything
 * it measures in the page (long tasks, storage) is read from here; heaps are read by the Node side over CDP.
 *
 * Progress events go to Node through the `harnessEvent` binding (page.exposeBinding), so Node can kill the worker
 * or reload the page at a chosen point of a pull or a write.
 */
import type { StoreResult } from '../../../src/pull/computation.ts';
import { countByFilter, filterRows, sortRows, summarize } from '../../../src/ui/review-model.ts';
import { rankStores, readStoreRows } from '../../../src/ui/review-ranking.ts';
import { readReviewResult } from '../../../src/ui/review-reader.ts';
import { reviewSummaryOf } from '../../../src/ui/worker-backend.ts';
import { createSyncBridge, type SyncBridge } from '../../../src/sync/page/bridge.ts';
import type { StoreProgress, SyncConfig, SyncResult, WriteProgress } from '../../../src/sync/shared/types.ts';
import type { RunReport } from '../../../src/writeback/types.ts';
import type { RawFigures, RawRequest } from './raw-worker.ts';
import { appPull, naivePull, releaseKept } from './scenarios.ts';

declare global {
  interface Window {
    harness: typeof harness;
    harnessEvent?: (event: unknown) => Promise<void>;
  }
}

// ----- long tasks: every main-thread task over 50 ms since the page loaded ---------------------------------------

const longTasks: { start: number; duration: number; name: string }[] = [];
/**
 * The harness's own main-thread work (compacting 20,000 rows, Playwright serialising them for Node) is not the
 * app's: tasks that start inside these windows are left out. A window opens when such work starts and closes at
 * the next harness call.
 */
const excluded: { from: number; to: number }[] = [];
const closeExclusion = () => {
  const open = excluded.at(-1);
  if (open && Number.isNaN(open.to)) open.to = performance.now();
};
const yieldTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration, name: e.name });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // Not supported: reported as no data by the caller.
}

const send = (event: unknown) => {
  void window.harnessEvent?.(event)?.catch?.(() => undefined);
};

// ----- the sync worker ------------------------------------------------------------------------------------------

interface Timeline {
  startedAt: number;
  finishingAt: number | null;
  resultReadyAt: number | null;
  doneAt: number | null;
  last: StoreProgress | null;
  waits: Record<string, number>;
}

let bridge: SyncBridge | null = null;
const timelines = new Map<string, Timeline>();
const waiters = new Set<() => void>();

function timeline(storeId: string): Timeline {
  let t = timelines.get(storeId);
  if (!t) {
    t = { startedAt: performance.now(), finishingAt: null, resultReadyAt: null, doneAt: null, last: null, waits: {} };
    timelines.set(storeId, t);
  }
  return t;
}

function onProgress(p: StoreProgress): void {
  const t = timeline(p.storeId);
  const now = performance.now();
  if (p.phase === 'finishing' && t.finishingAt === null) t.finishingAt = now;
  if (p.resultReady && t.resultReadyAt === null) t.resultReadyAt = now;
  if ((p.status === 'done' || p.status === 'failed') && t.doneAt === null) t.doneAt = now;
  if (p.waiting && t.last?.waiting?.until !== p.waiting.until) t.waits[p.waiting.reason] = (t.waits[p.waiting.reason] ?? 0) + 1;
  t.last = p;
  send({ kind: 'pull', storeId: p.storeId, status: p.status, phase: p.phase, pages: p.pages, productPages: p.productPages, documents: p.documents, monthsDone: p.monthsDone, monthsTotal: p.monthsTotal, error: p.error });
  for (const w of [...waiters]) w();
}

function ensureBridge(): SyncBridge {
  if (!bridge) throw new Error('harness: configure() first');
  return bridge;
}

/** A compact row for comparisons in Node (20,000 full rows with ledgers are much more than needed). */
export interface CompactRow {
  productId: string;
  status: string;
  quantity: string | null;
  decidedBy: string | null;
  decidedAt: number | null;
  provisional: boolean;
  warnings: string[];
}

export interface ResultSummary {
  ms: number;
  complete: boolean;
  /** The result's size as JSON (a proxy for what the structured clone carries), and its largest row field. */
  jsonBytes: number;
  heaviestField: { name: string; bytes: number } | null;
  rows: CompactRow[] | null;
  rowCount: number;
  counts: StoreResult['counts'];
  quarantined: { key: string; documentId: string | null; productIds: string[]; reason: string }[];
}

// ----- IndexedDB, read directly (the same origin as the worker) ------------------------------------------------

function openDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function requestOf<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

const storeRange = (storeId: string) => IDBKeyRange.bound([storeId], [storeId, []]);

// ----- the write-back: in the sync worker, as the app runs it (src/ui/create-backend.ts) ------------------------

let writeProgress: WriteProgress | null = null;

function compactReport(report: RunReport) {
  return {
    runId: report.runId, status: report.status, statusReason: report.statusReason ?? null, counts: report.counts,
    remaining: report.remaining, requests: report.requests, rateLimited: report.rateLimited, startedAt: report.startedAt,
    finishedAt: report.finishedAt,
  };
}

const errorText = (error: unknown) => {
  const e = error as { name?: string; message?: string; code?: string };
  return `${e?.name ?? 'Error'}${e?.code ? ` (${e.code})` : ''}: ${e?.message ?? String(error)}`;
};

const harness = {
  now: () => {
    closeExclusion();
    return performance.now();
  },

  async configure(config: SyncConfig): Promise<void> {
    bridge?.terminate();
    bridge = createSyncBridge();
    bridge.onProgress(onProgress);
    bridge.onWriteProgress((p) => {
      writeProgress = p;
      send({ kind: 'write', runId: p.runId, phase: p.phase, done: p.done, total: p.total, rate: p.rate, concurrency: p.concurrency });
    });
    await bridge.ready;
    await bridge.configure(config);
  },

  async start(storeId: string, options: { fullPeriod?: boolean; restart?: boolean } = {}): Promise<void> {
    timelines.delete(storeId);
    timeline(storeId);
    await ensureBridge().startPull(storeId, options);
  },

  async resume(storeId: string): Promise<void> {
    const t = timeline(storeId);
    t.last = null;
    t.doneAt = null;
    await ensureBridge().resumePull(storeId);
  },

  async listProgress(): Promise<StoreProgress[]> {
    return ensureBridge().pullProgress();
  },

  /** The worker dies wherever it is (a closed tab's worker): mid-request, mid-transaction. */
  kill(): void {
    bridge?.terminate();
    bridge = null;
  },

  /** Resolves when the store's pull is done or failed (or the timeout passes), with the timeline. */
  waitPull(storeId: string, timeoutMs: number): Promise<Timeline & { timedOut: boolean }> {
    return new Promise((resolve) => {
      const t = timeline(storeId);
      const finish = (timedOut: boolean) => {
        waiters.delete(check);
        clearTimeout(timer);
        resolve({ ...t, timedOut });
      };
      const check = () => {
        const status = t.last?.status;
        if (status === 'done' || status === 'failed' || status === 'cancelled') finish(false);
      };
      const timer = setTimeout(() => finish(true), timeoutMs);
      waiters.add(check);
      check();
    });
  },

  /**
   * A store's result as the review gets it (src/ui/state/review.ts loadRows): read in slices by the worker backend's
   * reader, each slice prepared and ranked as it arrives, then the review's default view computed once, as the
   * screen does when the rows are shown.
   */
  async result(storeId: string, withRows = true): Promise<ResultSummary> {
    closeExclusion();
    const t0 = performance.now();
    let summary: SyncResult | null = null;
    const { result, rows: built } = await readStoreRows((onSlice) => readReviewResult(ensureBridge(), storeId, {
      summarize: (r) => reviewSummaryOf((summary = r), 'ru'),
      onSlice,
    }));
    const view = rankStores([built]);
    sortRows(filterRows(view, { status: 'all', search: '', storeId: null }), { key: 'difference', dir: 'desc' }, new Map());
    countByFilter(view, null);
    summarize(view, new Map(), new Set());
    const ms = performance.now() - t0;
    // The app's part (receiving the result) ends with this task; the tasks after it are the harness's.
    excluded.push({ from: performance.now(), to: NaN });
    await yieldTask();
    const { counts, quarantined } = summary!;
    const stocks = result.rows.map((r) => r.stock);
    const fieldBytes = new Map<string, number>();
    for (const row of stocks.slice(0, 500)) {
      for (const [k, v] of Object.entries(row)) fieldBytes.set(k, (fieldBytes.get(k) ?? 0) + (JSON.stringify(v)?.length ?? 0));
    }
    const heaviest = [...fieldBytes].sort((a, b) => b[1] - a[1])[0];
    return {
      ms,
      // What crossed from the worker: the summary and the light rows.
      jsonBytes: withRows ? JSON.stringify(summary).length + JSON.stringify(stocks).length : 0,
      heaviestField: heaviest ? { name: heaviest[0], bytes: Math.round((heaviest[1] / Math.min(500, stocks.length)) * stocks.length) } : null,
      complete: result.complete,
      rowCount: stocks.length,
      rows: withRows
        ? result.rows.map(({ stock: r, provisional }) => ({
          productId: r.productId, status: r.status, quantity: r.quantity, decidedBy: r.decidedBy?.id ?? null,
          decidedAt: r.decidedBy?.closeTime ?? null, provisional, warnings: r.warnings.map((w) => w.code),
        }))
        : null,
      counts,
      quarantined: quarantined.map((q) => ({ key: q.key, documentId: q.documentId, productIds: q.productIds, reason: q.reason })),
    };
  },

  async countRows(dbName: string, storeId: string): Promise<number> {
    const db = await openDb(dbName);
    try {
      // Rows stored (one per document and product): the job counts them as pages commit.
      const job = await requestOf(db.transaction('jobs').objectStore('jobs').get(storeId)) as { lines?: number } | undefined;
      return job?.lines ?? 0;
    } finally {
      db.close();
    }
  },

  async checkpoints(dbName: string, storeId: string): Promise<{ month: string; cursor: string | null; done: boolean; pages: number; since: number; until: number }[]> {
    const db = await openDb(dbName);
    try {
      const all = await requestOf(db.transaction('checkpoints').objectStore('checkpoints').getAll(storeRange(storeId)));
      return (all as { month: string; cursor: string | null; done: boolean; pages: number; since: number; until: number }[])
        .map(({ month, cursor, done, pages, since, until }) => ({ month, cursor, done, pages, since, until }));
    } finally {
      db.close();
    }
  },

  async estimate(): Promise<{ usage: number; quota: number }> {
    const e = await navigator.storage.estimate();
    return { usage: e.usage ?? 0, quota: e.quota ?? 0 };
  },

  deleteDb(name: string): Promise<void> {
    return new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(name);
      request.onsuccess = () => resolve();
      request.onerror = () => resolve();
      request.onblocked = () => resolve();
    });
  },

  longTasks(sinceMs = 0, untilMs = Infinity) {
    closeExclusion();
    return longTasks.filter((t) => t.start >= sinceMs && t.start <= untilMs && !excluded.some((x) => t.start >= x.from && t.start <= x.to));
  },

  longTaskSupported: () => PerformanceObserver.supportedEntryTypes.includes('longtask'),

  /** The raw ceiling and the computation figures in the bench's own worker (raw-worker.ts). */
  raw(request: RawRequest): Promise<RawFigures> {
    const worker = new Worker(new URL('./raw-worker.ts', import.meta.url), { type: 'module', name: 'raw-worker' });
    return new Promise<RawFigures>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<{ ok: boolean; figures?: RawFigures; error?: string }>) => {
        worker.terminate();
        if (event.data.ok) resolve(event.data.figures!);
        else reject(new Error(event.data.error));
      };
      worker.onerror = (event) => {
        worker.terminate();
        reject(new Error(`raw worker: ${event.message}`));
      };
      worker.postMessage(request);
    });
  },

  // ----- write-back (the worker's bridge methods) -------------------------------------------------------------

  /** Plans writing the pulled result of `storeId` with the decisions on disk (all approved by default). */
  async wPlan(storeId: string) {
    const t0 = performance.now();
    const { report } = await ensureBridge().planWrite([storeId]);
    return { ms: performance.now() - t0, report: compactReport(report) };
  },

  /** Applies a planned run in the worker; resolves with its report, or the error's text when it rejects. */
  async wApply(runId: string) {
    const t0 = performance.now();
    try {
      const { report } = await ensureBridge().runWrite(runId);
      return { ms: performance.now() - t0, report: compactReport(report), error: null as string | null };
    } catch (error) {
      return { ms: performance.now() - t0, report: null, error: errorText(error) };
    }
  },

  /** After a reload or a killed worker: every run to continue, continued from the journal. */
  async wResume() {
    const t0 = performance.now();
    try {
      const pending = (await ensureBridge().pendingRuns()).map((r) => r.runId);
      const results = await ensureBridge().resumePending();
      return { ms: performance.now() - t0, pending, reports: results.map((r) => compactReport(r.report)), error: null as string | null };
    } catch (error) {
      return { ms: performance.now() - t0, pending: [] as string[], reports: [], error: errorText(error) };
    }
  },

  async wReport(runId: string) {
    return compactReport(await ensureBridge().runReport(runId));
  },

  /** The journal's items of a run, read from its IndexedDB database (same origin as the worker). */
  async wItems(journalName: string, runId: string) {
    const db = await openDb(journalName);
    try {
      const items = await requestOf(db.transaction('items').objectStore('items').index('byRun').getAll(runId));
      return (items as { productId: string; status: string; target: number | null; attempts: number }[])
        .map((i) => ({ productId: i.productId, status: i.status, target: i.target, attempts: i.attempts }));
    } finally {
      db.close();
    }
  },

  wbLastProgress: () => writeProgress,

  // ----- the store scenarios (issue 15): the app as the UI drives it, and a naive client -----------------------
  appPull,
  naivePull,
  releaseKept,
};

window.harness = harness;
