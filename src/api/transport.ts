/**
 * One HTTP exchange with retries, pacing and a per-attempt timeout, built on ky (URL prefix, search params,
 * JSON bodies, headers). ky's own retry and timeout are off: retry.ts decides, and our timeout also covers
 * reading the body (ky's stops at the headers, and a connection that hangs mid-body must not hang a pull).
 */
import ky from 'ky';
import { BODY_DETAIL, BodyTooLarge, MAX_BODY_BYTES, readBodyText, unparsedKind } from './body.ts';
import { ApiError, blockedError, errorFromStatus, type ApiOperation } from './errors.ts';
import { RateLimitPacer } from './pacing.ts';
import { DEFAULT_RETRY_POLICY, decideRetry, rateLimitWaitMs, type AttemptOutcome, type RetryPolicy } from './retry.ts';
import { sleep } from './sleep.ts';

export interface TransportConfig {
  /** e.g. https://api.evotor.ru/ or a proxy that forwards to it. */
  baseUrl: string;
  /** Headers sent with every request (auth, Accept). Never logged, never put in errors. */
  headers: Record<string, string>;
  /** Content-Type of request bodies. */
  contentType: string;
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Shared by all clients of one token: Evotor limits per token and URI. */
  pacer?: RateLimitPacer;
  /** Told about every wait (retry or pacing), for the progress display. */
  onWait?: (info: WaitInfo) => void;
  fetch?: typeof fetch;
  random?: () => number;
  /** Cap of a response body (default MAX_BODY_BYTES, about 32 MB). */
  maxBodyBytes?: number;
}

export interface WaitInfo {
  operation: ApiOperation;
  reason: 'server' | 'rate-limit' | 'timeout' | 'network' | 'body' | 'pacing';
  delayMs: number;
  /** HTTP status that caused it, when there was one. */
  status: number | null;
  attempt: number;
}

export interface RequestSpec {
  operation: ApiOperation;
  method: 'GET' | 'POST' | 'PATCH';
  /** Relative to the base URL, no leading slash, ids already encoded. */
  path: string;
  searchParams?: Record<string, string>;
  json?: unknown;
  /** What a 404 means, for the error ("store 2017…", "document …"). */
  resource: string;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

const TIMEOUT = Symbol('timeout');

export class Transport {
  readonly baseUrl: string;
  private readonly policy: RetryPolicy;
  private readonly pacer: RateLimitPacer;
  private readonly http: typeof ky;

  constructor(private readonly config: TransportConfig) {
    this.baseUrl = config.baseUrl.endsWith('/') ? config.baseUrl : config.baseUrl + '/';
    this.policy = { ...DEFAULT_RETRY_POLICY, ...config.retry };
    this.pacer = config.pacer ?? new RateLimitPacer();
    this.http = ky.create({
      prefixUrl: this.baseUrl,
      headers: config.headers,
      retry: 0,
      timeout: false,
      throwHttpErrors: false,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    });
  }

  async request(spec: RequestSpec, signal: AbortSignal): Promise<RawResponse> {
    const timeoutMs = this.config.timeoutMs ?? 30_000;
    const random = this.config.random ?? Math.random;
    // Limits are per URI: the path without the query is the pacing key.
    const paceKey = spec.path;
    const failures = { transient: 0, rateLimit: 0, network: 0, body: 0 };
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      const paceMs = this.pacer.reserve(paceKey, Date.now(), this.policy.maxRetryAfterMs);
      if (paceMs > 0) {
        this.config.onWait?.({ operation: spec.operation, reason: 'pacing', delayMs: paceMs, status: null, attempt });
        await sleep(paceMs, signal);
      }

      const outcome = await this.attempt(spec, signal, timeoutMs);
      if ('response' in outcome) return outcome.response;

      const { result } = outcome;
      if (result.kind === 'status') this.pacer.observe(paceKey, result.headers);
      const counter = result.kind === 'network' ? 'network'
        : result.kind === 'unreadable-body' ? 'body'
        : result.kind === 'status' && result.status === 429 ? 'rateLimit' : 'transient';
      failures[counter] += 1;
      const decision = decideRetry(result, failures[counter], this.policy, Date.now(), random);
      if (!decision.retry) throw this.finalError(spec, result, outcome.body, timeoutMs);
      if (result.kind === 'status' && result.status === 429) this.pacer.blockUntil(paceKey, Date.now() + decision.delayMs);
      this.config.onWait?.({
        operation: spec.operation, reason: decision.reason, delayMs: decision.delayMs,
        status: result.kind === 'status' ? result.status : null, attempt,
      });
      await sleep(decision.delayMs, signal);
    }
  }

  /** One try. Returns the response when it is final (2xx, or an error status no retry can fix). */
  private async attempt(
    spec: RequestSpec,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<{ response: RawResponse } | { result: AttemptOutcome; body?: unknown }> {
    const timer = new AbortController();
    const timeoutId = setTimeout(() => timer.abort(TIMEOUT), timeoutMs);
    const combined = AbortSignal.any([signal, timer.signal]);
    try {
      const response = await this.http(spec.path, {
        method: spec.method,
        signal: combined,
        ...(spec.searchParams ? { searchParams: spec.searchParams } : {}),
        ...(spec.json !== undefined
          ? { body: JSON.stringify(spec.json), headers: { 'content-type': this.config.contentType } }
          : {}),
      });
      let text: string;
      try {
        text = await readBodyText(response, this.config.maxBodyBytes ?? MAX_BODY_BYTES, combined);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (timer.signal.aborted) return { result: { kind: 'timeout' } };
        if (!response.ok) text = '';
        else return { result: { kind: 'unreadable-body', body: error instanceof BodyTooLarge ? 'too-large' : 'truncated' } };
      }
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        if (response.ok) return { result: { kind: 'unreadable-body', body: unparsedKind(text) } };
        body = text; // error pages from proxies are often HTML: keep the text for the message
      }
      if (response.ok) {
        this.pacer.observe(spec.path, response.headers);
        return { response: { status: response.status, headers: response.headers, body } };
      }
      return { result: { kind: 'status', status: response.status, headers: response.headers }, body };
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      if (timer.signal.aborted) return { result: { kind: 'timeout' } };
      // fetch rejects with TypeError when no response came back at all (CORS, DNS, refused, dropped).
      if (error instanceof TypeError) return { result: { kind: 'network' } };
      throw error;
    } finally {
      clearTimeout(timeoutId);
    }
  }

  private finalError(spec: RequestSpec, result: AttemptOutcome, body: unknown, timeoutMs: number): ApiError {
    switch (result.kind) {
      case 'timeout':
        return new ApiError({
          code: 'timeout', operation: spec.operation, params: { timeoutMs },
          message: `${spec.operation}: no answer within ${timeoutMs} ms, after retrying`,
        });
      case 'network':
        return blockedError(spec.operation, this.baseUrl, pageOrigin());
      case 'unreadable-body':
        return new ApiError({
          code: 'invalid-response', operation: spec.operation, params: { detail: BODY_DETAIL[result.body], body: result.body },
          message: `${spec.operation}: the answer could not be read: ${BODY_DETAIL[result.body]}`,
        });
      case 'status': {
        const wait = result.status === 429 ? rateLimitWaitMs(result.headers, Date.now()) : null;
        return errorFromStatus(result.status, spec.operation, spec.resource, body,
          wait !== null ? { retryAfterSeconds: Math.ceil(wait / 1000) } : {});
      }
    }
  }
}

function pageOrigin(): string {
  const location = (globalThis as { location?: { origin?: string } }).location;
  return location?.origin ?? 'unknown';
}
