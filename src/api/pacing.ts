/**
 * Client-side pacing from Evotor's rate-limit headers (X-RateLimit-Limit/Remaining/Reset on every 200,
 * limits per token and URI, evotor-api.md §6). When the remaining budget of a window runs low we spread the
 * rest of it over the time left, so a long pull slows down smoothly instead of hitting 429 walls.
 * When CORS hides the headers (they are readable only if the server exposes them) we know nothing and do not
 * pace: 429 handling in retry.ts is then the only brake.
 */

export interface RateWindow {
  limit: number | null;
  remaining: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
  /** Earliest start of the next request in this window (spreads parallel callers). */
  nextAt: number;
}

interface HeaderReader {
  get(name: string): string | null;
}

/** Below this many remaining requests we start spreading them out. */
export function lowWater(limit: number | null): number {
  return Math.max(3, Math.ceil((limit ?? 0) * 0.2));
}

/** Reads a window from response headers; null when the headers are absent or unreadable. */
export function readRateWindow(headers: HeaderReader, now: number): RateWindow | null {
  const remainingText = headers.get('x-ratelimit-remaining');
  const resetText = headers.get('x-ratelimit-reset');
  if (remainingText === null || resetText === null) return null;
  const remaining = Number(remainingText);
  const reset = Number(resetText);
  if (!Number.isFinite(remaining) || !Number.isFinite(reset)) return null;
  const limitText = headers.get('x-ratelimit-limit');
  const limit = limitText !== null && Number.isFinite(Number(limitText)) ? Number(limitText) : null;
  // Documented as seconds until reset; tolerate an epoch (seconds or ms) as some servers send.
  const resetAt = reset > 1e12 ? reset : reset > 1e9 ? reset * 1000 : now + reset * 1000;
  return { limit, remaining: Math.max(0, Math.floor(remaining)), resetAt, nextAt: now };
}

/**
 * Decides how long the next request must wait, and books its slot. Pure apart from mutating `window`.
 * Unknown or expired window: go now.
 */
export function reserveSlot(window: RateWindow | undefined, now: number): number {
  if (!window || now >= window.resetAt) return 0;
  if (window.remaining <= 0) return window.resetAt - now;
  const start = Math.max(now, window.nextAt);
  // Even spacing of what is left from this request's start to the reset.
  const interval = window.remaining <= lowWater(window.limit) ? Math.max(0, window.resetAt - start) / window.remaining : 0;
  window.nextAt = start + interval;
  window.remaining -= 1;
  return Math.ceil(start - now);
}

export class RateLimitPacer {
  private readonly windows = new Map<string, RateWindow>();

  /**
   * Milliseconds to wait before sending a request to `key` (a URI path), with the slot booked. A wait over
   * `maxWaitMs` (the cap of 429 waits, retry.ts) is not believed: a 200 saying "0 left, reset in 23 days" would
   * stop a pull for weeks. The window is dropped and the request goes now; a real limit answers 429, whose wait
   * has the same cap.
   */
  reserve(key: string, now: number = Date.now(), maxWaitMs: number = Infinity): number {
    const wait = reserveSlot(this.windows.get(key), now);
    if (wait <= maxWaitMs) return wait;
    this.windows.delete(key);
    return 0;
  }

  /** Updates the window of `key` from a response's headers (any status). */
  observe(key: string, headers: HeaderReader, now: number = Date.now()): void {
    const window = readRateWindow(headers, now);
    if (!window) return;
    const previous = this.windows.get(key);
    // Keep booked slots: a response of an earlier request must not let queued ones rush out together.
    if (previous && Math.abs(previous.resetAt - window.resetAt) < 1000) window.remaining = Math.min(window.remaining, previous.remaining);
    if (previous) window.nextAt = Math.max(window.nextAt, previous.nextAt);
    this.windows.set(key, window);
  }

  /** After a 429: nobody goes to `key` before `until`. */
  blockUntil(key: string, until: number): void {
    const window = this.windows.get(key);
    this.windows.set(key, {
      limit: window?.limit ?? null,
      remaining: 0,
      resetAt: Math.max(until, window?.resetAt ?? 0),
      nextAt: until,
    });
  }

  /** For progress display and tests. */
  snapshot(key: string): Readonly<RateWindow> | undefined {
    return this.windows.get(key);
  }
}
