/**
 * What runs inside the worker: the store pulls, their progress, and the computed results. Kept apart from the
 * message plumbing (worker.ts) so it can be driven directly in tests.
 *
 * Stores are independent: each has its own runner, AbortController and client; one failing store only marks its
 * own job failed. The token lives in `config` (memory) only.
 */
import { createEvotorClient, type ClientOptions, type EvotorClient, type StoreInfo } from '../api/client.ts';
import { isAbortError } from '../api/errors.ts';
import { RateLimitPacer } from '../api/pacing.ts';
import type { WaitInfo } from '../api/transport.ts';
import { openLocalStore, type LocalStore } from '../local/db.ts';
import { PRODUCTS_PHASE, type JobRecord, type JobStatus } from '../local/schema.ts';
import { StoreComputation, type ProductHistory, type StoreResult } from '../pull/computation.ts';
import { pullStore, type PageInfo } from '../pull/engine.ts';
import { serializeError, type SerializedError, type StartOptions, type StoreProgress, type StoreStatus, type SyncApi, type SyncConfig } from './protocol.ts';

export interface ServiceDeps {
  emit(progress: StoreProgress): void;
  /** Replaced in tests. */
  createClient?: (options: ClientOptions) => EvotorClient;
  now?: () => number;
  /** Minimum time between two progress events of one store (status changes are sent at once). */
  progressIntervalMs?: number;
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
  lastEmit: number;
  emitTimer: ReturnType<typeof setTimeout> | null;
}

const RATE_WINDOW = 20;

export class SyncService implements SyncApi {
  private config: SyncConfig | null = null;
  private local: LocalStore | null = null;
  private dbName: string | undefined;
  private readonly pacer = new RateLimitPacer();
  private readonly runners = new Map<string, Runner>();
  private readonly queue: string[] = [];
  private readonly lifetime = new AbortController();
  private readonly now: () => number;

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async configure(config: SyncConfig): Promise<void> {
    if (!config || typeof config.token !== 'string' || config.token === '') throw new Error('configure: a token is required');
    if (config.api !== 'v2' && config.api !== 'v1') throw new Error('configure: api must be v2 or v1');
    if (this.local && config.dbName !== this.dbName) {
      await this.stopAll();
      this.local.close();
      this.local = null;
      this.runners.clear();
    }
    this.config = { ...config };
    this.dbName = config.dbName;
    this.local ??= await openLocalStore(config.dbName ? { name: config.dbName } : {});
  }

  async listStores(): Promise<StoreInfo[]> {
    const { local } = this.ready();
    const stores = await this.client().listStores(this.lifetime.signal);
    const api = this.config!.api;
    await local.putStores(stores.map((s) => ({ ...s, api, seenAt: this.now() })));
    return stores;
  }

  async listProgress(): Promise<StoreProgress[]> {
    const { local } = this.ready();
    const jobs = await local.listJobs();
    const result: StoreProgress[] = [];
    for (const job of jobs) {
      const runner = this.runners.get(job.storeId) ?? (await this.runnerFromDisk(job));
      result.push(this.progressOf(runner));
    }
    return result;
  }

  async start(storeId: string, options: StartOptions = {}): Promise<void> {
    const { local } = this.ready();
    const runner = this.runner(storeId, options.storeName);
    if (runner.running || runner.status === 'queued') return;
    runner.options = options;
    if (options.storeName === undefined) runner.storeName = (await local.getStore(storeId))?.name ?? runner.storeName;
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
    await this.stop(storeId, 'pause');
  }

  async cancel(storeId: string): Promise<void> {
    await this.stop(storeId, 'cancel');
  }

  async getResult(storeId: string): Promise<StoreResult> {
    return (await this.computation(storeId)).result();
  }

  async getHistory(storeId: string, productId: string): Promise<ProductHistory> {
    return (await this.computation(storeId)).history(productId);
  }

  async getDocument(storeId: string, documentId: string): Promise<unknown> {
    const { local } = this.ready();
    const closeTime = await local.documentCloseTime(storeId, documentId);
    return this.client().getDocument(storeId, documentId, this.lifetime.signal, closeTime === null ? undefined : { closeTime });
  }

  // ----- runners -----------------------------------------------------------------------------------------------

  private ready(): { local: LocalStore; config: SyncConfig } {
    if (!this.config || !this.local) throw new Error('configure() must be called first');
    return { local: this.local, config: this.config };
  }

  private client(onWait?: (info: WaitInfo) => void): EvotorClient {
    const config = this.ready().config;
    const options: ClientOptions = {
      api: config.api, token: config.token, pacer: this.pacer,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.retry ? { retry: config.retry } : {}),
      ...(onWait ? { onWait } : {}),
    };
    return (this.deps.createClient ?? createEvotorClient)(options);
  }

  private runner(storeId: string, storeName?: string): Runner {
    let runner = this.runners.get(storeId);
    if (!runner) {
      runner = {
        storeId, storeName: storeName ?? storeId, status: 'idle', options: {}, controller: null, intent: null,
        running: null, computation: null, job: null, phase: null, currentMonth: null, monthsDone: 0, monthsTotal: 0,
        waiting: null, error: null, samples: [], sessionStart: 0, sessionMonths: 0, lastEmit: 0, emitTimer: null,
      };
      this.runners.set(storeId, runner);
    } else if (storeName) {
      runner.storeName = storeName;
    }
    return runner;
  }

  private async runnerFromDisk(job: JobRecord): Promise<Runner> {
    const runner = this.runner(job.storeId, job.storeName);
    runner.job = job;
    // A job still marked running with no runner here was cut off by a reload or a closed tab.
    runner.status = job.status === 'running' ? 'interrupted' : job.status;
    runner.error = job.error as SerializedError | null;
    await this.countMonths(runner);
    return runner;
  }

  private async countMonths(runner: Runner): Promise<void> {
    const months = (await this.ready().local.listCheckpoints(runner.storeId)).filter((c) => c.month !== PRODUCTS_PHASE);
    runner.monthsTotal = months.length;
    runner.monthsDone = months.filter((m) => m.done).length;
  }

  private schedule(): void {
    const limit = this.config?.maxConcurrentStores ?? 3;
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
    if (!runner.computation || runner.computation.api !== config.api) {
      runner.computation = new StoreComputation(local, runner.storeId, config.api);
    }
    const client = this.client((info) => this.onWait(runner, info));
    const { restart, storeName: _name, ...options } = runner.options;
    runner.options = {}; // a restart applies to this launch only, not to a later resume
    this.emit(runner, true);

    const pull = pullStore(
      { storeId: runner.storeId, storeName: runner.storeName, options, ...(restart ? { restart } : {}) },
      {
        local, client, computation: runner.computation, now: this.now,
        hooks: {
          onJob: (job) => {
            runner.job = job;
            void this.countMonths(runner).then(() => this.emit(runner, true));
          },
          onCommit: (job, page) => this.onCommit(runner, job, page),
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
    const runner = this.runner(storeId, job?.storeName);
    if (runner.computation && (runner.running || runner.computation.version > 0)) return runner.computation;
    const computation = new StoreComputation(local, storeId, job?.api ?? config.api);
    await computation.load(job ?? null, this.lifetime.signal);
    runner.computation = computation;
    return computation;
  }

  // ----- progress ----------------------------------------------------------------------------------------------

  private onCommit(runner: Runner, job: JobRecord, page: PageInfo): void {
    runner.job = job;
    runner.phase = page.phase;
    runner.waiting = null;
    runner.currentMonth = page.monthDone ? null : page.month;
    if (page.phase === 'documents') {
      runner.samples.push({ at: this.now(), documents: page.items });
      if (runner.samples.length > RATE_WINDOW) runner.samples.shift();
      if (page.monthDone) {
        runner.monthsDone++;
        runner.sessionMonths++;
      }
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
    const etaMs = runner.status === 'running' && runner.sessionMonths > 0
      ? Math.round(((now - runner.sessionStart) / runner.sessionMonths) * monthsLeft)
      : null;
    return {
      storeId: runner.storeId,
      storeName: job?.storeName ?? runner.storeName,
      api: job?.api ?? this.config?.api ?? 'v2',
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
      updatedAt: now,
    };
  }
}
