/**
 * The write-back: put computed stock into Evotor Cloud without losing or doubling a write, without erasing a sale
 * made meanwhile, and with a way back. The worker bridge / UI calls this API; everything runs in a Web Worker
 * (no DOM), each long call takes an AbortSignal and reports progress.
 *
 *   const wb = await createWriteback({ client: (api, hooks) => createEvotorClient({ api, token, baseUrl, ...hooks }) });
 *   const { report, moved } = await wb.createPlan({ stores: [{ storeId, api, computed, approved: 'all-resolved' }] });
 *   await wb.applyPlan(report.runId, { signal, onProgress });
 *   await wb.resumePending();          // after a reload: continues interrupted runs from the journal
 *   await wb.undo(report.runId);       // restores the quantities before (+ movements since)
 *   await wb.discard(report.runId);    // forgets the run and its undo data
 *   const csv = await wb.exportCsv(report.runId);
 *
 * See README.md for the journal, the state machine and the guarantees.
 */
import type { EvotorClient } from '../api/client.ts';
import { isApiError } from '../api/errors.ts';
import type { ApiVersion } from '../model/types.ts';
import { productKey, type Lang } from '../stock/index.ts';
import { readCloud } from './cloud.ts';
import { observationFromHeaders, RateMeter, WriteRateController } from './concurrency.ts';
import { toCsv } from './csv.ts';
import { classify, StopRun } from './errors.ts';
import { applyNewDocuments, fetchDocumentsSince, guardUntil } from './guard.ts';
import { Journal, JOURNAL_DB_NAME } from './journal.ts';
import { buildPlanItems, buildUndoItems, planCutoff, settleUnchanged } from './plan.ts';
import { buildReport, csvRows, reviewCsvRows } from './report.ts';
import { isOutstanding, isRetryable, resumeAction } from './state.ts';
import type {
  ApplyOptions, CreatePlanInput, JournalItem, JournalRun, JournalStore, MovedProduct, ProgressInfo, RunReport, RunResult,
} from './types.ts';
import { guardStore, settleAfterWrite, writeV1, writeV2, type StoreContext, type WriterOptions } from './writer.ts';

export type * from './types.ts';
export { toCsv, type CsvRow } from './csv.ts';
export { reviewCsvRows } from './report.ts';

/** The CSV of a review before any plan (computed vs the cloud as pulled), same format as exportCsv. Pure. */
export function exportReviewCsv(stores: readonly CreatePlanInput['stores'][number][], lang: Lang = 'ru'): string {
  return toCsv(reviewCsvRows(stores), lang);
}
export { Journal, JOURNAL_DB_NAME } from './journal.ts';

/** What the write-back adds to the API client: a fetch that lets the rate controller see every answer's headers. */
export interface ClientHooks {
  fetch: typeof fetch;
}

export interface WritebackOptions {
  /**
   * The src/api client for an API version. Pass `hooks.fetch` on to createEvotorClient: through it the rate
   * controller reads X-RateLimit-* and 429s (without it, writes run at a fixed, modest concurrency).
   */
  client: (api: ApiVersion, hooks: ClientHooks) => EvotorClient;
  /** An open journal, or the database name to open (default 'evotor-stock-sync-journal'). */
  journal?: Journal;
  journalName?: string;
  now?: () => number;
  newId?: () => string;
  /** The fetch the hooks wrap (default: globalThis.fetch at call time). */
  fetch?: typeof fetch;
  writer?: Partial<WriterOptions>;
  /** Rate controller tuning (tests). */
  rate?: { initialConcurrency?: number; maxConcurrency?: number };
}

export class WritebackBusyError extends Error {
  override readonly name = 'WritebackBusyError';
  constructor(runId: string) {
    super(`The run ${runId} is being applied elsewhere (another tab or call)`);
  }
}

/** Another tab (or another run in this one) is writing one of these stores: one write run per store at a time. */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
  constructor(readonly storeIds: readonly string[]) {
    super(`The store ${storeIds.join(', ')} is being written by another tab`);
  }
}

/** The Web Lock a write or undo run holds on each of its stores, across tabs and workers of the origin. */
export const storeWriteLock = (storeId: string): string => `evotor-stock-sync:store-write:${storeId.toLowerCase()}`;

const lockManager = (): LockManager | undefined => (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;

export class WritebackStateError extends Error {
  override readonly name = 'WritebackStateError';
}

interface Lane {
  client: EvotorClient;
  controller: WriteRateController;
  stats: { requests: number; rateLimited: number };
}

const DEFAULT_WRITER: WriterOptions = {
  guardIntervalMs: 30_000,
  v1BatchBytes: 8 * 1024 * 1024,
  v1BatchSize: 5_000,
  maxLanes: 16,
  maxNoAnswerInARow: 5,
  maxAttemptsPerRun: 4,
};

/** A uuid v4; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere (pages and workers). */
function randomId(): string {
  if (typeof globalThis.crypto?.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Opens the journal and returns the API. */
export async function createWriteback(options: WritebackOptions): Promise<Writeback> {
  const journal = options.journal ?? (await Journal.open(options.journalName ?? JOURNAL_DB_NAME));
  return new Writeback(options, journal);
}

export class Writeback {
  private readonly lanes = new Map<ApiVersion, Lane>();
  private readonly active = new Set<string>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly writerOptions: WriterOptions;

  constructor(private readonly options: WritebackOptions, readonly journal: Journal) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomId;
    this.writerOptions = { ...DEFAULT_WRITER, ...options.writer };
  }

  close(): void {
    this.journal.close();
  }

  // -----------------------------------------------------------------------------------------------------------
  // Plans
  // -----------------------------------------------------------------------------------------------------------

  /**
   * Builds and journals a write plan: reads each store's products from the cloud (the quantities before), keeps the
   * approved products whose value differs, and runs the guard once (documents after the cut-off move the targets;
   * `moved` says which and why). Nothing is written to Evotor.
   */
  async createPlan(input: CreatePlanInput): Promise<RunResult> {
    const signal = input.signal ?? new AbortController().signal;
    const runId = this.newId();
    const stores: JournalStore[] = [];
    const items: JournalItem[] = [];
    const warnings: string[] = [];
    const moved: MovedProduct[] = [];
    for (const spec of input.stores) {
      const { client } = this.lane(spec.api);
      const readAt = this.now();
      const cloud = await readCloud(client, spec.storeId, signal);
      if (!cloud.hasQuantities) {
        warnings.push(`${spec.storeName ?? spec.storeId}: the cloud shows no quantities (is product.quantity:read missing?); undo cannot restore them`);
      }
      if (cloud.invalid > 0) warnings.push(`${spec.storeName ?? spec.storeId}: ${cloud.invalid} product(s) in the cloud could not be read`);
      const planned = buildPlanItems(spec, runId, cloud.catalogue, this.now());
      const cutoff = planCutoff(spec, readAt);
      const until = this.now();
      const docs = await fetchDocumentsSince(client, spec.storeId, cutoff + 1, guardUntil(until), signal);
      // A typed value is the user's "now": documents known when the plan is made do not move it, later ones do.
      const guard = applyNewDocuments(docs, spec.api, planned, [], cutoff, this.now(), (item) => item.manual !== null);
      moved.push(...guard.moved);
      items.push(...settleUnchanged(guard.items, this.now()));
      stores.push({
        storeId: spec.storeId, storeName: spec.storeName ?? spec.storeId, api: spec.api, cutoff, readAt,
        planDocumentIds: guard.seenIds, planWatermark: Math.max(cutoff, guard.newest ?? cutoff),
        guardDocumentIds: guard.seenIds, guardCheckedAt: until, error: null,
      });
    }
    const run = this.newRun(runId, 'write', null, stores, warnings);
    await this.journal.createRun(run, items);
    return { report: buildReport(run, items), moved };
  }

  /**
   * Journals the undo of a write run (completed or partial): every product whose write may have landed gets back
   * its quantity before, plus the movements of documents closed since that quantity was read (a sale since the
   * write lowers the undo target too; `moved` says so). Returns the existing undo run if there is one.
   */
  async planUndo(runId: string, signal: AbortSignal = new AbortController().signal): Promise<RunResult> {
    // Holding the write run's lock: no tab may be writing it while its undo is planned.
    return this.withRunLock(runId, () => this.planUndoLocked(runId, signal));
  }

  private async planUndoLocked(runId: string, signal: AbortSignal): Promise<RunResult> {
    const original = await this.mustGetRun(runId);
    if (original.kind !== 'write') throw new WritebackStateError(`Run ${runId} is an undo; it cannot be undone`);
    if (original.undoneBy) {
      const existing = await this.journal.getRun(original.undoneBy);
      if (existing) return { report: await this.report(existing.id), moved: [] };
    }
    if (original.status === 'planned') throw new WritebackStateError(`Run ${runId} was never applied: nothing to undo`);
    const originalItems = await this.journal.getItems(runId);
    const undoId = this.newId();
    const stores: JournalStore[] = [];
    const items: JournalItem[] = [];
    const moved: MovedProduct[] = [];
    for (const store of original.stores) {
      const mine = originalItems.filter((i) => i.storeId === store.storeId);
      const { client } = this.lane(store.api);
      const readAt = this.now();
      const cloud = await readCloud(client, store.storeId, signal);
      const planned = buildUndoItems(mine, undoId, cloud.catalogue, this.now());
      if (planned.length === 0) continue;
      // Movements since the quantities before were read: documents after the write plan's watermark, except
      // those the plan already knew (they are in the quantities before).
      // (Documents at the write plan's own cut-off were in the computation; at its watermark, the plan knew them.)
      const cutoff = store.planWatermark > store.cutoff ? store.planWatermark - 1 : store.cutoff;
      const until = this.now();
      const docs = await fetchDocumentsSince(client, store.storeId, cutoff + 1, guardUntil(until), signal);
      const guard = applyNewDocuments(docs, store.api, planned, store.planDocumentIds, cutoff, this.now());
      moved.push(...guard.moved);
      items.push(...settleUnchanged(guard.items, this.now()));
      stores.push({
        storeId: store.storeId, storeName: store.storeName, api: store.api, cutoff, readAt,
        planDocumentIds: guard.seenIds, planWatermark: Math.max(cutoff, guard.newest ?? cutoff),
        guardDocumentIds: guard.seenIds, guardCheckedAt: until, error: null,
      });
    }
    const run = this.newRun(undoId, 'undo', runId, stores, []);
    await this.journal.createRun(run, items);
    await this.journal.updateRun(runId, (r) => ({ ...r, undoneBy: undoId, updatedAt: this.now() }));
    return { report: buildReport(run, items), moved };
  }

  // -----------------------------------------------------------------------------------------------------------
  // Applying
  // -----------------------------------------------------------------------------------------------------------

  /**
   * Applies (or continues) a journaled run: per store, the guard, then the writes, then verification.
   * Resolves with the report when the run completed, stopped (401/402/403: statusReason names the cause and scope)
   * or was interrupted by lost network; rejects with the abort reason when `signal` aborts (the journal keeps
   * everything: resume later).
   */
  async applyPlan(runId: string, options: ApplyOptions = {}): Promise<RunResult> {
    return this.withRunLock(runId, async () => {
      const stores = (await this.mustGetRun(runId)).stores.map((s) => s.storeId);
      return this.withStoreLocks(stores, () => this.applyLocked(runId, options));
    });
  }

  /**
   * Resolves once no tab holds the write lock of any of these stores (at once when none does, or without Web Locks).
   * Rejects with the signal's reason when it aborts.
   */
  async whenStoresFree(storeIds: readonly string[], signal?: AbortSignal): Promise<void> {
    const locks = lockManager();
    if (!locks) return;
    for (const name of new Set(storeIds.map(storeWriteLock))) await locks.request(name, signal ? { signal } : {}, async () => undefined);
  }

  /** Plans the undo (if not yet) and applies it. */
  async undo(runId: string, options: ApplyOptions = {}): Promise<RunResult> {
    const planned = await this.planUndo(runId, options.signal);
    const result = await this.applyPlan(planned.report.runId, options);
    return { report: result.report, moved: [...planned.moved, ...result.moved] };
  }

  /** Runs that stopped before the end (interrupted, stopped, or 'applying' left by a crash or closed tab). */
  async pending(): Promise<RunReport[]> {
    const runs = await this.journal.listRuns();
    const reports: RunReport[] = [];
    for (const run of runs) {
      if (!this.isResumable(run)) continue;
      reports.push(await this.report(run.id));
    }
    return reports;
  }

  /**
   * Continues every interrupted run from the journal (oldest first). Runs that stopped on 401/402/403 are retried
   * too (the caller resumes after the user fixed the token or scope). Runs busy in another tab are left alone.
   */
  async resumePending(options: ApplyOptions = {}): Promise<RunResult[]> {
    const results: RunResult[] = [];
    for (const run of await this.journal.listRuns()) {
      if (!this.isResumable(run)) continue;
      try {
        results.push(await this.applyPlan(run.id, options));
      } catch (error) {
        if (error instanceof WritebackBusyError || error instanceof StoreBusyError) continue;
        throw error;
      }
    }
    return results;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Reading and forgetting
  // -----------------------------------------------------------------------------------------------------------

  async report(runId: string): Promise<RunReport> {
    const run = await this.mustGetRun(runId);
    return buildReport(run, await this.journal.getItems(runId));
  }

  /** Every run in the journal, oldest first. */
  async listRuns(): Promise<RunReport[]> {
    const runs = await this.journal.listRuns();
    return Promise.all(runs.map((r) => this.report(r.id)));
  }

  /** The journal's items of a run (for the UI's detail views). */
  async items(runId: string): Promise<JournalItem[]> {
    return this.journal.getItems(runId);
  }

  /** The whole result as CSV for a spreadsheet in the UI's language (UTF-8 with BOM, CRLF, formula-injection safe: csv.ts). */
  async exportCsv(runId: string, lang: Lang = 'ru'): Promise<string> {
    const run = await this.mustGetRun(runId);
    return toCsv(csvRows(run, await this.journal.getItems(runId)), lang);
  }

  /**
   * Forgets a run and its undo run: the quantities before are gone, undo is no longer possible. A run being
   * applied cannot be discarded.
   */
  async discard(runId: string): Promise<void> {
    const run = await this.journal.getRun(runId);
    if (!run) return;
    if (run.undoneBy && this.active.has(run.undoneBy)) throw new WritebackBusyError(run.undoneBy);
    await this.withRunLock(runId, () => this.discardLocked(run));
  }

  private async discardLocked(run: JournalRun): Promise<void> {
    const runId = run.id;
    if (run.undoneBy) await this.journal.deleteRun(run.undoneBy);
    if (run.undoOf) {
      await this.journal.updateRun(run.undoOf, (r) => ({ ...r, undoneBy: r.undoneBy === runId ? null : r.undoneBy })).catch(() => undefined);
    }
    await this.journal.deleteRun(runId);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Internals
  // -----------------------------------------------------------------------------------------------------------

  private isResumable(run: JournalRun): boolean {
    if (run.kind === 'write' && run.undoneBy) return false;
    return run.status === 'applying' || run.status === 'interrupted' || run.status === 'stopped';
  }

  private newRun(id: string, kind: JournalRun['kind'], undoOf: string | null, stores: JournalStore[], warnings: string[]): JournalRun {
    const now = this.now();
    return {
      id, kind, undoOf, undoneBy: null, createdAt: now, stores, status: 'planned', statusReason: null,
      writeScopeChecked: false, warnings, startedAt: null, finishedAt: null, updatedAt: now, requests: 0, rateLimited: 0,
    };
  }

  private async mustGetRun(runId: string): Promise<JournalRun> {
    const run = await this.journal.getRun(runId);
    if (!run) throw new WritebackStateError(`No run ${runId} in the journal`);
    return run;
  }

  /** The client and rate controller of an API version, made once; the hooks' fetch feeds the controller. */
  private lane(api: ApiVersion): Lane {
    let lane = this.lanes.get(api);
    if (lane) return lane;
    const controller = new WriteRateController({ ...this.options.rate, now: this.now });
    const stats = { requests: 0, rateLimited: 0 };
    const base = this.options.fetch;
    const observingFetch: typeof fetch = async (input, init) => {
      const response = await (base ?? globalThis.fetch)(input, init);
      const method = (init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET')).toUpperCase();
      if (method !== 'GET') {
        // Only writes share the write budget (Evotor limits per token and URI; reads are paced by src/api).
        stats.requests += 1;
        if (response.status === 429) stats.rateLimited += 1;
        controller.observe(observationFromHeaders(response.status, response.headers, this.now()));
      }
      return response;
    };
    lane = { client: this.options.client(api, { fetch: observingFetch }), controller, stats };
    this.lanes.set(api, lane);
    return lane;
  }

  /**
   * One write run per store at a time across tabs: the run's store locks, all or none (taken in name order, so two
   * runs never wait for each other); StoreBusyError when another holds one. Without Web Locks, runs are not kept
   * apart (the run lock's checkpoint still stops the same run twice).
   */
  private async withStoreLocks<T>(storeIds: readonly string[], fn: () => Promise<T>): Promise<T> {
    const locks = lockManager();
    if (!locks) return fn();
    const names = [...new Set(storeIds.map(storeWriteLock))].sort();
    const take = (i: number): Promise<T> =>
      i === names.length
        ? fn()
        : locks.request(names[i]!, { ifAvailable: true }, async (lock) => {
            if (!lock) throw new StoreBusyError(storeIds);
            return take(i + 1);
          });
    return take(0);
  }

  private async withRunLock<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    if (this.active.has(runId)) throw new WritebackBusyError(runId);
    this.active.add(runId);
    try {
      const locks = lockManager();
      if (!locks) return await fn();
      return await locks.request(`evotor-stock-sync:writeback:${runId}`, { ifAvailable: true }, async (lock) => {
        if (!lock) throw new WritebackBusyError(runId);
        return fn();
      });
    } finally {
      this.active.delete(runId);
    }
  }

  private async applyLocked(runId: string, options: ApplyOptions): Promise<RunResult> {
    const signal = options.signal ?? new AbortController().signal;
    let run = await this.mustGetRun(runId);
    if (run.status === 'undone') throw new WritebackStateError(`Run ${runId} was undone`);
    if (run.kind === 'write' && run.undoneBy) throw new WritebackStateError(`Run ${runId} is being undone; apply its undo run ${run.undoneBy}`);
    signal.throwIfAborted();

    const allItems = await this.journal.getItems(runId);
    const apiOf = new Map(run.stores.map((s) => [s.storeId, s.api]));
    const todo = allItems.filter((i) => resumeAction(i, apiOf.get(i.storeId) ?? 'v2') !== 'none');
    if (todo.length === 0 && run.status !== 'applying') {
      if (run.status === 'planned' || run.status === 'interrupted' || run.status === 'stopped') {
        run = await this.finish(run, allItems, null);
      }
      return { report: buildReport(run, allItems), moved: [] };
    }

    run = await this.journal.updateRun(runId, (r) => ({
      ...r, status: 'applying', statusReason: null, startedAt: r.startedAt ?? this.now(), finishedAt: null, updatedAt: this.now(),
    }));

    const moved: MovedProduct[] = [];
    const meter = new RateMeter(5000, this.now);
    const total = todo.length;
    // Products settled so far (a product written again after the check for sales during the write counts once).
    const settled = new Set<string>();
    let done = 0;
    let lastProgressAt = 0;
    const statsBefore = new Map([...this.lanes].map(([api, l]) => [api, { ...l.stats }]));
    const progress = (phase: ProgressInfo['phase'], lane: Lane | null, force = false) => {
      if (!options.onProgress) return;
      const now = this.now();
      if (!force && now - lastProgressAt < 100) return;
      lastProgressAt = now;
      options.onProgress({
        runId, phase, done, total, rate: meter.rate(),
        concurrency: lane?.controller.concurrency ?? 0,
        rateLimited: [...this.lanes.values()].reduce((n, l) => n + l.stats.rateLimited, 0),
      });
    };

    let failure: unknown = null;
    let phase: ProgressInfo['phase'] = 'guard';
    try {
      for (const store of run.stores) {
        const mine = allItems.filter((i) => i.storeId === store.storeId);
        if (!mine.some((i) => resumeAction(i, store.api) !== 'none')) continue;
        const lane = this.lane(store.api);
        const ctx: StoreContext = {
          journal: this.journal,
          client: lane.client,
          controller: lane.controller,
          runId,
          store: { ...store, error: null }, // tried again: an earlier store-level error is cleared by the guard's save
          items: new Map(mine.map((i) => [productKey(i.productId), i])),
          signal,
          now: this.now,
          options: this.writerOptions,
          scopeChecked: () => run.writeScopeChecked,
          markScopeChecked: async () => {
            run = await this.journal.updateRun(runId, (r) => ({ ...r, writeScopeChecked: true, updatedAt: this.now() }));
          },
          onItem: (item) => {
            settled.add(`${item.storeId}|${productKey(item.productId)}`);
            done = settled.size;
            meter.tick();
            progress(phase, lane);
          },
          onPhase: (next) => {
            phase = next;
            progress(phase, lane, true);
          },
          saveStore: async (next) => {
            run = await this.journal.updateRun(runId, (r) => ({
              ...r, stores: r.stores.map((s) => (s.storeId === next.storeId ? next : s)), updatedAt: this.now(),
            }));
          },
          moved,
          warn: (text) => {
            void this.journal.updateRun(runId, (r) => ({ ...r, warnings: [...r.warnings, text] }));
          },
        };
        try {
          await guardStore(ctx);
          const write = store.api === 'v2' ? writeV2 : writeV1;
          await write(ctx);
          await settleAfterWrite(ctx, write);
        } catch (error) {
          const c = classify(error);
          if (c.kind === 'abort' || c.kind === 'stop' || c.kind === 'bug' || error instanceof StopRun) throw error;
          // A store-level failure (store gone, answers unreadable, server down after every retry): record it,
          // go on with the other stores.
          const message = isApiError(error) ? error.message : String(error);
          await ctx.saveStore({ ...ctx.store, error: { code: isApiError(error) ? error.code : 'error', message: message.slice(0, 300) } });
        }
      }
    } catch (error) {
      failure = error;
    }

    // Figures for the report.
    let requests = 0;
    let rateLimited = 0;
    for (const [api, lane] of this.lanes) {
      const before = statsBefore.get(api) ?? { requests: 0, rateLimited: 0 };
      requests += lane.stats.requests - before.requests;
      rateLimited += lane.stats.rateLimited - before.rateLimited;
    }
    const items = await this.journal.getItems(runId);
    run = await this.finish(await this.mustGetRun(runId), items, failure, { requests, rateLimited });
    progress('done', null, true);
    if (run.kind === 'undo' && run.status === 'completed' && run.undoOf) await this.settleUndo(run, items);
    const report = buildReport(run, items);
    if (failure !== null && !(failure instanceof StopRun)) throw failure;
    return { report, moved };
  }

  /** Sets the final status of an apply call and saves the figures. */
  private async finish(
    run: JournalRun, items: readonly JournalItem[], failure: unknown, figures = { requests: 0, rateLimited: 0 },
  ): Promise<JournalRun> {
    const now = this.now();
    let status: JournalRun['status'];
    let reason: JournalRun['statusReason'] = null;
    if (failure instanceof StopRun) {
      status = failure.runStatus;
      reason = { code: failure.code, message: failure.message, ...(failure.scope ? { scope: failure.scope } : {}) };
    } else if (failure !== null) {
      status = 'interrupted';
      const c = classify(failure);
      reason = c.kind === 'abort'
        ? { code: 'aborted', message: 'stopped by the user or a closed page; continue from the journal' }
        : { code: 'error', message: 'message' in c ? c.message : 'error' };
    } else if (items.some(isOutstanding)) {
      status = 'interrupted';
      reason = { code: 'incomplete', message: 'some products got no answer; continue to write them' };
    } else if (items.some(isRetryable)) {
      status = 'interrupted';
      reason = { code: 'retryable-failures', message: 'some products failed for a reason that may pass (429, 5xx, network); continue to write them' };
    } else {
      status = 'completed';
    }
    return this.journal.updateRun(run.id, (r) => ({
      ...r, status, statusReason: reason, finishedAt: status === 'completed' ? now : r.finishedAt, updatedAt: now,
      requests: r.requests + figures.requests, rateLimited: r.rateLimited + figures.rateLimited,
    }));
  }

  /** A completed undo with nothing failed marks its write run undone. */
  private async settleUndo(undo: JournalRun, items: readonly JournalItem[]): Promise<void> {
    const clean = items.every((i) => i.status === 'verified' || i.status === 'unchanged' || i.status === 'written');
    if (!clean || !undo.undoOf) return;
    await this.journal.updateRun(undo.undoOf, (r) => ({ ...r, status: 'undone', updatedAt: this.now() }));
  }
}
