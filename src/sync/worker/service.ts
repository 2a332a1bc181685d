/**
 * What runs inside the worker, behind SyncApi: a front over the parts that do the work, kept apart from the message
 * plumbing (worker.ts) so it can be driven directly in tests.
 *
 * - account.ts: the configured account (clients, the API per store, the stores its token may see)
 * - runners.ts: the pull queue and one runner per store; progress.ts: their progress events (throttled, with ETA)
 * - names.ts: store and terminal names; validate.ts: the checks of every argument the page sends
 * - writes.ts: the write-back (plans, applies, runs of another tab); plan-input.ts: what a plan gets of a store
 * - result-snapshots.ts: the rows of the results handed out lately, read by the page in slices
 *
 * The token lives in the configuration (memory) only.
 */
import type { ClientOptions, EvotorClient, StoreInfo } from '../../api/client.ts';
import { RateLimitPacer } from '../../api/pacing.ts';
import { openLocalStore, type LocalStore } from '../../local/db.ts';
import type { ProductHistory, ResultRow } from '../../pull/computation.ts';
import { DEFAULT_JOB_OPTIONS } from '../../pull/engine.ts';
import { exportReviewCsv } from '../../writeback/index.ts';
import type { CreatePlanStore, RunReport, RunResult } from '../../writeback/types.ts';
import type {
  LightResultRow, StartOptions, StoreProgress, SyncApi, SyncConfig, SyncResult, WriteProgress,
} from '../shared/protocol.ts';
import { Account, storeKey } from './account.ts';
import { Names } from './names.ts';
import { planStore, toDecisions } from './plan-input.ts';
import { ResultSnapshots } from './result-snapshots.ts';
import { Runners } from './runners.ts';
import { checkConfig, manualQuantity, plainName, productIdList, requireId, startOptions, storeIdList } from './validate.ts';
import { CSV_TYPE, Writes } from './writes.ts';

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

/** What one configure() sets up: the account and the parts that hold its token or its store list. */
interface Session {
  account: Account;
  names: Names;
  writes: Writes;
}

export class SyncService implements SyncApi {
  private local: LocalStore | null = null;
  private dbName: string | undefined;
  private session: Session | null = null;
  /** One token's rate limits, shared by every client of this worker. */
  private readonly pacer = new RateLimitPacer();
  private readonly lifetime = new AbortController();
  private readonly now: () => number;
  private readonly runners: Runners;
  /** The rows of the results handed out lately, read by the page in slices. */
  private readonly snapshots = new ResultSnapshots();

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.runners = new Runners({
      now: this.now, emit: deps.emit, lifetime: this.lifetime.signal,
      ...(deps.progressIntervalMs !== undefined ? { progressIntervalMs: deps.progressIntervalMs } : {}),
      ready: () => this.ready(),
      account: () => this.session?.account ?? null,
      onOpening: (storeId, api) => void this.session?.names.deviceList(storeId, api),
    });
  }

  async configure(config: SyncConfig): Promise<void> {
    checkConfig(config);
    if (this.local && config.dbName !== this.dbName) {
      await this.runners.stopAll();
      this.local.close();
      this.local = null;
      this.runners.clear();
    }
    // The write-back's clients hold the token and base URL of the configuration they were made with.
    await this.session?.writes.close();
    this.session = null;
    this.snapshots.clear();
    this.dbName = config.dbName;
    const local = (this.local ??= await openLocalStore(config.dbName ? { name: config.dbName } : {}));
    const lifetime = this.lifetime.signal;
    const account = new Account({ ...config }, { pacer: this.pacer, local, now: this.now, lifetime, ...(this.deps.createClient ? { createClient: this.deps.createClient } : {}) });
    this.session = {
      account,
      names: new Names({ account, local, lifetime, orderOf: (id) => this.runners.orderOf(id), ...(this.deps.devicesWaitMs !== undefined ? { devicesWaitMs: this.deps.devicesWaitMs } : {}) }),
      writes: new Writes({ account, lifetime, ...(this.deps.emitWrite ? { emitWrite: this.deps.emitWrite } : {}) }),
    };
  }

  listStores(options: { refresh?: boolean } = {}): Promise<StoreInfo[]> {
    return this.ready().account.listStores(options?.refresh === true);
  }

  async listProgress(): Promise<StoreProgress[]> {
    const { local, account } = this.ready();
    const all = await local.listJobs();
    // Nothing on disk: nothing to keep from anybody, and no store list to ask for.
    const visible = all.length === 0 ? new Set<string>() : await account.visibleStores();
    return this.runners.progressOf(all.filter((j) => visible.has(storeKey(j.storeId))));
  }

  async start(storeId: string, options: StartOptions = {}): Promise<void> {
    const { account, names } = this.ready();
    if (typeof storeId !== 'string' || storeId === '') throw new Error('start: a store id is required');
    await account.mustSee(storeId);
    await this.runners.start(storeId, startOptions(options), plainName(options.storeName), () => names.cloudName(storeId));
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

  async getResult(storeId: string): Promise<SyncResult> {
    await this.ready().account.mustSee(storeId);
    const { rows, ...summary } = await this.fullResult(storeId);
    return { ...summary, rowCount: this.snapshots.take(storeId, summary.version, rows) };
  }

  async getResultRows(storeId: string, version: number, offset: number, limit: number): Promise<LightResultRow[]> {
    await this.ready().account.mustSee(storeId);
    return this.snapshots.slice(storeId, version, offset, limit);
  }

  async getHistory(storeId: string, productId: string): Promise<ProductHistory> {
    await this.ready().account.mustSee(storeId);
    return (await this.runners.computation(storeId)).history(productId);
  }

  async getDocument(storeId: string, documentId: string): Promise<unknown> {
    const { local, account } = this.ready();
    await account.mustSee(storeId);
    const client = account.client();
    // V1 finds a document by its close time (a scan of the store's page records); V2 by id alone.
    const closeTime = client.api === 'v1' ? await local.documentCloseTime(storeId, documentId) : null;
    return client.getDocument(storeId, documentId, this.lifetime.signal, closeTime === null ? undefined : { closeTime });
  }

  async setManualQuantity(storeId: string, productId: string, quantity: string | null): Promise<void> {
    const { local, account } = this.ready();
    await account.mustSee(storeId);
    requireId(productId, 'productId');
    await local.setManual(storeId, productId, manualQuantity(quantity), this.now());
  }

  async setApproval(storeId: string, productIds: readonly string[], approved: boolean): Promise<void> {
    const { local, account } = this.ready();
    await account.mustSee(storeId);
    await local.setApproval(storeId, productIdList(productIds), approved === true, this.now());
  }

  async planWrite(storeIds: readonly string[]): Promise<RunResult> {
    const stores = await this.planStores(storeIds);
    return this.ready().writes.planWrite(stores);
  }

  planUndo(runId: string): Promise<RunResult> {
    return this.ready().writes.planUndo(runId);
  }

  async stopPlan(): Promise<void> {
    this.session?.writes.stopPlan();
  }

  applyRun(runId: string): Promise<RunResult> {
    return this.ready().writes.applyRun(runId);
  }

  async stopRun(runId: string): Promise<void> {
    await this.session?.writes.stopRun(runId);
  }

  resumePending(): Promise<RunResult[]> {
    return this.ready().writes.resumePending();
  }

  pendingRuns(): Promise<RunReport[]> {
    return this.ready().writes.pendingRuns();
  }

  listRuns(): Promise<RunReport[]> {
    return this.ready().writes.listRuns();
  }

  runReport(runId: string): Promise<RunReport> {
    return this.ready().writes.mustSeeRun(runId);
  }

  exportRunCsv(runId: string): Promise<Blob> {
    return this.ready().writes.exportRunCsv(runId);
  }

  async exportReviewCsv(storeIds: readonly string[]): Promise<Blob> {
    return new Blob([exportReviewCsv(await this.planStores(storeIds))], { type: CSV_TYPE });
  }

  discardRun(runId: string): Promise<void> {
    return this.ready().writes.discardRun(runId);
  }

  async forgetStore(storeId: string): Promise<void> {
    const { local, account } = this.ready();
    await account.mustSee(storeId);
    await this.runners.forget(storeId, () => local.deleteStoreData(storeId));
    this.snapshots.drop(storeId);
  }

  // ----- helpers ---------------------------------------------------------------------------------------------------

  private ready(): Session & { local: LocalStore } {
    if (!this.session || !this.local) throw new Error('configure() must be called first');
    return { ...this.session, local: this.local };
  }

  /** With no turn in between once the store list is known: a pause or cancel then stops the pull at once. */
  private async stop(storeId: string, intent: 'pause' | 'cancel'): Promise<void> {
    const seeing = this.ready().account.mustSee(storeId);
    if (seeing) await seeing;
    await this.runners.stop(storeId, intent);
  }

  /** The result with every full row: for the write-back, which runs here in the worker. */
  private async fullResult(storeId: string): Promise<Omit<SyncResult, 'rowCount'> & { rows: ResultRow[] }> {
    const { local, names } = this.ready();
    const result = await (await this.runners.computation(storeId)).result();
    const [job, decisions, terminals] = await Promise.all([
      local.getJob(storeId), local.listDecisions(storeId), names.terminals(storeId, result.api, result.rows),
    ]);
    return {
      ...result,
      method: job?.options.method ?? DEFAULT_JOB_OPTIONS.method,
      horizonMonths: job?.options.horizonMonths ?? null,
      decisions: toDecisions(decisions),
      terminals,
    };
  }

  /** What the write-back needs of these stores, from disk: results, the job's method and cut-off, decisions. */
  private async planStores(storeIds: readonly string[]): Promise<CreatePlanStore[]> {
    const { local, account } = this.ready();
    const stores: CreatePlanStore[] = [];
    for (const storeId of storeIdList(storeIds)) {
      await account.mustSee(storeId);
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
}
