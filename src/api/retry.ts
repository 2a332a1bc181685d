/**
 * When to retry a request and how long to wait: one pure function, so every rule is unit-tested without timers.
 * We do not use ky's built-in retry because it cannot tell a CORS block from a flaky network, cannot honour
 * X-RateLimit-Reset only on 429, and cannot report each wait to the progress display.
 */

export interface RetryPolicy {
  /** Retries after 5xx, 408 and timeouts. */
  maxRetries: number;
  /**
   * Retries after a 2xx body cut short (the connection dropped mid-body). A body that is whole but not JSON (an
   * HTML page, plain text) or over the size cap is never retried: the same answer would come again.
   */
  maxTruncatedRetries: number;
  /** Retries after 429 (rate limiting is normal operation, so it gets more patience). */
  maxRateLimitRetries: number;
  /**
   * Retries after a fetch that produced no response at all. Few: in a browser this is usually CORS, which
   * no retry fixes, and the user should see the proxy advice soon.
   */
  maxNetworkRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails as rate-limited instead. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 6,
  maxTruncatedRetries: 1,
  maxRateLimitRetries: 12,
  maxNetworkRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 5 * 60_000,
};

export type AttemptOutcome =
  | { kind: 'status'; status: number; headers: { get(name: string): string | null } }
  | { kind: 'timeout' }
  /** fetch threw TypeError: no response (CORS refusal, DNS, connection refused or dropped). */
  | { kind: 'network' }
  /** A 2xx whose body could not be read or parsed: why (src/api/body.ts). */
  | { kind: 'unreadable-body'; body: UnreadableBody };

/**
 * 'truncated': the body ended before its JSON did, or the connection dropped mid-body; 'html': a web page (a login
 * page, a proxy's error page); 'not-json': other text; 'too-large': over the size cap (MAX_BODY_BYTES).
 */
export type UnreadableBody = 'truncated' | 'html' | 'not-json' | 'too-large';

export type RetryDecision =
  | { retry: true; delayMs: number; reason: 'server' | 'rate-limit' | 'timeout' | 'network' | 'body' }
  | { retry: false };

/** Statuses we retry with backoff: server-side trouble that a later attempt may not meet. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 500, 502, 503, 504]);

/**
 * `failures` counts the failed attempts of this kind so far, including this one (1 after the first failure).
 * `random` is injected for tests.
 */
export function decideRetry(
  outcome: AttemptOutcome,
  failures: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  now: number = Date.now(),
  random: () => number = Math.random,
): RetryDecision {
  switch (outcome.kind) {
    case 'timeout':
      return failures <= policy.maxRetries ? { retry: true, reason: 'timeout', delayMs: backoff(failures, policy, random) } : { retry: false };
    case 'unreadable-body':
      return outcome.body === 'truncated' && failures <= policy.maxTruncatedRetries
        ? { retry: true, reason: 'body', delayMs: backoff(failures, policy, random) }
        : { retry: false };
    case 'network':
      return failures <= policy.maxNetworkRetries ? { retry: true, reason: 'network', delayMs: backoff(failures, policy, random) } : { retry: false };
    case 'status': {
      const { status, headers } = outcome;
      if (status === 429) {
        if (failures > policy.maxRateLimitRetries) return { retry: false };
        const waitMs = rateLimitWaitMs(headers, now);
        if (waitMs === null) return { retry: true, reason: 'rate-limit', delayMs: backoff(failures, policy, random) };
        if (waitMs > policy.maxRetryAfterMs) return { retry: false };
        // A little jitter on top of the server's time so parallel store pulls do not return in one burst.
        return { retry: true, reason: 'rate-limit', delayMs: waitMs + Math.floor(random() * 250) };
      }
      if (!RETRY_STATUSES.has(status)) return { retry: false };
      if (failures > policy.maxRetries) return { retry: false };
      // 503 may say when to come back.
      const after = status === 503 ? parseRetryAfter(headers.get('retry-after'), now) : null;
      if (after !== null && after <= policy.maxRetryAfterMs) return { retry: true, reason: 'server', delayMs: after };
      return { retry: true, reason: 'server', delayMs: backoff(failures, policy, random) };
    }
  }
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoff(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * How long a 429 asks us to wait: Retry-After (seconds or an HTTP date) first, then X-RateLimit-Reset
 * (Evotor: seconds until the window resets, evotor-api.md §6). null when neither is readable.
 */
export function rateLimitWaitMs(headers: { get(name: string): string | null }, now: number): number | null {
  return parseRetryAfter(headers.get('retry-after'), now) ?? parseResetSeconds(headers.get('x-ratelimit-reset'), now);
}

export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * X-RateLimit-Reset is documented as seconds until the reset; some servers send an epoch time instead
 * (seconds or ms). A value too large to be a wait is read as an epoch.
 */
export function parseResetSeconds(value: string | null, now: number): number | null {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return null;
  const n = Number(value);
  if (n > 1e12) return Math.max(0, n - now); // epoch ms
  if (n > 1e9) return Math.max(0, n * 1000 - now); // epoch seconds
  return Math.round(n * 1000);
}
