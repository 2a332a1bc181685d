/**
 * The messages between the page and the sync worker. A tiny hand-written RPC instead of comlink: it is ~100 lines,
 * needs no dependency, keeps ApiError's code and params across the boundary (comlink sends thrown errors as
 * name/message/stack only), and progress is a plain event stream rather than proxied callbacks.
 */
import type { SerializedApiError } from '../api/errors.ts';
import type { StoreInfo } from '../api/client.ts';
import type { RetryPolicy } from '../api/retry.ts';
import type { JobOptions, JobRecord } from '../local/schema.ts';
import type { ApiVersion } from '../model/types.ts';
import type { ProductHistory, StoreResult } from '../pull/computation.ts';

export interface SyncConfig {
  api: ApiVersion;
  /** Held in the worker's memory only: never stored, logged or put in an error. */
  token: string;
  /** Evotor's API root (default https://api.evotor.ru/) or a proxy that forwards to it. */
  baseUrl?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** IndexedDB database name (tests use their own). */
  dbName?: string;
  /** Stores pulled at the same time; the others wait their turn (status 'queued'). Default 3. */
  maxConcurrentStores?: number;
}

export interface StartOptions extends Partial<JobOptions> {
  /** Drop what was pulled before and start from now. */
  restart?: boolean;
  /** Shown in progress until the store list is known. */
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
  updatedAt: number;
}

/** Everything the page can ask of the worker. */
export interface SyncApi {
  /** Must come first (again after a reload: the token is never stored). */
  configure(config: SyncConfig): Promise<void>;
  /** The stores the token sees (V2 /stores, V1 /stores/search). */
  listStores(): Promise<StoreInfo[]>;
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
  /** Every catalogue product with cloud and computed quantities, status and explanation. */
  getResult(storeId: string): Promise<StoreResult>;
  /** One product's rows in time order, for the detail view. */
  getHistory(storeId: string, productId: string): Promise<ProductHistory>;
  /** The original document from Evotor (raw documents are not kept locally). */
  getDocument(storeId: string, documentId: string): Promise<unknown>;
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
  | { type: 'ready' };

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
