/**
 * The one contract between the page and the sync worker: `SyncApi`, what the page can ask, and `SYNC_METHODS`, its
 * method list, from which the page's bridge is generated (../page/bridge.ts) and by which the worker dispatches
 * (../worker/worker.ts). Adding a call: declare it here and list it in SYNC_METHODS (tsc fails until both agree),
 * then implement it in SyncService (../worker/service.ts).
 *
 * The names are the screens' (src/ui/backend.ts SyncBackend takes the same ones), so one operation has one name
 * from the button to the worker.
 *
 * **Cancelling a call.** Every method's last parameter is an optional `AbortSignal`. Aborting it rejects the call
 * at once with the signal's reason (an AbortError) and tells the worker, which aborts the signal it gave the method:
 * a plan stops reading the cloud, a write stops (it stays resumable from the journal), a result stops loading.
 * A signal cancels that call, not what it started: the pull a `startPull` queued goes on (`cancelPull` stops it).
 */
import type { StoreInfo } from '../../api/client.ts';
import type { ProductHistory } from '../../pull/computation.ts';
import type { Lang } from '../../stock/index.ts';
import type { RunReport, RunResult } from '../../writeback/types.ts';
import type { LightResultRow, StartOptions, StoreProgress, SyncConfig, SyncResult } from './types.ts';

/** Everything the page can ask of the worker. Each call may be cancelled with its last argument (see above). */
export interface SyncApi {
  /** Must come first (again after a reload: the token is never stored). */
  configure(config: SyncConfig, signal?: AbortSignal): Promise<void>;
  /**
   * The stores the token sees (V2 /stores, V1 /stores/search): asked of the cloud once per configure, later calls get
   * that answer; `refresh: true` asks again (the user's explicit refresh).
   */
  listStores(options?: { refresh?: boolean }, signal?: AbortSignal): Promise<StoreInfo[]>;

  // ----- pulls ---------------------------------------------------------------------------------------------------

  /** Progress of every store with a job on disk, e.g. after a reload. */
  pullProgress(signal?: AbortSignal): Promise<StoreProgress[]>;
  /** Starts (or resumes) a store's pull in the background; resolves once it is queued. */
  startPull(storeId: string, options?: StartOptions, signal?: AbortSignal): Promise<void>;
  /** Stops fetching; the page in flight is dropped and fetched again on resume. */
  pausePull(storeId: string, signal?: AbortSignal): Promise<void>;
  /** Continues a paused, failed, cancelled or interrupted pull at its checkpoint. */
  resumePull(storeId: string, signal?: AbortSignal): Promise<void>;
  /** Stops the pull; what was fetched stays (its result too). startPull with `restart` drops it. */
  cancelPull(storeId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Removes this store's pulled data from this browser (documents, checkpoints, job, decisions) to free space; the
   * journal (write runs and their undo) stays. The store can be pulled again.
   */
  forgetStore(storeId: string, signal?: AbortSignal): Promise<void>;

  // ----- results -------------------------------------------------------------------------------------------------

  /**
   * The computation's result without its rows (counts, version, coverage, warnings, `rowCount`), plus the user's
   * saved decisions, the method and horizon of the pull, and the store's terminal names.
   */
  getResult(storeId: string, signal?: AbortSignal): Promise<SyncResult>;
  /**
   * Rows `offset` to `offset + limit` (at most MAX_RESULT_SLICE) of the version getResult returned, in product key
   * order. The worker keeps the rows of the versions it handed out lately, so a refold while the page reads does not
   * mix versions; a version no longer kept rejects with an Error named STALE_RESULT.
   */
  getResultRows(storeId: string, version: number, offset: number, limit: number, signal?: AbortSignal): Promise<LightResultRow[]>;
  /** One product's rows in time order, and its full result row (every chain break, the ledger), for the detail view. */
  productHistory(storeId: string, productId: string, signal?: AbortSignal): Promise<ProductHistory>;
  /** The original document from Evotor (raw documents are not kept locally). */
  getDocument(storeId: string, documentId: string, signal?: AbortSignal): Promise<unknown>;

  // ----- the user's decisions (saved in IndexedDB: a reload keeps them) ------------------------------------------

  /** A quantity for an undecided product (decimal text, dot or comma); null removes it. Rejects a bad quantity. */
  setManualQuantity(storeId: string, productId: string, quantity: string | null, signal?: AbortSignal): Promise<void>;
  /** Ticks or unticks products' changes for writing. */
  setApproval(storeId: string, productIds: readonly string[], approved: boolean, signal?: AbortSignal): Promise<void>;

  // ----- writing back (src/writeback, journaled in its own IndexedDB database) -----------------------------------

  /**
   * Journals one run writing the approved changes of these stores (values by each store's method, manual values
   * for undecided products): reads the cloud's quantities and looks for documents after the computation. Nothing
   * is sent to Evotor yet. `moved`: products whose documents moved since (a sale while the user reviewed).
   */
  planWrite(storeIds: readonly string[], signal?: AbortSignal): Promise<RunResult>;
  /** Journals the run restoring the quantities before a write run (or returns the existing one). */
  planUndo(runId: string, signal?: AbortSignal): Promise<RunResult>;
  /** Stops every plan being made (planWrite/planUndo reject with an AbortError): the user closed «Готовим запись…». */
  stopPlan(signal?: AbortSignal): Promise<void>;
  /** Drops a planned run never started (the user declined the confirmation). */
  cancelPlan(runId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Applies, or continues from the journal, a planned or interrupted run. Progress comes as 'write-progress'
   * events. Rejects with an AbortError when stopWrite() or its signal stops it (the journal keeps everything).
   */
  runWrite(runId: string, signal?: AbortSignal): Promise<RunResult>;
  /** Stops an apply of this worker; it can be continued later with runWrite or resumePending. */
  stopWrite(runId: string, signal?: AbortSignal): Promise<void>;
  /** Continues every unfinished run from the journal (after a reload), oldest first. */
  resumePending(signal?: AbortSignal): Promise<RunResult[]>;
  /** Runs that stopped before the end (interrupted, stopped, or left 'applying' by a closed tab). */
  pendingRuns(signal?: AbortSignal): Promise<RunReport[]>;
  /** Every run in the journal, oldest first. */
  listRuns(signal?: AbortSignal): Promise<RunReport[]>;
  runReport(runId: string, signal?: AbortSignal): Promise<RunReport>;
  /** The user no longer needs the undo of this write run: the quantities before are forgotten (with the run). */
  discardUndo(runId: string, signal?: AbortSignal): Promise<void>;
  /**
   * CSV for a spreadsheet in the UI's language (src/writeback/csv.ts: Russian `;` and a decimal comma, English `,` and
   * a decimal point), made in the worker: the whole result of this run, or (runId null) the review of these stores
   * before any plan, in the same format.
   */
  exportCsv(storeIds: readonly string[], runId: string | null, lang: Lang, signal?: AbortSignal): Promise<Blob>;
}

export type Method = keyof SyncApi;

/** How many arguments come before a method's signal (the signal is its last parameter; tsc checks the count). */
type ArgsBeforeSignal<F> = F extends (...args: infer A) => Promise<unknown>
  ? Required<A> extends [...infer Before, AbortSignal] ? Before['length'] : never
  : never;

/**
 * Every method of SyncApi with the number of arguments before its signal: the bridge is generated from this list
 * and the worker puts the call's signal at that place. A method missing here, or a wrong count, fails tsc.
 */
export const SYNC_METHODS = {
  configure: 1, listStores: 1,
  pullProgress: 0, startPull: 2, pausePull: 1, resumePull: 1, cancelPull: 1, forgetStore: 1,
  getResult: 1, getResultRows: 4, productHistory: 2, getDocument: 2,
  setManualQuantity: 3, setApproval: 3,
  planWrite: 1, planUndo: 1, stopPlan: 0, cancelPlan: 1, runWrite: 1, stopWrite: 1, resumePending: 0,
  pendingRuns: 0, listRuns: 0, runReport: 1, discardUndo: 1, exportCsv: 3,
} as const satisfies { readonly [M in Method]: ArgsBeforeSignal<SyncApi[M]> };

export const isMethod = (name: unknown): name is Method => typeof name === 'string' && Object.hasOwn(SYNC_METHODS, name);
