/**
 * The messages between the page and the sync worker: a tiny RPC over postMessage instead of comlink. It needs no
 * dependency, keeps ApiError's code and params across the boundary (comlink sends thrown errors as
 * name/message/stack only), and progress is a plain event stream rather than proxied callbacks.
 *
 *   page → worker: request { id, method, args }   (args: those before the signal, see api.ts SYNC_METHODS)
 *                  abort { id }                   (the call's signal was aborted)
 *   worker → page: response { id, ok, value | error }, progress, write-progress, ready (the module loaded)
 */
import { ApiError, type SerializedApiError } from '../../api/api-error.ts';
import type { Method } from './api.ts';
import type { SerializedError, StoreProgress, WriteProgress } from './types.ts';

export interface RequestMessage {
  type: 'request';
  id: number;
  method: Method;
  /** The arguments before the signal. */
  args: unknown[];
}

/** The page aborted the call `id`: the worker aborts the signal it gave the method. */
export interface AbortMessage {
  type: 'abort';
  id: number;
}

export type PageMessage = RequestMessage | AbortMessage;

export type ResponseMessage =
  | { type: 'response'; id: number; ok: true; value: unknown }
  | { type: 'response'; id: number; ok: false; error: SerializedError };

export type EventMessage =
  | { type: 'progress'; progress: StoreProgress }
  | { type: 'write-progress'; progress: WriteProgress }
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

/** An ApiError again (code, params, status) when the worker sent one; otherwise an Error with the same name. */
export function deserializeError(error: SerializedError): Error {
  if (error.name === 'ApiError' && 'code' in error && error.code !== undefined) return ApiError.fromJSON(error as SerializedApiError);
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}
