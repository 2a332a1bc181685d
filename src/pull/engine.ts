/**
 * The pull of one store: all product pages, then documents month by month from the snapshot time back to the
 * horizon (documents.ts). Every page is committed together with the checkpoint past it (local/db.ts), so a reload,
 * a crash or a closed tab resumes at exactly the next page: no page is fetched twice, none is skipped.
 *
 * Early stop: once every tracked product is decided by completely fetched months (computation.ts), older months
 * cannot change the result and the pull ends, unless `fullPeriod` asks for everything (a full ledger check).
 * The result is offered earlier still, after `offerAfterMonths` months; the pull then goes on in the background
 * for the products still undecided, as the guide says.
 */
import { raceAbort } from '../api/body.ts';
import type { RawPage } from '../api/client.ts';
import { CursorTrail } from '../api/paging.ts';
import { PRODUCTS_PHASE, type CheckpointRecord, type JobRecord, type ProductRecord, type QuarantineRecord } from '../local/schema.ts';
import { normaliseProduct } from '../model/normalise.ts';
import { productKey } from '../stock/order.ts';
import { PRODUCT_QUARANTINE_PREFIX } from './computation.ts';
import { advance, leadsStart, newestFirst, throughSlots, updateJob, type PageInfo, type PullContext, type PullRequest } from './context.ts';
import { fetchDocuments, windowKey } from './documents.ts';
import { freshJob, prepareJob, resumes, type PreparedJob } from './job.ts';
import { openingWindows, planWindow } from './windows.ts';

export type { PageInfo, PullContext, PullHooks, PullRequest } from './context.ts';
export { DEFAULT_JOB_OPTIONS } from './job.ts';

/**
 * Runs (or resumes) the pull of one store to its end. Throws AbortError when `signal` aborts (the caller marks
 * the job paused or cancelled), ApiError when Evotor refuses (the caller marks it failed).
 */
export async function pullStore(request: PullRequest, ctx: PullContext, signal: AbortSignal): Promise<JobRecord> {
  const sent = sendEarly(request, ctx, signal);
  sent.catch(() => undefined); // awaited once the lock is held
  // A store whose opening requests wait for a connection asks for its lock once they leave: until its answers
  // come, its lock and its job's read would only add to the work of the stores whose answers are coming in.
  await sent.then((early) => early?.opening.leaving, () => undefined);
  if (ctx.yieldTo) await raceAbort(ctx.yieldTo, signal);
  return withStoreLock(request.storeId, signal, async () => runPull(request, ctx, signal, await sent));
}

/** A fresh job laid out before the store's lock was held, and its opening requests, already sent. */
interface EarlyStart {
  fresh: PreparedJob;
  opening: Opening;
}

/** A store's opening requests: its first product page and (V2) its opening document windows. */
interface Opening {
  products: Promise<RawPage> | null;
  windows: Map<string, Promise<RawPage>>;
  /** Settles once the product page's request has left (it had its turn in the connection budget) or failed. */
  leaving: Promise<unknown>;
}

/**
 * When the store has no job on disk to resume, its opening requests need neither the lock nor the setup: they go
 * now, while the lock is asked for and the job is written, so the first round trip overlaps both. Once the lock is
 * held the job is read again; should a job have appeared meanwhile (another tab), it is resumed and these answers
 * are dropped.
 */
async function sendEarly(request: PullRequest, ctx: PullContext, signal: AbortSignal): Promise<EarlyStart | null> {
  // A restart, or a store the caller knows has no job: nothing to read first (a read waits behind other stores' commits).
  if (!request.restart && !request.knownFresh && resumes(await ctx.local.getJob(request.storeId), request, ctx)) return null;
  const fresh = freshJob(request, ctx, (ctx.now ?? Date.now)());
  return { fresh, opening: sendOpening(request.storeId, fresh.checkpoints, ctx, signal) };
}

/**
 * 1. Products: the catalogue decides which lines count, so it comes first. A fresh V2 pull sends its opening
 * document windows with it (windows.ts openingWindows, context.ts leadsStart); their pages are read once the catalogue is in.
 */
function sendOpening(storeId: string, checkpoints: readonly CheckpointRecord[], ctx: PullContext, signal: AbortSignal): Opening {
  const { client } = ctx;
  const products = checkpoints.find((c) => c.month === PRODUCTS_PHASE);
  const opening: Opening = { products: null, windows: new Map(), leaving: Promise.resolve() };
  const quiet = <T>(page: Promise<T>) => {
    page.catch(() => undefined); // awaited later; a failure before that must not go unhandled
    return page;
  };
  if (products && !products.done) {
    const cursor = products.cursor;
    let left = () => {};
    opening.leaving = new Promise<void>((resolve) => (left = resolve));
    opening.products = quiet(throughSlots(ctx, signal, () => {
      left();
      return client.productPage(storeId, cursor, signal);
    }, cursor === null ? 0 : undefined));
    opening.products.then(left, left);
    if (client.api === 'v2') {
      openingWindows(checkpoints.filter((c) => c.month !== PRODUCTS_PHASE).sort(newestFirst), leadsStart(ctx)).forEach((plan, i) => {
        const window = planWindow(plan);
        opening.windows.set(windowKey(window), quiet(throughSlots(ctx, signal, () => client.documentPage(storeId, { window }, signal), 1 + i)));
      });
    }
  }
  ctx.hooks?.onOpening?.();
  return opening;
}

async function runPull(request: PullRequest, ctx: PullContext, signal: AbortSignal, early: EarlyStart | null): Promise<JobRecord> {
  const { local, computation } = ctx;
  const now = ctx.now ?? Date.now;
  const { storeId } = request;
  const prepared = await prepareJob(request, ctx, early?.fresh);
  let job = prepared.job;
  const products = prepared.checkpoints.find((c) => c.month === PRODUCTS_PHASE);
  if (!products) throw new Error(`store ${storeId}: checkpoint ${PRODUCTS_PHASE} is missing`);
  const months = prepared.checkpoints.filter((c) => c.month !== PRODUCTS_PHASE).sort(newestFirst);
  ctx.hooks?.onStart?.(job, { monthsTotal: months.length, monthsDone: months.filter((m) => m.done).length, onDisk: !prepared.fresh });

  const opening = early && prepared.job === early.fresh.job ? early.opening : sendOpening(storeId, prepared.checkpoints, ctx, signal);
  const fresh = prepared.fresh ? { reset: prepared, opening: [...opening.windows.values()] } : null;
  const catalogue = await fetchProducts(job, products, ctx, signal, opening.products, fresh);
  job = catalogue.job;

  // A fresh job's catalogue is all in memory; resuming, every row (and so the decided set) is rebuilt from disk, once.
  if (prepared.fresh) computation.start(catalogue.products, catalogue.quarantine);
  else await computation.load(job, signal);

  // 2. Documents, newest windows first (their commits are acknowledged once the catalogue's has landed).
  const documents = await fetchDocuments(job, months, ctx, signal, opening.windows, catalogue.landed);
  job = documents.job;
  const stopReason = documents.stopReason;

  // 3. Done: one pass over everything so ledgers and chain checks see the whole fetched history.
  ctx.hooks?.onFinishing?.();
  await computation.finish(signal, job.lines);
  const counts = computation.counts();
  job = await updateJob(local, storeId, (j) => ({
    ...j, status: 'done', stopReason, productsTracked: counts.tracked, productsDecided: counts.decided, resultOfferedAt: j.resultOfferedAt ?? now(), finishedAt: now(), updatedAt: now(), error: null,
  }));
  ctx.hooks?.onJob?.(job);
  return job;
}

/**
 * Every product page, normalised one by one (a bad entry is quarantined as `product:<id>`), each committed with its
 * checkpoint; a fresh job is written with the first, and its last commit is not waited for (`landed`).
 */
async function fetchProducts(
  startJob: JobRecord, start: CheckpointRecord, ctx: PullContext, signal: AbortSignal, first: Promise<RawPage> | null,
  fresh: { reset: PreparedJob; opening: Promise<unknown>[] } | null,
): Promise<{ job: JobRecord; landed: Promise<unknown>; products: ProductRecord[]; quarantine: QuarantineRecord[] }> {
  const { local, client } = ctx;
  const now = ctx.now ?? Date.now;
  const storeId = startJob.storeId;
  let job = startJob;
  let cp = start;
  // What this call committed (a fresh job's whole catalogue).
  const committed = { products: [] as ProductRecord[], quarantine: [] as QuarantineRecord[] };
  const productTrail = new CursorTrail('listProducts', { pagesBefore: cp.pages, seen: [cp.cursor, ...(cp.recentCursors ?? [])] });
  while (!cp.done) {
    signal.throwIfAborted();
    const cursor = cp.cursor;
    const sent = cp === start ? first : null;
    const page = await (sent ?? throughSlots(ctx, signal, () => client.productPage(storeId, cursor, signal), cursor === null ? 0 : undefined));
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
    const reset = fresh && cp === start ? { job: fresh.reset.job, replaces: fresh.reset.replaces === true } : null;
    // A fresh store's only catalogue page waits for the answers to its opening windows (already asked for), so that
    // its setup, its catalogue and its first documents can share one transaction.
    if (reset && next.done) {
      await Promise.allSettled(fresh!.opening);
      signal.throwIfAborted();
    }
    const counted = (j: JobRecord): JobRecord => ({ ...j, productPages: j.productPages + 1, updatedAt: now() });
    const committing = local.commitProductPage({ storeId, expected: cp, next, products, quarantine, ...(reset ? { reset } : {}), updateJob: counted });
    const info: PageInfo = { phase: 'products', month: PRODUCTS_PHASE, items: page.items.length, monthDone: next.done, monthsDone: 0 };
    cp = next;
    committed.products.push(...products);
    committed.quarantine.push(...quarantine);
    if (fresh && next.done) {
      // A fresh job's last catalogue page: the documents need only the catalogue in memory, so they go on at once;
      // their commits queue behind this one, and what follows them waits for it (documents.ts).
      const landed = committing.then((j) => ctx.hooks?.onCommit?.(j, info));
      landed.catch(() => undefined); // awaited by the documents
      return { job: counted(job), landed, ...committed };
    }
    job = await committing;
    ctx.hooks?.onCommit?.(job, info);
  }
  return { job, landed: Promise.resolve(), ...committed };
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
