/**
 * Time windows of a pull: months from the snapshot time back to the horizon, newest first (the guide's tip:
 * request by month; newest first so the result can be offered before the oldest months arrive).
 * Months are calendar months in UTC: they only partition time, the UI shows local times from the documents.
 */
import type { ApiVersion } from '../model/types.ts';

export interface MonthWindow {
  /** 'YYYY-MM' (UTC): the checkpoint key. */
  month: string;
  /** Epoch ms: since inclusive, until exclusive, as the documents query reads them (evotor-api.md §10). */
  since: number;
  until: number;
}

export interface HorizonOptions {
  /** V2, when the store id does not start with a creation date: how many months back to go. */
  fallbackMonths: number;
  /** V1: how far back the API keeps documents (the reference says 6 months; some say a year). */
  v1HistoryMonths: number;
  /**
   * The user's horizon in months, if they set one: no pull goes further back. For a V2 store whose id gives its
   * creation date the pull goes back to the later of the creation date and `now − horizonMonths` (the nearer
   * of the two limits), so a horizon is honoured for dated ids as well.
   */
  horizonMonths?: number | null;
}

export const DEFAULT_HORIZON: HorizonOptions = { fallbackMonths: 36, v1HistoryMonths: 6 };

/** Evotor launched in 2015; a "date" before that in an id is a coincidence, not a creation date. */
const EARLIEST_CREATION = Date.UTC(2015, 0, 1);

/**
 * The store's creation date from the first 8 characters of its id (yyyymmdd, e.g. 20170222-5A12-…), as the
 * guide says; null when they are not a real calendar date between 2015 and `now`.
 */
export function creationDateFromStoreId(storeId: string, now: number = Date.now()): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(storeId);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return null;
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2017-02-30 over into March: a day the month lacks is not a date.
  if (new Date(ms).getUTCDate() !== day) return null;
  return ms >= EARLIEST_CREATION && ms <= now ? ms : null;
}

/** `months` calendar months before `ms`, clamped to the target month's last day (31 Mar - 1 = 28/29 Feb). */
export function addMonthsUTC(ms: number, months: number): number {
  const d = new Date(ms);
  const target = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
  const t = new Date(target);
  const lastDay = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  return Date.UTC(
    t.getUTCFullYear(), t.getUTCMonth(), Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds(),
  );
}

export interface Horizon {
  /** Earliest close time to fetch, epoch ms. */
  since: number;
  source: 'store-creation' | 'fallback' | 'v1-history' | 'user-horizon';
}

/**
 * How far back a pull goes: V2 to the store's creation, V1 within its history limit, and in both never further
 * than the user's horizon when one is set.
 */
export function horizonFor(api: ApiVersion, storeId: string, now: number, options: HorizonOptions = DEFAULT_HORIZON): Horizon {
  const months = options.horizonMonths;
  const user = months != null && Number.isFinite(months) && months > 0 ? addMonthsUTC(now, -Math.ceil(months)) : null;
  if (api === 'v1') {
    const limit = addMonthsUTC(now, -options.v1HistoryMonths);
    return user !== null && user > limit ? { since: user, source: 'user-horizon' } : { since: limit, source: 'v1-history' };
  }
  const created = creationDateFromStoreId(storeId, now);
  if (created !== null) return user !== null && user > created ? { since: user, source: 'user-horizon' } : { since: created, source: 'store-creation' };
  if (user !== null) return { since: user, source: 'user-horizon' };
  return { since: addMonthsUTC(now, -options.fallbackMonths), source: 'fallback' };
}

export function monthKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Calendar months covering [since, until), newest first, each clipped to the range: [month start, next month start).
 * Every window is at most one calendar month (V1's per-request limit); one window's until is the next one's since,
 * so they tile time with no gap and no overlap (evotor-api.md §10: since inclusive, until exclusive).
 */
export function monthWindows(since: number, until: number): MonthWindow[] {
  const windows: MonthWindow[] = [];
  if (until <= since) return windows;
  const u = new Date(until - 1);
  let monthStart = Date.UTC(u.getUTCFullYear(), u.getUTCMonth(), 1);
  let windowEnd = until;
  while (windowEnd > since) {
    windows.push({ month: monthKey(monthStart), since: Math.max(monthStart, since), until: windowEnd });
    windowEnd = monthStart;
    const s = new Date(monthStart);
    monthStart = Date.UTC(s.getUTCFullYear(), s.getUTCMonth() - 1, 1);
  }
  return windows;
}

// ----- document windows of more than one month ---------------------------------------------------------------------

/** What the planner needs of a month's checkpoint (local/schema.ts CheckpointRecord). */
export interface MonthState {
  month: string;
  since: number;
  until: number;
  done: boolean;
  cursor: string | null;
  /** Set while a window wider than this month is open on it: the window is [windowSince, until). */
  windowSince?: number;
}

/**
 * The next window to fetch: the newest month not done and not in flight, and with it the older months that follow it
 * directly (none done, in flight or begun between them) while the window stays within `spanMs`. A window already open on its newest month (`windowSince`, after a reload) keeps exactly the months it
 * covers. Null when nothing is left.
 */
export function nextWindow<M extends MonthState>(newestFirst: readonly M[], busy: ReadonlySet<string>, spanMs: number): { head: M; covered: M[] } | null {
  const i = newestFirst.findIndex((m) => !m.done && !busy.has(m.month));
  if (i < 0) return null;
  const head = newestFirst[i]!;
  const covered: M[] = [];
  for (let j = i + 1; j < newestFirst.length; j++) {
    const m = newestFirst[j]!;
    const fits = head.windowSince !== undefined ? m.since >= head.windowSince : head.until - m.since <= spanMs;
    if (!fits || m.done || busy.has(m.month) || m.cursor !== null || m.windowSince !== undefined) break;
    covered.push(m);
  }
  return { head, covered };
}

/**
 * The opening windows of a fresh V2 pull, sent with the products. `split`: the newest month, and everything older to
 * the horizon (two requests; a dense store's newest month can decide it a round trip sooner). Otherwise one window,
 * the newest month to the horizon: a store with little history is read in one request, and a dense one's first page
 * is full, so it is cut back to months (that request lost, and the newest month a round trip later).
 */
export function openingWindows<M extends MonthState>(newestFirst: readonly M[], split: boolean): { head: M; covered: M[] }[] {
  const busy = new Set<string>();
  const plans: { head: M; covered: M[] }[] = [];
  for (const spanMs of split ? [0, Number.POSITIVE_INFINITY] : [Number.POSITIVE_INFINITY]) {
    const plan = nextWindow(newestFirst, busy, spanMs);
    if (!plan) break;
    for (const m of [plan.head, ...plan.covered]) busy.add(m.month);
    plans.push(plan);
  }
  return plans;
}

/** The request window of a plan: [since of its oldest month, until of its newest). */
export function planWindow(plan: { head: MonthState; covered: readonly MonthState[] }): { since: number; until: number } {
  return { since: plan.head.windowSince ?? (plan.covered.at(-1) ?? plan.head).since, until: plan.head.until };
}

/**
 * How long the window after one that came back in a single page may be: long enough to be expected to fill about
 * half a page at the density just seen, and at least twice as long. An empty window says nothing about density, so
 * the next one may reach the horizon (V2 states no maximum span; a window that turns out dense is cut back on its
 * first page, and a refused one halves). `fullPage` is the size of a full page as seen; while none has been seen
 * (the reference does not state it, evotor-api.md §2 "Page shape and paging") the window only doubles.
 */
export function grownSpanMs(windowMs: number, documents: number, fullPage: number): number {
  if (documents === 0) return Number.POSITIVE_INFINITY;
  return Math.max(2 * windowMs, (windowMs * fullPage) / (2 * documents));
}

/** Every document closed at or after this time is in: the since of the newest run of done months; null if none. */
export function coveredSinceOf(newestFirst: readonly MonthState[]): number | null {
  let since: number | null = null;
  for (const m of newestFirst) {
    if (!m.done) break;
    since = m.since;
  }
  return since;
}

/** How many months, newest first, are done without a gap. */
export function monthsCovered(newestFirst: readonly MonthState[]): number {
  let n = 0;
  while (n < newestFirst.length && newestFirst[n]!.done) n++;
  return n;
}
