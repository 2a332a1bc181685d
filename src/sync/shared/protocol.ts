/**
 * The messages between the page and the sync worker. A tiny hand-written RPC instead of comlink: it is ~100 lines,
 * needs no dependency, keeps ApiError's code and params across the boundary (comlink sends thrown errors as
 * name/message/stack only), and progress is a plain event stream rather than proxied callbacks.
 */
import type { SerializedApiError } from '../../api/api-error.ts';
import type { StoreInfo } from '../../api/client.ts';
import type { RetryPolicy } from '../../api/retry.ts';
import type { JobOptions, JobRecord, StockMethod } from '../../local/schema.ts';
import type { ApiVersion } from '../../model/types.ts';
import type { ProductHistory, ResultRow, StoreResult } from '../../pull/computation.ts';
import type { ChainBreak } from '../../stock/types.ts';
import type { ProgressInfo, RunKind, RunReport, RunResult } from '../../writeback/types.ts';

export type { StockMethod } from '../../local/schema.ts';
export type { ProgressInfo, RunKind, RunReport, RunResult } from '../../writeback/types.ts';

export interface SyncConfig {
  api: ApiVersion;
  /**
   * Stores pulled and written through API V1 (the integrator's choice for stores that need it); the others, and the
   * store list, use `api`. Ids as the store list gives them (compared case-insensitively).
   */
  v1Stores?: readonly string[];
  /** Held in the worker's memory only: never stored, logged or put in an error. */
  token: string;
  /** Evotor's API root (default https://api.evotor.ru/) or a proxy that forwards to it. */
  baseUrl?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** IndexedDB database name (tests use their own). */
  dbName?: string;
  /** The write-back journal's database name (default 'evotor-stock-sync-journal'; tests use their own). */
  journalName?: string;
  /**
   * Stores pulled at the same time; the others wait their turn (status 'queued'). Default: every store started, since
   * their requests share the connection budget below, which is the real limit.
   */
  maxConcurrentStores?: number;
  /**
   * Requests in flight to the cloud across every pull (src/pull/slots.ts). Default 6: what a browser keeps per origin
   * over HTTP/1.1 (more would wait inside the browser, in an order we cannot choose).
   */
  connections?: number;
}

export interface StartOptions extends Partial<JobOptions> {
  /** Drop what was pulled before and start from now. */
  restart?: boolean;
  /**
   * Load this many months before the job's horizon (the review's «Загрузить более старые месяцы»): the months loaded
   * are kept, only the older ones are fetched. Ignored with `restart`.
   */
  olderMonths?: number;
  /**
   * The store's name for progress. Optional: without it the worker takes the name from the cloud's store list
   * (read once if this worker has not seen it), else shows the store id. Saved with the job.
   */
  storeName?: string;
}

export type StoreStatus =
  | 'idle'
  | 'queued'
  | 'running'
  | 'paused'
  | 'done'
  | 'failed'
  | 'cancelled'
  /** The job was running when the page went away: resume() continues at its checkpoint. */
  | 'interrupted';

export type SerializedError = SerializedApiError | { name: string; message: string; code?: undefined };

/** Progress of one store, sent as an event whenever it changes (throttled). */
export interface StoreProgress {
  storeId: string;
  storeName: string;
  api: ApiVersion;
  status: StoreStatus;
  phase: 'products' | 'documents' | 'finishing' | null;
  /** The month being fetched ('YYYY-MM'), null between months. */
  currentMonth: string | null;
  monthsDone: number;
  /** Months from the snapshot back to the horizon (an early stop leaves some undone). */
  monthsTotal: number;
  pages: number;
  productPages: number;
  documents: number;
  quarantined: number;
  /** Tracked products decided by completely fetched months / all tracked products. */
  productsDecided: number;
  productsTracked: number;
  /** The result can be shown: every product decided, the offer period passed, or the pull ended. */
  resultReady: boolean;
  /** The result was offered and the pull goes on for undecided products. */
  background: boolean;
  stopReason: JobRecord['stopReason'];
  /** Documents per second over the recent pages of this session. */
  documentsPerSecond: number | null;
  /** Time left to the horizon at the current pace (an early stop may come sooner); null when unknown. */
  etaMs: number | null;
  /** A wait in progress (retry after an error, rate limit, pacing). */
  waiting: { reason: string; status: number | null; until: number } | null;
  error: SerializedError | null;
  /** StoreResult.version: ask getResult() again when it grows. */
  resultVersion: number;
  snapshotAt: number | null;
  horizonSince: number | null;
  coveredSince: number | null;
  /** Why the horizon is where it is: the store's creation and V1's history limit leave nothing older to load. */
  horizonSource: JobRecord['horizonSource'] | null;
  /** The options the job was started with (defaults when there is no job): a reload reviews with the same method. */
  method: StockMethod;
  horizonMonths: number | null;
  fullPeriod: boolean;
  updatedAt: number;
}

/** The user's decisions on a store's products, as saved in IndexedDB (src/local `decisions`). */
export interface StoreDecisions {
  /** Quantities typed for undecided products, by product id: decimal text with a dot ("2.5"). */
  manual: Record<string, string>;
  /** Products whose change the user unticked (everything else is approved, except those that need attention). */
  notApproved: string[];
  /** Products the user ticked: a product that needs attention (src/stock needsAttention) is approved only so. */
  ticked: string[];
}

/** A terminal named by the result's documents or listed by the cloud. */
export interface TerminalInfo {
  /** 1, 2, … by device id: stable for a store's set of terminals, shown when there is no name. */
  number: number;
  /** The name set in the personal account; null when the cloud gave none or could not be asked. */
  name: string | null;
}

export interface StoreTerminals {
  /** By device id as the documents carry it. */
  byId: Record<string, TerminalInfo>;
  /**
   * 'cloud': the store's device list was read (V2 GET /stores/{id}/devices, V1 devices/search).
   * 'numbered': it could not be (403 without store:read, 404, network…): `error` says why; terminals are numbered.
   */
  source: 'cloud' | 'numbered';
  error: SerializedError | null;
}

/**
 * getResult(): the computation's result without its rows, plus what the user decided and how the store was pulled.
 * The rows come in slices from getResultRows (one postMessage of 20,000 full rows was a main-thread task of ~0.8 s).
 */
export interface SyncResult extends Omit<StoreResult, 'rows'> {
  /** Rows of this version: getResultRows(storeId, version, offset, limit) reads them. */
  rowCount: number;
  method: StockMethod;
  horizonMonths: number | null;
  decisions: StoreDecisions;
  terminals: StoreTerminals;
}

/** What a light row keeps of the product's chain breaks: how many, and the newest (the reason in words names it). */
export type { ChainBreakSummary } from '../../stock/types.ts';

/**
 * A row's place in its result ordered by name and by code (src/model/text-order.ts; equal texts by product key).
 * The worker orders, so the page compares no text for a store: a collator sort of 50,000 names is a few hundred
 * milliseconds.
 */
export interface RowOrder {
  nameOrder: number;
  codeOrder: number;
}

/**
 * A result row as the review page gets it: everything the table, the reason in words, filters, sort, summary and
 * the embed's rows read, without the heavy lists (every chain break, the ledger's detail). getHistory's `row` has them.
 */
export type LightResultRow = Omit<ResultRow, 'ledger'> & RowOrder;

/** The most rows one getResultRows call returns. */
export const MAX_RESULT_SLICE = 5000;

/** The error's name when getResultRows asks for a version the worker no longer holds: read getResult again. */
export const STALE_RESULT = 'StaleResultError';

/** Progress of a write or undo run (the write-back's ProgressInfo) and which of the two it is. */
export type WriteProgress = ProgressInfo & { kind: RunKind };

/** Everything the page can ask of the worker. */
export interface SyncApi {
  /** Must come first (again after a reload: the token is never stored). */
  configure(config: SyncConfig): Promise<void>;
  /**
   * The stores the token sees (V2 /stores, V1 /stores/search): asked of the cloud once per configure, later calls get
   * that answer; `refresh: true` asks again (the user's explicit refresh).
   */
  listStores(options?: { refresh?: boolean }): Promise<StoreInfo[]>;
  /** Progress of every store with a job on disk, e.g. after a reload. */
  listProgress(): Promise<StoreProgress[]>;
  /** Starts (or resumes) a store's pull in the background; resolves once it is queued. */
  start(storeId: string, options?: StartOptions): Promise<void>;
  /** Stops fetching; the page in flight is dropped and fetched again on resume. */
  pause(storeId: string): Promise<void>;
  /** Continues a paused, failed, cancelled or interrupted pull at its checkpoint. */
  resume(storeId: string): Promise<void>;
  /** Stops the pull; what was fetched stays (its result too). start() with restart drops it. */
  cancel(storeId: string): Promise<void>;
  /**
   * Every catalogue product with cloud and computed quantities, status and explanation, plus the user's saved
   * decisions, the method and horizon of the pull, and the store's terminal names.
   */
  getResult(storeId: string): Promise<SyncResult>;
  /**
   * Rows `offset` to `offset + limit` (at most MAX_RESULT_SLICE) of the version getResult returned, in product key
   * order. The worker keeps the rows of the versions it handed out lately, so a refold while the page reads does not
   * mix versions; a version no longer kept rejects with an Error named STALE_RESULT.
   */
  getResultRows(storeId: string, version: number, offset: number, limit: number): Promise<LightResultRow[]>;
  /** One product's rows in time order, and its full result row (every chain break, the ledger), for the detail view. */
  getHistory(storeId: string, productId: string): Promise<ProductHistory>;
  /** The original document from Evotor (raw documents are not kept locally). */
  getDocument(storeId: string, documentId: string): Promise<unknown>;

  // ----- the user's decisions (saved in IndexedDB: a reload keeps them) -----------------------------------------

  /** A quantity for an undecided product (decimal text, dot or comma); null removes it. Rejects a bad quantity. */
  setManualQuantity(storeId: string, productId: string, quantity: string | null): Promise<void>;
  /** Ticks or unticks products' changes for writing. */
  setApproval(storeId: string, productIds: readonly string[], approved: boolean): Promise<void>;

  // ----- writing back (src/writeback, journaled in its own IndexedDB database) ----------------------------------

  /**
   * Journals one run writing the approved changes of these stores (values by each store's method, manual values
   * for undecided products): reads the cloud's quantities and looks for documents after the computation. Nothing
   * is sent to Evotor yet. `moved`: products whose documents moved since (a sale while the user reviewed).
   */
  planWrite(storeIds: readonly string[]): Promise<RunResult>;
  /** Journals the run restoring the quantities before a write run (or returns the existing one). */
  planUndo(runId: string): Promise<RunResult>;
  /** Stops the plans being made (planWrite/planUndo reject with an AbortError): the user closed «Готовим запись…». */
  stopPlan(): Promise<void>;
  /**
   * Applies, or continues from the journal, a planned or interrupted run. Progress comes as 'write-progress'
   * events (onWriteProgress). Rejects with an AbortError when stopRun() stops it (the journal keeps everything).
   */
  applyRun(runId: string): Promise<RunResult>;
  /** Stops an apply of this worker; it can be continued later with applyRun or resumePending. */
  stopRun(runId: string): Promise<void>;
  /** Continues every unfinished run from the journal (after a reload), oldest first. */
  resumePending(): Promise<RunResult[]>;
  /** Runs that stopped before the end (interrupted, stopped, or left 'applying' by a closed tab). */
  pendingRuns(): Promise<RunReport[]>;
  /** Every run in the journal, oldest first. */
  listRuns(): Promise<RunReport[]>;
  runReport(runId: string): Promise<RunReport>;
  /** The run's whole result as CSV for Excel (UTF-8 with BOM, `;`), made in the worker. */
  exportRunCsv(runId: string): Promise<Blob>;
  /** The review of these stores before any plan, as CSV in the same format. */
  exportReviewCsv(storeIds: readonly string[]): Promise<Blob>;
  /** Forgets a run (a plan the user declined, or a write whose undo is no longer wanted) and its undo data. */
  discardRun(runId: string): Promise<void>;
  /**
   * Removes this store's pulled data from this browser (documents, checkpoints, job, decisions) to free space; the
   * journal (write runs and their undo) stays. The store can be pulled again.
   */
  forgetStore(storeId: string): Promise<void>;
}

export type Method = keyof SyncApi;

export interface RequestMessage<M extends Method = Method> {
  type: 'request';
  id: number;
  method: M;
  args: Parameters<SyncApi[M]>;
}

export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; value: unknown }
  | { type: 'response'; id: number; ok: false; error: SerializedError };

export type EventMessage =
  | { type: 'progress'; progress: StoreProgress }
  | { type: 'write-progress'; progress: WriteProgress }
  | { type: 'ready' };

/** Every method of SyncApi, for the worker's dispatch (a name not listed is refused; a method not listed fails tsc). */
const METHOD_TABLE: Record<Method, true> = {
  configure: true, listStores: true, listProgress: true, start: true, pause: true, resume: true, cancel: true,
  getResult: true, getResultRows: true, getHistory: true, getDocument: true, setManualQuantity: true, setApproval: true,
  planWrite: true, planUndo: true, stopPlan: true, applyRun: true, stopRun: true, resumePending: true, pendingRuns: true, listRuns: true,
  runReport: true, exportRunCsv: true, exportReviewCsv: true, discardRun: true, forgetStore: true,
};
export const METHODS: ReadonlySet<string> = new Set(Object.keys(METHOD_TABLE));

export type WorkerMessage = ResponseMessage | EventMessage;

export function serializeError(error: unknown): SerializedError {
  if (error && typeof error === 'object' && 'toJSON' in error && (error as { name?: unknown }).name === 'ApiError') {
    return (error as { toJSON(): SerializedApiError }).toJSON();
  }
  if (error instanceof Error || (error && typeof error === 'object' && 'message' in error)) {
    const e = error as { name?: unknown; message?: unknown };
    return { name: typeof e.name === 'string' ? e.name : 'Error', message: String(e.message) };
  }
  return { name: 'Error', message: String(error) };
}
