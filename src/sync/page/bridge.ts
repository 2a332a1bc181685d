/**
 * The page's side of the sync worker: typed methods that post requests and await the answers, and one event
 * stream carrying pull progress and write progress. Components use this (or signals.ts), never fetch or IndexedDB.
 */
import { ApiError, type SerializedApiError } from '../../api/api-error.ts';
import { spawnSyncWorker } from './spawn.ts';
import type {
  Method, RequestMessage, SerializedError, StoreProgress, SyncApi, WorkerMessage, WriteProgress,
} from '../shared/protocol.ts';

export interface SyncBridge extends SyncApi {
  /** Called with every pull progress event; returns the unsubscribe function. */
  onProgress(listener: (progress: StoreProgress) => void): () => void;
  /** Called with every progress event of a write or undo run (applyRun, resumePending); returns the unsubscribe function. */
  onWriteProgress(listener: (progress: WriteProgress) => void): () => void;
  /** Resolves when the worker script loaded; rejects when it could not (e.g. CORS refused the cross-origin import). */
  readonly ready: Promise<void>;
  /** Stops the worker at once (pulls resume from their checkpoints in the next worker). */
  terminate(): void;
}

export interface BridgeOptions {
  /** A worker to talk to (tests); by default one is spawned. */
  worker?: Worker;
  /** Where the worker script is, when not next to this module (spawn.ts). */
  scriptUrl?: URL | string;
}

export function createSyncBridge(options: BridgeOptions = {}): SyncBridge {
  const worker = options.worker ?? spawnSyncWorker(options.scriptUrl);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners = new Set<(progress: StoreProgress) => void>();
  const writeListeners = new Set<(progress: WriteProgress) => void>();
  let nextId = 1;
  let failure: Error | null = null;
  let markReady!: () => void;
  let markFailed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => undefined); // observed through calls too

  const fail = (error: Error) => {
    failure ??= error;
    markFailed(error);
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
    const message = event.data;
    if (message.type === 'ready') markReady();
    else if (message.type === 'progress') for (const listener of listeners) listener(message.progress);
    else if (message.type === 'write-progress') for (const listener of writeListeners) listener(message.progress);
    else if (message.type === 'response') {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.ok) call.resolve(message.value);
      else call.reject(deserializeError(message.error));
    }
  });
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    fail(new Error(`The sync worker failed to load or crashed: ${event.message || 'no details (a refused cross-origin script?)'}`));
  });

  const call = <M extends Method>(method: M, ...args: Parameters<SyncApi[M]>): ReturnType<SyncApi[M]> => {
    if (failure) return Promise.reject(failure) as ReturnType<SyncApi[M]>;
    const id = nextId++;
    const message: RequestMessage<M> = { type: 'request', id, method, args };
    const promise = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.postMessage(message);
    return promise as ReturnType<SyncApi[M]>;
  };

  return {
    ready,
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onWriteProgress(listener) {
      writeListeners.add(listener);
      return () => writeListeners.delete(listener);
    },
    terminate() {
      worker.terminate();
      fail(new DOMException('The sync worker was terminated', 'AbortError'));
    },
    configure: (config) => call('configure', config),
    listStores: (options) => call('listStores', options),
    listProgress: () => call('listProgress'),
    start: (storeId, startOptions) => call('start', storeId, startOptions),
    pause: (storeId) => call('pause', storeId),
    resume: (storeId) => call('resume', storeId),
    cancel: (storeId) => call('cancel', storeId),
    getResult: (storeId) => call('getResult', storeId),
    getResultRows: (storeId, version, offset, limit) => call('getResultRows', storeId, version, offset, limit),
    getHistory: (storeId, productId) => call('getHistory', storeId, productId),
    getDocument: (storeId, documentId) => call('getDocument', storeId, documentId),
    setManualQuantity: (storeId, productId, quantity) => call('setManualQuantity', storeId, productId, quantity),
    setApproval: (storeId, productIds, approved) => call('setApproval', storeId, [...productIds], approved),
    planWrite: (storeIds) => call('planWrite', [...storeIds]),
    planUndo: (runId) => call('planUndo', runId),
    stopPlan: () => call('stopPlan'),
    applyRun: (runId) => call('applyRun', runId),
    stopRun: (runId) => call('stopRun', runId),
    resumePending: () => call('resumePending'),
    pendingRuns: () => call('pendingRuns'),
    listRuns: () => call('listRuns'),
    runReport: (runId) => call('runReport', runId),
    exportRunCsv: (runId) => call('exportRunCsv', runId),
    exportReviewCsv: (storeIds) => call('exportReviewCsv', [...storeIds]),
    discardRun: (runId) => call('discardRun', runId),
    forgetStore: (storeId) => call('forgetStore', storeId),
  };
}

/** An ApiError again (code, params, status) when the worker sent one; otherwise an Error with the same name. */
export function deserializeError(error: SerializedError): Error {
  if (error.name === 'ApiError' && 'code' in error && error.code !== undefined) return ApiError.fromJSON(error as SerializedApiError);
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}
