import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY, backoff, decideRetry, parseResetSeconds, parseRetryAfter, rateLimitWaitMs, type AttemptOutcome,
} from '../../../src/api/retry.ts';

const now = Date.UTC(2025, 2, 1, 12, 0, 0);
const headers = (h: Record<string, string> = {}) => new Headers(h);
const status = (code: number, h: Record<string, string> = {}): AttemptOutcome => ({ kind: 'status', status: code, headers: headers(h) });
const half = () => 0.5;

describe('decideRetry', () => {
  it.each([500, 502, 503, 504, 408])('retries %i with backoff', (code) => {
    const d = decideRetry(status(code), 1, DEFAULT_RETRY_POLICY, now, half);
    expect(d).toEqual({ retry: true, reason: 'server', delayMs: 375 });
  });

  it.each([400, 401, 402, 403, 404, 413, 422])('never retries %i', (code) => {
    expect(decideRetry(status(code), 1, DEFAULT_RETRY_POLICY, now, half)).toEqual({ retry: false });
  });

  it('gives up on 5xx after maxRetries', () => {
    expect(decideRetry(status(500), DEFAULT_RETRY_POLICY.maxRetries, DEFAULT_RETRY_POLICY, now, half).retry).toBe(true);
    expect(decideRetry(status(500), DEFAULT_RETRY_POLICY.maxRetries + 1, DEFAULT_RETRY_POLICY, now, half).retry).toBe(false);
  });

  it('honours Retry-After on 429, seconds and HTTP date, with at most 250 ms jitter', () => {
    expect(decideRetry(status(429, { 'retry-after': '7' }), 1, DEFAULT_RETRY_POLICY, now, () => 0)).toEqual({ retry: true, reason: 'rate-limit', delayMs: 7000 });
    const date = new Date(now + 3000).toUTCString();
    expect(decideRetry(status(429, { 'retry-after': date }), 1, DEFAULT_RETRY_POLICY, now, () => 0.999)).toEqual({ retry: true, reason: 'rate-limit', delayMs: 3249 });
  });

  it('falls back to X-RateLimit-Reset on 429, then to backoff', () => {
    expect(decideRetry(status(429, { 'x-ratelimit-reset': '12' }), 1, DEFAULT_RETRY_POLICY, now, () => 0)).toEqual({ retry: true, reason: 'rate-limit', delayMs: 12_000 });
    expect(decideRetry(status(429), 1, DEFAULT_RETRY_POLICY, now, half)).toEqual({ retry: true, reason: 'rate-limit', delayMs: 375 });
  });

  it('prefers Retry-After over X-RateLimit-Reset', () => {
    const d = decideRetry(status(429, { 'retry-after': '2', 'x-ratelimit-reset': '50' }), 1, DEFAULT_RETRY_POLICY, now, () => 0);
    expect(d).toEqual({ retry: true, reason: 'rate-limit', delayMs: 2000 });
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs', () => {
    expect(decideRetry(status(429, { 'retry-after': '3600' }), 1, DEFAULT_RETRY_POLICY, now, half)).toEqual({ retry: false });
  });

  it('has its own budget for 429s', () => {
    const p = DEFAULT_RETRY_POLICY;
    expect(decideRetry(status(429), p.maxRateLimitRetries, p, now, half).retry).toBe(true);
    expect(decideRetry(status(429), p.maxRateLimitRetries + 1, p, now, half).retry).toBe(false);
  });

  it('uses Retry-After on 503', () => {
    expect(decideRetry(status(503, { 'retry-after': '4' }), 1, DEFAULT_RETRY_POLICY, now, half)).toEqual({ retry: true, reason: 'server', delayMs: 4000 });
  });

  it('retries timeouts like 5xx, network failures only a few times', () => {
    expect(decideRetry({ kind: 'timeout' }, 2, DEFAULT_RETRY_POLICY, now, half)).toEqual({ retry: true, reason: 'timeout', delayMs: 750 });
    expect(decideRetry({ kind: 'network' }, DEFAULT_RETRY_POLICY.maxNetworkRetries, DEFAULT_RETRY_POLICY, now, half).retry).toBe(true);
    expect(decideRetry({ kind: 'network' }, DEFAULT_RETRY_POLICY.maxNetworkRetries + 1, DEFAULT_RETRY_POLICY, now, half).retry).toBe(false);
  });
});

describe('unreadable 2xx bodies (issue 12 §6)', () => {
  it('retries a body cut short once, and never one that is whole but not JSON or too large', () => {
    expect(decideRetry({ kind: 'unreadable-body', body: 'truncated' }, 1, DEFAULT_RETRY_POLICY, now, half).retry).toBe(true);
    expect(decideRetry({ kind: 'unreadable-body', body: 'truncated' }, 2, DEFAULT_RETRY_POLICY, now, half).retry).toBe(false);
    for (const body of ['html', 'not-json', 'too-large'] as const) {
      expect(decideRetry({ kind: 'unreadable-body', body }, 1, DEFAULT_RETRY_POLICY, now, half).retry).toBe(false);
    }
  });
});

describe('backoff', () => {
  it('doubles, stays within [half, full] of the step, and is capped', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoff(1, p, () => 0)).toBe(50);
    expect(backoff(1, p, () => 1)).toBe(100);
    expect(backoff(3, p, () => 0)).toBe(200);
    expect(backoff(3, p, () => 1)).toBe(400);
    expect(backoff(20, p, () => 1)).toBe(1000);
    for (let i = 0; i < 100; i++) {
      const d = backoff(4, p);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
});

describe('header parsing', () => {
  it('reads Retry-After as seconds, fractional seconds or a date; rejects junk', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('reads X-RateLimit-Reset as seconds until reset, or as an epoch in seconds or ms', () => {
    expect(parseResetSeconds('30', now)).toBe(30_000);
    expect(parseResetSeconds(String(Math.floor(now / 1000) + 10), now)).toBe(10_000);
    expect(parseResetSeconds(String(now + 2500), now)).toBe(2500);
    expect(parseResetSeconds('x', now)).toBeNull();
    expect(rateLimitWaitMs(headers({}), now)).toBeNull();
  });
});
