import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMonthsUTC, coveredSinceOf, creationDateFromStoreId, grownSpanMs, horizonFor, monthKey, monthsCovered, monthWindows, nextWindow,
  openingWindows, planWindow, type MonthState,
} from '../../../src/pull/windows.ts';

const now = Date.UTC(2025, 2, 15, 10, 30);

describe('creationDateFromStoreId', () => {
  it('reads yyyymmdd from the first 8 characters', () => {
    expect(creationDateFromStoreId('20170222-5A12-403A-80F6-75C361356826', now)).toBe(Date.UTC(2017, 1, 22));
    expect(creationDateFromStoreId('20180417-2396-4075-808C-50046017B78F', now)).toBe(Date.UTC(2018, 3, 17));
  });

  it.each([
    ['not a date at all', 'a1b2c3d4-0000-4000-8000-000000000000'],
    ['month 13', '20171301-0000-4000-8000-000000000000'],
    ['31 February', '20170231-0000-4000-8000-000000000000'],
    ['day 00', '20170200-0000-4000-8000-000000000000'],
    ['before Evotor existed', '19991231-0000-4000-8000-000000000000'],
    ['in the future', '20991231-0000-4000-8000-000000000000'],
    ['too short', '2017'],
  ])('rejects %s', (_, id) => {
    expect(creationDateFromStoreId(id, now)).toBeNull();
  });

  it('accepts 29 February of a leap year only', () => {
    expect(creationDateFromStoreId('20200229-x', now)).toBe(Date.UTC(2020, 1, 29));
    expect(creationDateFromStoreId('20190229-x', now)).toBeNull();
  });
});

describe('horizonFor', () => {
  it('V2 goes back to the store creation, or to the fallback horizon', () => {
    expect(horizonFor('v2', '20240105-AAAA', now)).toEqual({ since: Date.UTC(2024, 0, 5), source: 'store-creation' });
    expect(horizonFor('v2', 'ffffffff-AAAA', now, { fallbackMonths: 12, v1HistoryMonths: 6 }))
      .toEqual({ since: Date.UTC(2024, 2, 15, 10, 30), source: 'fallback' });
  });

  it('V1 stays within its history limit whatever the id says', () => {
    expect(horizonFor('v1', '20170101-AAAA', now)).toEqual({ since: Date.UTC(2024, 8, 15, 10, 30), source: 'v1-history' });
  });

  it('a horizon the user set is honoured for V2 ids that give a creation date: the nearer of the two limits', () => {
    const options = { fallbackMonths: 36, v1HistoryMonths: 6 };
    // Created long before the horizon: the horizon wins.
    expect(horizonFor('v2', '20170101-AAAA', now, { ...options, horizonMonths: 12 }))
      .toEqual({ since: Date.UTC(2024, 2, 15, 10, 30), source: 'user-horizon' });
    // Created after it: nothing older exists, the creation date wins.
    expect(horizonFor('v2', '20240105-AAAA', now, { ...options, horizonMonths: 24 }))
      .toEqual({ since: Date.UTC(2024, 0, 5), source: 'store-creation' });
    // No horizon: back to the creation as before.
    expect(horizonFor('v2', '20170101-AAAA', now, { ...options, horizonMonths: null }))
      .toEqual({ since: Date.UTC(2017, 0, 1), source: 'store-creation' });
  });

  it('a horizon replaces the fallback for undated V2 ids, and only shortens V1 history', () => {
    const options = { fallbackMonths: 36, v1HistoryMonths: 6 };
    expect(horizonFor('v2', 'ffffffff-AAAA', now, { ...options, horizonMonths: 3 }))
      .toEqual({ since: Date.UTC(2024, 11, 15, 10, 30), source: 'user-horizon' });
    expect(horizonFor('v1', 'x', now, { ...options, horizonMonths: 3 })).toEqual({ since: Date.UTC(2024, 11, 15, 10, 30), source: 'user-horizon' });
    expect(horizonFor('v1', 'x', now, { ...options, horizonMonths: 24 })).toEqual({ since: Date.UTC(2024, 8, 15, 10, 30), source: 'v1-history' });
  });
});

describe('addMonthsUTC', () => {
  it('clamps to the last day of the target month', () => {
    expect(addMonthsUTC(Date.UTC(2025, 2, 31), -1)).toBe(Date.UTC(2025, 1, 28));
    expect(addMonthsUTC(Date.UTC(2024, 2, 31), -1)).toBe(Date.UTC(2024, 1, 29));
    expect(addMonthsUTC(Date.UTC(2025, 0, 15), -6)).toBe(Date.UTC(2024, 6, 15));
  });
});

describe('monthWindows', () => {
  // evotor-api.md §10 (DOCSRC rest_documents): since inclusive, until exclusive, so [since, until) windows tile time.
  it('runs newest first, clipped at both ends, each [month start, next month start)', () => {
    const w = monthWindows(Date.UTC(2024, 11, 20), now);
    expect(w.map((x) => x.month)).toEqual(['2025-03', '2025-02', '2025-01', '2024-12']);
    expect(w[0]).toEqual({ month: '2025-03', since: Date.UTC(2025, 2, 1), until: now });
    expect(w[1]).toEqual({ month: '2025-02', since: Date.UTC(2025, 1, 1), until: Date.UTC(2025, 2, 1) });
    expect(w[3]).toEqual({ month: '2024-12', since: Date.UTC(2024, 11, 20), until: Date.UTC(2025, 0, 1) });
  });

  it('is empty for an empty range and one window inside a month; an until on a month start opens no empty month', () => {
    expect(monthWindows(now, now - 1)).toEqual([]);
    expect(monthWindows(now, now)).toEqual([]);
    expect(monthWindows(now - 1000, now)).toEqual([{ month: '2025-03', since: now - 1000, until: now }]);
    expect(monthWindows(Date.UTC(2025, 1, 10), Date.UTC(2025, 2, 1))).toEqual([{ month: '2025-02', since: Date.UTC(2025, 1, 10), until: Date.UTC(2025, 2, 1) }]);
  });

  it('partitions any range: contiguous, no overlap, each inside one calendar month', () => {
    const t = fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2030, 0, 1) });
    fc.assert(fc.property(t, t, (a, b) => {
      if (a === b) return;
      const [since, until] = a < b ? [a, b] : [b, a];
      const w = monthWindows(since, until);
      expect(w[0]!.until).toBe(until);
      expect(w.at(-1)!.since).toBe(since);
      for (let i = 0; i < w.length; i++) {
        const x = w[i]!;
        expect(x.since).toBeLessThan(x.until);
        expect(monthKey(x.since)).toBe(x.month);
        expect(monthKey(x.until - 1)).toBe(x.month);
        // No gap, no overlap: the newer window starts exactly where this one ends.
        if (i > 0) expect(x.until).toBe(w[i - 1]!.since);
      }
    }));
  });
});

describe('wider windows', () => {
  const month = (key: string, since: number, until: number, extra: Partial<MonthState> = {}): MonthState => ({ month: key, since, until, done: false, cursor: null, ...extra });
  const months = monthWindows(Date.UTC(2022, 0, 10), Date.UTC(2024, 5, 15)).map((w) => month(w.month, w.since, w.until));

  it('takes the newest free month and the older ones that follow it within the span', () => {
    expect(nextWindow(months, new Set(), 0)).toEqual({ head: months[0], covered: [] });
    const wide = nextWindow(months, new Set(), Number.POSITIVE_INFINITY)!;
    expect(wide.head).toBe(months[0]);
    expect(wide.covered).toEqual(months.slice(1));
    expect(planWindow(wide)).toEqual({ since: Date.UTC(2022, 0, 10), until: Date.UTC(2024, 5, 15) });
    // 70 days from the head's end reach back into April 2024 (the head is June, May is whole).
    expect(nextWindow(months, new Set(), 70 * 86_400_000)!.covered.map((m) => m.month)).toEqual(['2024-05']);
  });

  it('stops at a month that is done, in flight or begun, and keeps the months of a window already open', () => {
    const list = months.map((m, i) => (i === 3 ? { ...m, done: true } : i === 5 ? { ...m, cursor: 'c' } : m));
    expect(nextWindow(list, new Set(['2024-06']), Number.POSITIVE_INFINITY)!.covered.map((m) => m.month)).toEqual(['2024-04']);
    expect(nextWindow(list, new Set(['2024-06', '2024-05', '2024-04']), Number.POSITIVE_INFINITY)!.head.month).toBe('2024-02');
    const open = months.map((m, i) => (i === 1 ? { ...m, cursor: 'c9', windowSince: months[4]!.since } : m));
    expect(nextWindow(open, new Set(['2024-06']), 0)!.covered.map((m) => m.month)).toEqual(['2024-04', '2024-03', '2024-02']);
  });

  it('grows a window to the horizon after an empty one, by density after a sparse one, and at least doubles it', () => {
    const day = 86_400_000;
    expect(grownSpanMs(30 * day, 0, 100)).toBe(Number.POSITIVE_INFINITY);
    expect(grownSpanMs(30 * day, 5, 100)).toBe(300 * day); // ~50 documents expected: half a page
    expect(grownSpanMs(30 * day, 40, 100)).toBe(60 * day);
    expect(grownSpanMs(30 * day, 5, 0)).toBe(60 * day); // page size not seen yet: only doubles
  });

  it('opens a fresh pull with the newest month and everything older; coverage is the newest run of done months', () => {
    const [first, rest] = openingWindows(months, true);
    expect(first).toEqual({ head: months[0], covered: [] });
    expect(rest!.head).toBe(months[1]);
    expect(rest!.covered).toEqual(months.slice(2));
    // Not split (a store started among others): one window, the newest month to the horizon.
    expect(openingWindows(months, false)).toEqual([{ head: months[0], covered: months.slice(1) }]);
    expect(planWindow(openingWindows(months, false)[0]!)).toEqual({ since: months.at(-1)!.since, until: months[0]!.until });
    expect(coveredSinceOf(months)).toBeNull();
    const done = months.map((m, i) => (i === 0 || i === 1 || i === 3 ? { ...m, done: true } : m));
    expect(coveredSinceOf(done)).toBe(months[1]!.since);
    expect(monthsCovered(done)).toBe(2);
  });
});
