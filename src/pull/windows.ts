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
