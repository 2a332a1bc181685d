/**
 * Typed API errors without the parsing: the codes, the operations and their scopes, `ApiError` and its plain form
 * for postMessage. No zod and no schema here, so the page (src/sync/page/bridge.ts, the UI) can import it and stay
 * small; building an error from an HTTP answer (which reads the error body with the model's zod schemas) is in
 * errors.ts, which re-exports all of this. Each error carries a stable `code` and plain `params` so the UI can
 * show it in Russian (or any language) without parsing English text; `message` is for developers and logs. No
 * error ever contains the token: we never attach ky's Request/Response (their headers hold it) as a cause.
 */

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
  /** The answer was not the JSON shape we know: params.detail; params.body says why when the body itself was unreadable. */
  | 'invalid-response'
  /**
   * A listing's cursors went in a circle (params.why 'cycle') or never ended ('limit'), after params.pages pages
   * (src/api/paging.ts).
   */
  | 'paging-loop'
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

export function blockedError(operation: ApiOperation, baseUrl: string, origin: string): ApiError {
  return new ApiError({
    code: 'blocked', operation, params: { baseUrl, origin },
    message:
      `${operation}: the browser got no response from ${baseUrl} (CORS refused the call from ${origin}, ` +
      'or the network is down). If the network is fine, Evotor does not allow calls from this page: ' +
      'set the API base URL to a proxy that forwards to https://api.evotor.ru/ and answers CORS preflights.',
  });
}
