/**
 * The page the benchmark and the fault suite drive (test/bench/run.ts, test/faults/run.ts) through playwright-core.
 * It runs the app's real parts as the app's composition root (src/main.tsx) wires them: the sync worker through
 * its bridge (pull, progress, results), the write-back with the src/api client, and IndexedDB on disk. Everything
 * it measures in the page (long tasks, storage) is read from here; heaps are read by the Node side over CDP.
 *
 * Progress events go to Node through the `harnessEvent` binding (page.exposeBinding), so Node can kill the worker
 * or reload the page at a chosen point of a pull or a write.
 */
import { createEvotorClient } from '../../../src/api/client.ts';
import type { ApiVersion } from '../../../src/model/types.ts';
import type { StoreResult } from '../../../src/pull/computation.ts';
import { createSyncBridge, type SyncBridge } from '../../../src/worker/bridge.ts';
import type { StoreProgress, SyncConfig } from '../../../src/worker/protocol.ts';
import { createWriteback, type Writeback } from '../../../src/writeback/index.ts';
import type { ProgressInfo, RunReport } from '../../../src/writeback/types.ts';
import type { RawFigures, RawRequest } from './raw-worker.ts';

declare global {
  interface Window {
    harness: typeof harness;
    harnessEvent?: (event: unknown) => Promise<void>;
  }
}

// ----- long tasks: every main-thread task over 50 ms since the page loaded ---------------------------------------

const longTasks: { start: number; duration: number; name: string }[] = [];
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

// ----- the write-back, wired as src/main.tsx does (on the page) --------------------------------------------------

let writeback: Writeback | null = null;
let writeConfig: { baseUrl: string; token: string; api: ApiVersion } | null = null;
let writeProgress: ProgressInfo | null = null;

function compactReport(report: RunReport) {
  return {
    runId: report.runId, status: report.status, statusReason: report.statusReason ?? null, counts: report.counts,
    remaining: report.remaining, requests: report.requests, rateLimited: report.rateLimited, startedAt: report.startedAt,
    finishedAt: report.finishedAt,
  };
}

const harness = {
  now: () => performance.now(),

  async configure(config: SyncConfig): Promise<void> {
    bridge?.terminate();
    bridge = createSyncBridge();
    bridge.onProgress(onProgress);
    await bridge.ready;
    await bridge.configure(config);
  },

  async start(storeId: string, options: { fullPeriod?: boolean; restart?: boolean } = {}): Promise<void> {
    timelines.delete(storeId);
    timeline(storeId);
    await ensureBridge().start(storeId, options);
  },

  async resume(storeId: string): Promise<void> {
    const t = timeline(storeId);
    t.last = null;
    t.doneAt = null;
    await ensureBridge().resume(storeId);
  },

  async listProgress(): Promise<StoreProgress[]> {
    return ensureBridge().listProgress();
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

  async result(storeId: string, withRows = true): Promise<ResultSummary> {
    const t0 = performance.now();
    const result = await ensureBridge().getResult(storeId);
    const ms = performance.now() - t0;
    return {
      ms,
      complete: result.complete,
      rowCount: result.rows.length,
      rows: withRows
        ? result.rows.map((r) => ({
          productId: r.productId, status: r.status, quantity: r.quantity, decidedBy: r.decidedBy?.id ?? null,
          decidedAt: r.decidedBy?.closeTime ?? null, provisional: r.provisional, warnings: r.warnings.map((w) => w.code),
        }))
        : null,
      counts: result.counts,
      quarantined: result.quarantined.map((q) => ({ key: q.key, documentId: q.documentId, productIds: q.productIds, reason: q.reason })),
    };
  },

  async countEvents(dbName: string, storeId: string): Promise<number> {
    const db = await openDb(dbName);
    try {
      return await requestOf(db.transaction('events').objectStore('events').count(storeRange(storeId)));
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
    return longTasks.filter((t) => t.start >= sinceMs && t.start <= untilMs);
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

  // ----- write-back ------------------------------------------------------------------------------------------

  /** `fast`: short timeouts and retries, so a fault suite's storms resolve in seconds. */
  async wbOpen(config: { baseUrl: string; token: string; api?: ApiVersion; journal: string; fast?: boolean }): Promise<void> {
    writeback?.close();
    writeConfig = { baseUrl: config.baseUrl, token: config.token, api: config.api ?? 'v2' };
    const { baseUrl, token } = writeConfig;
    const tuning = config.fast ? { timeoutMs: 1500, retry: { baseDelayMs: 30, maxDelayMs: 400, maxRetries: 8, maxNetworkRetries: 8 } } : {};
    writeback = await createWriteback({
      client: (api, hooks) => createEvotorClient({ api, token, baseUrl, fetch: hooks.fetch, ...tuning }),
      journalName: config.journal,
    });
  },

  /** Plans writing the pulled result of `storeId` (every resolved product, as 'approve all' in the review). */
  async wbPlan(storeId: string, storeName = 'bench') {
    if (!writeback || !writeConfig) throw new Error('harness: wbOpen() first');
    const result = await ensureBridge().getResult(storeId);
    const t0 = performance.now();
    const { report } = await writeback.createPlan({
      stores: [{ storeId, storeName, api: result.api, computed: result.rows, approved: 'all-resolved' }],
    });
    return { ms: performance.now() - t0, report: compactReport(report) };
  },

  /** Applies a planned run; resolves with its report (or the error's text when it rejects). */
  async wbApply(runId: string) {
    if (!writeback) throw new Error('harness: wbOpen() first');
    const t0 = performance.now();
    try {
      const { report } = await writeback.applyPlan(runId, {
        onProgress: (p) => {
          writeProgress = p;
          send({ kind: 'write', runId: p.runId, phase: p.phase, done: p.done, total: p.total, rate: p.rate, concurrency: p.concurrency });
        },
      });
      return { ms: performance.now() - t0, report: compactReport(report), error: null };
    } catch (error) {
      return { ms: performance.now() - t0, report: null, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  },

  /** After a reload: every run to continue, continued from the journal. */
  async wbResume() {
    if (!writeback) throw new Error('harness: wbOpen() first');
    const t0 = performance.now();
    const pending = (await writeback.pending()).map((r) => r.runId);
    const results = await writeback.resumePending({
      onProgress: (p) => send({ kind: 'write', runId: p.runId, phase: p.phase, done: p.done, total: p.total, rate: p.rate, concurrency: p.concurrency }),
    });
    return { ms: performance.now() - t0, pending, reports: results.map((r) => compactReport(r.report)) };
  },

  async wbItems(runId: string) {
    if (!writeback) throw new Error('harness: wbOpen() first');
    return (await writeback.items(runId)).map((i) => ({ productId: i.productId, status: i.status, target: i.target, attempts: i.attempts }));
  },

  wbLastProgress: () => writeProgress,
};

window.harness = harness;
