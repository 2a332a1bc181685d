/**
 * The page's side of the sync worker: every SyncApi method, generated from the method list (../shared/api.ts
 * SYNC_METHODS), posts a request and awaits the answer; one event stream carries pull progress and write progress.
 * The screens reach it only through the SyncBackend port (src/ui/worker-backend.ts).
 *
 * A call's last argument may be an AbortSignal: aborting it rejects the call at once with the signal's reason and
 * tells the worker, which aborts the signal it gave the method (see api.ts).
 */
import { SYNC_METHODS, type Method, type SyncApi } from '../shared/api.ts';
import { deserializeError, type PageMessage, type WorkerMessage } from '../shared/messages.ts';
import type { StoreProgress, WriteProgress } from '../shared/types.ts';
import { spawnSyncWorker } from './spawn.ts';

export interface SyncBridge extends SyncApi {
  /** Called with every pull progress event; returns the unsubscribe function. */
  onProgress(listener: (progress: StoreProgress) => void): () => void;
  /** Called with every progress event of a write or undo run (runWrite, resumePending); returns the unsubscribe function. */
  onWriteProgress(listener: (progress: WriteProgress) => void): () => void;
  /** Resolves when the worker script loaded; rejects when it could not (e.g. CORS refused the cross-origin import). */
  readonly ready: Promise<void>;
  /** Stops the worker at once (pulls resume from their checkpoints in the next worker). */
  terminate(): void;
}

export interface BridgeOptions {
  /** A worker to talk to (tests); by default one is spawned. */
  worker?: Pick<Worker, 'postMessage' | 'addEventListener' | 'terminate'>;
  /** Where the worker script is, when not next to this module (spawn.ts). */
  scriptUrl?: URL | string;
}

export function createSyncBridge(options: BridgeOptions = {}): SyncBridge {
  const worker = options.worker ?? spawnSyncWorker(options.scriptUrl);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
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
  const post = (message: PageMessage) => worker.postMessage(message);

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
      if (!call) return; // aborted meanwhile
      pending.delete(message.id);
      if (message.ok) call.resolve(message.value);
      else call.reject(deserializeError(message.error));
    }
  });
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    fail(new Error(`The sync worker failed to load or crashed: ${event.message || 'no details (a refused cross-origin script?)'}`));
  });

  /** One call: the arguments before the signal go to the worker (arrays copied: a readonly view may not clone). */
  const call = (method: Method, given: readonly unknown[]): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const count = SYNC_METHODS[method];
    const signal = given[count] instanceof AbortSignal ? given[count] : undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const args = given.slice(0, count).map((a) => (Array.isArray(a) ? [...a] : a));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!pending.delete(id)) return;
        post({ type: 'abort', id });
        reject(signal!.reason);
      };
      const settle = <T>(done: (value: T) => void) => (value: T) => {
        signal?.removeEventListener('abort', onAbort);
        done(value);
      };
      pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      signal?.addEventListener('abort', onAbort, { once: true });
      post({ type: 'request', id, method, args });
    });
  };

  const methods = Object.fromEntries(
    (Object.keys(SYNC_METHODS) as Method[]).map((method) => [method, (...args: unknown[]) => call(method, args)]),
  ) as unknown as SyncApi;

  return {
    ...methods,
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
  };
}
