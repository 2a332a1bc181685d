/**
 * How many writes may be in flight, and when the next may start: a token bucket fed by Evotor's rate-limit headers
 * (X-RateLimit-Limit / -Remaining / -Reset, shared/docs/evotor-api.md §6), with AIMD on the number of requests in
 * flight for when the headers are hidden (CORS) or wrong.
 *
 * - Budget: after each answer, the requests we may still start in the current server window are
 *   `remaining - (requests still in flight)` — kept only when the answers show ONE window shared by our writes
 *   (`remaining` going down from answer to answer). Evotor limits per token and URI, and each PATCH has its own
 *   URI: then every answer shows a fresh window and only 429s (AIMD) brake; src/api paces each URI itself. At 0 we wait until the window resets, then send ONE probe request and
 *   open up again only when its answer shows the new window — so a reset time that is a little early (rounded
 *   seconds, clock skew) costs at most one 429, and the margin grows after each such 429 so it is not repeated.
 * - AIMD: the in-flight window grows by 1 per window's worth of successes and halves on a 429.
 * - A 429 blocks everyone until Retry-After (or X-RateLimit-Reset).
 *
 * The target: ≥90% of the server's limit with ≤1 429 per 1,000 requests (measured in concurrency.test.ts against a
 * simulated fixed-window server, and in the browser tests against the emulator).
 *
 * Pure logic plus timers; no DOM, works in a worker.
 */

export interface RateObservation {
  /** HTTP status of the answer; 0 when no answer came (network error, timeout, abort). */
  status: number;
  limit: number | null;
  remaining: number | null;
  /** Epoch ms when the server's window resets, when known. */
  resetAt: number | null;
  /** From Retry-After (or X-RateLimit-Reset on a 429), when known. */
  retryAfterMs: number | null;
}

export interface ControllerOptions {
  initialConcurrency?: number;
  minConcurrency?: number;
  maxConcurrency?: number;
  /** Extra wait after a computed window reset before the probe (grows after a 429 that follows a reset wait). */
  resetMarginMs?: number;
  /** Wait after a 429 that gives no Retry-After and no reset. */
  fallbackBackoffMs?: number;
  now?: () => number;
}

interface HeaderReader {
  get(name: string): string | null;
}

/** Reads the rate-limit headers (and Retry-After) of an answer. Missing or unreadable values are null. */
export function observationFromHeaders(status: number, headers: HeaderReader | null, now: number = Date.now()): RateObservation {
  const num = (name: string): number | null => {
    const text = headers?.get(name);
    if (text === null || text === undefined || text.trim() === '') return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  };
  const reset = num('x-ratelimit-reset');
  // Documented as seconds until the reset; tolerate an epoch in seconds or ms.
  const resetAt = reset === null ? null : reset > 1e12 ? reset : reset > 1e9 ? reset * 1000 : now + reset * 1000;
  let retryAfterMs: number | null = null;
  const retryAfter = headers?.get('retry-after');
  if (retryAfter) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) retryAfterMs = Math.round(Number(retryAfter) * 1000);
    else if (!Number.isNaN(Date.parse(retryAfter))) retryAfterMs = Math.max(0, Date.parse(retryAfter) - now);
  }
  if (retryAfterMs === null && status === 429 && resetAt !== null) retryAfterMs = Math.max(0, resetAt - now);
  return { status, limit: num('x-ratelimit-limit'), remaining: num('x-ratelimit-remaining'), resetAt, retryAfterMs };
}

export class WriteRateController {
  private cwnd: number;
  private readonly min: number;
  private readonly max: number;
  private margin: number;
  private readonly fallbackBackoff: number;
  private readonly now: () => number;

  private active = 0;
  /** Requests we may still start in the current server window; null = unknown. */
  private budget: number | null = null;
  private lastRemaining: number | null = null;
  private windowResetAt: number | null = null;
  private blockedUntil = 0;
  /** After a wait for a reset: one request at a time until an answer shows the new window. */
  private probing = false;
  private probeAfterReset = false;
  private sharedEvidence = 0;
  private waiters = new Set<() => void>();

  /** Figures for progress and the report. */
  readonly stats = { started: 0, succeeded: 0, rateLimited: 0, failed: 0 };

  constructor(options: ControllerOptions = {}) {
    this.min = options.minConcurrency ?? 1;
    this.max = options.maxConcurrency ?? 16;
    this.cwnd = Math.min(this.max, Math.max(this.min, options.initialConcurrency ?? 8));
    this.margin = options.resetMarginMs ?? 50;
    this.fallbackBackoff = options.fallbackBackoffMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The number of requests allowed in flight now. */
  get concurrency(): number {
    return this.probing ? 1 : Math.floor(this.cwnd);
  }

  get inFlight(): number {
    return this.active;
  }

  /** Resolves when one more request may start; the caller must call release() exactly once afterwards. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      if (now < this.blockedUntil) {
        await this.wait(this.blockedUntil - now, signal);
        continue;
      }
      if (this.sharedWindow && this.budget !== null && this.budget <= 0) {
        if (this.windowResetAt !== null && now < this.windowResetAt + this.margin) {
          this.blockedUntil = this.windowResetAt + this.margin;
          continue;
        }
        // The window should have reset: probe it with one request.
        this.budget = null;
        this.probing = true;
        this.probeAfterReset = true;
      }
      if (this.active >= this.concurrency) {
        await this.wait(null, signal);
        continue;
      }
      this.active += 1;
      this.stats.started += 1;
      if (this.budget !== null) this.budget -= 1;
      return;
    }
  }

  /** The request started by acquire() is over (answered, failed or aborted): frees its slot. */
  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.wakeAll();
  }

  /**
   * Tells the controller about an answer. Called for every HTTP answer, including the 429s the API client retries
   * by itself (they arrive through the observing fetch while the request still holds its slot), so call it before
   * release() for a request's final answer.
   */
  observe(obs: RateObservation): void {
    const now = this.now();
    if (obs.status === 429) {
      this.stats.rateLimited += 1;
      this.cwnd = Math.max(this.min, this.cwnd / 2);
      // A 429 right after a reset wait means our reset estimate was early: wait a little longer next time.
      if (this.probeAfterReset) this.margin = Math.min(2000, this.margin * 2 + 50);
      const wait = obs.retryAfterMs ?? (obs.resetAt !== null ? obs.resetAt - now : null) ?? this.fallbackBackoff;
      this.blockedUntil = Math.max(this.blockedUntil, now + Math.max(0, wait) + this.margin);
      this.windowResetAt = Math.max(obs.resetAt ?? 0, now + Math.max(0, wait));
      this.budget = null;
      this.lastRemaining = null;
      this.probing = true;
      this.probeAfterReset = true;
    } else if (obs.status >= 200 && obs.status < 300) {
      this.stats.succeeded += 1;
      if (obs.remaining !== null && obs.resetAt !== null) this.observeWindow(obs.remaining, obs.resetAt);
      if (this.probing) {
        this.probing = false;
        this.probeAfterReset = false;
      }
      this.cwnd = Math.min(this.max, this.cwnd + 1 / Math.max(1, this.cwnd));
    } else {
      this.stats.failed += 1;
      if (obs.remaining !== null && obs.resetAt !== null) this.observeWindow(obs.remaining, obs.resetAt);
    }
    this.wakeAll();
  }

  private observeWindow(remaining: number, resetAt: number): void {
    // The answering request still holds its slot: the others in flight may not be counted by the server yet.
    const inFlight = Math.max(0, this.active - 1);
    const last = this.lastRemaining;
    const isNewWindow = last === null || this.budget === null || remaining > last + Math.ceil(this.cwnd) + inFlight;
    if (!isNewWindow && last !== null) {
      // Evotor limits per token AND URI, and each PATCH has its own URI: then `remaining` does not go down from one
      // answer to the next, and there is no shared budget to keep. When it does go down, the window is shared.
      if (remaining < last) this.sharedEvidence = Math.min(5, this.sharedEvidence + 1);
      else if (remaining > last) this.sharedEvidence = Math.max(0, this.sharedEvidence - 1);
    }
    this.lastRemaining = remaining;
    if (isNewWindow) {
      this.budget = remaining - inFlight;
      this.windowResetAt = resetAt;
    } else {
      this.budget = remaining < last! ? Math.min(this.budget ?? Infinity, remaining - inFlight) : remaining - inFlight;
      // Within one window the later estimate of its end wins: better a little late than a 429.
      this.windowResetAt = Math.max(this.windowResetAt ?? resetAt, resetAt);
    }
  }

  /** Whether the answers show one window shared by our writes (then its budget is kept). */
  get sharedWindow(): boolean {
    return this.sharedEvidence >= 2;
  }

  /** Waits for a release, or `ms` milliseconds when given. */
  private wait(ms: number | null, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
        resolve();
      };
      const onAbort = () => {
        this.waiters.delete(done);
        if (timer) clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = ms !== null ? setTimeout(done, Math.max(1, ms)) : null;
      this.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** For tests and progress: a snapshot of the internal state. */
  snapshot() {
    return {
      concurrency: this.concurrency, inFlight: this.active, budget: this.budget, windowResetAt: this.windowResetAt,
      blockedUntil: this.blockedUntil, margin: this.margin, probing: this.probing,
    };
  }
}

/** Completions per second over a sliding window, for progress. */
export class RateMeter {
  private readonly times: number[] = [];
  constructor(private readonly spanMs = 5000, private readonly now: () => number = Date.now) {}
  tick(): void {
    this.times.push(this.now());
    this.trim();
  }
  rate(): number {
    this.trim();
    if (this.times.length < 2) return this.times.length;
    const span = Math.max(1, this.now() - (this.times[0] ?? 0));
    return Math.round((this.times.length / span) * 1000 * 10) / 10;
  }
  private trim(): void {
    const from = this.now() - this.spanMs;
    while (this.times.length > 0 && (this.times[0] ?? 0) < from) this.times.shift();
  }
}
