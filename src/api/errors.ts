/**
 * Typed API errors. Each carries a stable `code` and plain `params` so the UI can show it in Russian (or any
 * language) without parsing English text; `message` is for developers and logs. No error ever contains the
 * token: we never attach ky's Request/Response (their headers hold it) as a cause.
 */
import { v1ErrorBodySchema } from '../model/schemas-v1.ts';
import { v2ErrorBodySchema } from '../model/schemas-v2.ts';

/** The operations of the client; each maps to the scope Evotor requires for it (JSDK @Scope, evotor-api.md §1). */
export type ApiOperation =
  | 'listStores'
  | 'listDevices'
  | 'listProducts'
  | 'listDocuments'
  | 'getDocument'
  | 'setQuantity'
  | 'getProductsV1'
  | 'postProductsV1';

export const SCOPE_OF_OPERATION: Record<ApiOperation, string> = {
  listStores: 'store:read',
  listDevices: 'store:read',
  listProducts: 'product:read',
  listDocuments: 'document:read',
  getDocument: 'document:read',
  setQuantity: 'product:write',
  getProductsV1: 'product:read',
  postProductsV1: 'product:write',
};

export type ApiErrorCode =
  /** 401: the token is invalid or expired. */
  | 'unauthorized'
  /** 402: the app is not paid for or not installed in this account. */
  | 'payment-required'
  /** 403: the app lacks a scope; params.scope names it. */
  | 'missing-scope'
  /** 400: the request was rejected; params.violations lists the reasons. */
  | 'bad-request'
  /** 404: params.resource names what was not found. */
  | 'not-found'
  /** 413: the request body is over Evotor's 10 MB limit. */
  | 'too-large'
  /** 429 after every retry: params.retryAfterSeconds. */
  | 'rate-limited'
  /** 5xx after every retry: params.status. */
  | 'server-error'
  /** No answer within the timeout, after every retry: params.timeoutMs. */
  | 'timeout'
  /**
   * The browser got no response at all (fetch threw TypeError): CORS refused the call, or the network is down.
   * params.baseUrl, params.origin. The fix is a proxy base URL (see messages.ts).
   */
  | 'blocked'
  /** The answer was not the JSON shape we know: params.detail. */
  | 'invalid-response'
  /** Any other HTTP status: params.status. */
  | 'http-error';

export interface Violation {
  reason: string;
  subject: string;
}

/** A plain-object form that survives postMessage (structured clone keeps only message/name of Error subclasses). */
export interface SerializedApiError {
  name: 'ApiError';
  code: ApiErrorCode;
  params: Record<string, string | number>;
  status: number | null;
  operation: ApiOperation | null;
  message: string;
  violations?: Violation[];
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly params: Record<string, string | number>;
  readonly status: number | null;
  readonly operation: ApiOperation | null;
  readonly violations: Violation[] | undefined;

  constructor(init: {
    code: ApiErrorCode;
    message: string;
    params?: Record<string, string | number>;
    status?: number | null;
    operation?: ApiOperation | null;
    violations?: Violation[];
  }) {
    super(init.message);
    this.code = init.code;
    this.params = init.params ?? {};
    this.status = init.status ?? null;
    this.operation = init.operation ?? null;
    this.violations = init.violations;
  }

  toJSON(): SerializedApiError {
    return {
      name: 'ApiError',
      code: this.code,
      params: this.params,
      status: this.status,
      operation: this.operation,
      message: this.message,
      ...(this.violations ? { violations: this.violations } : {}),
    };
  }

  static fromJSON(data: SerializedApiError): ApiError {
    return new ApiError(data);
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export function isAbortError(error: unknown): boolean {
  return (
    (typeof DOMException !== 'undefined' && error instanceof DOMException && error.name === 'AbortError') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

const SCOPE_IN_TEXT = /\b((?:store|product|document|product\.quantity|product\.image)(?::|\.)(?:read|write))\b/i;

/**
 * Builds the typed error for an HTTP status that we do not retry (or stopped retrying).
 * `body` is the parsed JSON error body when there was one (V2 {code,message,violations} or V1 {errors:[...]}).
 */
export function errorFromStatus(
  status: number,
  operation: ApiOperation,
  resource: string,
  body: unknown,
  extra: Record<string, string | number> = {},
): ApiError {
  const violations = violationsOf(body);
  const bodyText = typeof body === 'string' ? body : body === undefined ? '' : safeJson(body);
  switch (status) {
    case 401:
      return new ApiError({
        code: 'unauthorized', status, operation,
        message: `401 on ${operation}: the Evotor token is invalid or expired`,
      });
    case 402:
      return new ApiError({
        code: 'payment-required', status, operation,
        message: `402 on ${operation}: the app is not paid for or not installed for this account`,
      });
    case 403: {
      // The server may name the scope; otherwise it is the one this call needs.
      const named = SCOPE_IN_TEXT.exec(bodyText)?.[1];
      const scope = named ?? SCOPE_OF_OPERATION[operation];
      return new ApiError({
        code: 'missing-scope', status, operation, params: { scope },
        message: `403 on ${operation}: the app lacks the "${scope}" scope`,
      });
    }
    case 400: {
      const text = violations.map((v) => (v.subject ? `${v.subject}: ${v.reason}` : v.reason)).join('; ');
      return new ApiError({
        code: 'bad-request', status, operation, violations,
        params: { violations: text || messageOf(body) || 'no details', ...extra },
        message: `400 on ${operation}: ${text || messageOf(body) || 'bad request'}`,
      });
    }
    case 404:
      return new ApiError({
        code: 'not-found', status, operation, params: { resource },
        message: `404 on ${operation}: ${resource} not found`,
      });
    case 413:
      return new ApiError({
        code: 'too-large', status, operation,
        message: `413 on ${operation}: the request is over Evotor's 10 MB limit`,
      });
    case 429:
      return new ApiError({
        code: 'rate-limited', status, operation, params: { ...extra },
        message: `429 on ${operation}: rate limit still exceeded after retrying`,
      });
    default:
      if (status >= 500) {
        return new ApiError({
          code: 'server-error', status, operation, params: { status },
          message: `${status} on ${operation}: Evotor Cloud failed, still failing after retrying`,
        });
      }
      return new ApiError({
        code: 'http-error', status, operation, params: { status },
        message: `${status} on ${operation}: unexpected answer`,
      });
  }
}

export function blockedError(operation: ApiOperation, baseUrl: string, origin: string): ApiError {
  return new ApiError({
    code: 'blocked', operation, params: { baseUrl, origin },
    message:
      `${operation}: the browser got no response from ${baseUrl} (CORS refused the call from ${origin}, ` +
      'or the network is down). If the network is fine, Evotor does not allow calls from this page: ' +
      'set the API base URL to a proxy that forwards to https://api.evotor.ru/ and answers CORS preflights.',
  });
}

function violationsOf(body: unknown): Violation[] {
  // V2: {code, message, violations:[{reason, subject}]}; V1: {errors:[{code, reason, subject, value}]}.
  const v2 = v2ErrorBodySchema.safeParse(body);
  if (v2.success && v2.data.violations) {
    return v2.data.violations.map((v) => ({ reason: v.reason ?? '', subject: v.subject ?? '' }));
  }
  const v1 = v1ErrorBodySchema.safeParse(body);
  if (v1.success) return v1.data.errors.map((e) => ({ reason: e.reason ?? String(e.code ?? ''), subject: e.subject ?? '' }));
  return [];
}

function messageOf(body: unknown): string {
  const v2 = v2ErrorBodySchema.safeParse(body);
  if (v2.success && v2.data.message) return v2.data.message;
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
