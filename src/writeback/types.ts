/**
 * The write-back data model: what a write run (a plan being applied, or an undo) and each of its products look
 * like in the journal, and what the caller gets back. Everything here is structured-clone friendly (plain data,
 * no classes), so it crosses the worker boundary and lives in IndexedDB as is.
 *
 * Quantities are Milli (integer thousandths, src/model/quantity.ts) everywhere; they only become decimal text
 * in a request body (quantityForRequest) and in the CSV (formatQuantity).
 */
import type { Milli } from '../model/quantity.ts';
import type { ApiVersion, DocumentMeta } from '../model/types.ts';

/** A document as the write-back refers to it (the deciding document of a product, a movement found by the guard). */
export type DocumentRef = Pick<DocumentMeta, 'id' | 'type' | 'number' | 'closeTime' | 'deviceId' | 'timeZoneOffset'>;

export type RunKind = 'write' | 'undo';

/**
 * Life of a run:
 *   planned ──apply──► applying ──► completed
 *                        │  ▲
 *            abort/crash ▼  │ resume / apply again
 *                     interrupted
 *                        │
 *   401/402/403 ────► stopped (needs a new token or scope; resumable afterwards)
 * A write run whose undo completed becomes `undone`. discard() deletes a run and its items from the journal.
 */
export type RunStatus = 'planned' | 'applying' | 'interrupted' | 'stopped' | 'completed' | 'undone';

/**
 * Life of a product in a run (see state.ts for the transitions and resume rules):
 * - pending: to be written.
 * - sent: a request carrying the target is (or may be) on its way; journaled BEFORE the request leaves.
 * - written: the cloud accepted it but the answer did not show the quantity (V1 before its re-read).
 * - verified: the quantity in the answer (or re-read) equals the target.
 * - mismatch: the cloud answered or holds another quantity than the target: reported, not hidden.
 * - failed: the cloud refused it (reason in lastAnswer); retryable ones are tried again on the next apply.
 * - skipped: not written (not approved, undecided without a manual value, not tracked, moved and needs review).
 * - unchanged: the target equals the cloud's quantity: nothing to write.
 */
export type ItemStatus = 'pending' | 'sent' | 'written' | 'verified' | 'mismatch' | 'failed' | 'skipped' | 'unchanged';

/** Why a product is skipped or failed, as a stable code for the UI (messages are in lastAnswer / reasonText). */
export type ItemReason =
  | 'not-approved'
  | 'undecided'
  | 'not-tracked'
  | 'not-in-cloud'
  | 'needs-review'
  | 'out-of-range'
  | 'rejected'
  | 'not-found'
  | 'rate-limited'
  | 'server-error'
  | 'network'
  | 'violation'
  | 'account'
  | 'unknown';

/** What the cloud said to the last request for a product. Never holds the token or request headers. */
export interface LastAnswer {
  /** HTTP status; null when no answer came (network, timeout, abort). */
  status: number | null;
  /** Short, for people; at most 300 characters. */
  message: string;
  at: number;
}

/** A movement of a product found after the computation's cut-off, applied on top of the target. */
export interface GuardAdjustment {
  document: DocumentRef;
  /** 'delta': the target moved by `quantity` (a sale of 2 is -2000). 'set': an inventory set it to `quantity`. */
  kind: 'delta' | 'set';
  quantity: Milli;
  /** Target before and after this adjustment. */
  from: Milli;
  to: Milli;
  /** A short explanation, e.g. "SELL №15 12.03.2025 14:05: −2". */
  note: string;
}

/** One store of a run: its API version, cut-off and guard state, and how its part of the run ended. */
export interface JournalStore {
  storeId: string;
  storeName: string;
  api: ApiVersion;
  /**
   * Documents closed at or before this time (epoch ms) are in the computation; the guard looks for those after it.
   * For an undo run: the time the write run's "before" quantities were read.
   */
  cutoff: number;
  /** When the cloud's quantities ("before") were read for this plan (epoch ms, this device's clock; informative). */
  readAt: number;
  /**
   * What the quantities before already reflect: the documents after the cut-off known when the plan was made, and
   * the newest close time among them (or the cut-off). An undo applies only documents after these: terminal close
   * times are compared with terminal close times, never with this device's clock.
   */
  planDocumentIds: string[];
  planWatermark: number;
  /** Documents after the cut-off already applied to targets (so a later guard pass never applies one twice). */
  guardDocumentIds: string[];
  /** When the guard last looked (epoch ms), null before the first look. */
  guardCheckedAt: number | null;
  /** Set when this store's part failed on its own (store gone, catalogue unreadable); other stores go on. */
  error: { code: string; message: string } | null;
}

export interface JournalRun {
  id: string;
  kind: RunKind;
  /** For an undo run: the write run it undoes. */
  undoOf: string | null;
  /** For a write run: its undo run, once one was created. */
  undoneBy: string | null;
  createdAt: number;
  stores: JournalStore[];
  status: RunStatus;
  /** Why the run stopped or was interrupted: a code, a message naming the scope or error, and the scope for 403. */
  statusReason: { code: string; message: string; scope?: string } | null;
  /** True once a write of this run succeeded: the token's write scope is proven, lanes may open. */
  writeScopeChecked: boolean;
  /** Plan-level notes (e.g. the cloud gave no quantities: product.quantity:read missing, undo impossible). */
  warnings: string[];
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  /** HTTP requests sent by apply (for the rate figures in the report). */
  requests: number;
  /** 429 answers met (including those retried by the client). */
  rateLimited: number;
}

export interface JournalItem {
  runId: string;
  productId: string;
  storeId: string;
  name: string;
  code: string | null;
  measureName: string | null;
  /** The cloud's quantity as read at plan time (the value undo restores); null when the cloud gave none. */
  before: Milli | null;
  /** The stock core's result at the cut-off; null when undecided. */
  computed: Milli | null;
  /** A value the user typed, if any (wins over computed). */
  manual: Milli | null;
  /** What the target starts from: manual ?? computed for a write run, before for an undo run. */
  base: Milli | null;
  /** base with every guard adjustment applied: the value written. null when nothing is to be written. */
  target: Milli | null;
  adjustments: GuardAdjustment[];
  decidingDocument: DocumentRef | null;
  /** The rule that decided the product (the stock core's rule id), for the report. */
  rule: string | null;
  warnings: string[];
  status: ItemStatus;
  reason: ItemReason | null;
  attempts: number;
  lastAnswer: LastAnswer | null;
  /** The quantity the cloud answered or holds after the write (verification), null until known. */
  written: Milli | null;
  /** For V1 only: the complete product as read at plan time (POST replaces whole products). */
  v1Product: Record<string, unknown> | null;
  updatedAt: number;
}

// -------------------------------------------------------------------------------------------------------------
// Inputs
// -------------------------------------------------------------------------------------------------------------

/**
 * One product's computed result, as the stock core gives it (src/stock ProductStock is assignable to it): only what
 * the write-back needs.
 */
export interface ComputedProduct {
  productId: string;
  /** Decimal text with a dot ("7", "0.875", "-2"); null when undecided or not tracked. */
  quantity: string | null;
  status: 'resolved' | 'unresolved' | 'not_tracked';
  decidedBy?: DocumentRef | null;
  rule?: string | null;
  warnings?: readonly (string | { code: string; value?: string | null })[];
  name?: string;
  code?: string | null;
  measureName?: string | null;
  /** The cloud's quantity when the products were pulled (for the review CSV, before any plan). */
  cloudQuantity?: string | null;
}

export interface CreatePlanStore {
  storeId: string;
  storeName?: string;
  api: ApiVersion;
  /**
   * Documents closed at or before this time (epoch ms, terminal clock) were in the computation. Only used when no
   * product carries a deciding document: otherwise the cut-off is the newest deciding document's close time
   * (planCutoff), which is exact whatever the clocks of this device and the terminals say, and does not miss sales
   * made while a long pull was still running.
   */
  cutoff?: number;
  computed: readonly ComputedProduct[];
  /**
   * Which products the user approved. 'all-resolved' approves every decided product; a list approves those ids
   * (a product with a manual value is approved by having it).
   */
  approved: 'all-resolved' | readonly string[];
  /** Values typed by hand (decimal text with dot or comma, or Milli), by product id. */
  manual?: Readonly<Record<string, string | Milli>>;
}

export interface CreatePlanInput {
  stores: readonly CreatePlanStore[];
  signal?: AbortSignal;
}

export interface ProgressInfo {
  runId: string;
  /**
   * guard: looking for new documents; writing; verifying: re-reading the cloud; done. elsewhere: another tab is
   * writing these stores (done/total are its figures when it tells them); this run waits and writes nothing.
   */
  phase: 'guard' | 'writing' | 'verifying' | 'done' | 'elsewhere';
  /** Products finished (verified, written, mismatch or failed) / products to write in this run. */
  done: number;
  total: number;
  /** Writes per second over the last few seconds. */
  rate: number;
  /** Current number of requests in flight allowed by the rate controller. */
  concurrency: number;
  /** 429 answers so far in this call. */
  rateLimited: number;
}

export interface ApplyOptions {
  signal?: AbortSignal;
  onProgress?: (info: ProgressInfo) => void;
}

// -------------------------------------------------------------------------------------------------------------
// Outputs
// -------------------------------------------------------------------------------------------------------------

export interface ItemSummary {
  productId: string;
  name: string;
  code: string | null;
  before: Milli | null;
  target: Milli | null;
  status: ItemStatus;
  reason: ItemReason | null;
  message: string | null;
}

/** A product whose target the guard changed: which, why, by how much. */
export interface MovedProduct {
  productId: string;
  name: string;
  from: Milli | null;
  to: Milli | null;
  adjustments: GuardAdjustment[];
}

/** Per store: written / unchanged / failed (with the reason) / skipped, as the issue asks. */
export interface StoreReport {
  storeId: string;
  storeName: string;
  api: ApiVersion;
  counts: Record<ItemStatus, number>;
  /** verified + written (a write the cloud accepted; `written` only when it could not be re-read). */
  written: number;
  unchanged: number;
  /** failed + mismatch. */
  failed: number;
  skipped: number;
  /** Still to be written (pending, or sent with the outcome unknown): nonzero means the run can be resumed. */
  remaining: number;
  /** Sums over the products to write (target − before, where before is known): what the plan adds and removes. */
  increase: Milli;
  decrease: Milli;
  /** The same sums per unit (kilograms and pieces are never added together), in the order units first appear. */
  byUnit: UnitTotal[];
  /** Failures and mismatches, each with its reason. */
  failures: ItemSummary[];
  /** Skipped products that need the user's attention (needs-review, not-in-cloud, out-of-range). */
  attention: ItemSummary[];
  moved: MovedProduct[];
  error: JournalStore['error'];
}

/** What changes in one unit of measure ("шт", "кг"; null: the product names none). */
export interface UnitTotal {
  unit: string | null;
  increase: Milli;
  decrease: Milli;
}

export interface RunReport {
  runId: string;
  kind: RunKind;
  undoOf: string | null;
  undoneBy: string | null;
  status: RunStatus;
  statusReason: JournalRun['statusReason'];
  warnings: string[];
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  stores: StoreReport[];
  /** Totals over the stores. */
  counts: Record<ItemStatus, number>;
  remaining: number;
  requests: number;
  rateLimited: number;
  /** Whether undo() is possible now: a write run that wrote something and is not undone yet. */
  undoable: boolean;
}

/** What createPlan, planUndo, applyPlan, undo and resumePending give back. */
export interface RunResult {
  report: RunReport;
  /** Products the guard recomputed during THIS call (a sale after the cut-off, etc.): which, why, by how much. */
  moved: MovedProduct[];
}
