/**
 * A store's job: resumed when one exists for the same API version, else a fresh one laid out month by month from the
 * snapshot time back to the horizon; `olderMonths` lays out months before a finished job's horizon.
 */
import type { CheckpointRecord, JobOptions, JobRecord } from '../local/schema.ts';
import { emptySkipCounts } from '../stock/events.ts';
import type { PullContext, PullRequest } from './context.ts';
import { PRODUCTS_PHASE } from '../local/schema.ts';
import { addMonthsUTC, creationDateFromStoreId, horizonFor, monthWindows } from './windows.ts';

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  method: 'latest-document',
  horizonMonths: null,
  fullPeriod: false,
  offerAfterMonths: 6,
  fallbackHorizonMonths: 36,
  v1HistoryMonths: 6,
};

export interface PreparedJob {
  job: JobRecord;
  checkpoints: CheckpointRecord[];
  /** Laid out now (nothing of the store's previous pull is kept), not resumed. */
  fresh: boolean;
  /** Fresh, and there was a job on disk (a restart, another API version): its rows go when this one is written. */
  replaces?: boolean;
}

/** Whether the stored job (if any) is resumed rather than replaced by a fresh one. */
export function resumes(existing: JobRecord | undefined, request: PullRequest, ctx: PullContext): existing is JobRecord {
  return existing !== undefined && !request.restart && existing.api === ctx.client.api;
}

/**
 * Resumes the stored job when there is one for this API version; otherwise starts a fresh one: `fresh` when given
 * (laid out before, its opening requests already sent), else one laid out now. Returns the job and its checkpoints.
 * A fresh job is not written here: it goes with its first product page (engine.ts, LocalStore.commitProductPage).
 */
export async function prepareJob(request: PullRequest, ctx: PullContext, fresh?: PreparedJob): Promise<PreparedJob> {
  const { local } = ctx;
  const now = (ctx.now ?? Date.now)();
  const existing = await local.getJob(request.storeId);
  if (resumes(existing, request, ctx)) {
    // The months to fetch were laid out for the job's horizon: a resume keeps it (a new horizon needs a restart).
    const options = { ...existing.options, ...request.options, horizonMonths: existing.options.horizonMonths };
    // Asking for the whole period after an early stop reopens the remaining months.
    const reopened = existing.status === 'done' && options.fullPeriod && existing.stopReason === 'all-decided';
    const older = request.olderMonths ? await addOlderMonths(existing, request.olderMonths, ctx) : null;
    if (older) options.horizonMonths = existing.options.horizonMonths === null ? null : existing.options.horizonMonths + request.olderMonths!;
    const job: JobRecord = {
      ...existing, options, status: 'running', error: null, startedAt: now, updatedAt: now,
      ...(older ? { horizonSince: older.since, horizonSource: older.source, finishedAt: null, stopReason: null } : {}),
      // A name learnt since (the id is only what is shown while no name is known).
      storeName: request.storeName !== request.storeId ? request.storeName : existing.storeName,
      finishedAt: reopened ? null : existing.finishedAt,
      stopReason: reopened ? null : existing.stopReason,
    };
    await local.putJob(job);
    return { job, checkpoints: jobCheckpoints(job, await local.listCheckpoints(request.storeId)), fresh: false };
  }
  return { ...(fresh ?? freshJob(request, ctx, now)), replaces: existing !== undefined };
}

/**
 * Every checkpoint of a job: the months from its snapshot back to its horizon and its catalogue, each as stored, or
 * without a record of its own: done when a wide window completed it (schema.ts CheckpointRecord doneSince), else
 * untouched (no page has moved it).
 */
export function jobCheckpoints(job: JobRecord, stored: readonly CheckpointRecord[]): CheckpointRecord[] {
  const byMonth = new Map(stored.map((c) => [c.month, c]));
  // Months a wide window completed along with the month it was opened on (CheckpointRecord.doneSince).
  const covers = stored.filter((c) => c.done && c.doneSince !== undefined);
  const coveredBy = (since: number, until: number) => covers.find((c) => since >= c.doneSince! && until <= c.since);
  const laidOut = (month: string, since: number, until: number): CheckpointRecord => {
    const own = byMonth.get(month);
    if (own) return own;
    const cover = coveredBy(since, until);
    return { storeId: job.storeId, month, cursor: null, done: cover !== undefined, pages: 0, documents: 0, since, until, updatedAt: cover?.updatedAt ?? job.snapshotAt };
  };
  return [
    laidOut(PRODUCTS_PHASE, 0, job.snapshotAt),
    // Every document closed at or before the snapshot instant (the write-back guard takes those after it).
    ...monthWindows(job.horizonSince, job.snapshotAt + 1).map((w) => laidOut(w.month, w.since, w.until)),
  ];
}

/** A fresh job from `now` (the snapshot time) back to the horizon, and its checkpoints (nothing written). */
export function freshJob(request: PullRequest, ctx: PullContext, now: number): PreparedJob {
  const { client } = ctx;
  const options = { ...DEFAULT_JOB_OPTIONS, ...request.options };
  const horizon = horizonFor(client.api, request.storeId, now, {
    fallbackMonths: options.fallbackHorizonMonths, v1HistoryMonths: options.v1HistoryMonths, horizonMonths: options.horizonMonths,
  });
  const job: JobRecord = {
    storeId: request.storeId, storeName: request.storeName, api: client.api, status: 'running', options,
    snapshotAt: now, horizonSince: horizon.since, horizonSource: horizon.source, coveredSince: null,
    pages: 0, productPages: 0, documents: 0, lines: 0, quarantined: 0, skipped: emptySkipCounts(),
    productsTracked: 0, productsDecided: 0, resultOfferedAt: null, stopReason: null, error: null,
    createdAt: now, startedAt: now, updatedAt: now, finishedAt: null,
  };
  return { job, checkpoints: jobCheckpoints(job, []), fresh: true };
}

/**
 * Lays out the months between `months` months before the job's horizon and the horizon (not before the store was
 * created, nor beyond V1's history); the months loaded stay as they are, so only the older documents are fetched.
 * Only once every month to the horizon is in (before that, the pull simply goes on). Null when nothing is older.
 */
async function addOlderMonths(job: JobRecord, months: number, ctx: PullContext): Promise<{ since: number; source: JobRecord['horizonSource'] } | null> {
  if (job.horizonSource === 'store-creation' || job.horizonSource === 'v1-history') return null;
  if (job.coveredSince === null || job.coveredSince > job.horizonSince) return null;
  const now = (ctx.now ?? Date.now)();
  const wanted = addMonthsUTC(job.horizonSince, -months);
  const created = job.api === 'v2' ? creationDateFromStoreId(job.storeId, now) : null;
  const limit = job.api === 'v1' ? addMonthsUTC(now, -job.options.v1HistoryMonths) : null;
  const since = Math.max(wanted, created ?? wanted, limit ?? wanted);
  if (since >= job.horizonSince) return null;
  const source: JobRecord['horizonSource'] = since === created ? 'store-creation' : since === limit ? 'v1-history' : job.horizonSource;
  for (const w of monthWindows(since, job.horizonSince)) {
    const loaded = await ctx.local.getCheckpoint(job.storeId, w.month);
    // The horizon's own month was loaded from the horizon on: it now also needs [its start, the old horizon). Its
    // page count goes on, so the new pages never overwrite the loaded ones.
    await ctx.local.putCheckpoint(loaded
      ? { ...loaded, since: w.since, until: loaded.since, cursor: null, done: false, updatedAt: now }
      : { storeId: job.storeId, month: w.month, cursor: null, done: false, pages: 0, documents: 0, since: w.since, until: w.until, updatedAt: now });
  }
  return { since, source };
}
