/**
 * The data that crosses between the page and the sync worker (by structured clone): configuration, options,
 * progress, results and their light rows. The calls are in api.ts, the messages carrying them in messages.ts.
 */
import type { SerializedApiError } from '../../api/api-error.ts';
import type { RetryPolicy } from '../../api/retry.ts';
import type { JobOptions, JobRecord, StockMethod } from '../../local/schema.ts';
import type { ApiVersion } from '../../model/types.ts';
import type { ResultRow, StoreResult } from '../../pull/computation.ts';
import type { ProgressInfo, RunKind } from '../../writeback/types.ts';

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

/**
 * What the screens choose for a pull (the options panel), saved with the job. The page's pull-options policy
 * (../page/pull-options.ts) turns them into the StartOptions of a call.
 */
export interface PullOptions {
  method: StockMethod;
  /** Months back from now; null: back to the store's creation (V2) or as far as the API allows (V1: a year). */
  horizonMonths: number | null;
  /** Fetch the whole period even when every product is decided early (a full ledger check needs it). */
  fullPeriod: boolean;
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
  /** Its first rows (at most FIRST_RESULT_ROWS), so a small store's review needs no second call. */
  firstRows: LightResultRow[];
  method: StockMethod;
  horizonMonths: number | null;
  decisions: StoreDecisions;
  terminals: StoreTerminals;
}

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
/** Rows getResult hands out with the summary: a small store whole, and still a short message. */
export const FIRST_RESULT_ROWS = 300;

/** The error's name when getResultRows asks for a version the worker no longer holds: read getResult again. */
export const STALE_RESULT = 'StaleResultError';

/** Progress of a write or undo run (the write-back's ProgressInfo) and which of the two it is. */
export type WriteProgress = ProgressInfo & { kind: RunKind };
