/**
 * The worker's side of the RPC (../shared/messages.ts): each request calls the SyncService method of that name with
 * the arguments before its signal and a signal of its own, which an abort message from the page aborts. Calls wait
 * for a configuration in progress (opening the database), so a page may send them right after it.
 */
import { isMethod, SYNC_METHODS, type SyncApi } from '../shared/api.ts';
import { serializeError, type PageMessage, type WorkerMessage } from '../shared/messages.ts';

/** Where messages come from and go to: the worker's global scope, or a MessagePort in tests. */
export interface Endpoint {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<PageMessage>) => void): void;
}

export function serve(endpoint: Endpoint, service: SyncApi): void {
  let configuring: Promise<unknown> = Promise.resolve();
  /** Calls in progress, by request id: their signals. */
  const calls = new Map<number, AbortController>();
  const post = (message: WorkerMessage) => endpoint.postMessage(message);

  endpoint.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    if (message.type === 'abort') {
      calls.get(message.id)?.abort(new DOMException('The call was aborted by the page', 'AbortError'));
      return;
    }
    if (message.type !== 'request') return;
    const { id, method } = message;
    if (!isMethod(method)) {
      post({ type: 'response', id, ok: false, error: { name: 'TypeError', message: `unknown method ${String(method)}` } });
      return;
    }
    // The signal goes at its place: missing optional arguments before it are undefined (their defaults apply).
    const count = SYNC_METHODS[method];
    const args = Array.from({ length: count }, (_, i) => (Array.isArray(message.args) ? message.args[i] : undefined));
    const controller = new AbortController();
    calls.set(id, controller);
    const call = service[method] as (...a: unknown[]) => Promise<unknown>;
    const answer = configuring.then(() => {
      controller.signal.throwIfAborted();
      return call.apply(service, [...args, controller.signal]);
    });
    if (method === 'configure') configuring = answer.catch(() => undefined);
    answer
      .then(
        (value) => post({ type: 'response', id, ok: true, value }),
        (error: unknown) => post({ type: 'response', id, ok: false, error: serializeError(error) }),
      )
      .finally(() => calls.delete(id));
  });
}
