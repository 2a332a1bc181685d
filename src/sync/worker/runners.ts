/**
 * The pull queue and one runner per store: start, pause, resume, cancel, and the order in which queued stores get
 * their turn. This class is the only writer of a runner's state; progress.ts turns that state into the events the
 * page gets.
 *
 * Stores are independent: each has its own runner, AbortController and client; one failing store only marks its
 * own job failed. A store's place in the connection budget's queue is the order it was started in (slots.ts
 * priorityOf): to change which store goes first, change `order` here.
 */
import { isAbortError } from '../../api/errors.ts';
import type { WaitInfo } from '../../api/transport.ts';
import type { LocalStore } from '../../local/db.ts';
import { PRODUCTS_PHASE, type JobRecord, type JobStatus } from '../../local/schema.ts';
import type { ApiVersion } from '../../model/types.ts';
import { StoreComputation } from '../../pull/computation.ts';
import { jobCheckpoints } from '../../pull/job.ts';
import { pullStore, type PageInfo } from '../../pull/engine.ts';
import { openingPriority } from '../../pull/slots.ts';
import { serializeError } from '../shared/messages.ts';
import type { SerializedError, StartOptions, StoreProgress, StoreStatus } from '../shared/types.ts';
import type { Account } from './account.ts';
import { Pace, storeProgress, Throttle, type PullState } from './progress.ts';

/**
 * One store's pull as this worker knows it: what its progress shows (progress.ts PullState: status, phase, month,
 * months, wait, error, job, pace) and what runs it.
 */
interface Runner extends Omit<PullState, 'api' | 'running' | 'counts' | 'resultVersion'> {
  /** What the next launch takes: a restart or older months apply to that launch only, not to a later resume. */
  options: StartOptions;
  /** The pull in flight: its controller, why it is being stopped, its end. */
  controller: AbortController | null;
  intent: 'pause' | 'cancel' | null;
  running: Promise<void> | null;
  computation: StoreComputation | null;
  /** Its job is on disk (a fresh one is written with its first product page): only then is a status saved. */
  onDisk: boolean;
  /**
   * A restart was launched and its job is not on disk yet: the disk still holds the previous pull, so the next
   * launch restarts too instead of resuming that.
   */
  restartPending: boolean;
  /** Its place among the stores started (slots.ts priorityOf). */
  order: number;
  /** It led its start: no other store was pulling or queued then (slots.ts openingPriority). */
  lead: boolean;
  /** A leader's: tells the stores started after it that its first answers are handled (`headStart`). */
  opened: (() => void) | null;
  throttle: Throttle;
}

/**
 * How long at most the stores started along with a leading one wait for its first answers to be handled before they
 * handle theirs (pull/context.ts yieldTo): they have sent their requests, so only the leader's first review is
 * hurried, and a leader that is slow to answer holds nobody up for long.
 */
export const HEAD_START_MAX_MS = 1_000;

export interface RunnersDeps {
  now(): number;
  emit(progress: StoreProgress): void;
  /** Minimum time between two progress events of one store (status changes are sent at once). Default 100 ms. */
  progressIntervalMs?: number;
  /** The database and the configured account (throws before configure). */
  ready(): { local: LocalStore; account: Account };
  /** The account once configured (progress of a store read before that says V2). */
  account(): Account | null;
  /** A store's pull sends its opening requests: the names of its terminals go with them (names.ts). */
  onOpening(storeId: string, api: ApiVersion): void;
}

export class Runners {
  private readonly runners = new Map<string, Runner>();
  private readonly queue: string[] = [];
  /** Stores started so far: each start's place in the connection budget's queue. */
  private started = 0;
  /** Settles once the latest leader's first answers are handled (or HEAD_START_MAX_MS passed): see `yieldTo`. */
  private headStart: Promise<void> | null = null;
  /** The jobs on disk were listed (progressOf): a store with no runner then has no job (pullStore's knownFresh). */
  private jobsListed = false;

  constructor(private readonly deps: RunnersDeps) {}

  /**
   * Queues a store's pull (nothing happens when it is running or queued already). `name`: the name to show, else
   * `cloudName` is asked (the cloud's store list), else the store id is shown.
   */
  async start(storeId: string, options: StartOptions, name: string | null, cloudName: () => Promise<string | null>): Promise<void> {
    const runner = this.runner(storeId, name ?? undefined);
    if (runner.running || runner.status === 'queued') return;
    runner.options = options;
    if (name === null) runner.storeName = (await cloudName()) ?? runner.storeName;
    runner.order = this.started++;
    runner.lead = ![...this.runners.values()].some((r) => r !== runner && (r.running || r.status === 'queued'));
    if (runner.lead) this.headStart = this.leaderOpening(runner);
    runner.status = 'queued';
    runner.error = null;
    this.queue.push(storeId);
    this.emit(runner, true);
    this.schedule();
  }

  /** The page read a store's result: once a leader's is offered, its head start is over (leaderOpening). */
  served(storeId: string): void {
    const runner = this.runners.get(storeId);
    if (runner?.offered) runner.opened?.();
  }

  /** The store's pull leads its start (its opening goes first, the others give it a head start). */
  leads(storeId: string): boolean {
    const runner = this.runners.get(storeId);
    return runner !== undefined && runner.lead && (runner.running !== null || runner.status === 'queued');
  }

  /** Pauses or cancels a store's pull; only a pull that could still go on changes (a finished one stays as it is). */
  async stop(storeId: string, intent: 'pause' | 'cancel'): Promise<void> {
    const status: JobStatus = intent === 'cancel' ? 'cancelled' : 'paused';
    const stoppable = (s: StoreStatus) => s === 'queued' || s === 'interrupted' || (s === 'paused' && intent === 'cancel');
    const runner = this.runners.get(storeId) ?? (await this.fromDisk(storeId));
    if (!runner) return;
    this.unqueue(storeId);
    if (runner.running) {
      runner.intent = intent;
      runner.controller?.abort(new DOMException(status, 'AbortError'));
      await runner.running;
      return;
    }
    if (!stoppable(runner.status)) return;
    runner.status = status;
    await this.saveStatus(runner, status, null);
    this.emit(runner, true);
  }

  /** Pauses every pull (a configuration with another database). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.runners.keys()].map((id) => this.stop(id, 'pause')));
  }

  /** Forgets every runner (their database was closed). */
  clear(): void {
    this.runners.clear();
    this.jobsListed = false;
  }

  /** Stops a store's pull for good and forgets its runner, before its data is removed. */
  async forget(storeId: string, remove: () => Promise<void>): Promise<void> {
    if (this.runners.get(storeId)?.running) await this.stop(storeId, 'cancel');
    this.unqueue(storeId);
    await remove();
    this.runners.delete(storeId);
  }

  /** The progress of these jobs (read from disk), with this worker's runners where it has them. */
  async progressOf(jobs: readonly JobRecord[]): Promise<StoreProgress[]> {
    this.jobsListed = true;
    const result: StoreProgress[] = [];
    for (const job of jobs) result.push(this.progress(this.runners.get(job.storeId) ?? (await this.runnerFromDisk(job))));
    // Pulls whose job is not written yet (a fresh one before its first product page).
    const listed = new Set(jobs.map((j) => j.storeId));
    for (const runner of this.runners.values()) {
      if (!listed.has(runner.storeId) && runner.job && (runner.running || runner.status === 'queued')) result.push(this.progress(runner));
    }
    return result;
  }

  /** The store's job: as this worker last committed it when it has pulled the store, else from disk. */
  async job(storeId: string): Promise<JobRecord | undefined> {
    return this.runners.get(storeId)?.job ?? (await this.deps.ready().local.getJob(storeId));
  }

  /** Where a request of the store's opening (its `index`-th) waits for a connection (slots.ts openingPriority). */
  openingPriority(storeId: string, index: number): number {
    const runner = this.runners.get(storeId);
    return openingPriority(runner?.order ?? 0, index, runner?.lead ?? true);
  }

  /** The runner's computation, loaded from disk when no pull has built it yet in this session. */
  async computation(storeId: string, signal: AbortSignal): Promise<StoreComputation> {
    const { local, account } = this.deps.ready();
    // The pull's own, kept up to date page by page: no read (it would wait behind the pulls' commits).
    const current = this.runners.get(storeId)?.computation;
    if (current && (this.runners.get(storeId)!.running || current.version > 0)) return current;
    const job = await local.getJob(storeId);
    // A store first met here after a reload gets its status from its job (not 'idle'), as listProgress would.
    const runner = this.runners.get(storeId) ?? (job ? await this.runnerFromDisk(job) : this.runner(storeId));
    if (runner.computation && (runner.running || runner.computation.version > 0)) return runner.computation;
    const computation = new StoreComputation(local, storeId, job?.api ?? account.apiOf(storeId));
    await computation.load(job ?? null, signal);
    runner.computation = computation;
    return computation;
  }

  // ----- the queue ----------------------------------------------------------------------------------------------

  private unqueue(storeId: string): void {
    const queued = this.queue.indexOf(storeId);
    if (queued >= 0) this.queue.splice(queued, 1);
  }

  private schedule(): void {
    const limit = this.deps.account()?.config.maxConcurrentStores ?? Number.POSITIVE_INFINITY;
    let active = [...this.runners.values()].filter((r) => r.running).length;
    while (active < limit && this.queue.length > 0) {
      const runner = this.runners.get(this.queue.shift()!);
      if (!runner || runner.status !== 'queued') continue;
      this.launch(runner);
      active++;
    }
  }

  private launch(runner: Runner): void {
    const { local, account } = this.deps.ready();
    const now = this.deps.now;
    const controller = new AbortController();
    runner.controller = controller;
    runner.intent = null;
    runner.offered = false;
    runner.status = 'running';
    runner.pace = new Pace(now());
    const api = account.apiOf(runner.storeId);
    if (!runner.computation || runner.computation.api !== api) {
      runner.computation = new StoreComputation(local, runner.storeId, api);
    }
    const client = account.client(api, { onWait: (info) => this.onWait(runner, info) });
    const { restart: asked, olderMonths, storeName: _name, ...options } = runner.options;
    const restart = asked === true || runner.restartPending;
    runner.restartPending = restart;
    runner.options = {};
    this.emit(runner, true);

    const pull = pullStore(
      {
        storeId: runner.storeId, storeName: runner.storeName, options, ...(restart ? { restart } : {}), ...(olderMonths ? { olderMonths } : {}),
        ...(this.jobsListed && runner.job === null ? { knownFresh: true } : {}),
      },
      {
        local, client, computation: runner.computation, now, slots: account.slots, order: runner.order, lead: runner.lead,
        ...(!runner.lead && this.headStart ? { yieldTo: this.headStart } : {}),
        hooks: {
          onStart: (job, { onDisk, ...months }) => {
            runner.job = job;
            runner.onDisk = onDisk;
            Object.assign(runner, months);
            this.emit(runner, true);
          },
          onOffer: () => {
            runner.offered = true;
            this.emit(runner, true);
          },
          onJob: (job) => {
            runner.job = job;
            this.emit(runner, true);
          },
          onCommit: (job, page) => {
            if (page.phase === 'documents') runner.opened?.();
            runner.onDisk = true;
            runner.restartPending = false;
            this.onCommit(runner, job, page);
          },
          // Names for the explanations, ready by review time: one of the store's opening requests.
          onOpening: () => this.deps.onOpening(runner.storeId, api),
          onFinishing: () => {
            runner.phase = 'finishing';
            runner.currentMonth = null;
            this.emit(runner, true);
          },
        },
      },
      controller.signal,
    );
    runner.running = pull.then(
      (job) => {
        runner.job = job;
        runner.status = 'done';
        runner.phase = null;
      },
      async (error: unknown) => {
        runner.phase = null;
        if (isAbortError(error) || controller.signal.aborted) {
          const status: JobStatus = runner.intent === 'cancel' ? 'cancelled' : 'paused';
          runner.status = status;
          await this.saveStatus(runner, status, null);
        } else {
          runner.status = 'failed';
          runner.error = serializeError(error);
          // Its pages are folded before their commits land: one that failed may be in memory only, so the result is
          // read from disk again when asked for.
          runner.computation = null;
          await this.saveStatus(runner, 'failed', runner.error);
        }
      },
    ).finally(() => {
      runner.opened?.();
      runner.running = null;
      runner.controller = null;
      runner.waiting = null;
      runner.currentMonth = null;
      this.emit(runner, true);
      this.schedule();
    });
  }

  /**
   * Settles once the leader's first answers are handled: its result offered and read by the page (`served`), its
   * first document page committed (when the page does not ask for it), or its pull over; at the latest after
   * HEAD_START_MAX_MS.
   */
  private leaderOpening(runner: Runner): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => runner.opened?.(), HEAD_START_MAX_MS);
      runner.opened = () => {
        clearTimeout(timer);
        runner.opened = null;
        resolve();
      };
    });
  }

  // ----- runners and their state on disk ----------------------------------------------------------------------

  private runner(storeId: string, storeName?: string): Runner {
    let runner = this.runners.get(storeId);
    if (!runner) {
      const created: Runner = {
        storeId, storeName: storeName ?? storeId, status: 'idle', options: {}, controller: null, intent: null,
        running: null, computation: null, offered: false, onDisk: true, restartPending: false, job: null, phase: null, currentMonth: null, monthsDone: 0, monthsTotal: 0,
        waiting: null, error: null, pace: new Pace(0), order: 0, lead: true, opened: null,
        throttle: new Throttle(this.deps.progressIntervalMs ?? 100, this.deps.now, () => this.deps.emit(this.progress(created))),
      };
      runner = created;
      this.runners.set(storeId, runner);
    } else if (storeName) {
      runner.storeName = storeName;
    }
    return runner;
  }

  private async runnerFromDisk(job: JobRecord): Promise<Runner> {
    // Months counted before the runner is known: a listing at the same time (the page asks for the progress and for
    // the pending work at once) would otherwise take it with no months, and say «after N pages» (issue 16 item 7).
    const months = await this.monthCounts(job);
    const known = this.runners.get(job.storeId);
    if (known) return known; // met meanwhile (another listing, a start): that one is current
    const runner = this.runner(job.storeId, job.storeName);
    runner.job = job;
    // A job still marked running with no runner here was cut off by a reload or a closed tab.
    runner.status = job.status === 'running' ? 'interrupted' : job.status;
    runner.error = job.error as SerializedError | null;
    Object.assign(runner, months);
    return runner;
  }

  private async fromDisk(storeId: string): Promise<Runner | undefined> {
    const job = await this.deps.ready().local.getJob(storeId);
    return job ? this.runnerFromDisk(job) : undefined;
  }

  private async monthCounts(job: JobRecord): Promise<Pick<Runner, 'monthsTotal' | 'monthsDone'>> {
    const stored = await this.deps.ready().local.listCheckpoints(job.storeId);
    const months = jobCheckpoints(job, stored).filter((c) => c.month !== PRODUCTS_PHASE);
    return { monthsTotal: months.length, monthsDone: months.filter((m) => m.done).length };
  }

  private async saveStatus(runner: Runner, status: JobStatus, error: SerializedError | null): Promise<void> {
    if (!runner.onDisk) return; // nothing of this pull is on disk: after a reload the store is as it was before
    const counts = runner.computation?.counts();
    try {
      const job = await this.deps.ready().local.updateJob(runner.storeId, (j) => ({
        ...j, status, error, updatedAt: this.deps.now(),
        ...(counts ? { productsTracked: counts.tracked, productsDecided: counts.decided } : {}),
      }));
      if (job) runner.job = job;
    } catch {
      // The database went away (closed by a newer tab): the status is still right in memory.
    }
  }

  // ----- progress ------------------------------------------------------------------------------------------------

  private onCommit(runner: Runner, job: JobRecord, page: PageInfo): void {
    runner.job = job;
    runner.phase = page.phase;
    // A wait of another window still in flight stays shown until it passes (storeProgress drops a past one).
    runner.currentMonth = page.monthDone ? null : page.month;
    if (page.phase === 'documents') {
      runner.pace.page(this.deps.now(), page.items, page.monthsDone);
      runner.monthsDone += page.monthsDone;
    }
    this.emit(runner, page.monthDone);
  }

  private onWait(runner: Runner, info: WaitInfo): void {
    runner.waiting = { reason: info.reason, status: info.status, until: this.deps.now() + info.delayMs };
    this.emit(runner, false);
  }

  private emit(runner: Runner, urgent: boolean): void {
    runner.throttle.push(urgent);
  }

  private progress(runner: Runner): StoreProgress {
    const c = runner.computation;
    return storeProgress({
      ...runner,
      api: runner.job?.api ?? this.deps.account()?.apiOf(runner.storeId) ?? 'v2',
      running: runner.running !== null,
      counts: c && c.version > 0 ? c.counts() : null,
      resultVersion: c?.version ?? 0,
    }, this.deps.now());
  }
}
