/**
 * What runs inside the worker, behind SyncApi (../shared/api.ts): a front over the parts that do the work, kept
 * apart from the message plumbing (worker.ts) so it can be driven directly in tests.
 *
 * - account.ts: the configured account (clients, the API per store, the stores its token may see)
 * - runners.ts: the pull queue and one runner per store; progress.ts: their progress events (throttled, with ETA)
 * - names.ts: store and terminal names; validate.ts: the checks of every argument the page sends
 * - results.ts: a store's result from disk; result-snapshots.ts: the rows handed out lately, read in slices
 * - writes.ts: the write-back (plans, applies, runs of another tab); plan-input.ts: what a plan gets of a store
 *
 * Every method takes the call's signal last (the worker's dispatch gives one to every call). The token lives in the
 * configuration (memory) only.
 */
import type { ClientOptions, EvotorClient, StoreInfo } from '../../api/client.ts';
import { RateLimitPacer } from '../../api/pacing.ts';
import { openLocalStore, type LocalStore } from '../../local/db.ts';
import { DB_NAME } from '../../local/schema.ts';
import type { ProductHistory } from '../../pull/computation.ts';
import type { Lang } from '../../stock/index.ts';
import { exportReviewCsv } from '../../writeback/index.ts';
import type { RunReport, RunResult } from '../../writeback/types.ts';
import type { SyncApi } from '../shared/api.ts';
import { FIRST_RESULT_ROWS, type LightResultRow, type StartOptions, type StoreProgress, type SyncConfig, type SyncResult, type WriteProgress } from '../shared/types.ts';
import { callSignal } from './abort.ts';
import { Account, storeKey } from './account.ts';
import { Names } from './names.ts';
import { DecisionsCache } from './decisions.ts';
import { fullResult, planStores, type ResultDeps } from './results.ts';
import { ResultSnapshots } from './result-snapshots.ts';
import { Runners } from './runners.ts';
import { checkConfig, csvLang, manualQuantity, plainName, productIdList, requireId, startOptions } from './validate.ts';
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
  decisions: DecisionsCache;
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
  private readonly snapshots = new ResultSnapshots();

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.runners = new Runners({
      now: this.now, emit: deps.emit,
      ...(deps.progressIntervalMs !== undefined ? { progressIntervalMs: deps.progressIntervalMs } : {}),
      ready: () => this.ready(),
      account: () => this.session?.account ?? null,
      onOpening: (storeId, api) => void this.session?.names.deviceList(storeId, api),
    });
  }

  async configure(config: SyncConfig, signal?: AbortSignal): Promise<void> {
    checkConfig(config);
    signal?.throwIfAborted();
    if (this.local && config.dbName !== this.dbName) {
      await this.runners.stopAll();
      this.local.close();
      this.local = null;
      this.runners.clear();
    }
    // The write-back's clients hold the token and base URL of the configuration they were made with.
    await this.session?.writes.close();
    this.session?.decisions.close();
    this.session = null;
    this.snapshots.clear();
    this.dbName = config.dbName;
    const local = (this.local ??= await openLocalStore(config.dbName ? { name: config.dbName } : {}));
    const { createClient, devicesWaitMs, emitWrite } = this.deps;
    const lifetime = this.lifetime.signal;
    const account = new Account({ ...config }, { pacer: this.pacer, local, now: this.now, lifetime, ...(createClient ? { createClient } : {}) });
    this.session = {
      account,
      names: new Names({ account, local, lifetime, openingPriority: (id) => this.runners.openingPriority(id, 3), ...(devicesWaitMs !== undefined ? { devicesWaitMs } : {}) }),
      writes: new Writes({ account, lifetime, ...(emitWrite ? { emitWrite } : {}) }),
      decisions: new DecisionsCache(local, config.dbName ?? DB_NAME),
    };
  }

  listStores(options: { refresh?: boolean } = {}): Promise<StoreInfo[]> {
    return this.ready().account.listStores(options?.refresh === true);
  }

  async pullProgress(): Promise<StoreProgress[]> {
    const { local, account } = this.ready();
    const all = await local.listJobs();
    // Nothing on disk: nothing to keep from anybody, and no store list to ask for.
    const visible = all.length === 0 ? new Set<string>() : await account.visibleStores();
    return this.runners.progressOf(all.filter((j) => visible.has(storeKey(j.storeId))));
  }

  async startPull(storeId: string, options: StartOptions = {}, signal?: AbortSignal): Promise<void> {
    const { account, names, decisions } = this.ready();
    if (typeof storeId !== 'string' || storeId === '') throw new Error('startPull: a store id is required');
    await account.mustSee(storeId);
    signal?.throwIfAborted();
    await this.runners.start(storeId, startOptions(options), plainName(options.storeName), () => names.cloudName(storeId));
    // The leader's review is the first one shown: its decisions are read now, while the database is idle.
    if (this.runners.leads(storeId)) decisions.prefetch(storeId);
  }

  async resumePull(storeId: string, signal?: AbortSignal): Promise<void> {
    await this.startPull(storeId, {}, signal);
  }

  async pausePull(storeId: string): Promise<void> {
    await this.stopPull(storeId, 'pause');
  }

  async cancelPull(storeId: string): Promise<void> {
    await this.stopPull(storeId, 'cancel');
  }

  async forgetStore(storeId: string): Promise<void> {
    const { local, account, decisions } = this.ready();
    await account.mustSee(storeId);
    await this.runners.forget(storeId, () => local.deleteStoreData(storeId));
    decisions.changed(storeId);
    this.snapshots.drop(storeId);
  }

  async getResult(storeId: string, signal?: AbortSignal): Promise<SyncResult> {
    await this.ready().account.mustSee(storeId);
    const { rows, ...summary } = await fullResult(this.results(), storeId, this.signal(signal));
    this.runners.served(storeId);
    const rowCount = this.snapshots.take(storeId, summary.version, rows);
    return { ...summary, rowCount, firstRows: rowCount > 0 ? this.snapshots.slice(storeId, summary.version, 0, FIRST_RESULT_ROWS) : [] };
  }

  async getResultRows(storeId: string, version: number, offset: number, limit: number): Promise<LightResultRow[]> {
    await this.ready().account.mustSee(storeId);
    return this.snapshots.slice(storeId, version, offset, limit);
  }

  async productHistory(storeId: string, productId: string, signal?: AbortSignal): Promise<ProductHistory> {
    await this.ready().account.mustSee(storeId);
    return (await this.runners.computation(storeId, this.signal(signal))).history(productId);
  }

  async getDocument(storeId: string, documentId: string, signal?: AbortSignal): Promise<unknown> {
    const { local, account } = this.ready();
    await account.mustSee(storeId);
    const client = account.client();
    // V1 finds a document by its close time (a scan of the store's page records); V2 by id alone.
    const closeTime = client.api === 'v1' ? await local.documentCloseTime(storeId, documentId) : null;
    return client.getDocument(storeId, documentId, this.signal(signal), closeTime === null ? undefined : { closeTime });
  }

  async setManualQuantity(storeId: string, productId: string, quantity: string | null): Promise<void> {
    const { local, account, decisions } = this.ready();
    await account.mustSee(storeId);
    requireId(productId, 'productId');
    await local.setManual(storeId, productId, manualQuantity(quantity), this.now());
    decisions.changed(storeId);
  }

  async setApproval(storeId: string, productIds: readonly string[], approved: boolean): Promise<void> {
    const { local, account, decisions } = this.ready();
    await account.mustSee(storeId);
    await local.setApproval(storeId, productIdList(productIds), approved === true, this.now());
    decisions.changed(storeId);
  }

  async planWrite(storeIds: readonly string[], signal?: AbortSignal): Promise<RunResult> {
    const stores = await planStores(this.results(), storeIds, this.signal(signal));
    return this.ready().writes.planWrite(stores, signal);
  }

  planUndo(runId: string, signal?: AbortSignal): Promise<RunResult> {
    return this.ready().writes.planUndo(runId, signal);
  }

  async stopPlan(): Promise<void> {
    this.session?.writes.stopPlan();
  }

  cancelPlan(runId: string): Promise<void> {
    return this.ready().writes.discard(runId);
  }

  runWrite(runId: string, signal?: AbortSignal): Promise<RunResult> {
    return this.ready().writes.runWrite(runId, signal);
  }

  async stopWrite(runId: string): Promise<void> {
    await this.session?.writes.stopWrite(runId);
  }

  resumePending(signal?: AbortSignal): Promise<RunResult[]> {
    return this.ready().writes.resumePending(signal);
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

  discardUndo(runId: string): Promise<void> {
    return this.ready().writes.discard(runId);
  }

  async exportCsv(storeIds: readonly string[], runId: string | null, lang: Lang, signal?: AbortSignal): Promise<Blob> {
    const language = csvLang(lang);
    if (runId !== null) return this.ready().writes.exportCsv(runId, language);
    return new Blob([exportReviewCsv(await planStores(this.results(), storeIds, this.signal(signal)), language)], { type: CSV_TYPE });
  }

  // ----- helpers ---------------------------------------------------------------------------------------------------

  private ready(): Session & { local: LocalStore } {
    if (!this.session || !this.local) throw new Error('configure() must be called first');
    return { ...this.session, local: this.local };
  }

  private results(): ResultDeps {
    return { ...this.ready(), runners: this.runners };
  }

  private signal(signal: AbortSignal | undefined): AbortSignal {
    return callSignal(this.lifetime.signal, signal);
  }

  /** With no turn in between once the store list is known: a pause or cancel then stops the pull at once. */
  private async stopPull(storeId: string, intent: 'pause' | 'cancel'): Promise<void> {
    const seeing = this.ready().account.mustSee(storeId);
    if (seeing) await seeing;
    await this.runners.stop(storeId, intent);
  }
}
