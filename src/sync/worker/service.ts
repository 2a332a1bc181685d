/**
 * What runs inside the worker: the store pulls, their progress, the computed results, the user's decisions and
 * the write-back (plan, apply, undo, resume, report, CSV). Kept apart from the message plumbing (worker.ts) so it
 * can be driven directly in tests.
 *
 * Stores are independent: each has its own runner, AbortController and client; one failing store only marks its
 * own job failed. The token lives in `config` (memory) only.
 */
import { createEvotorClient, type ClientOptions, type DeviceInfo, type EvotorClient, type StoreInfo } from '../../api/client.ts';
import { ApiError, isAbortError, isApiError } from '../../api/errors.ts';
import { RateLimitPacer } from '../../api/pacing.ts';
import type { WaitInfo } from '../../api/transport.ts';
import { openLocalStore, type LocalStore } from '../../local/db.ts';
import { PRODUCTS_PHASE, type DecisionRecord, type JobRecord, type JobStatus } from '../../local/schema.ts';
import { formatQuantity, parseQuantity } from '../../model/quantity.ts';
import type { ApiVersion } from '../../model/types.ts';
import { StoreComputation, type ProductHistory, type ResultRow } from '../../pull/computation.ts';
import { DEFAULT_JOB_OPTIONS, pullStore, type PageInfo } from '../../pull/engine.ts';
import { priorityOf, RequestSlots } from '../../pull/slots.ts';
import { createWriteback, exportReviewCsv, StoreBusyError, WritebackBusyError, type Writeback } from '../../writeback/index.ts';
import type { CreatePlanStore, ProgressInfo, RunKind, RunReport, RunResult } from '../../writeback/types.ts';
import { planStore } from './plan-input.ts';
import {
  serializeError,
  type LightResultRow, type SerializedError, type StartOptions, type StoreDecisions, type StoreProgress, type StoreStatus,
  type StoreTerminals, type SyncApi, type SyncConfig, type SyncResult, type WriteProgress,
} from '../shared/protocol.ts';
import { ResultSnapshots } from './result-snapshots.ts';
import { buildTerminals, deviceIdsOf } from './terminals.ts';

export interface ServiceDeps {
  emit(progress: StoreProgress): void;
  /** Progress of write and undo runs (the same event stream as pull progress in the worker). */
  emitWrite?(progress: WriteProgress): void;
  /** Replaced in tests. */
  createClient?: (options: ClientOptions) => EvotorClient;
  now?: () => number;
  /** Minimum time between two progress events of one store (status changes are sent at once). */
  progressIntervalMs?: number;
  /** How long getResult waits for the store's device list before numbering the terminals (default 5 s). */
  devicesWaitMs?: number;
}

type DeviceList = { devices: DeviceInfo[] } | { error: SerializedError };

/** Answers about the device list that asking again will not change (cached for the worker's life). */
const LASTING_DEVICE_ERRORS = new Set(['missing-scope', 'not-found', 'unauthorized', 'payment-required', 'bad-request', 'invalid-response', 'http-error']);

const CSV_TYPE = 'text/csv;charset=utf-8';

/** Where a tab's write runs tell their progress, so that a tab waiting for the same stores shows it. */
const WRITE_PROGRESS_CHANNEL = 'evotor-stock-sync:write-progress';

interface WriteProgressNote {
  storeIds: string[];
  progress: Pick<ProgressInfo, 'done' | 'total' | 'rate'>;
}

interface Runner {
  storeId: string;
  storeName: string;
  status: StoreStatus;
  options: StartOptions;
  controller: AbortController | null;
  intent: 'pause' | 'cancel' | null;
  running: Promise<void> | null;
  computation: StoreComputation | null;
  job: JobRecord | null;
  phase: StoreProgress['phase'];
  currentMonth: string | null;
  monthsDone: number;
  monthsTotal: number;
  waiting: StoreProgress['waiting'];
  error: SerializedError | null;
  /** Recent pages for the documents-per-second figure. */
  samples: { at: number; documents: number }[];
  sessionStart: number;
  sessionMonths: number;
  /** Its place among the stores started (slots.ts priorityOf). */
  order: number;
  lastEmit: number;
  emitTimer: ReturnType<typeof setTimeout> | null;
}

const RATE_WINDOW = 20;

export class SyncService implements SyncApi {
  private config: SyncConfig | null = null;
  private local: LocalStore | null = null;
  private dbName: string | undefined;
  private readonly pacer = new RateLimitPacer();
  /** Every pull's requests share the browser's connections (slots.ts): stores need no limit of their own. */
  private slots = new RequestSlots();
  /** Stores started so far: each start's place in the connection budget's queue. */
  private started = 0;
  private readonly runners = new Map<string, Runner>();
  private readonly queue: string[] = [];
  private readonly lifetime = new AbortController();
  private readonly now: () => number;
  private wb: Promise<Writeback> | null = null;
  /** Applies running in this worker, to stop them (stopRun, a new configuration). */
  private readonly applies = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  /** Plans being made (planWrite/planUndo), for stopPlan. */
  private readonly plans = new Set<AbortController>();
  /** Device lists per store: one request per store and worker life (transient failures are asked again). */
  private readonly deviceLists = new Map<string, Promise<DeviceList>>();
  /** The rows of the results handed out lately, read by the page in slices. */
  private readonly snapshots = new ResultSnapshots();
  /**
   * The stores this configuration's token may see: its own store list, read once per configuration. Jobs, results,
   * decisions and the journal belong to the origin, not to the account: anything of a store outside this list (a
   * store of another account that used this browser) is neither shown, resumed, exported nor undone, and it stays
   * on disk untouched.
   */
  private visible: Promise<ReadonlySet<string>> | null = null;
  /** The same list once read, so that a pause or cancel stops the pull at once, with no turn in between. */
  private visibleNow: ReadonlySet<string> | null = null;

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async configure(config: SyncConfig): Promise<void> {
    if (!config || typeof config.token !== 'string' || config.token === '') throw new Error('configure: a token is required');
    if (config.api !== 'v2' && config.api !== 'v1') throw new Error('configure: api must be v2 or v1');
    if (config.v1Stores !== undefined && (!Array.isArray(config.v1Stores) || config.v1Stores.some((id) => typeof id !== 'string'))) {
      throw new Error('configure: v1Stores must be a list of store ids');
    }
    if (this.local && config.dbName !== this.dbName) {
      await this.stopAll();
      this.local.close();
      this.local = null;
      this.runners.clear();
    }
    // The write-back's clients hold the token and base URL of the configuration they were made with.
    await this.closeWriteback();
    this.deviceLists.clear();
    this.storeList = null;
    this.snapshots.clear();
    this.visible = null;
    this.visibleNow = null;
    this.slots = new RequestSlots(config.connections ?? undefined);
    this.config = { ...config };
    this.dbName = config.dbName;
    this.local ??= await openLocalStore(config.dbName ? { name: config.dbName } : {});
  }

  /**
   * The cloud's stores: asked once per configuration (a start), then again only when `refresh` asks; every other
   * caller (the screens after each status change, store names, the account's stores) gets the same answer, also
   * while it is being read. A failed answer is not kept.
   */
  listStores(options: { refresh?: boolean } = {}): Promise<StoreInfo[]> {
    this.ready();
    if (options?.refresh === true || this.storeList === null) {
      const reading = this.readStoreList();
      reading.catch(() => {
        if (this.storeList === reading) this.storeList = null;
      });
      this.storeList = reading;
    }
    return this.storeList;
  }

  /** The cloud's store list of this configuration (listStores). */
  private storeList: Promise<StoreInfo[]> | null = null;

  private async readStoreList(): Promise<StoreInfo[]> {
    const { local } = this.ready();
    const config = this.config;
    const stores = await this.client().listStores(this.lifetime.signal);
    if (this.config === config) {
      this.visibleNow = new Set(stores.map((s) => storeKey(s.id)));
      this.visible = Promise.resolve(this.visibleNow);
    }
    // Kept for names after a reload; a full disk (or a closed database) must not hide the cloud's list.
    await local.putStores(stores.map((s) => ({ ...s, api: this.apiOf(s.id), seenAt: this.now() }))).catch(() => undefined);
    return stores;
  }

  /** The ids (lower case) of the stores the current token lists; a failure is asked again next time. */
  private visibleStores(): Promise<ReadonlySet<string>> {
    if (!this.visible) {
      const reading = this.listStores().then((stores) => new Set(stores.map((s) => storeKey(s.id))));
      reading.catch(() => {
        if (this.visible === reading) this.visible = null;
      });
      this.visible = reading;
    }
    return this.visible;
  }

  /**
   * Refuses a store the current token does not list, as the cloud would (404): its local data stays unseen.
   * Synchronous once the list is known (undefined: seen), else a promise.
   */
  private mustSee(storeId: string): Promise<void> | undefined {
    requireId(storeId, 'storeId');
    const check = (visible: ReadonlySet<string>) => {
      if (!visible.has(storeKey(storeId))) throw notListed(storeId);
    };
    if (this.visibleNow) return void check(this.visibleNow);
    return this.visibleStores().then(check);
  }

  /** A run is the current account's when the token lists every store it names. */
  private async ownRuns(runs: readonly RunReport[]): Promise<RunReport[]> {
    if (runs.length === 0) return [];
    const visible = await this.visibleStores();
    return runs.filter((r) => r.stores.every((s) => visible.has(storeKey(s.storeId))));
  }

  private async mustSeeRun(runId: string): Promise<RunReport> {
    const report = await (await this.writeback()).report(runId);
    if ((await this.ownRuns([report])).length === 0) throw notListed(report.stores.map((s) => s.storeId).join(', '));
    return report;
  }

  async listProgress(): Promise<StoreProgress[]> {
    const { local } = this.ready();
    const all = await local.listJobs();
    // Nothing on disk: nothing to keep from anybody, and no store list to ask for.
    const visible = all.length === 0 ? new Set<string>() : await this.visibleStores();
    const jobs = all.filter((j) => visible.has(storeKey(j.storeId)));
    const result: StoreProgress[] = [];
    for (const job of jobs) {
      const runner = this.runners.get(job.storeId) ?? (await this.runnerFromDisk(job));
      result.push(this.progressOf(runner));
    }
    return result;
  }

  async start(storeId: string, options: StartOptions = {}): Promise<void> {
    this.ready();
    if (typeof storeId !== 'string' || storeId === '') throw new Error('start: a store id is required');
    await this.mustSee(storeId);
    const given = plainName(options.storeName);
    const runner = this.runner(storeId, given ?? undefined);
    if (runner.running || runner.status === 'queued') return;
    // Only the fields a job knows: anything else a caller put in the options never reaches the job row.
    runner.options = startOptions(options);
    if (given === null) runner.storeName = (await this.cloudName(storeId)) ?? runner.storeName;
    runner.order = this.started++;
    runner.status = 'queued';
    runner.error = null;
    this.queue.push(storeId);
    this.emit(runner, true);
    this.schedule();
  }

  async resume(storeId: string): Promise<void> {
    await this.start(storeId, {});
  }

  async pause(storeId: string): Promise<void> {
    const seeing = this.mustSee(storeId);
    if (seeing) await seeing;
    await this.stop(storeId, 'pause');
  }

  async cancel(storeId: string): Promise<void> {
    const seeing = this.mustSee(storeId);
    if (seeing) await seeing;
    await this.stop(storeId, 'cancel');
  }

  async getResult(storeId: string): Promise<SyncResult> {
    await this.mustSee(storeId);
    const { rows, ...summary } = await this.fullResult(storeId);
    return { ...summary, rowCount: this.snapshots.take(storeId, summary.version, rows) };
  }

  async getResultRows(storeId: string, version: number, offset: number, limit: number): Promise<LightResultRow[]> {
    await this.mustSee(storeId);
    return this.snapshots.slice(storeId, version, offset, limit);
  }

  /** The result with every full row: for the write-back, which runs here in the worker. */
  private async fullResult(storeId: string): Promise<Omit<SyncResult, 'rowCount'> & { rows: ResultRow[] }> {
    const { local } = this.ready();
    const result = await (await this.computation(storeId)).result();
    const [job, decisions, terminals] = await Promise.all([
      local.getJob(storeId), local.listDecisions(storeId), this.terminals(storeId, result.api, result.rows),
    ]);
    return {
      ...result,
      method: job?.options.method ?? DEFAULT_JOB_OPTIONS.method,
      horizonMonths: job?.options.horizonMonths ?? null,
      decisions: toDecisions(decisions),
      terminals,
    };
  }

  async getHistory(storeId: string, productId: string): Promise<ProductHistory> {
    await this.mustSee(storeId);
    return (await this.computation(storeId)).history(productId);
  }

  async getDocument(storeId: string, documentId: string): Promise<unknown> {
    const { local } = this.ready();
    await this.mustSee(storeId);
    const client = this.client();
    // V1 finds a document by its close time (a scan of the store's page records); V2 by id alone.
    const closeTime = client.api === 'v1' ? await local.documentCloseTime(storeId, documentId) : null;
    return client.getDocument(storeId, documentId, this.lifetime.signal, closeTime === null ? undefined : { closeTime });
  }

  // ----- the user's decisions ----------------------------------------------------------------------------------

  async setManualQuantity(storeId: string, productId: string, quantity: string | null): Promise<void> {
    const { local } = this.ready();
    await this.mustSee(storeId);
    requireId(productId, 'productId');
    let value: string | null = null;
    if (quantity !== null) {
      if (typeof quantity !== 'string') throw new TypeError('setManualQuantity: the quantity must be decimal text or null');
      value = formatQuantity(parseQuantity(quantity.trim().replace(',', '.')));
    }
    await local.setManual(storeId, productId, value, this.now());
  }

  async setApproval(storeId: string, productIds: readonly string[], approved: boolean): Promise<void> {
    const { local } = this.ready();
    await this.mustSee(storeId);
    if (!Array.isArray(productIds)) throw new TypeError('setApproval: productIds must be an array');
    for (const id of productIds) requireId(id, 'productId');
    await local.setApproval(storeId, productIds, approved === true, this.now());
  }

  // ----- writing back ------------------------------------------------------------------------------------------

  async planWrite(storeIds: readonly string[]): Promise<RunResult> {
    const stores = await this.planStores(storeIds);
    const wb = await this.writeback();
    return this.planning((signal) => wb.createPlan({ stores, signal }));
  }

  async planUndo(runId: string): Promise<RunResult> {
    await this.mustSeeRun(runId);
    const wb = await this.writeback();
    return this.planning((signal) => wb.planUndo(runId, signal));
  }

  async stopPlan(): Promise<void> {
    for (const plan of this.plans) plan.abort(new DOMException('The plan was cancelled by the user', 'AbortError'));
  }

  /** A plan reads the cloud (every product page, the documents since): the user may stop it, as the worker's end does. */
  private async planning<T>(make: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.plans.add(controller);
    try {
      return await make(AbortSignal.any([controller.signal, this.lifetime.signal]));
    } finally {
      this.plans.delete(controller);
    }
  }

  async applyRun(runId: string): Promise<RunResult> {
    const wb = await this.writeback();
    if (this.applies.has(runId)) throw new WritebackBusyError(runId);
    const report = await this.mustSeeRun(runId);
    const kind: RunKind = report.kind;
    const storeIds = report.stores.map((s) => s.storeId);
    const controller = new AbortController();
    const onLifetimeAbort = () => controller.abort(this.lifetime.signal.reason);
    this.lifetime.signal.addEventListener('abort', onLifetimeAbort, { once: true });
    const apply = async (): Promise<RunResult> => {
      for (;;) {
        try {
          return await wb.applyPlan(runId, {
            signal: controller.signal,
            onProgress: (info) => {
              this.deps.emitWrite?.({ ...info, kind });
              this.progressChannel()?.postMessage({ storeIds, progress: { done: info.done, total: info.total, rate: info.rate } } satisfies WriteProgressNote);
            },
          });
        } catch (error) {
          if (!(error instanceof StoreBusyError)) throw error;
          const other = await this.afterOtherTab(wb, runId, kind, error.storeIds, controller.signal);
          if (other) return other;
        }
      }
    };
    const done = apply();
    this.applies.set(runId, { controller, done: done.catch(() => undefined) });
    try {
      return await done;
    } finally {
      this.applies.delete(runId);
      this.lifetime.signal.removeEventListener('abort', onLifetimeAbort);
    }
  }

  /**
   * Another tab is writing these stores (one write run per store at a time: src/writeback store locks). Instead of
   * writing the same again, this run waits, showing that tab's progress (phase 'elsewhere'), and then gives that
   * tab's result: its run of these stores that completed after this one was planned; this one, of which nothing was
   * sent, is discarded. Null when there is none (the other tab stopped before the end): this run then goes on.
   */
  private async afterOtherTab(wb: Writeback, runId: string, kind: RunKind, storeIds: readonly string[], signal: AbortSignal): Promise<RunResult | null> {
    const mine = await wb.report(runId);
    const emit = (p: WriteProgressNote['progress'] = { done: 0, total: 0, rate: 0 }) =>
      this.deps.emitWrite?.({ runId, kind, phase: 'elsewhere', ...p, concurrency: 0, rateLimited: 0 });
    emit();
    const keys = new Set(storeIds.map(storeKey));
    const listening = typeof BroadcastChannel === 'function' ? new BroadcastChannel(WRITE_PROGRESS_CHANNEL) : null;
    if (listening) {
      listening.onmessage = (event: MessageEvent<WriteProgressNote>) => {
        const note = event.data;
        if (Array.isArray(note?.storeIds) && note.storeIds.some((id) => keys.has(storeKey(String(id))))) {
          emit({ done: Number(note.progress?.done) || 0, total: Number(note.progress?.total) || 0, rate: Number(note.progress?.rate) || 0 });
        }
      };
    }
    try {
      await wb.whenStoresFree(storeIds, signal);
    } finally {
      listening?.close();
    }
    if (mine.status !== 'planned') return null;
    const other = (await this.ownRuns(await wb.listRuns())).filter((r) =>
      r.runId !== runId && r.kind === kind && r.status === 'completed' && (r.finishedAt ?? 0) >= mine.createdAt &&
      r.stores.some((s) => keys.has(storeKey(s.storeId)))).at(-1);
    if (!other) return null;
    await wb.discard(runId);
    return { report: other, moved: [] };
  }

  private channel: BroadcastChannel | null = null;

  /** This worker's end of the write-progress channel (none where BroadcastChannel is missing). */
  private progressChannel(): BroadcastChannel | null {
    if (!this.channel && typeof BroadcastChannel === 'function') this.channel = new BroadcastChannel(WRITE_PROGRESS_CHANNEL);
    return this.channel;
  }

  async stopRun(runId: string): Promise<void> {
    const apply = this.applies.get(runId);
    if (!apply) return;
    apply.controller.abort(new DOMException('The write was stopped; it continues from the journal', 'AbortError'));
    await apply.done;
  }

  async resumePending(): Promise<RunResult[]> {
    const results: RunResult[] = [];
    for (const run of await this.pendingRuns()) {
      try {
        results.push(await this.applyRun(run.runId));
      } catch (error) {
        // Applied meanwhile by another tab: that tab finishes it.
        if (error instanceof WritebackBusyError) continue;
        throw error;
      }
    }
    return results;
  }

  async pendingRuns(): Promise<RunReport[]> {
    return this.ownRuns(await (await this.writeback()).pending());
  }

  async listRuns(): Promise<RunReport[]> {
    return this.ownRuns(await (await this.writeback()).listRuns());
  }

  async runReport(runId: string): Promise<RunReport> {
    return this.mustSeeRun(runId);
  }

  async exportRunCsv(runId: string): Promise<Blob> {
    await this.mustSeeRun(runId);
    return new Blob([await (await this.writeback()).exportCsv(runId)], { type: CSV_TYPE });
  }

  async exportReviewCsv(storeIds: readonly string[]): Promise<Blob> {
    return new Blob([exportReviewCsv(await this.planStores(storeIds))], { type: CSV_TYPE });
  }

  async discardRun(runId: string): Promise<void> {
    await this.mustSeeRun(runId);
    await (await this.writeback()).discard(runId);
  }

  async forgetStore(storeId: string): Promise<void> {
    const { local } = this.ready();
    await this.mustSee(storeId);
    const runner = this.runners.get(storeId);
    if (runner?.running) await this.stop(storeId, 'cancel');
    const queued = this.queue.indexOf(storeId);
    if (queued >= 0) this.queue.splice(queued, 1);
    await local.deleteStoreData(storeId);
    this.runners.delete(storeId);
    this.snapshots.drop(storeId);
  }

  /** What the write-back needs of these stores, from disk: results, the job's method and cut-off, decisions. */
  private async planStores(storeIds: readonly string[]): Promise<CreatePlanStore[]> {
    const { local } = this.ready();
    if (!Array.isArray(storeIds) || storeIds.length === 0) throw new TypeError('a plan needs at least one store id');
    const stores: CreatePlanStore[] = [];
    for (const storeId of storeIds) {
      await this.mustSee(storeId);
      const job = await local.getJob(storeId);
      if (!job) throw new Error(`store ${storeId} has no pulled result to write`);
      const result = await this.fullResult(storeId);
      stores.push(planStore({
        storeId,
        storeName: (await local.getStore(storeId))?.name ?? job.storeName,
        api: result.api,
        cutoff: job.snapshotAt,
        rows: result.rows,
        method: result.method,
        decisions: result.decisions,
      }));
    }
    return stores;
  }

  private writeback(): Promise<Writeback> {
    const { config } = this.ready();
    if (!this.wb) {
      const opening = createWriteback({
        client: (api, hooks) => this.makeClient(api, { fetch: hooks.fetch }),
        ...(config.journalName ? { journalName: config.journalName } : {}),
      });
      // A journal that failed to open (storage refused) is tried again on the next call.
      opening.catch(() => {
        if (this.wb === opening) this.wb = null;
      });
      this.wb = opening;
    }
    return this.wb;
  }

  /** Stops this worker's applies (the journal keeps them: resumable) and closes the journal. */
  private async closeWriteback(): Promise<void> {
    const opening = this.wb;
    if (!opening) return;
    this.wb = null;
    const applies = [...this.applies.values()];
    for (const a of applies) a.controller.abort(new DOMException('The worker was configured again', 'AbortError'));
    await Promise.all(applies.map((a) => a.done));
    try {
      (await opening).close();
    } catch {
      // It never opened.
    }
  }

  // ----- store names and terminals -----------------------------------------------------------------------------

  /**
   * The store's name as the cloud lists it: from the stores seen by listStores, else read once now (a failure only
   * means the id is shown). Never anything a caller passed along by accident.
   */
  private async cloudName(storeId: string): Promise<string | null> {
    const { local } = this.ready();
    const known = plainName((await local.getStore(storeId))?.name);
    if (known !== null) return known;
    try {
      const stores = await this.listStores();
      return plainName(stores.find((s) => s.id.toLowerCase() === storeId.toLowerCase())?.name);
    } catch {
      return null;
    }
  }

  private deviceList(storeId: string, api: ApiVersion): Promise<DeviceList> {
    const key = `${api} ${storeId.toLowerCase()}`;
    let list = this.deviceLists.get(key);
    if (!list) {
      const client = this.makeClient(api, { retry: { maxRetries: 1, maxNetworkRetries: 1, maxRateLimitRetries: 2 } });
      const order = this.runners.get(storeId)?.order ?? 0;
      // One of the store's opening requests: through the connection budget with them (slots.ts).
      list = client.listDevices
        ? this.slots.run(priorityOf(0, order), () => client.listDevices!(storeId, this.lifetime.signal)).then(
            (devices): DeviceList => ({ devices }),
            (error: unknown): DeviceList => ({ error: serializeError(error) }),
          )
        : Promise.resolve<DeviceList>({ error: { name: 'Error', message: 'this client cannot list devices' } });
      this.deviceLists.set(key, list);
      void list.then((r) => {
        const lasting = 'devices' in r || (r.error.code !== undefined && LASTING_DEVICE_ERRORS.has(r.error.code)) || r.error.code === undefined;
        if (!lasting && this.deviceLists.get(key) === list) this.deviceLists.delete(key);
      });
    }
    return list;
  }

  /** Names of the terminals the result names; numbered when the device list fails or is slow (then asked again). */
  private async terminals(storeId: string, api: ApiVersion, rows: readonly ResultRow[]): Promise<StoreTerminals> {
    const wait = this.deps.devicesWaitMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<DeviceList>((resolve) => {
      timer = setTimeout(() => resolve({ error: { name: 'TimeoutError', message: `the device list did not answer within ${wait} ms` } }), wait);
    });
    try {
      return buildTerminals(deviceIdsOf(rows), await Promise.race([this.deviceList(storeId, api), slow]));
    } finally {
      clearTimeout(timer);
    }
  }

  // ----- runners -----------------------------------------------------------------------------------------------

  private ready(): { local: LocalStore; config: SyncConfig } {
    if (!this.config || !this.local) throw new Error('configure() must be called first');
    return { local: this.local, config: this.config };
  }

  private client(onWait?: (info: WaitInfo) => void): EvotorClient {
    return this.makeClient(this.ready().config.api, onWait ? { onWait } : {});
  }

  /** The API a store is pulled and written through: V1 for the stores the integrator named, else the session's. */
  private apiOf(storeId: string): ApiVersion {
    const config = this.ready().config;
    const key = storeKey(storeId);
    return config.v1Stores?.some((id) => storeKey(id) === key) ? 'v1' : config.api;
  }

  /** A client of the configured account for an API version (every client shares the pacer: one token's limits). */
  private makeClient(api: ApiVersion, extra: Pick<ClientOptions, 'onWait' | 'fetch' | 'retry'> = {}): EvotorClient {
    const config = this.ready().config;
    const retry = config.retry || extra.retry ? { ...config.retry, ...extra.retry } : undefined;
    const options: ClientOptions = {
      api, token: config.token, pacer: this.pacer,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(retry ? { retry } : {}),
      ...(extra.onWait ? { onWait: extra.onWait } : {}),
      ...(extra.fetch ? { fetch: extra.fetch } : {}),
    };
    return (this.deps.createClient ?? createEvotorClient)(options);
  }

  private runner(storeId: string, storeName?: string): Runner {
    let runner = this.runners.get(storeId);
    if (!runner) {
      runner = {
        storeId, storeName: storeName ?? storeId, status: 'idle', options: {}, controller: null, intent: null,
        running: null, computation: null, job: null, phase: null, currentMonth: null, monthsDone: 0, monthsTotal: 0,
        waiting: null, error: null, samples: [], sessionStart: 0, sessionMonths: 0, lastEmit: 0, emitTimer: null, order: 0,
      };
      this.runners.set(storeId, runner);
    } else if (storeName) {
      runner.storeName = storeName;
    }
    return runner;
  }

  private async runnerFromDisk(job: JobRecord): Promise<Runner> {
    // Months counted before the runner is known: a listing at the same time (the page asks for the progress and for
    // the pending work at once) would otherwise take it with no months, and say «after N pages» (issue 16 item 7).
    const months = await this.monthCounts(job.storeId);
    const known = this.runners.get(job.storeId);
    if (known) return known; // met meanwhile (another listing, a start): that one is current
    const runner = this.runner(job.storeId, job.storeName);
    runner.job = job;
    // A job still marked running with no runner here was cut off by a reload or a closed tab.
    runner.status = job.status === 'running' ? 'interrupted' : job.status;
    runner.error = job.error as SerializedError | null;
    Object.assign(runner, months);
    return runner;
  }

  private async monthCounts(storeId: string): Promise<Pick<Runner, 'monthsTotal' | 'monthsDone'>> {
    const months = (await this.ready().local.listCheckpoints(storeId)).filter((c) => c.month !== PRODUCTS_PHASE);
    return { monthsTotal: months.length, monthsDone: months.filter((m) => m.done).length };
  }

  private async countMonths(runner: Runner): Promise<void> {
    Object.assign(runner, await this.monthCounts(runner.storeId));
  }

  private schedule(): void {
    const limit = this.config?.maxConcurrentStores ?? Number.POSITIVE_INFINITY;
    let active = [...this.runners.values()].filter((r) => r.running).length;
    while (active < limit && this.queue.length > 0) {
      const runner = this.runners.get(this.queue.shift()!);
      if (!runner || runner.status !== 'queued') continue;
      this.launch(runner);
      active++;
    }
  }

  private launch(runner: Runner): void {
    const { local, config } = this.ready();
    const controller = new AbortController();
    runner.controller = controller;
    runner.intent = null;
    runner.status = 'running';
    runner.samples = [];
    runner.sessionStart = this.now();
    runner.sessionMonths = 0;
    const api = this.apiOf(runner.storeId);
    if (!runner.computation || runner.computation.api !== api) {
      runner.computation = new StoreComputation(local, runner.storeId, api);
    }
    const client = this.makeClient(api, { onWait: (info) => this.onWait(runner, info) });
    const { restart, olderMonths, storeName: _name, ...options } = runner.options;
    runner.options = {}; // a restart applies to this launch only, not to a later resume
    this.emit(runner, true);

    const pull = pullStore(
      { storeId: runner.storeId, storeName: runner.storeName, options, ...(restart ? { restart } : {}), ...(olderMonths ? { olderMonths } : {}) },
      {
        local, client, computation: runner.computation, now: this.now, slots: this.slots, order: runner.order,
        hooks: {
          onJob: (job) => {
            runner.job = job;
            void this.countMonths(runner).then(() => this.emit(runner, true));
          },
          onCommit: (job, page) => this.onCommit(runner, job, page),
          // Names for the explanations, ready by review time: one of the store's opening requests.
          onOpening: () => void this.deviceList(runner.storeId, api),
          onFinishing: () => {
            runner.phase = 'finishing';
            runner.currentMonth = null;
            this.emit(runner, true);
          },
        },
      },
      controller.signal,
    );
    runner.running = pull.then(
      (job) => {
        runner.job = job;
        runner.status = 'done';
        runner.phase = null;
      },
      async (error: unknown) => {
        runner.phase = null;
        if (isAbortError(error) || controller.signal.aborted) {
          const status: JobStatus = runner.intent === 'cancel' ? 'cancelled' : 'paused';
          runner.status = status;
          await this.saveStatus(runner, status, null);
        } else {
          runner.status = 'failed';
          runner.error = serializeError(error);
          await this.saveStatus(runner, 'failed', runner.error);
        }
      },
    ).finally(() => {
      runner.running = null;
      runner.controller = null;
      runner.waiting = null;
      runner.currentMonth = null;
      this.emit(runner, true);
      this.schedule();
    });
  }

  private async saveStatus(runner: Runner, status: JobStatus, error: SerializedError | null): Promise<void> {
    const counts = runner.computation?.counts();
    try {
      const job = await this.ready().local.updateJob(runner.storeId, (j) => ({
        ...j, status, error, updatedAt: this.now(),
        ...(counts ? { productsTracked: counts.tracked, productsDecided: counts.decided } : {}),
      }));
      if (job) runner.job = job;
    } catch {
      // The database went away (closed by a newer tab): the status is still right in memory.
    }
  }

  private async stop(storeId: string, intent: 'pause' | 'cancel'): Promise<void> {
    const status: JobStatus = intent === 'cancel' ? 'cancelled' : 'paused';
    // Only a pull that could still go on can be paused or cancelled; a finished or failed one stays as it is.
    const stoppable = (s: StoreStatus) => s === 'queued' || s === 'interrupted' || (s === 'paused' && intent === 'cancel');
    const runner = this.runners.get(storeId) ?? (await this.fromDisk(storeId));
    if (!runner) return;
    const queued = this.queue.indexOf(storeId);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (runner.running) {
      runner.intent = intent;
      runner.controller?.abort(new DOMException(status, 'AbortError'));
      await runner.running;
      return;
    }
    if (!stoppable(runner.status)) return;
    runner.status = status;
    await this.saveStatus(runner, status, null);
    this.emit(runner, true);
  }

  private async fromDisk(storeId: string): Promise<Runner | undefined> {
    const job = await this.ready().local.getJob(storeId);
    return job ? this.runnerFromDisk(job) : undefined;
  }

  private async stopAll(): Promise<void> {
    await Promise.all([...this.runners.keys()].map((id) => this.stop(id, 'pause')));
  }

  /** The runner's computation, loaded from disk when no pull has built it yet in this session. */
  private async computation(storeId: string): Promise<StoreComputation> {
    const { local, config } = this.ready();
    const job = await local.getJob(storeId);
    // A store first met here after a reload gets its status from its job (not 'idle'), as listProgress would.
    const runner = this.runners.get(storeId) ?? (job ? await this.runnerFromDisk(job) : this.runner(storeId));
    if (runner.computation && (runner.running || runner.computation.version > 0)) return runner.computation;
    const computation = new StoreComputation(local, storeId, job?.api ?? this.apiOf(storeId));
    await computation.load(job ?? null, this.lifetime.signal);
    runner.computation = computation;
    return computation;
  }

  // ----- progress ----------------------------------------------------------------------------------------------

  private onCommit(runner: Runner, job: JobRecord, page: PageInfo): void {
    runner.job = job;
    runner.phase = page.phase;
    // A wait of another window still in flight stays shown until it passes (progressOf drops a past one).
    runner.currentMonth = page.monthDone ? null : page.month;
    if (page.phase === 'documents') {
      runner.samples.push({ at: this.now(), documents: page.items });
      if (runner.samples.length > RATE_WINDOW) runner.samples.shift();
      runner.monthsDone += page.monthsDone;
      runner.sessionMonths += page.monthsDone;
    }
    this.emit(runner, page.monthDone);
  }

  private onWait(runner: Runner, info: WaitInfo): void {
    runner.waiting = { reason: info.reason, status: info.status, until: this.now() + info.delayMs };
    this.emit(runner, false);
  }

  private emit(runner: Runner, now: boolean): void {
    const interval = this.deps.progressIntervalMs ?? 100;
    const due = runner.lastEmit + interval - this.now();
    if (!now && due > 0) {
      runner.emitTimer ??= setTimeout(() => {
        runner.emitTimer = null;
        this.emit(runner, true);
      }, due);
      return;
    }
    if (runner.emitTimer) {
      clearTimeout(runner.emitTimer);
      runner.emitTimer = null;
    }
    runner.lastEmit = this.now();
    this.deps.emit(this.progressOf(runner));
  }

  private progressOf(runner: Runner): StoreProgress {
    const job = runner.job;
    const counts = runner.computation && runner.computation.version > 0 ? runner.computation.counts() : null;
    const now = this.now();
    let documentsPerSecond: number | null = null;
    const first = runner.samples[0];
    if (first && runner.samples.length > 1) {
      const seconds = (now - first.at) / 1000;
      const documents = runner.samples.slice(1).reduce((sum, s) => sum + s.documents, 0);
      if (seconds > 0) documentsPerSecond = Math.round((documents / seconds) * 10) / 10;
    }
    const monthsLeft = runner.monthsTotal - runner.monthsDone;
    // A wait in progress (a rate limit) comes on top of what the pages so far predict.
    const waitLeft = runner.waiting && runner.waiting.until > now ? runner.waiting.until - now : 0;
    const etaMs = runner.status === 'running' && runner.sessionMonths > 0
      ? Math.round(((now - runner.sessionStart) / runner.sessionMonths) * monthsLeft) + waitLeft
      : null;
    return {
      storeId: runner.storeId,
      storeName: job?.storeName ?? runner.storeName,
      api: job?.api ?? (this.config ? this.apiOf(runner.storeId) : 'v2'),
      status: runner.status,
      phase: runner.running ? (runner.phase ?? 'products') : null,
      currentMonth: runner.currentMonth,
      monthsDone: runner.monthsDone,
      monthsTotal: runner.monthsTotal,
      pages: job?.pages ?? 0,
      productPages: job?.productPages ?? 0,
      documents: job?.documents ?? 0,
      quarantined: job?.quarantined ?? 0,
      productsDecided: counts?.decided ?? job?.productsDecided ?? 0,
      productsTracked: counts?.tracked ?? job?.productsTracked ?? 0,
      resultReady: job?.resultOfferedAt != null || job?.status === 'done',
      background: job?.resultOfferedAt != null && runner.status === 'running',
      stopReason: job?.stopReason ?? null,
      documentsPerSecond,
      etaMs: runner.status === 'done' ? 0 : etaMs,
      waiting: runner.waiting && runner.waiting.until > now ? runner.waiting : null,
      error: runner.error,
      resultVersion: runner.computation?.version ?? 0,
      snapshotAt: job?.snapshotAt ?? null,
      horizonSince: job?.horizonSince ?? null,
      coveredSince: job?.coveredSince ?? null,
      horizonSource: job?.horizonSource ?? null,
      method: job?.options.method ?? DEFAULT_JOB_OPTIONS.method,
      horizonMonths: job?.options.horizonMonths ?? null,
      fullPeriod: job?.options.fullPeriod ?? DEFAULT_JOB_OPTIONS.fullPeriod,
      updatedAt: now,
    };
  }
}

/** A store name fit to show: non-empty text of sane length, else null. */
function plainName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim();
  return name === '' || name.length > 500 ? null : name;
}

/** Store ids are compared as the cloud does, without regard to case. */
const storeKey = (id: string): string => id.toLowerCase();

/** What a store the token does not list looks like from here: not found, as the cloud would answer. */
function notListed(storeId: string): ApiError {
  return new ApiError({
    code: 'not-found', status: 404, operation: 'listStores', params: { resource: `store ${storeId}` },
    message: `store ${storeId} is not in this account's store list`,
  });
}

function requireId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
}

/** The options a job takes, checked one by one (a message from the page is not trusted to have the right shape). */
function startOptions(options: StartOptions): StartOptions {
  const out: StartOptions = {};
  if (options === null || typeof options !== 'object') return out;
  if (options.restart === true) out.restart = true;
  if (typeof options.olderMonths === 'number' && Number.isInteger(options.olderMonths) && options.olderMonths > 0 && options.olderMonths <= 120) {
    out.olderMonths = options.olderMonths;
  }
  if (typeof options.fullPeriod === 'boolean') out.fullPeriod = options.fullPeriod;
  if (options.method === 'latest-document' || options.method === 'ledger') out.method = options.method;
  if (options.horizonMonths === null || (typeof options.horizonMonths === 'number' && options.horizonMonths > 0)) out.horizonMonths = options.horizonMonths;
  for (const key of ['offerAfterMonths', 'fallbackHorizonMonths', 'v1HistoryMonths'] as const) {
    const v = options[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[key] = v;
  }
  return out;
}

function toDecisions(records: readonly DecisionRecord[]): StoreDecisions {
  const manual: Record<string, string> = {};
  const notApproved: string[] = [];
  const ticked: string[] = [];
  for (const r of records) {
    if (r.manual !== null) manual[r.productId] = r.manual;
    if (!r.approved) notApproved.push(r.productId);
    else if (r.ticked) ticked.push(r.productId);
  }
  return { manual, notApproved, ticked };
}
