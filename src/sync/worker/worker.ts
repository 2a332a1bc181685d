/// <reference lib="webworker" />
/**
 * The module worker's entry: message plumbing around SyncService. Started by spawn.ts (directly, or through a
 * same-origin blob when the script comes from another origin).
 */
import './jitless.ts'; // first: before any zod schema is built
import { SyncService } from './service.ts';
import { METHODS, serializeError, type Method, type RequestMessage, type WorkerMessage } from '../shared/protocol.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: WorkerMessage) => scope.postMessage(message);

const service = new SyncService({
  emit: (progress) => post({ type: 'progress', progress }),
  emitWrite: (progress) => post({ type: 'write-progress', progress }),
});

let configuring: Promise<unknown> = Promise.resolve();

scope.addEventListener('message', (event: MessageEvent<RequestMessage>) => {
  const message = event.data;
  if (!message || message.type !== 'request') return;
  const { id, method, args } = message;
  if (!METHODS.has(method)) {
    post({ type: 'response', id, ok: false, error: { name: 'TypeError', message: `unknown method ${String(method)}` } });
    return;
  }
  const call = service[method as Method] as (...a: unknown[]) => Promise<unknown>;
  // Calls wait for a configuration in progress (opening the database), so a page may send them right after it.
  const answer = configuring.then(() => call.apply(service, args as unknown[]));
  if (method === 'configure') configuring = answer.catch(() => undefined);
  answer
    .then(
      (value) => post({ type: 'response', id, ok: true, value }),
      (error: unknown) => post({ type: 'response', id, ok: false, error: serializeError(error) }),
    );
});

// Tells the page the module (and everything it imports) loaded: a cross-origin import that CORS refused never gets here.
post({ type: 'ready' });
