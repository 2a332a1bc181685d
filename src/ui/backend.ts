/**
 * The port between the screens and everything that talks to Evotor Cloud, IndexedDB and the worker.
 *
 * Components never call fetch or IndexedDB: they read signals of the app state (state.ts), whose actions call this
 * interface. The real implementation is a thin adapter over the worker bridge (worker-backend.ts over
 * src/sync/page); tests use an in-memory one (test/unit/ui/memory-backend.ts). Everything crossing the port is plain
 * data (it may come from a worker by structured clone): quantities are decimal text with a dot ("0.875"), times are
 * epoch milliseconds UTC.
 *
 * One name per operation from the screen to the worker: the port's methods are SyncApi's (src/sync/shared/api.ts).
 * Those the worker answers in the screens' shapes are taken from SyncApi as they are (`SyncBackend extends Pick`);
 * the others keep the name and change only the shape (PullOptions for StartOptions, PullProgress for
 * StoreProgress…). Each takes the worker's optional AbortSignal last.
 */
import type { ApiErrorCode } from '../api/api-error.ts';
import type { Milli } from '../model/quantity.ts';
import type { ApiVersion } from '../model/types.ts';
import type { SyncApi } from '../sync/shared/api.ts';
import type { PullOptions } from '../sync/shared/types.ts';
import type { ChainBreak, ProductEvent, ProductStock } from '../stock/types.ts';
import type { MovedProduct, ProgressInfo, RunKind, RunReport, UnitTotal } from '../writeback/types.ts';
export type { UnitTotal } from '../writeback/types.ts';
import type { Session } from './launch.ts';

/** Decimal text with a dot and at most 3 decimals ("7", "-2", "0.875"), as formatQuantity writes it. */
export type DecimalText = string;

// ---------------------------------------------------------------------------------------------------------------
// Errors

/**
 * An error as the UI shows it. API errors are src/api's SerializedApiError (code + params, no token); the worker
 * adds `storage` (IndexedDB unavailable or full) and `internal` (a bug: message for the developer).
 */
export interface BackendError {
  code: ApiErrorCode | 'storage' | 'disk-full' | 'internal';
  /** Plain values for the message: scope, baseUrl, origin, status, resource, violations, retryAfterSeconds… */
  params: Record<string, string | number>;
  status: number | null;
  /** Developer text (English, may quote the server): shown only under "Подробности", always as text. */
  message: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Stores and pulling

/** What the screens choose for a pull (the options panel): method, horizon, whole period (src/sync/shared/types.ts). */
export type { PullOptions } from '../sync/shared/types.ts';
export type PullMethod = PullOptions['method'];

/** A store's sync state as the store list shows it. */
export type StoreSyncState = 'never' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface StoreSummary {
  id: string;
  name: string;
  address: string | null;
  apiVersion: ApiVersion;
  /** Creation time read from the id's first 8 characters when they form a date; null otherwise. */
  createdAt: number | null;
  state: StoreSyncState;
  /** When the last pull of this store finished (a result exists); null if never. */
  lastSyncedAt: number | null;
  /** The last failure, when state is 'failed'. */
  error: BackendError | null;
}

/**
 * queued → products → documents → (background →) done. `background`: the result is ready, older months are still
 * fetched for the undecided products. paused / cancelled / failed can happen at any step.
 */
export type PullPhase = 'queued' | 'products' | 'documents' | 'background' | 'done' | 'paused' | 'failed' | 'cancelled';

export interface PullProgress {
  storeId: string;
  /** The store's name as the worker knows it (so a card is named even when the store list could not be read). */
  storeName: string | null;
  phase: PullPhase;
  options: PullOptions;
  monthsDone: number;
  /** Months to fetch for the chosen horizon; null while unknown. */
  monthsTotal: number | null;
  /** The month being fetched, "YYYY-MM"; null before documents or when finished. */
  currentMonth: string | null;
  pages: number;
  documents: number;
  /** Stock-tracked products, and how many of them a document already decides. */
  productsTotal: number;
  productsDecided: number;
  /** Estimated time to the end of the current phase; null while unknown. */
  etaMs: number | null;
  /** A result can be reviewed now (possibly refined later by background fetching). */
  resultReady: boolean;
  /** Why documents stopped before the horizon: every product decided early ('all-decided'), or the horizon. */
  stopReason: 'all-decided' | 'horizon' | null;
  /** A wait in progress (rate limit, retry after an error): shown as "повтор через N с". */
  waiting: { reason: string; until: number } | null;
  /** Why the pull failed, when phase is 'failed'. */
  error: BackendError | null;
  /** Paused because the page went away mid-pull, not by the user: the app resumes it by itself. */
  interrupted: boolean;
  /** Documents are loaded from this time on (epoch ms); null before the newest month is in. */
  loadedSince: number | null;
  /** Older months exist that were not loaded (a horizon the user set, or the default depth for an undated store). */
  olderMonths: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Review

/** A store's computed result for the review. */
export interface ReviewResult {
  storeId: string;
  /**
   * The method the store was pulled with. With 'ledger' the proposed quantity is `stock.ledgerQuantity`, otherwise
   * `stock.quantity`; planWrite must use the same choice.
   */
  method: PullMethod;
  /** Every month to the horizon is in (false while older months are still fetched, or after an early stop). */
  complete: boolean;
  /**
   * Names of the store's terminals by device id ("1", "2"… or the cloud's names), so reasons say "терминал 2"
   * instead of an id. Empty when unknown.
   */
  deviceNames: Readonly<Record<string, string>>;
  /**
   * Where deviceNames come from: 'cloud' (the store's device list), or 'numbered' when it could not be read
   * (deviceNamesError says why, e.g. missing-scope store:read or not-found): the names are then "№ 1", "№ 2"…
   * and the screen may say that the terminal names are unavailable. Absent: unknown (treated as 'cloud').
   */
  deviceNamesSource?: 'cloud' | 'numbered';
  deviceNamesError?: BackendError | null;
  rows: ReviewRow[];
}

/** A result without its rows: what every slice of one read shares. */
export type ReviewSummary = Omit<ReviewResult, 'rows'>;

/** Rows of a result as they arrive from the worker, one slice per task. */
export interface ReviewSlice {
  summary: ReviewSummary;
  /** Position of the first row in the result. 0 starts the read, or starts it again when the result changed meanwhile. */
  offset: number;
  rows: readonly ReviewRow[];
  /** Rows in the whole result. */
  total: number;
}

/**
 * A product as the review gets it: src/stock's ProductStock without the heavy lists (every chain break, the ledger's
 * detail), which productHistory brings when the detail opens.
 */
export type ReviewStock = Omit<ProductStock, 'chainBreaks' | 'ledger'> & {
  chainBreakCount: number;
  /** The newest chain break (the reason in words names it); null when there is none. */
  lastChainBreak: ChainBreak | null;
};

export interface ReviewRow {
  storeId: string;
  /**
   * The computation's result for this product (src/stock): quantity, status, deciding document, rule, parts,
   * warnings, how many chain breaks, and the cloud's quantity when the products were read. Its reason in words
   * comes from src/stock's explainProduct.
   */
  stock: ReviewStock;
  /** A quantity the user typed for an undecided product; null when none. */
  manualQuantity: DecimalText | null;
  /** Whether the change is approved for writing (every proposed change is approved by default). */
  approved: boolean;
  /** The value may still change: it rests on documents older than the completely fetched months. */
  provisional: boolean;
  /** The row's place in its store's result ordered by name and by code (ordered in the worker; see review-ranking.ts). */
  nameOrder: number;
  codeOrder: number;
}

export interface ProductHistory {
  storeId: string;
  productId: string;
  /** The product's whole result (every chain break, the ledger); null when the catalogue no longer has it. */
  stock: ProductStock | null;
  /** The product's compact rows, one per document, oldest first (the same rows the computation folds). */
  events: ProductEvent[];
  /** False when older months are not fetched (yet, or because they were not needed). */
  complete: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing back (one journaled run covering the chosen stores: src/writeback)

export interface PlanStore {
  storeId: string;
  storeName: string;
  /** Products that will be written (target differs from the cloud). */
  products: number;
  /** Sums of the positive and of the negative differences per unit (kilograms and pieces are never added together). */
  byUnit: UnitTotal[];
}

/** What a confirmation shows: a journaled run, not started. Nothing is sent yet. */
export interface WritePlan {
  runId: string;
  kind: RunKind;
  stores: PlanStore[];
  /**
   * Products whose documents moved after the computation (a sale while the user reviewed): the plan already holds
   * their recomputed values; the confirmation shows which and why.
   */
  moved: MovedProduct[];
}

/** Progress of a run (src/writeback ProgressInfo) and whether it writes or undoes. */
export type WriteProgress = ProgressInfo & { kind: RunKind };

export interface CsvFile {
  filename: string;
  /** text/csv, UTF-8 with BOM, `;`-separated (Excel in Russia). */
  blob: Blob;
}

// ---------------------------------------------------------------------------------------------------------------
// Resume

export interface PendingWork {
  /** Pulls that stopped before the end (paused, interrupted by a reload, failed): offered to continue. */
  pulls: PullProgress[];
  /** A write or undo run that stopped before the end (applying, interrupted, stopped). */
  run: RunReport | null;
  /** The last finished write run whose undo is still available. */
  undoable: RunReport | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Events and the port

export type BackendEvent =
  | { type: 'pull-progress'; progress: PullProgress }
  /** A store's review rows changed (first result, or background fetching refined it): read them again. */
  | { type: 'review-changed'; storeId: string }
  | { type: 'write-progress'; progress: WriteProgress }
  | { type: 'stores-changed' };

/** The calls the screens make exactly as the worker takes and answers them: the same method, as SyncApi declares it. */
export type DirectCall = 'pausePull' | 'resumePull' | 'cancelPull' | 'forgetStore' | 'setManualQuantity' | 'setApproval'
  | 'runWrite' | 'stopPlan' | 'cancelPlan' | 'discardUndo';

export interface SyncBackend extends Pick<SyncApi, DirectCall> {
  /**
   * The stores with their sync state. The cloud's list is read once per start; later calls (after every status
   * change) reuse it with fresh states, and `refresh: true` (the user's «Обновить») reads it again.
   */
  listStores(options?: { refresh?: boolean }, signal?: AbortSignal): Promise<StoreSummary[]>;

  /**
   * Starts (or restarts with new options) a store's pull. Progress arrives as 'pull-progress' events. Also
   * pausePull, resumePull (exactly where its checkpoint stopped), cancelPull (a result that is already ready is
   * kept: this is how background fetching is stopped) and forgetStore (its pulled data leaves this browser).
   */
  startPull(storeId: string, options: PullOptions, signal?: AbortSignal): Promise<void>;
  /**
   * Undecided products: fetch the months before those loaded (a year more, never before the store existed), keeping
   * what is loaded; a pull that has not reached its horizon yet just continues.
   */
  loadOlderMonths(storeId: string, signal?: AbortSignal): Promise<void>;
  /** The latest progress of every store that has one. */
  pullProgress(signal?: AbortSignal): Promise<PullProgress[]>;

  /**
   * Every product of a store with its computed stock (50,000 rows is normal). The rows come in slices, each in its
   * own task, and `onSlice` gets each as it arrives (the first with offset 0, also when there are no rows), so the
   * caller can build its model without one long task.
   */
  reviewRows(storeId: string, onSlice?: (slice: ReviewSlice) => void, signal?: AbortSignal): Promise<ReviewResult>;
  productHistory(storeId: string, productId: string, signal?: AbortSignal): Promise<ProductHistory>;

  /**
   * Journals one run writing the approved changes (manual values included) of these stores, after reading the
   * cloud's quantities and looking for documents closed after the computation (WritePlan.moved). Nothing is sent
   * yet; runWrite applies it (or continues it after an interruption) and runs the guard again (RunResult.moved),
   * with progress as 'write-progress' events. cancelPlan drops a run never started (the user declined the
   * confirmation); stopPlan stops the plan still being made (the user closed «Готовим запись…»).
   */
  planWrite(storeIds: readonly string[], signal?: AbortSignal): Promise<WritePlan>;
  /** Journals the run restoring the quantities before a write run; discardUndo forgets them instead. */
  planUndo(runId: string, signal?: AbortSignal): Promise<WritePlan>;
  /** The whole result as CSV: of this run, or (runId null) of the review of these stores before writing. */
  exportCsv(storeIds: readonly string[], runId: string | null, signal?: AbortSignal): Promise<CsvFile>;

  pendingWork(signal?: AbortSignal): Promise<PendingWork>;
  subscribe(listener: (event: BackendEvent) => void): () => void;
  dispose(): void;
}

/** How the app gets a backend for a session (the adapter over the worker bridge in the app). */
export type SyncBackendFactory = (session: Session) => SyncBackend;

const ERROR_CODES: ReadonlySet<string> = new Set<BackendError['code']>([
  'unauthorized', 'payment-required', 'missing-scope', 'bad-request', 'not-found', 'too-large', 'rate-limited',
  'server-error', 'timeout', 'blocked', 'invalid-response', 'paging-loop', 'http-error', 'storage', 'disk-full', 'internal',
]);

/** Any rejection of a backend call as a BackendError (an unknown throwable becomes `internal`). */
export function toBackendError(error: unknown): BackendError {
  if (typeof error === 'object' && error !== null) {
    const rec = error as Record<string, unknown>;
    if (typeof rec['code'] === 'string' && ERROR_CODES.has(rec['code'])) {
      const params: Record<string, string | number> = {};
      if (typeof rec['params'] === 'object' && rec['params'] !== null) {
        for (const [k, v] of Object.entries(rec['params'] as Record<string, unknown>)) {
          if (typeof v === 'string' || typeof v === 'number') params[k] = v;
        }
      }
      return {
        code: rec['code'] as BackendError['code'],
        params,
        status: typeof rec['status'] === 'number' ? rec['status'] : null,
        message: typeof rec['message'] === 'string' ? rec['message'] : '',
      };
    }
    // The worker's errors cross as { name, message }: a full disk is known by its name, wherever it was raised.
    if (rec['name'] === 'QuotaExceededError') {
      return { code: 'disk-full', params: {}, status: null, message: `QuotaExceededError: ${String(rec['message'] ?? '')}` };
    }
    if (error instanceof DOMException && error.name === 'InvalidStateError') {
      return { code: 'storage', params: {}, status: null, message: `${error.name}: ${error.message}` };
    }
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { code: 'internal', params: {}, status: null, message };
}
