import { describe, expect, it } from 'vitest';
import { RateLimitPacer, lowWater, readRateWindow, reserveSlot } from '../../../src/api/pacing.ts';

const now = 1_000_000;
const h = (remaining: string, reset: string, limit?: string) =>
  new Headers({ 'x-ratelimit-remaining': remaining, 'x-ratelimit-reset': reset, ...(limit ? { 'x-ratelimit-limit': limit } : {}) });

describe('pacing from X-RateLimit-*', () => {
  it('does not pace when the headers are unreadable (CORS did not expose them)', () => {
    const pacer = new RateLimitPacer();
    pacer.observe('stores/a/documents', new Headers(), now);
    expect(pacer.reserve('stores/a/documents', now)).toBe(0);
    expect(readRateWindow(new Headers({ 'x-ratelimit-remaining': '5' }), now)).toBeNull();
  });

  it('goes at full speed while the budget is high', () => {
    const pacer = new RateLimitPacer();
    pacer.observe('p', h('100', '60', '120'), now);
    for (let i = 0; i < 50; i++) expect(pacer.reserve('p', now)).toBe(0);
  });

  it('spreads the last requests of a window over the time left', () => {
    const pacer = new RateLimitPacer();
    pacer.observe('p', h('4', '8', '20'), now); // low water for 20 is 4
    const delays = [0, 1, 2, 3].map(() => pacer.reserve('p', now));
    expect(delays).toEqual([0, 2000, 4000, 6000]);
    // Budget spent: wait for the reset.
    expect(pacer.reserve('p', now)).toBe(8000);
    // After the reset the window is unknown: go.
    expect(pacer.reserve('p', now + 8000)).toBe(0);
  });

  it('waits for the reset when nothing remains', () => {
    expect(reserveSlot({ limit: 10, remaining: 0, resetAt: now + 3000, nextAt: now }, now)).toBe(3000);
  });

  it('keeps booked slots when an earlier response reports more budget in the same window', () => {
    const pacer = new RateLimitPacer();
    pacer.observe('p', h('3', '10'), now);
    pacer.reserve('p', now);
    pacer.reserve('p', now);
    pacer.observe('p', h('3', '10'), now + 10); // a late answer from before our two bookings
    expect(pacer.snapshot('p')?.remaining).toBe(1);
  });

  it('blocks a key after a 429 until the given time', () => {
    const pacer = new RateLimitPacer();
    pacer.blockUntil('p', now + 5000);
    expect(pacer.reserve('p', now)).toBe(5000);
    expect(pacer.reserve('other', now)).toBe(0);
  });

  it('reads the reset as seconds from now, or as an epoch', () => {
    expect(readRateWindow(h('5', '30'), now)?.resetAt).toBe(now + 30_000);
    expect(readRateWindow(h('5', String(1_700_000_000)), now)?.resetAt).toBe(1_700_000_000_000);
    expect(lowWater(null)).toBe(3);
    expect(lowWater(100)).toBe(20);
  });
});
