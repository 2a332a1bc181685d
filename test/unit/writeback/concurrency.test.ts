import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { observationFromHeaders, RateMeter, WriteRateController } from '../../../src/writeback/concurrency.ts';

/** A fixed-window rate limiter like a typical API gateway: `limit` requests per `windowMs`, per token. */
class SimServer {
  windowStart = 0;
  used = 0;
  served = 0;
  rejected = 0;
  constructor(private limit: number, private windowMs: number, private resetRounding: 'exact' | 'ceil' | 'hidden', private aligned = true) {}
  handle(now: number): { status: number; headers: Headers } {
    // aligned: windows on the clock; otherwise a window starts with the first request after the last one ended
    // (how src/emulator counts).
    const start = this.aligned ? Math.floor(now / this.windowMs) * this.windowMs
      : now - this.windowStart >= this.windowMs ? now : this.windowStart;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
    const end = start + this.windowMs;
    const secs = (end - now) / 1000;
    const reset = this.resetRounding === 'ceil' ? String(Math.ceil(secs)) : secs.toFixed(3);
    const headers = new Headers();
    if (this.used >= this.limit) {
      this.rejected += 1;
      headers.set('retry-after', String(Math.ceil(secs)));
      return { status: 429, headers };
    }
    this.used += 1;
    this.served += 1;
    if (this.resetRounding !== 'hidden') {
      headers.set('x-ratelimit-limit', String(this.limit));
      headers.set('x-ratelimit-remaining', String(this.limit - this.used));
      headers.set('x-ratelimit-reset', reset);
    }
    return { status: 200, headers };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs n writes through the controller the way the writer does (the client retries 429 inside one slot). */
async function simulate(n: number, server: SimServer, latencyMs: number, ctl = new WriteRateController()) {
  const t0 = Date.now();
  let last = t0;
  let maxInFlight = 0;
  const one = async () => {
    await ctl.acquire();
    maxInFlight = Math.max(maxInFlight, ctl.inFlight);
    try {
      for (;;) {
        await sleep(latencyMs / 2);
        const answer = server.handle(Date.now());
        await sleep(latencyMs / 2);
        const obs = observationFromHeaders(answer.status, answer.headers, Date.now());
        ctl.observe(obs);
        if (answer.status !== 429) break;
        await sleep(obs.retryAfterMs ?? 1000); // what src/api's transport does
      }
      last = Date.now();
    } finally {
      ctl.release();
    }
  };
  // A pool of lanes pulling from a queue, as the writer runs them (never n waiters at once).
  let next = 0;
  const lane = async () => { while (next < n) { next += 1; await one(); } };
  let finished = false;
  const all = Promise.all(Array.from({ length: 16 }, lane)).then(() => { finished = true; });
  while (!finished) await vi.advanceTimersByTimeAsync(20);
  await all;
  return { elapsed: last - t0, maxInFlight, ctl };
}

describe('WriteRateController against a fixed-window limiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(Date.UTC(2025, 0, 1, 0, 0, 0, 300));
  });
  afterEach(() => vi.useRealTimers());

  it.each([
    ['exact reset header', 'exact' as const, 100, 10_000, 40],
    ['reset in whole seconds', 'ceil' as const, 100, 10_000, 40],
    ['small window', 'exact' as const, 20, 1_000, 15],
    ['emulator-style window (starts at first request, reset in whole seconds)', 'ceil' as const, 100, 5_000, 10, false],
  ])('%s: ≥90%% of the limit, ≤1 429 per 1,000', async (_name, rounding, limit, windowMs, latency, aligned = true) => {
    const server = new SimServer(limit, windowMs, rounding, aligned);
    const n = 2000;
    const t0 = Date.now();
    const { elapsed } = await simulate(n, server, latency);
    // A perfect client sends the last request at the start of the window that must hold it.
    const firstWindow = aligned ? Math.floor(t0 / windowMs) * windowMs : t0;
    const idealElapsed = firstWindow + (Math.ceil(n / limit) - 1) * windowMs - t0;
    const efficiency = idealElapsed / elapsed;
    expect(server.served).toBe(n);
    console.info(`[writeback sim] ${_name}: ${(efficiency * 100).toFixed(1)}% of the limit, ${server.rejected} 429s in ${n}`);
    expect(efficiency).toBeGreaterThanOrEqual(0.9);
    expect(server.rejected / (n / 1000)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('limits per URI (every PATCH its own URI) do not cap the writes', async () => {
    // Each request goes to another URI with its own window: remaining never goes down.
    const servers = new Map<number, SimServer>();
    let i = 0;
    const perUri = { handle: (now: number) => {
      const s = servers.get(i) ?? new SimServer(10, 60_000, 'exact');
      servers.set(i++, s);
      return s.handle(now);
    } } as unknown as SimServer;
    const ctl = new WriteRateController({ initialConcurrency: 4, maxConcurrency: 16 });
    const { elapsed } = await simulate(2000, perUri, 20, ctl);
    expect(ctl.stats.rateLimited).toBe(0);
    // 16 lanes of 20 ms: ~800/s; far more than one window of 10 would allow.
    expect(2000 / elapsed * 1000).toBeGreaterThan(300);
  }, 60_000);

  it('without readable headers still finishes, backing off on 429', async () => {
    const server = new SimServer(50, 2_000, 'hidden');
    const ctl = new WriteRateController({ initialConcurrency: 4 });
    const { elapsed } = await simulate(500, server, 40, ctl);
    expect(server.served).toBe(500);
    expect(elapsed).toBeLessThan(60_000);
    expect(ctl.stats.rateLimited).toBe(server.rejected);
  }, 60_000);

  it('never exceeds the in-flight window, and halves it on 429', async () => {
    const ctl = new WriteRateController({ initialConcurrency: 8, maxConcurrency: 8 });
    for (let i = 0; i < 8; i++) await ctl.acquire();
    let ninth = false;
    void ctl.acquire().then(() => { ninth = true; });
    await vi.advanceTimersByTimeAsync(10);
    expect(ninth).toBe(false);
    ctl.observe({ status: 429, limit: null, remaining: null, resetAt: null, retryAfterMs: 500 });
    ctl.release();
    expect(ctl.concurrency).toBe(1); // probing after a 429
    await vi.advanceTimersByTimeAsync(400);
    expect(ninth).toBe(false); // blocked until Retry-After
    for (let i = 0; i < 7; i++) ctl.release();
    await vi.advanceTimersByTimeAsync(300);
    expect(ninth).toBe(true);
    ctl.observe({ status: 200, limit: null, remaining: null, resetAt: null, retryAfterMs: null });
    expect(ctl.concurrency).toBe(4);
  });

  it('stops at a zero budget until the window resets', async () => {
    const ctl = new WriteRateController({ initialConcurrency: 4, resetMarginMs: 0 });
    // Answers whose remaining goes down: one window shared by the writes.
    for (const remaining of [3, 2, 1, 0]) {
      await ctl.acquire();
      ctl.observe({ status: 200, limit: 10, remaining, resetAt: Date.now() + 1000, retryAfterMs: null });
      ctl.release();
    }
    expect(ctl.sharedWindow).toBe(true);
    let started = false;
    void ctl.acquire().then(() => { started = true; });
    await vi.advanceTimersByTimeAsync(900);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(started).toBe(true);
  });

  it('rejects a waiting acquire when aborted', async () => {
    const ctl = new WriteRateController({ initialConcurrency: 1, maxConcurrency: 1 });
    await ctl.acquire();
    const controller = new AbortController();
    const waiting = ctl.acquire(controller.signal);
    controller.abort(new DOMException('stop', 'AbortError'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('observationFromHeaders', () => {
  it('reads seconds until reset, epoch seconds, and Retry-After', () => {
    const now = 1_700_000_000_000;
    const h = new Headers({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': '2.5' });
    expect(observationFromHeaders(200, h, now)).toEqual({ status: 200, limit: 100, remaining: 7, resetAt: now + 2500, retryAfterMs: null });
    expect(observationFromHeaders(200, new Headers({ 'x-ratelimit-reset': String(now / 1000 + 3) }), now).resetAt).toBe(now + 3000);
    expect(observationFromHeaders(429, new Headers({ 'retry-after': '4' }), now).retryAfterMs).toBe(4000);
    expect(observationFromHeaders(429, new Headers({ 'x-ratelimit-reset': '2' }), now).retryAfterMs).toBe(2000);
    expect(observationFromHeaders(200, null, now)).toEqual({ status: 200, limit: null, remaining: null, resetAt: null, retryAfterMs: null });
  });
});

describe('RateMeter', () => {
  it('counts completions per second over its span', () => {
    let t = 0;
    const meter = new RateMeter(1000, () => t);
    for (let i = 0; i < 10; i++) { meter.tick(); t += 100; }
    expect(meter.rate()).toBeGreaterThan(9);
    t += 5000;
    expect(meter.rate()).toBe(0);
  });
});
