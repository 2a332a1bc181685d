/**
 * The pull-options policy, in one place: what the screens' choice (PullOptions: method, horizon, whole period) and
 * their «Загрузить более старые месяцы» mean for a store's pull, given what the page last heard of it. The worker
 * checks the options field by field (../worker/validate.ts) and the pull engine fills in its defaults
 * (src/pull/engine.ts DEFAULT_JOB_OPTIONS); everything decided about them is decided here.
 */
import type { PullOptions, StartOptions, StoreProgress } from '../shared/types.ts';

/** V1 keeps a limited history: never ask for more months than this there. */
export const V1_HISTORY_MONTHS_MAX = 12;

/** «Загрузить более старые месяцы» after a finished pull: this many months before its horizon. */
export const OLDER_MONTHS_STEP = 12;

/** The options a store's job was started with (saved with it in IndexedDB), as the screens say them. */
export function optionsOfProgress(p: StoreProgress): PullOptions {
  return { method: p.method, horizonMonths: p.horizonMonths, fullPeriod: p.fullPeriod };
}

const sameOptions = (a: PullOptions, b: PullOptions): boolean =>
  a.method === b.method && a.horizonMonths === b.horizonMonths && a.fullPeriod === b.fullPeriod;

/**
 * startPull's options. A finished pull starts again from now (so does one whose background fetching was stopped,
 * or one laid out for another horizon: its months differ). A pull cancelled before its result keeps its pages: it
 * continues from them, as a paused one does.
 */
export function startOptionsFor(last: StoreProgress | undefined, options: PullOptions, storeName: string | undefined): StartOptions {
  const hasJob = last !== undefined && last.status !== 'idle';
  const finished = last?.status === 'done' || (last?.status === 'cancelled' && last.resultReady);
  const horizon = options.horizonMonths;
  return {
    restart: hasJob && (finished || last.horizonMonths !== horizon),
    method: options.method,
    fullPeriod: options.fullPeriod,
    horizonMonths: horizon,
    ...(horizon !== null ? { v1HistoryMonths: Math.min(horizon, V1_HISTORY_MONTHS_MAX) } : {}),
    // Without a name from the cloud's list, the worker finds it (or shows the id).
    ...(storeName !== undefined ? { storeName } : {}),
  };
}

/**
 * «Загрузить более старые месяцы» for undecided products: a pull stopped before its horizon goes on (resume); a
 * finished one gets OLDER_MONTHS_STEP months before its horizon laid out and fetched, keeping what is loaded.
 */
export function olderMonthsCall(last: StoreProgress | undefined): { resume: true } | { resume: false; options: StartOptions } {
  return last && last.status !== 'done' ? { resume: true } : { resume: false, options: { olderMonths: OLDER_MONTHS_STEP } };
}

/**
 * Options just asked for, until the worker's progress shows them (its progress carries the saved ones): the screens
 * show the choice at once, not the job's old options in the meantime.
 */
export class AskedOptions {
  private readonly asked = new Map<string, PullOptions>();

  ask(storeId: string, options: PullOptions): void {
    this.asked.set(storeId, options);
  }

  /** A progress event arrived: the ask is answered once the job carries the same options. */
  heard(p: StoreProgress): void {
    const asked = this.asked.get(p.storeId);
    if (asked && sameOptions(asked, optionsOfProgress(p))) this.asked.delete(p.storeId);
  }

  of(p: StoreProgress): PullOptions {
    return this.asked.get(p.storeId) ?? optionsOfProgress(p);
  }
}
