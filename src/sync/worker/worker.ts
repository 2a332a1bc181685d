/// <reference lib="webworker" />
/**
 * The module worker's entry: SyncService served over this worker's messages (serve.ts). Started by
 * ../page/spawn.ts (directly, or through a same-origin blob when the script comes from another origin).
 */
import './jitless.ts'; // first: before any zod schema is built
import type { WorkerMessage } from '../shared/messages.ts';
import { serve } from './serve.ts';
import { SyncService } from './service.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: WorkerMessage) => scope.postMessage(message);

serve(scope, new SyncService({
  emit: (progress) => post({ type: 'progress', progress }),
  emitWrite: (progress) => post({ type: 'write-progress', progress }),
}));

// Tells the page the module (and everything it imports) loaded: a cross-origin import that CORS refused never gets here.
post({ type: 'ready' });
