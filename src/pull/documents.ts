/**
 * The documents phase of one store's pull: windows of whole months newest first, each page committed with its
 * checkpoint (months stay the checkpoint unit).
 * - a window that comes back in one page makes the next one wider (windows.ts grownSpanMs: to the horizon after an
 *   empty one), so a long empty history is crossed in a few requests; a wide window whose first page is full is
 *   dropped uncommitted and the months are taken one by one; a refused wide window halves, and the limit is kept on
 *   the job (`windowLimitMs`). V1 keeps one month (its API's limit).
 * - once a window needs several pages, the next months are fetched side by side, as many as the connection budget
 *   allows (the slots decide between stores);
 * - early stop: once every tracked product is decided inside the months done without a gap (coveredSince), no new
 *   window starts and the ones in flight stop after their current page (what they committed stays; fullPeriod
 *   reopens them).
 * A page's commit is handed to the local store as soon as its rows are ready, so pages of several windows (and of
 * other stores) share a transaction (local/db.ts). What follows the hand-over (the computation, the coverage, the
 * offer) runs one page at a time in the order the pages were handed over, without waiting for the commits, which
 * land in that same order: the review shows what was fetched while it is being saved. A lane goes on once its page
 * has landed; a commit that fails fails the pull, and the worker then reads the store from disk again.
 */
import { isApiError } from '../api/errors.ts';
import type { RawPage } from '../api/client.ts';
import { CursorTrail } from '../api/paging.ts';
import { encodePage, WHOLE_PAGE_LINES } from '../local/page-rows.ts';
import type { CheckpointRecord, JobRecord } from '../local/schema.ts';
import { advance, leadsStart, throughSlots, updateJob, type PullContext } from './context.ts';
import { documentRows, sumSkips, type PageRows } from './rows.ts';
import { coveredSinceOf, grownSpanMs, monthsCovered, nextWindow, openingWindows } from './windows.ts';

/** Answers to a wide window's first request that mean "ask for less" (V2 states no limit; a proxy may have one). */
const REFUSED_WINDOW = new Set(['bad-request', 'too-large', 'server-error', 'timeout']);

/**
 * The result is offered once every product is decided, or once the offer period (`offerAfterMonths`) is read and the
 * last QUIET_MONTHS decided nothing more (a product no document names must not hold it back), or at twice the period
 * at the latest; the pull then goes on in the background.
 */
export const QUIET_MONTHS = 2;

const LONGEST_MONTH_MS = 31 * 86_400_000;

export const windowKey = (window: { since: number; until: number }) => `${window.since}/${window.until}`;

/**
 * Fetches the store's document windows; `months` newest first, `early` the opening windows already sent, `after` the
 * catalogue's last commit (what follows a page's commit waits for it; a failure there fails the documents).
 */
export async function fetchDocuments(
  job: JobRecord, months: CheckpointRecord[], ctx: PullContext, signal: AbortSignal, early: Map<string, Promise<RawPage>>,
  after: Promise<unknown> = Promise.resolve(),
): Promise<{ job: JobRecord; stopReason: JobRecord['stopReason'] }> {
  return new DocumentPull(job, months, ctx, signal, early, after).run();
}

class DocumentPull {
  private readonly storeId: string;
  private readonly now: () => number;
  private readonly indexOf: Map<string, number>;
  /** The months as committed (newest first). */
  private readonly months: CheckpointRecord[];
  /** The months as they will be once every commit handed over lands (the coverage a commit writes). */
  private readonly planned: CheckpointRecord[];
  private readonly busy = new Set<string>();
  private readonly growing: boolean;
  private limit: number;
  /** How long the next window may be (ms); 0: one month. */
  private span = 0;
  private dense = false;
  /** A fresh pull: its opening windows (openingWindows) are still to come back. */
  private opening: boolean;
  private fullPage = 0;
  private stopping = false;
  private lastDecided: number;
  private gainedAt: number;
  /** What follows a page's hand-over, one page at a time: the computation and the coverage (never waits for a commit). */
  private commits: Promise<unknown> = Promise.resolve();
  /** Each page's commit acknowledged, in the order handed over. */
  private acks: Promise<unknown> = Promise.resolve();
  /** This pull offered the result (its write may not have landed yet). */
  private offered = false;
  /** The store's stored rows once every page handed over has landed (whole pages until WHOLE_PAGE_LINES). */
  private linesHandedOver: number;

  constructor(
    private job: JobRecord, months: CheckpointRecord[], private readonly ctx: PullContext,
    private readonly signal: AbortSignal, private readonly early: Map<string, Promise<RawPage>>,
    private readonly after: Promise<unknown>,
  ) {
    this.storeId = job.storeId;
    this.now = ctx.now ?? Date.now;
    this.months = months;
    this.planned = [...months];
    this.indexOf = new Map(months.map((m, i) => [m.month, i]));
    this.growing = ctx.client.api === 'v2';
    this.limit = job.windowLimitMs ?? Number.POSITIVE_INFINITY;
    this.opening = this.growing && months.every((m) => !m.done && m.cursor === null);
    this.linesHandedOver = job.lines;
    this.lastDecided = ctx.computation.counts().decided;
    this.gainedAt = monthsCovered(months);
  }

  /** Windows newest first; several side by side once the months are dense; a failure stops the others. */
  async run(): Promise<{ job: JobRecord; stopReason: JobRecord['stopReason'] }> {
    const maxLanes = this.ctx.slots?.size ?? 1;
    const lanes = new Set<Promise<void>>();
    let failure: { error: unknown } | null = null;
    if (this.earlyStop()) this.stopping = true;
    // The opening windows, as sendOpening sent them (engine.ts): their answers are waiting in `early`.
    const opening = this.opening ? openingWindows(this.months, leadsStart(this.ctx)) : [];
    for (;;) {
      while (!this.stopping && failure === null && (opening.length > 0 || lanes.size < (this.dense ? maxLanes : 1))) {
        const plan = opening.shift() ?? nextWindow(this.months, this.busy, Math.min(this.limit, this.growing ? this.span : 0));
        if (!plan) break;
        const lane: Promise<void> = this.fetchWindow(plan.head, plan.covered)
          .catch((error: unknown) => {
            failure ??= { error };
            this.stopping = true;
          })
          .finally(() => lanes.delete(lane));
        lanes.add(lane);
      }
      if (lanes.size === 0) break;
      await Promise.race(lanes);
    }
    await this.commits;
    await this.acks;
    await this.after;
    if (failure) throw (failure as { error: unknown }).error;
    // Only an early stop leaves months undone without a failure.
    return { job: this.job, stopReason: this.months.every((m) => m.done) ? 'horizon' : 'all-decided' };
  }

  private earlyStop(): boolean {
    return !this.job.options.fullPeriod && this.job.coveredSince !== null && this.ctx.computation.allTrackedDecided();
  }

  /** Runs `task` after every step queued before it (what follows a commit goes one page at a time). */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.commits.then(task);
    this.commits = run.catch(() => undefined);
    return run;
  }

  private setMonth(m: CheckpointRecord): void {
    this.months[this.indexOf.get(m.month)!] = m;
  }

  private fetchPage(at: CheckpointRecord): Promise<RawPage> {
    const { ctx, signal, storeId } = this;
    if (at.cursor !== null) return throughSlots(ctx, signal, () => ctx.client.documentPage(storeId, { cursor: at.cursor! }, signal));
    const window = { since: at.windowSince ?? at.since, until: at.until };
    const sent = this.early.get(windowKey(window));
    this.early.delete(windowKey(window));
    return sent ?? throughSlots(ctx, signal, () => ctx.client.documentPage(storeId, { window }, signal));
  }

  private async fetchWindow(head: CheckpointRecord, covered: CheckpointRecord[]): Promise<void> {
    const window = [head, ...covered];
    for (const m of window) this.busy.add(m.month);
    try {
      let cp: CheckpointRecord = covered.length > 0 && head.cursor === null ? { ...head, windowSince: covered.at(-1)!.since } : head;
      const wide = cp.windowSince !== undefined;
      let pagesHere = 0;
      let documentsHere = 0;
      let prefetched: Promise<RawPage> | null = null;
      // Pages counted since the window began and its latest cursors: a resume keeps both (a cloud paging in a circle).
      let trail = new CursorTrail('listDocuments', { pagesBefore: cp.pages, seen: [cp.cursor, ...(cp.recentCursors ?? [])] });
      let restarts = 0;
      while (!cp.done) {
        if (this.stopping) return;
        this.signal.throwIfAborted();
        let page: RawPage;
        try {
          page = await (prefetched ?? this.fetchPage(cp));
        } catch (error) {
          prefetched = null;
          // A cursor the server no longer knows (expired after a long pause): start the window again. The computation
          // keeps one row per (document, product), so pages met again count once; only this restart can fetch a page twice.
          // Twice at most: a cloud that refuses every cursor it hands out would otherwise restart the window forever.
          if (cp.cursor !== null && restarts < 2 && isApiError(error) && (error.code === 'bad-request' || error.code === 'not-found')) {
            restarts++;
            const restarted = { ...cp, cursor: null, recentCursors: [], updatedAt: this.now() };
            await this.serially(() => this.ctx.local.putCheckpoint(restarted));
            cp = restarted;
            this.setMonth(cp);
            this.planned[this.indexOf.get(cp.month)!] = cp;
            trail = new CursorTrail('listDocuments', { pagesBefore: cp.pages });
            continue;
          }
          // A wide window refused: at most half as long from now on, remembered on the job (one month is always asked).
          if (cp.cursor === null && wide && pagesHere === 0 && isApiError(error) && REFUSED_WINDOW.has(error.code)) {
            this.limit = Math.min(this.limit, Math.floor((cp.until - cp.windowSince!) / 2));
            this.opening = false;
            const limit = this.limit;
            await this.serially(() => updateJob(this.ctx.local, this.storeId, (j) => ({ ...j, windowLimitMs: limit, updatedAt: this.now() })));
            this.job = { ...this.job, windowLimitMs: limit };
            return;
          }
          throw error;
        }
        trail.next(page.nextCursor);
        if (page.nextCursor !== null) {
          this.fullPage = Math.max(this.fullPage, page.items.length);
          this.dense = true;
          // A wide window that fills its first page: its oldest documents come first, so reading it whole could fetch
          // months an early stop never needs. Drop the page (nothing committed) and take the months one by one.
          if (wide && cp.cursor === null && pagesHere === 0) {
            this.span = 0;
            this.opening = false;
            return;
          }
        }
        // The next page needs only the cursor: fetch it while this one is normalised and committed. Until this
        // commit lands, neither page is checkpointed, so a crash now refetches both and skips none.
        prefetched = page.nextCursor === null || this.stopping ? null : this.fetchPage({ ...cp, cursor: page.nextCursor });
        prefetched?.catch(() => undefined); // handled when awaited above; an abort meanwhile must not go unhandled
        const { ctx, storeId } = this;
        const rows = documentRows(page.items, { storeId, month: cp.month, page: cp.pages, api: ctx.client.api, catalogue: ctx.computation.catalogueMap(), at: this.now() });
        // Nothing below refers to the raw page, so it is garbage before the commit's await (a page is ~10 MB of objects).
        const itemCount = page.items.length;
        const next = advance(cp, page.nextCursor, itemCount, this.now());
        if (next.done) delete next.windowSince;
        // The months it covered are done with it, and need no record of their own (schema.ts doneSince).
        if (next.done && covered.length > 0) next.doneSince = covered.at(-1)!.since;
        await this.commitPage(cp, next, rows, itemCount, next.done ? covered : [], window.length);
        cp = next;
        pagesHere++;
        documentsHere += itemCount;
      }
      // The window is done: size the next one by what it held.
      this.opening = false;
      if (pagesHere === 1 && this.growing) {
        this.span = grownSpanMs(head.until - window.at(-1)!.since, documentsHere, this.fullPage);
        // Dense per day even in one page (the newest month may be a day old): the next windows are single months,
        // which need not wait for each other. Sparse: the next one waits to be sized by this one's answer.
        this.dense = this.span < LONGEST_MONTH_MS;
      } else if (pagesHere > 1) {
        this.span = 0;
      }
    } finally {
      for (const m of window) this.busy.delete(m.month);
    }
  }

  /**
   * Hands the page and the checkpoint past it to the local store (`coveredMonths`: the older months of a wide window
   * its last page completes, which `next.doneSince` marks done on disk), then, after the pages handed over before
   * it, feeds the computation and the coverage (and offers the result) without waiting for the commit: the review
   * shows what was fetched, in order, while it lands.
   * The next step waits for it, so a commit that fails fails the pull (the worker then reads the store from disk).
   */
  private async commitPage(
    expected: CheckpointRecord, next: CheckpointRecord, rows: PageRows, itemCount: number, coveredMonths: CheckpointRecord[], windowMonths: number,
  ): Promise<void> {
    const { ctx, storeId } = this;
    const { computation } = ctx;
    this.linesHandedOver += rows.rows.length;
    const alsoDone = coveredMonths.map((m) => ({ ...this.months[this.indexOf.get(m.month)!]!, done: true, cursor: null, updatedAt: this.now() }));
    for (const m of [next, ...alsoDone]) this.planned[this.indexOf.get(m.month)!] = m;
    const coveredSince = coveredSinceOf(this.planned);
    // As of the pages already folded in (this one's rows are folded in the step below).
    const decided = computation.counts();
    const counted = (j: JobRecord): JobRecord => ({
      ...j,
      productsTracked: decided.tracked,
      productsDecided: decided.decided,
      pages: j.pages + 1,
      documents: j.documents + itemCount,
      lines: j.lines + rows.rows.length,
      quarantined: j.quarantined + rows.quarantine.length,
      skipped: sumSkips(j.skipped, rows.skipped),
      coveredSince,
      updatedAt: this.now(),
    });
    const committing = ctx.local.commitDocumentPage({
      storeId, expected, next, inventories: rows.inventories, quarantine: rows.quarantine,
      pages: encodePage({ storeId, month: expected.month, seq: expected.pages }, rows.rows, this.linesHandedOver <= WHOLE_PAGE_LINES),
      unknownProducts: rows.unknownProducts, updateJob: counted,
    });
    committing.catch(() => undefined); // awaited below
    const offering = await this.serially(async () => {
      for (const m of [next, ...alsoDone]) this.setMonth(m);
      computation.afterPage(rows);
      if (next.done) computation.setCoverage(coveredSince);
      // The job as this commit leaves it: what the steps before it left, with this page counted.
      this.job = counted(this.job);
      return next.done ? this.offerIfDue() : null;
    });
    // The lane goes on once its page has landed (and the catalogue's commit before it); progress hears of each
    // commit in the order they were handed over.
    const acknowledged = this.acks.then(async () => {
      const [, committed] = await Promise.all([this.after, committing]);
      ctx.hooks?.onCommit?.(committed, { phase: 'documents', month: next.month, items: itemCount, monthDone: next.done, monthsDone: next.done ? windowMonths : 0 });
      if (offering) ctx.hooks?.onJob?.(await offering);
    });
    this.acks = acknowledged.catch(() => undefined);
    await acknowledged;
  }

  /**
   * After a page that completed months: the early stop, and the offer of the result when its time has come (shown at
   * once; its write is queued behind the page's commit, and returned).
   */
  private offerIfDue(): Promise<JobRecord> | null {
    const { computation } = this.ctx;
    const covered = monthsCovered(this.months);
    const decided = computation.counts().decided;
    if (decided > this.lastDecided) {
      this.lastDecided = decided;
      this.gainedAt = covered;
    }
    if (this.earlyStop()) this.stopping = true;
    const period = this.job.options.offerAfterMonths;
    const offer = computation.allTrackedDecided() || (covered >= period && (covered - this.gainedAt >= QUIET_MONTHS || covered >= 2 * period));
    if (this.job.resultOfferedAt !== null || this.offered || !offer) return null;
    const counts = computation.counts();
    const at = this.now();
    this.offered = true;
    const offered = (j: JobRecord): JobRecord => ({
      ...j, resultOfferedAt: at, productsTracked: counts.tracked, productsDecided: counts.decided, updatedAt: at,
    });
    // The review may open at once (a reload before the write lands offers the result again at the next month done).
    this.ctx.hooks?.onOffer?.();
    const saving = updateJob(this.ctx.local, this.storeId, offered);
    saving.catch(() => undefined); // awaited with the page's commit; a pull failing before that must not leave it unhandled
    return saving;
  }
}
