/**
 * Errors in words: what happened and what to do next, in the user's language. Pure (reads the lang signal
 * through t()), so every message is unit-tested. Server text never becomes a title: it is only a detail.
 */
import type { BackendError } from './backend.ts';
import { t, type Lang, type MessageKey } from './i18n.ts';

export interface ErrorText {
  title: string;
  /** What the user should do next. */
  action: string;
  /** For whoever configures the app (proxy, scopes), when useful. */
  admin: string | null;
  /** The developer text, shown under "Подробности". */
  detail: string;
  /** The user should reopen the app from the personal account (the token is unusable). */
  reopen: boolean;
  /** Trying again may help. */
  retryable: boolean;
}

const SCOPE_NAMES: Record<string, MessageKey> = {
  'store:read': 'scope.storeRead',
  'product:read': 'scope.productRead',
  'product.quantity:read': 'scope.quantityRead',
  'product:write': 'scope.productWrite',
  'product.quantity:write': 'scope.quantityWrite',
  'document:read': 'scope.documentRead',
};

/** "изменение остатков (product.quantity:write)"; an unknown scope is shown as sent. */
export function scopeName(scope: string, l?: Lang): string {
  const key = SCOPE_NAMES[scope];
  return key ? `${t(key, undefined, l)} (${scope})` : scope;
}

const str = (v: string | number | undefined, fallback = ''): string => (v === undefined ? fallback : String(v));

/**
 * `reached`: the cloud answered this session before (the store list came). Then a 401 means the access expired and
 * a failed call means the connection was lost, not a token that never worked or a CORS setup to fix.
 */
export function describeError(e: BackendError, l?: Lang, reached = false): ErrorText {
  const p = e.params;
  const base = { admin: null, detail: e.message, reopen: false, retryable: true };
  switch (e.code) {
    case 'unauthorized':
      return reached
        ? { ...base, title: t('error.unauthorized.title', undefined, l), action: t('error.unauthorized.action', undefined, l), reopen: true, retryable: false }
        : { ...base, title: t('error.rejectedToken.title', undefined, l), action: t('error.rejectedToken.action', undefined, l), reopen: true, retryable: false };
    case 'payment-required':
      return { ...base, title: t('error.paymentRequired.title', undefined, l), action: t('error.paymentRequired.action', undefined, l), reopen: true, retryable: false };
    case 'missing-scope': {
      const scope = str(p['scope'], '?');
      return {
        ...base,
        title: t('error.missingScope.title', { scope: scopeName(scope, l) }, l),
        action: t('error.missingScope.action', undefined, l),
        admin: t('error.missingScope.admin', { scope }, l),
        retryable: false,
      };
    }
    case 'blocked':
      return {
        ...base,
        title: t(reached ? 'error.lost.title' : 'error.blocked.title', undefined, l),
        action: t('error.blocked.action', undefined, l),
        admin: reached ? null : t('error.blocked.admin', { baseUrl: str(p['baseUrl'], 'https://api.evotor.ru'), origin: str(p['origin'], '?') }, l),
      };
    case 'rate-limited':
      return { ...base, title: t('error.rateLimited.title', undefined, l), action: t('error.rateLimited.action', undefined, l) };
    case 'server-error':
      return { ...base, title: t('error.server.title', { status: str(p['status'] ?? e.status ?? undefined, '5xx') }, l), action: t('error.server.action', undefined, l) };
    case 'timeout':
      return { ...base, title: t('error.timeout.title', undefined, l), action: t('error.server.action', undefined, l) };
    case 'bad-request':
      return {
        ...base,
        title: t('error.badRequest.title', undefined, l),
        action: t('error.badRequest.action', { reason: str(p['violations'], '—') }, l),
        retryable: false,
      };
    case 'not-found':
      return { ...base, title: t('error.notFound.title', undefined, l), action: t('error.notFound.action', undefined, l) };
    case 'too-large':
      return { ...base, title: t('error.tooLarge.title', undefined, l), action: t('error.developer.action', undefined, l), retryable: false };
    case 'invalid-response':
      return { ...base, title: t('error.invalidResponse.title', undefined, l), action: t('error.invalidResponse.action', undefined, l) };
    case 'paging-loop':
      return {
        ...base,
        title: t(p['why'] === 'limit' ? 'error.pagingLimit.title' : 'error.pagingCycle.title', undefined, l),
        action: t('error.paging.action', { pages: str(p['pages'], '?') }, l),
      };
    case 'http-error':
      return { ...base, title: t('error.http.title', { status: str(p['status'] ?? e.status ?? undefined, '?') }, l), action: t('error.invalidResponse.action', undefined, l) };
    case 'disk-full':
      return { ...base, title: t('error.diskFull.title', undefined, l), action: t('error.diskFull.action', undefined, l) };
    case 'storage':
      return { ...base, title: t('error.storage.title', undefined, l), action: t('error.storage.action', undefined, l) };
    case 'internal':
      return { ...base, title: t('error.internal.title', undefined, l), action: t('error.internal.action', undefined, l) };
  }
}
