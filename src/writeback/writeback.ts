/**
 * The write-back's engine: plans (what to write, read against the cloud and guarded once), applying them store by
 * store (guard, writes, verification, all journaled first), undo plans, resume after a reload, reports. The public
 * face is index.ts; README.md has the journal, the state machine and the guarantees.
 */
import type { EvotorClient } from '../api/client.ts';
import { isApiError } from '../api/errors.ts';
import type { ApiVersion } from '../model/types.ts';
import { productKey, type Lang } from '../stock/index.ts';
import { readCloud, type CloudRead } from './cloud.ts';
import { RateMeter } from './concurrency.ts';
import { toCsv } from './csv.ts';
import { classify, StopRun } from './errors.ts';
import { applyNewDocuments, fetchDocumentsSince, guardUntil } from './guard.ts';
import { Journal, JOURNAL_DB_NAME } from './journal.ts';
import { createLane, type ClientHooks, type Lane } from './lane.ts';
import { RunLocks, StoreBusyError, whenStoresFree, withStoreLocks, WritebackBusyError } from './locks.ts';
import { buildPlanItems, buildUndoItems, planCutoff, settleUnchanged } from './plan.ts';
import { buildReport, csvRows } from './report.ts';
import { resumeAction, runOutcome } from './state.ts';
import type {
  ApplyOptions, CreatePlanInput, JournalItem, JournalRun, JournalStore, MovedProduct, ProgressInfo, RunReport, RunResult,
} from './types.ts';
import { guardStore, settleAfterWrite, writeV1, writeV2, type StoreContext, type WriterOptions } from './writer.ts';

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

export class WritebackStateError extends Error {
  override readonly name = 'WritebackStateError';
}

/** What a plan or an undo plan builds for one store before the guard runs (planStoreItems). */
interface StoreItems {
  items: JournalItem[];
  /** Documents closed after it may move the targets. */
  cutoff: number;
  /** Documents already reflected in the quantities before (the write plan's, for an undo). */
  knownIds: readonly string[];
  asOfNow?: (item: JournalItem) => boolean;
}

interface PlannedStore {
  store: JournalStore;
  items: JournalItem[];
  moved: MovedProduct[];
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
  private readonly runs = new RunLocks();
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
    const planned: PlannedStore[] = [];
    const warnings: string[] = [];
    for (const spec of input.stores) {
      const name = spec.storeName ?? spec.storeId;
      const store = { storeId: spec.storeId, storeName: name, api: spec.api };
      planned.push((await this.planStoreItems(store, signal, (cloud, readAt) => {
        if (!cloud.hasQuantities) warnings.push(`${name}: the cloud shows no quantities (is product.quantity:read missing?); undo cannot restore them`);
        if (cloud.invalid > 0) warnings.push(`${name}: ${cloud.invalid} product(s) in the cloud could not be read`);
        return {
          items: buildPlanItems(spec, runId, cloud.catalogue, this.now()),
          cutoff: planCutoff(spec, readAt),
          knownIds: [],
          // A typed value is the user's "now": documents known when the plan is made do not move it, later ones do.
          asOfNow: (item) => item.manual !== null,
        };
      }))!);
    }
    return this.journalRun(this.newRun(runId, 'write', null, planned.map((p) => p.store), warnings), planned);
  }

  /**
   * Journals the undo of a write run (completed or partial): every product whose write may have landed gets back
   * its quantity before, plus the movements of documents closed since that quantity was read (a sale since the
   * write lowers the undo target too; `moved` says so). Returns the existing undo run if there is one.
   */
  async planUndo(runId: string, signal: AbortSignal = new AbortController().signal): Promise<RunResult> {
    // Holding the write run's lock: no tab may be writing it while its undo is planned.
    return this.runs.hold(runId, () => this.planUndoLocked(runId, signal));
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
    const planned: PlannedStore[] = [];
    for (const store of original.stores) {
      const mine = originalItems.filter((i) => i.storeId === store.storeId);
      const done = await this.planStoreItems(store, signal, (cloud) => {
        const items = buildUndoItems(mine, undoId, cloud.catalogue, this.now());
        if (items.length === 0) return null;
        // Movements since the quantities before were read: documents after the write plan's watermark, except
        // those the plan already knew (they are in the quantities before).
        // (Documents at the write plan's own cut-off were in the computation; at its watermark, the plan knew them.)
        const cutoff = store.planWatermark > store.cutoff ? store.planWatermark - 1 : store.cutoff;
        return { items, cutoff, knownIds: store.planDocumentIds };
      });
      if (done) planned.push(done);
    }
    const result = await this.journalRun(this.newRun(undoId, 'undo', runId, planned.map((p) => p.store), []), planned);
    await this.journal.updateRun(runId, (r) => ({ ...r, undoneBy: undoId, updatedAt: this.now() }));
    return result;
  }

  /**
   * One store of a plan or an undo plan, the same way for both: read the cloud (the quantities before), let `plan`
   * build the items and say the cut-off (null: nothing to do in this store), then run the guard once over the
   * documents closed since (they move the targets; `moved` says which and why) and settle the unchanged.
   */
  private async planStoreItems(
    store: Pick<JournalStore, 'storeId' | 'storeName' | 'api'>,
    signal: AbortSignal,
    plan: (cloud: CloudRead, readAt: number) => StoreItems | null,
  ): Promise<PlannedStore | null> {
    const { client } = this.lane(store.api);
    const readAt = this.now();
    const cloud = await readCloud(client, store.storeId, signal);
    const items = plan(cloud, readAt);
    if (!items) return null;
    const { cutoff } = items;
    const until = this.now();
    const docs = await fetchDocumentsSince(client, store.storeId, cutoff + 1, guardUntil(until), signal);
    const guard = applyNewDocuments(docs, store.api, items.items, items.knownIds, cutoff, this.now(), items.asOfNow);
    return {
      store: {
        storeId: store.storeId, storeName: store.storeName, api: store.api, cutoff, readAt,
        planDocumentIds: guard.seenIds, planWatermark: Math.max(cutoff, guard.newest ?? cutoff),
        guardDocumentIds: guard.seenIds, guardCheckedAt: until, error: null,
      },
      items: settleUnchanged(guard.items, this.now()),
      moved: guard.moved,
    };
  }

  /** Saves a planned run with its items in the journal. */
  private async journalRun(run: JournalRun, planned: readonly PlannedStore[]): Promise<RunResult> {
    const items = planned.flatMap((p) => p.items);
    await this.journal.createRun(run, items);
    return { report: buildReport(run, items), moved: planned.flatMap((p) => p.moved) };
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
    return this.runs.hold(runId, async () => {
      const stores = (await this.mustGetRun(runId)).stores.map((s) => s.storeId);
      return withStoreLocks(stores, () => this.applyLocked(runId, options));
    });
  }

  /**
   * Resolves once no tab holds the write lock of any of these stores (at once when none does, or without Web Locks).
   * Rejects with the signal's reason when it aborts.
   */
  async whenStoresFree(storeIds: readonly string[], signal?: AbortSignal): Promise<void> {
    return whenStoresFree(storeIds, signal);
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
    if (run.undoneBy && this.runs.has(run.undoneBy)) throw new WritebackBusyError(run.undoneBy);
    await this.runs.hold(runId, () => this.discardLocked(run));
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
    if (!lane) {
      lane = createLane(api, { client: this.options.client, fetch: this.options.fetch, rate: this.options.rate, now: this.now });
      this.lanes.set(api, lane);
    }
    return lane;
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
    const { status, statusReason } = runOutcome(items, failure);
    return this.journal.updateRun(run.id, (r) => ({
      ...r, status, statusReason, finishedAt: status === 'completed' ? now : r.finishedAt, updatedAt: now,
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
