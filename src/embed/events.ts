/**
 * What the element sends the page: its events (`progress`, `review-ready`, `applied`, `error`) and the EmbedError its
 * methods reject with. Each error is announced once, whichever way it arrives (a method, a store's pull, the state).
 */
import { untracked } from '@preact/signals';
import type { BackendError } from '../ui/backend.ts';
import type { RunReport } from '../writeback/types.ts';
import { et, type EmbedText } from './messages.ts';
import { errorDetail, type ErrorDetail, type ProgressDetail, type ReviewReadyDetail } from './rows.ts';

export const EVENTS = ['progress', 'review-ready', 'applied', 'error'] as const;

export type EmbedEventName = (typeof EVENTS)[number];

/** What each event's `detail` holds. `applied` carries the run's report (a write, or an undo: `report.kind`). */
export interface EmbedEventDetail {
  progress: ProgressDetail;
  'review-ready': ReviewReadyDetail;
  applied: RunReport;
  error: ErrorDetail;
}

/** Methods reject with this; the same detail was sent as an `error` event (once). */
export class EmbedError extends Error {
  override readonly name = 'EmbedError';
  constructor(readonly detail: ErrorDetail) {
    super(`${detail.code}: ${detail.message || detail.title}`);
  }
}

/** Errors the app state makes fatal (and announces through its `fatal` signal). */
const FATAL: ReadonlySet<string> = new Set(['unauthorized', 'payment-required']);

export type Events = ReturnType<typeof createEvents>;

/** `fatal()`: the state's fatal error (a 401/402 turned into its own error object), null when there is none. */
export function createEvents(host: HTMLElement, fatal: () => BackendError | null) {
  let lastError: BackendError | null = null;

  function emit<K extends EmbedEventName>(name: K, detail: EmbedEventDetail[K]): void {
    // `error` does not bubble: a page's window.onerror and error trackers listen for script errors up there.
    host.dispatchEvent(new CustomEvent(name, { detail, bubbles: name !== 'error', composed: true }));
  }

  /** A backend error as an `error` event, once per error object; the EmbedError to reject with. */
  function failWith(error: BackendError, storeId: string | null = null): EmbedError {
    const detail = untracked(() => errorDetail(error, storeId));
    // The state's fatal error is announced by `shown` (the connection watches the state's errors).
    const current = fatal();
    const announced = error === lastError || (current !== null && current.code === error.code) || FATAL.has(error.code);
    if (!announced) {
      lastError = error;
      emit('error', detail);
    }
    return new EmbedError(detail);
  }

  /** One of the element's own errors (config, not-ready, busy) as an `error` event; the EmbedError to reject with. */
  function fail(code: ErrorDetail['code'], title: EmbedText, action: EmbedText): EmbedError {
    const detail: ErrorDetail = { code, status: null, params: {}, title: et(title), action: et(action), message: '', storeId: null };
    emit('error', detail);
    return new EmbedError(detail);
  }

  /** The error the state shows, as an `error` event unless it was announced already. */
  function shown(error: BackendError): void {
    if (error === lastError) return;
    lastError = error;
    emit('error', errorDetail(error));
  }

  return { emit, failWith, fail, shown };
}
