/**
 * What a failed request means for the journal. src/api throws typed ApiErrors (never holding the token); we sort
 * them into: stop the run (the token or its rights are wrong: nothing more can be written), the product failed,
 * no answer (the write may have landed), accepted-but-unreadable, or a bug.
 */
import { isAbortError, isApiError, type ApiError } from '../api/errors.ts';
import type { ItemReason } from './types.ts';

export type Classified =
  | { kind: 'abort' }
  | { kind: 'stop'; code: string; status: number | null; scope?: string; message: string }
  | { kind: 'too-large'; status: number | null; message: string }
  | { kind: 'failed'; reason: ItemReason; status: number | null; message: string }
  | { kind: 'no-answer'; code: string; message: string }
  | { kind: 'unverified'; message: string }
  | { kind: 'bug'; message: string };

/** Why a run stopped: what the user must fix, in words that name the scope. */
export class StopRun extends Error {
  override readonly name = 'StopRun';
  constructor(
    readonly code: string,
    message: string,
    readonly scope?: string,
    /** 'stopped': needs the user (token, scope, payment); 'interrupted': try again later (network). */
    readonly runStatus: 'stopped' | 'interrupted' = 'stopped',
  ) {
    super(message);
  }
}

export function stopMessage(error: ApiError): string {
  switch (error.code) {
    case 'missing-scope': {
      const scope = String(error.params['scope'] ?? 'product:write');
      return `Evotor refused the write (403): the app lacks the "${scope}" right. ` +
        `Nothing was written by this request. Add the scope in the app's settings at dev.evotor.ru (Интеграция), ` +
        `reinstall or reopen the app, then continue the write.`;
    }
    case 'unauthorized':
      return 'The Evotor token is invalid or expired (401). Reopen the app from the personal account, then continue the write.';
    case 'payment-required':
      return 'The app is not paid for or not installed for this account (402). Nothing more can be written.';
    default:
      return error.message;
  }
}

const short = (text: string) => (text.length > 300 ? text.slice(0, 297) + '...' : text);

export function classify(error: unknown): Classified {
  if (isAbortError(error)) return { kind: 'abort' };
  if (error instanceof StopRun) return { kind: 'stop', code: error.code, status: null, ...(error.scope ? { scope: error.scope } : {}), message: error.message };
  if (!isApiError(error)) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { kind: 'bug', message: short(text) };
  }
  const message = short(error.message);
  switch (error.code) {
    case 'unauthorized':
    case 'payment-required':
      return { kind: 'stop', code: error.code, status: error.status, message: stopMessage(error) };
    case 'missing-scope':
      return { kind: 'stop', code: error.code, status: error.status, scope: String(error.params['scope'] ?? ''), message: stopMessage(error) };
    case 'too-large':
      return { kind: 'too-large', status: error.status, message };
    case 'bad-request':
      return { kind: 'failed', reason: 'rejected', status: error.status, message: short(String(error.params['violations'] ?? error.message)) };
    case 'not-found':
      return { kind: 'failed', reason: 'not-found', status: error.status, message };
    case 'rate-limited':
      return { kind: 'failed', reason: 'rate-limited', status: error.status, message };
    case 'server-error':
      return { kind: 'failed', reason: 'server-error', status: error.status, message };
    case 'http-error':
    case 'paging-loop':
      return { kind: 'failed', reason: 'unknown', status: error.status, message };
    case 'timeout':
    case 'blocked':
      return { kind: 'no-answer', code: error.code, message };
    case 'invalid-response':
      return { kind: 'unverified', message };
  }
}
