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
import { horizonFor, monthWindows } from './windows.ts';

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
}

export interface PageInfo {
  phase: 'products' | 'documents';
  month: string;
  /** Items on the page (documents or products). */
  items: number;
  monthDone: boolean;
}

export interface PullHooks {
  /** After every committed page, with the job row as committed. */
  onCommit?(job: JobRecord, page: PageInfo): void;
  /** The job row changed outside a page (start, offer, finish). */
  onJob?(job: JobRecord): void;
  /** Fetching is over; the final pass over the stored rows runs. */
  onFinishing?(): void;
}

export interface PullContext {
  local: LocalStore;
  client: EvotorClient;
  computation: StoreComputation;
  hooks?: PullHooks;
  now?: () => number;
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

  // 1. Products: the catalogue decides which lines count, so it comes first.
  let cp = await mustCheckpoint(local, storeId, PRODUCTS_PHASE);
  const productTrail = new CursorTrail('listProducts', { pagesBefore: cp.pages, seen: [cp.cursor, ...(cp.recentCursors ?? [])] });
  while (!cp.done) {
    signal.throwIfAborted();
    const page = await client.productPage(storeId, cp.cursor, signal);
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
    ctx.hooks?.onCommit?.(job, { phase: 'products', month: PRODUCTS_PHASE, items: page.items.length, monthDone: next.done });
  }

  // Resuming: rebuild every row (and so the decided set) from what is on disk, once.
  await computation.load(job, signal);
  const catalogue = computation.catalogueMap();

  // 2. Documents, newest month first.
  const months = (await local.listCheckpoints(storeId))
    .filter((c) => c.month !== PRODUCTS_PHASE)
    .sort((a, b) => (a.month < b.month ? 1 : -1));
  let monthsDone = months.filter((m) => m.done).length;
  let stopReason: JobRecord['stopReason'] = 'horizon';
  for (const month of months) {
    if (month.done) continue;
    if (!job.options.fullPeriod && job.coveredSince !== null && computation.allTrackedDecided()) {
      stopReason = 'all-decided';
      break;
    }
    let cp: CheckpointRecord = month;
    // Pages counted since the month began and its latest cursors: a resume keeps both.
    let trail = new CursorTrail('listDocuments', { pagesBefore: cp.pages, seen: [cp.cursor, ...(cp.recentCursors ?? [])] });
    let restarts = 0;
    let prefetched: Promise<RawPage> | null = null;
    while (!cp.done) {
      signal.throwIfAborted();
      let page: RawPage;
      try {
        page = await (prefetched ?? client.documentPage(storeId, cp.cursor !== null ? { cursor: cp.cursor } : { window: { since: cp.since, until: cp.until } }, signal));
      } catch (error) {
        prefetched = null;
        // A cursor the server no longer knows (expired after a long pause): start the month again. The computation
        // keeps one row per (document, product), so pages met again count once; only this restart can fetch a page twice.
        // Twice at most: a cloud that refuses every cursor it hands out would otherwise restart the month forever.
        if (cp.cursor !== null && restarts < 2 && isApiError(error) && (error.code === 'bad-request' || error.code === 'not-found')) {
          restarts++;
          const restarted = { ...cp, cursor: null, recentCursors: [], updatedAt: now() };
          await local.putCheckpoint(restarted);
          cp = restarted;
          trail = new CursorTrail('listDocuments', { pagesBefore: cp.pages });
          continue;
        }
        throw error;
      }
      trail.next(page.nextCursor);
      // The next page needs only the cursor: fetch it while this one is normalised and committed. Until this
      // commit lands, neither page is checkpointed, so a crash now refetches both and skips none.
      prefetched = page.nextCursor === null ? null : client.documentPage(storeId, { cursor: page.nextCursor }, signal);
      prefetched?.catch(() => undefined); // handled when awaited above; an abort meanwhile must not go unhandled
      const rows = documentRows(page.items, { storeId, month: cp.month, page: cp.pages, api: client.api, catalogue, at: now() });
      // Nothing below refers to the raw page, so it is garbage before the commit's await (a page is ~10 MB of objects).
      const itemCount = page.items.length;
      const next = advance(cp, page.nextCursor, itemCount, now());
      const decided = computation.counts();
      job = await local.commitDocumentPage({
        storeId, expected: cp, next, inventories: rows.inventories, quarantine: rows.quarantine,
        pages: encodePage({ storeId, month: cp.month, seq: cp.pages }, rows.rows),
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
          // Months complete newest first, so a finished month extends the coverage down to its start.
          coveredSince: next.done ? next.since : j.coveredSince,
          updatedAt: now(),
        }),
      });
      cp = next;
      computation.afterPage({ rows: rows.rows, inventories: rows.inventories, quarantine: rows.quarantine });
      if (next.done) computation.setCoverage(job.coveredSince);
      ctx.hooks?.onCommit?.(job, { phase: 'documents', month: cp.month, items: itemCount, monthDone: next.done });
    }
    monthsDone++;
    if (job.resultOfferedAt === null && (computation.allTrackedDecided() || monthsDone >= job.options.offerAfterMonths)) {
      const counts = computation.counts();
      job = await updateJob(local, storeId, (j) => ({
        ...j, resultOfferedAt: now(), productsTracked: counts.tracked, productsDecided: counts.decided, updatedAt: now(),
      }));
      ctx.hooks?.onJob?.(job);
    }
  }

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
    const job: JobRecord = {
      ...existing, options, status: 'running', error: null, startedAt: now, updatedAt: now,
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
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return run();
  return locks.request(`evotor-stock-sync:pull:${storeId}`, { signal }, run) as Promise<T>;
}
