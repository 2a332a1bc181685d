/**
 * The pull of one store: all product pages, then documents month by month from the snapshot time back to the
 * horizon. Every page is committed together with the checkpoint past it (local/db.ts), so a reload, a crash or a
 * closed tab resumes at exactly the next page: no page is fetched twice, none is skipped.
 *
 * Early stop: once every tracked product is decided by completely fetched months (computation.ts), older months
 * cannot change the result and the pull ends, unless `fullPeriod` asks for everything (a full ledger check).
 * The result is offered earlier still, after `offerAfterMonths` months; the pull then goes on in the background
 * for the products still undecided, as the guide says.
 */
import { isApiError } from '../api/errors.ts';
import type { EvotorClient, RawPage } from '../api/client.ts';
import { CursorTrail, recentCursors } from '../api/paging.ts';
import type { LocalStore } from '../local/db.ts';
import { encodePage, type PageRow } from '../local/page-rows.ts';
import {
  PRODUCTS_PHASE,
  type CheckpointRecord, type InventoryRecord, type JobOptions, type JobRecord, type ProductRecord,
  type QuarantineRecord, type UnknownProductRecord,
} from '../local/schema.ts';
import { normaliseDocument, normaliseProduct } from '../model/normalise.ts';
import type { Catalogue } from '../stock/catalogue.ts';
import { addSkipCounts, emptySkipCounts, toProductEvents } from '../stock/events.ts';
import { productKey } from '../stock/order.ts';
import type { SkipCounts } from '../stock/types.ts';
import { PRODUCT_QUARANTINE_PREFIX, type StoreComputation } from './computation.ts';
import { priorityOf, type RequestSlots } from './slots.ts';
import { addMonthsUTC, coveredSinceOf, creationDateFromStoreId, grownSpanMs, horizonFor, monthsCovered, monthWindows, nextWindow, openingWindows, planWindow } from './windows.ts';

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  method: 'latest-document',
  horizonMonths: null,
  fullPeriod: false,
  offerAfterMonths: 6,
  fallbackHorizonMonths: 36,
  v1HistoryMonths: 6,
};

export interface PullRequest {
  storeId: string;
  storeName: string;
  options?: Partial<JobOptions>;
  /** Drop what was pulled before and start from the current time. */
  restart?: boolean;
  /** Also fetch this many months before the job's horizon (never before the store existed); the rest is kept. */
  olderMonths?: number;
}

export interface PageInfo {
  phase: 'products' | 'documents';
  month: string;
  /** Items on the page (documents or products). */
  items: number;
  monthDone: boolean;
  /** Months this page completed (a wide window completes several at once). */
  monthsDone: number;
}

export interface PullHooks {
  /** After every committed page, with the job row as committed. */
  onCommit?(job: JobRecord, page: PageInfo): void;
  /** The job row changed outside a page (start, offer, finish). */
  onJob?(job: JobRecord): void;
  /** Fetching is over; the final pass over the stored rows runs. */
  onFinishing?(): void;
  /**
   * The store's opening requests are queued (before its first product page): a request the caller sends now goes
   * with them through the connection budget (the worker's device list).
   */
  onOpening?(): void;
}

export interface PullContext {
  local: LocalStore;
  client: EvotorClient;
  computation: StoreComputation;
  hooks?: PullHooks;
  now?: () => number;
  /** The worker's connection budget, shared by every store's pull (slots.ts); none: one request at a time. */
  slots?: RequestSlots;
  /** Requests this pull has sent (its priority for the next slot). */
  requests?: number;
  /** The store's place among the stores started (slots.ts priorityOf). */
  order?: number;
}

/**
 * Runs (or resumes) the pull of one store to its end. Throws AbortError when `signal` aborts (the caller marks
 * the job paused or cancelled), ApiError when Evotor refuses (the caller marks it failed).
 */
export async function pullStore(request: PullRequest, ctx: PullContext, signal: AbortSignal): Promise<JobRecord> {
  return withStoreLock(request.storeId, signal, () => runPull(request, ctx, signal));
}

async function runPull(request: PullRequest, ctx: PullContext, signal: AbortSignal): Promise<JobRecord> {
  const { local, client, computation } = ctx;
  const now = ctx.now ?? Date.now;
  const { storeId } = request;
  let job = await prepareJob(request, ctx);
  ctx.hooks?.onJob?.(job);

  // 1. Products: the catalogue decides which lines count, so it comes first. A fresh V2 pull sends its first two
  // document windows with them (windows.ts openingWindows); their pages are read once the catalogue is in.
  let cp = await mustCheckpoint(local, storeId, PRODUCTS_PHASE);
  const early = new Map<string, Promise<RawPage>>();
  if (client.api === 'v2' && !cp.done) {
    const months = (await local.listCheckpoints(storeId)).filter((c) => c.month !== PRODUCTS_PHASE).sort(newestFirst);
    for (const plan of openingWindows(months)) {
      const window = planWindow(plan);
      const page = throughSlots(ctx, signal, () => client.documentPage(storeId, { window }, signal), true);
      page.catch(() => undefined); // awaited by the documents phase; a failure before it must not go unhandled
      early.set(windowKey(window), page);
    }
  }
  ctx.hooks?.onOpening?.();
  const productTrail = new CursorTrail('listProducts', { pagesBefore: cp.pages, seen: [cp.cursor, ...(cp.recentCursors ?? [])] });
  while (!cp.done) {
    signal.throwIfAborted();
    const cursor = cp.cursor;
    const page = await throughSlots(ctx, signal, () => client.productPage(storeId, cursor, signal), cursor === null);
    productTrail.next(page.nextCursor);
    const products: ProductRecord[] = [];
    const quarantine: QuarantineRecord[] = [];
    page.items.forEach((raw, index) => {
      const result = normaliseProduct(raw, client.api);
      if (result.ok) {
        products.push({ ...result.product, storeId, pk: productKey(result.product.id), ...(result.warnings.length ? { cloudWarnings: result.warnings } : {}) });
      } else {
        quarantine.push({
          storeId, key: `${PRODUCT_QUARANTINE_PREFIX}${result.id ?? `${cp.pages}#${index}`}`, documentId: null,
          type: 'PRODUCT', closeTime: null, reason: result.reason, productIds: result.id ? [result.id] : [],
          month: PRODUCTS_PHASE, at: now(),
        });
      }
    });
    const next = advance(cp, page.nextCursor, page.items.length, now());
    job = await local.commitProductPage({
      storeId, expected: cp, next, products, quarantine,
      updateJob: (j) => ({ ...j, productPages: j.productPages + 1, updatedAt: now() }),
    });
    cp = next;
    ctx.hooks?.onCommit?.(job, { phase: 'products', month: PRODUCTS_PHASE, items: page.items.length, monthDone: next.done, monthsDone: 0 });
  }

  // Resuming: rebuild every row (and so the decided set) from what is on disk, once.
  await computation.load(job, signal);

  // 2. Documents, newest windows first.
  const documents = await fetchDocuments(job, ctx, signal, early);
  job = documents.job;
  const stopReason = documents.stopReason;

  // 3. Done: one pass over everything so ledgers and chain checks see the whole fetched history.
  ctx.hooks?.onFinishing?.();
  await computation.finish(signal);
  const counts = computation.counts();
  job = await updateJob(local, storeId, (j) => ({
    ...j, status: 'done', stopReason, productsTracked: counts.tracked, productsDecided: counts.decided, resultOfferedAt: j.resultOfferedAt ?? now(), finishedAt: now(), updatedAt: now(), error: null,
  }));
  ctx.hooks?.onJob?.(job);
  return job;
}

/** Answers to a wide window's first request that mean "ask for less" (V2 states no limit; a proxy may have one). */
const REFUSED_WINDOW = new Set(['bad-request', 'too-large', 'server-error', 'timeout']);

/**
 * The result is offered once every product is decided, or once the offer period (`offerAfterMonths`) is read and the
 * last QUIET_MONTHS decided nothing more (a product no document names must not hold it back), or at twice the period
 * at the latest; the pull then goes on in the background.
 */
export const QUIET_MONTHS = 2;

/**
 * Sends a request through the worker's connection budget, when there is one: a store's opening requests first, then
 * the store with the fewest requests sent (slots.ts priorityOf).
 */
function throughSlots<T>(ctx: PullContext, signal: AbortSignal, send: () => Promise<T>, opening = false): Promise<T> {
  const n = (ctx.requests = (ctx.requests ?? 0) + 1);
  return ctx.slots ? ctx.slots.run(priorityOf(opening ? 0 : n, ctx.order ?? 0), send, signal) : send();
}

/**
 * Documents, newest first, in windows of whole months (each committed page carries its checkpoint):
 * - a window that comes back in one page makes the next one wider (windows.ts grownSpan: to the horizon after an
 *   empty one), so a long empty history is crossed in a few requests; a wide window whose first page is full is
 *   dropped uncommitted and the months are taken one by one; a refused wide window halves, and the limit is kept on
 *   the job (`windowLimitMs`). V1 keeps one month (its API's limit).
 * - once a window needs several pages, the next months are fetched side by side, as many as the connection budget
 *   allows (the slots decide between stores);
 * - early stop: once every tracked product is decided inside the months done without a gap (coveredSince), no new
 *   window starts and the ones in flight stop after their current page (what they committed stays; fullPeriod
 *   reopens them).
 * Commits are made one at a time, so the job row, the coverage and the computation always agree.
 */
async function fetchDocuments(
  startJob: JobRecord, ctx: PullContext, signal: AbortSignal, early: Map<string, Promise<RawPage>>,
): Promise<{ job: JobRecord; stopReason: JobRecord['stopReason'] }> {
  const { local, client, computation } = ctx;
  const now = ctx.now ?? Date.now;
  const storeId = startJob.storeId;
  const catalogue = computation.catalogueMap();
  let job = startJob;
  const months = (await local.listCheckpoints(storeId)).filter((c) => c.month !== PRODUCTS_PHASE).sort(newestFirst);
  const indexOf = new Map(months.map((m, i) => [m.month, i]));
  const busy = new Set<string>();
  const growing = client.api === 'v2';
  let limit = job.windowLimitMs ?? Number.POSITIVE_INFINITY;
  /** How long the next window may be (ms); 0: one month. */
  let span = 0;
  let dense = false;
  /** A fresh pull: the newest month and everything older go together (openingWindows). */
  let opening = growing && months.every((m) => !m.done && m.cursor === null);
  let fullPage = 0;
  let stopping = false;
  let lastDecided = computation.counts().decided;
  let gainedAt = monthsCovered(months);
  const maxLanes = ctx.slots?.size ?? 1;
  let commits: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = commits.then(task);
    commits = run.catch(() => undefined);
    return run;
  };
  const earlyStop = () => !job.options.fullPeriod && job.coveredSince !== null && computation.allTrackedDecided();

  /** After a commit that completed months: offer the result when its time has come. */
  const afterCoverage = async () => {
    const covered = monthsCovered(months);
    const decided = computation.counts().decided;
    if (decided > lastDecided) {
      lastDecided = decided;
      gainedAt = covered;
    }
    if (earlyStop()) stopping = true;
    const period = job.options.offerAfterMonths;
    const offer = computation.allTrackedDecided() || (covered >= period && (covered - gainedAt >= QUIET_MONTHS || covered >= 2 * period));
    if (job.resultOfferedAt === null && offer) {
      const counts = computation.counts();
      job = await updateJob(local, storeId, (j) => ({
        ...j, resultOfferedAt: now(), productsTracked: counts.tracked, productsDecided: counts.decided, updatedAt: now(),
      }));
      ctx.hooks?.onJob?.(job);
    }
  };

  const fetchWindow = async (head: CheckpointRecord, covered: CheckpointRecord[]): Promise<void> => {
    const window = [head, ...covered];
    for (const m of window) busy.add(m.month);
    try {
      let cp: CheckpointRecord = covered.length > 0 && head.cursor === null ? { ...head, windowSince: covered.at(-1)!.since } : head;
      const wide = cp.windowSince !== undefined;
      let pagesHere = 0;
      let documentsHere = 0;
      let prefetched: Promise<RawPage> | null = null;
      // Pages counted since the window began and its latest cursors: a resume keeps both (a cloud paging in a circle).
      let trail = new CursorTrail('listDocuments', { pagesBefore: cp.pages, seen: [cp.cursor, ...(cp.recentCursors ?? [])] });
      let restarts = 0;
      const fetchPage = (at: CheckpointRecord): Promise<RawPage> => {
        if (at.cursor !== null) return throughSlots(ctx, signal, () => client.documentPage(storeId, { cursor: at.cursor! }, signal));
        const window = { since: at.windowSince ?? at.since, until: at.until };
        const sent = early.get(windowKey(window));
        early.delete(windowKey(window));
        return sent ?? throughSlots(ctx, signal, () => client.documentPage(storeId, { window }, signal));
      };
      while (!cp.done) {
        if (stopping) return;
        signal.throwIfAborted();
        let page: RawPage;
        try {
          page = await (prefetched ?? fetchPage(cp));
        } catch (error) {
          prefetched = null;
          // A cursor the server no longer knows (expired after a long pause): start the window again. The computation
          // keeps one row per (document, product), so pages met again count once; only this restart can fetch a page twice.
          // Twice at most: a cloud that refuses every cursor it hands out would otherwise restart the window forever.
          if (cp.cursor !== null && restarts < 2 && isApiError(error) && (error.code === 'bad-request' || error.code === 'not-found')) {
            restarts++;
            const restarted = { ...cp, cursor: null, recentCursors: [], updatedAt: now() };
            await serially(() => local.putCheckpoint(restarted));
            cp = restarted;
            months[indexOf.get(cp.month)!] = cp;
            trail = new CursorTrail('listDocuments', { pagesBefore: cp.pages });
            continue;
          }
          // A wide window refused: at most half as long from now on, remembered on the job (one month is always asked).
          if (cp.cursor === null && wide && pagesHere === 0 && isApiError(error) && REFUSED_WINDOW.has(error.code)) {
            limit = Math.min(limit, Math.floor((cp.until - cp.windowSince!) / 2));
            opening = false;
            job = await serially(() => updateJob(local, storeId, (j) => ({ ...j, windowLimitMs: limit, updatedAt: now() })));
            return;
          }
          throw error;
        }
        trail.next(page.nextCursor);
        if (page.nextCursor !== null) {
          fullPage = Math.max(fullPage, page.items.length);
          dense = true;
          // A wide window that fills its first page: its oldest documents come first, so reading it whole could fetch
          // months an early stop never needs. Drop the page (nothing committed) and take the months one by one.
          if (wide && cp.cursor === null && pagesHere === 0) {
            span = 0;
            opening = false;
            return;
          }
        }
        // The next page needs only the cursor: fetch it while this one is normalised and committed. Until this
        // commit lands, neither page is checkpointed, so a crash now refetches both and skips none.
        prefetched = page.nextCursor === null || stopping ? null : fetchPage({ ...cp, cursor: page.nextCursor });
        prefetched?.catch(() => undefined); // handled when awaited above; an abort meanwhile must not go unhandled
        const rows = documentRows(page.items, { storeId, month: cp.month, page: cp.pages, api: client.api, catalogue, at: now() });
        // Nothing below refers to the raw page, so it is garbage before the commit's await (a page is ~10 MB of objects).
        const itemCount = page.items.length;
        const expected = cp;
        const next = advance(cp, page.nextCursor, itemCount, now());
        if (next.done) delete next.windowSince;
        const alsoDone = next.done ? covered.map((m) => ({ ...months[indexOf.get(m.month)!]!, done: true, cursor: null, updatedAt: now() })) : [];
        job = await serially(async () => {
          const decided = computation.counts();
          // Coverage as it will be once this commit lands (the months of this window done with it).
          const after = months.map((m) => (m.month === next.month ? next : alsoDone.find((d) => d.month === m.month) ?? m));
          const committed = await local.commitDocumentPage({
            storeId, expected, next, alsoDone, inventories: rows.inventories, quarantine: rows.quarantine,
            pages: encodePage({ storeId, month: expected.month, seq: expected.pages }, rows.rows),
            unknownProducts: rows.unknownProducts,
            updateJob: (j) => ({
              ...j,
              // As of the previous page: the rows of this one are folded after the commit.
              productsTracked: decided.tracked,
              productsDecided: decided.decided,
              pages: j.pages + 1,
              documents: j.documents + itemCount,
              lines: j.lines + rows.rows.length,
              quarantined: j.quarantined + rows.quarantine.length,
              skipped: sumSkips(j.skipped, rows.skipped),
              coveredSince: coveredSinceOf(after),
              updatedAt: now(),
            }),
          });
          for (const m of [next, ...alsoDone]) months[indexOf.get(m.month)!] = m;
          computation.afterPage({ rows: rows.rows, inventories: rows.inventories, quarantine: rows.quarantine });
          if (next.done) computation.setCoverage(committed.coveredSince);
          job = committed;
          ctx.hooks?.onCommit?.(committed, { phase: 'documents', month: next.month, items: itemCount, monthDone: next.done, monthsDone: next.done ? window.length : 0 });
          if (next.done) await afterCoverage();
          return job;
        });
        cp = next;
        pagesHere++;
        documentsHere += itemCount;
      }
      // The window is done: size the next one by what it held.
      opening = false;
      if (pagesHere === 1 && growing) {
        span = grownSpanMs(head.until - window.at(-1)!.since, documentsHere, fullPage);
        // Dense per day even in one page (the newest month may be a day old): the next windows are single months,
        // which need not wait for each other. Sparse: the next one waits to be sized by this one's answer.
        dense = span < LONGEST_MONTH_MS;
      } else if (pagesHere > 1) {
        span = 0;
      }
    } finally {
      for (const m of window) busy.delete(m.month);
    }
  };

  // Windows newest first; several side by side once the months are dense; a failure stops the others.
  const lanes = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;
  if (earlyStop()) {
    stopping = true;
  }
  for (;;) {
    while (!stopping && failure === null && lanes.size < (dense ? maxLanes : opening ? 2 : 1)) {
      const plan = nextWindow(months, busy, Math.min(limit, opening && lanes.size === 1 ? Number.POSITIVE_INFINITY : growing ? span : 0));
      if (!plan) break;
      const lane: Promise<void> = fetchWindow(plan.head, plan.covered)
        .catch((error: unknown) => {
          failure ??= { error };
          stopping = true;
        })
        .finally(() => lanes.delete(lane));
      lanes.add(lane);
    }
    if (lanes.size === 0) break;
    await Promise.race(lanes);
  }
  await commits;
  if (failure) throw (failure as { error: unknown }).error;
  // Only an early stop leaves months undone without a failure.
  return { job, stopReason: months.every((m) => m.done) ? 'horizon' : 'all-decided' };
}

const LONGEST_MONTH_MS = 31 * 86_400_000;
const newestFirst = (a: CheckpointRecord, b: CheckpointRecord) => (a.month < b.month ? 1 : -1);
const windowKey = (window: { since: number; until: number }) => `${window.since}/${window.until}`;

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

/** Resumes the stored job when there is one for this API version; otherwise starts a fresh one. */
async function prepareJob(request: PullRequest, ctx: PullContext): Promise<JobRecord> {
  const { local, client } = ctx;
  const now = (ctx.now ?? Date.now)();
  const existing = await local.getJob(request.storeId);
  if (existing && !request.restart && existing.api === client.api) {
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
    return job;
  }
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
  const fresh = (month: string, since: number, until: number): CheckpointRecord => ({
    storeId: request.storeId, month, cursor: null, done: false, pages: 0, documents: 0, since, until, updatedAt: now,
  });
  const checkpoints = [
    fresh(PRODUCTS_PHASE, 0, now),
    // Every document closed at or before the snapshot instant (the write-back guard takes those after it).
    ...monthWindows(horizon.since, now + 1).map((w) => fresh(w.month, w.since, w.until)),
  ];
  await local.resetStore(job, checkpoints);
  return job;
}

interface RowContext {
  storeId: string;
  month: string;
  page: number;
  api: EvotorClient['api'];
  catalogue: Catalogue;
  at: number;
}

export interface PageRows {
  /** One per (document, product), for the page record and the computation. */
  rows: PageRow[];
  inventories: InventoryRecord[];
  quarantine: QuarantineRecord[];
  unknownProducts: UnknownProductRecord[];
  skipped: SkipCounts;
}

/** A page of raw documents -> the rows to store. Each document is normalised on its own: a bad one is quarantined. */
export function documentRows(items: readonly unknown[], ctx: RowContext): PageRows {
  const rows: PageRows = { rows: [], inventories: [], quarantine: [], unknownProducts: [], skipped: emptySkipCounts() };
  const unknown = new Map<string, UnknownProductRecord>();
  items.forEach((raw, index) => {
    const result = normaliseDocument(raw, ctx.api);
    if (!result.ok) {
      const q = result.quarantined;
      rows.quarantine.push({
        storeId: ctx.storeId, key: q.id ?? `${ctx.month}#${ctx.page}#${index}`, documentId: q.id, type: q.type,
        closeTime: q.closeTime, reason: q.reason, productIds: q.productIds, month: ctx.month, at: ctx.at,
      });
      return;
    }
    const out = toProductEvents(result.doc, ctx.catalogue);
    for (const event of out.events) rows.rows.push({ pk: productKey(event.productId), event });
    if (out.inventory) rows.inventories.push({ ...out.inventory, storeId: ctx.storeId, month: ctx.month });
    addSkipCounts(rows.skipped, out.skipped);
    // Merged per page: the commit adds each page's figures to what is stored.
    for (const u of out.unknownProducts) {
      const seen = unknown.get(u.productId);
      unknown.set(u.productId, seen
        ? { ...seen, name: u.name ?? seen.name, code: u.code ?? seen.code, lines: seen.lines + u.lines, documents: seen.documents + u.documents }
        : { ...u, storeId: ctx.storeId });
    }
  });
  rows.unknownProducts = [...unknown.values()];
  return rows;
}

function advance(cp: CheckpointRecord, nextCursor: string | null, items: number, at: number): CheckpointRecord {
  return {
    ...cp, cursor: nextCursor, recentCursors: recentCursors(cp.recentCursors, nextCursor), done: nextCursor === null,
    pages: cp.pages + 1, documents: cp.documents + items, updatedAt: at,
  };
}

function sumSkips(a: SkipCounts, b: SkipCounts): SkipCounts {
  const sum = { ...a };
  addSkipCounts(sum, b);
  return sum;
}

async function mustCheckpoint(local: LocalStore, storeId: string, month: string): Promise<CheckpointRecord> {
  const cp = await local.getCheckpoint(storeId, month);
  if (!cp) throw new Error(`store ${storeId}: checkpoint ${month} is missing`);
  return cp;
}

async function updateJob(local: LocalStore, storeId: string, update: (job: JobRecord) => JobRecord): Promise<JobRecord> {
  const job = await local.updateJob(storeId, update);
  if (!job) throw new Error(`store ${storeId}: the job disappeared (cancelled and cleared?)`);
  return job;
}

/**
 * One pull per store across tabs and workers (Web Locks): a second tab waits instead of fetching the same pages.
 * The checkpoint check in every commit still protects browsers without Web Locks.
 */
async function withStoreLock<T>(storeId: string, signal: AbortSignal, run: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as WorkerNavigator | undefined)?.locks;
  if (!locks) return run();
  return locks.request(`evotor-stock-sync:pull:${storeId}`, { signal }, run) as Promise<T>;
}
