/**
 * Typed API errors. Each carries a stable `code` and plain `params` so the UI can show it in Russian (or any
 * language) without parsing English text; `message` is for developers and logs. No error ever contains the
 * token: we never attach ky's Request/Response (their headers hold it) as a cause.
 *
 * The types, `ApiError` and the helpers that need no parsing live in api-error.ts (no zod: the page imports that
 * one) and are re-exported here; this module adds `errorFromStatus`, which reads error bodies with the schemas.
 */
import { v1ErrorBodySchema } from '../model/schemas-v1.ts';
import { v2ErrorBodySchema } from '../model/schemas-v2.ts';
import { ApiError, SCOPE_OF_OPERATION, type ApiOperation, type Violation } from './api-error.ts';

export {
  ApiError,
  SCOPE_OF_OPERATION,
  blockedError,
  isAbortError,
  isApiError,
  type ApiErrorCode,
  type ApiOperation,
  type SerializedApiError,
  type Violation,
} from './api-error.ts';

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
