/**
 * A store's progress as the page gets it: the figures of a runner's state (documents per second over the recent
 * pages, the time left at the pace of this session), and the throttle that sends at most one event per interval
 * (status changes at once). No I/O: the clock is passed in, the throttle only sets a timer.
 */
import type { JobRecord } from '../../local/schema.ts';
import type { ApiVersion } from '../../model/types.ts';
import { DEFAULT_JOB_OPTIONS } from '../../pull/engine.ts';
import type { SerializedError, StoreProgress, StoreStatus } from '../shared/types.ts';

/** Pages kept for the documents-per-second figure. */
const RATE_WINDOW = 20;

/** The pace of one session of a pull (from its launch): recent pages and months done, for the rate and the ETA. */
export class Pace {
  private readonly samples: { at: number; documents: number }[] = [];
  private months = 0;

  constructor(private readonly since: number) {}

  /** A committed page of documents: how many, and how many months it completed. */
  page(at: number, documents: number, monthsDone: number): void {
    this.samples.push({ at, documents });
    if (this.samples.length > RATE_WINDOW) this.samples.shift();
    this.months += monthsDone;
  }

  documentsPerSecond(now: number): number | null {
    const first = this.samples[0];
    if (!first || this.samples.length < 2) return null;
    const seconds = (now - first.at) / 1000;
    const documents = this.samples.slice(1).reduce((sum, s) => sum + s.documents, 0);
    return seconds > 0 ? Math.round((documents / seconds) * 10) / 10 : null;
  }

  /** Time left for `monthsLeft` at this session's months per millisecond; null before a month is done. */
  etaMs(now: number, monthsLeft: number): number | null {
    return this.months > 0 ? Math.round(((now - this.since) / this.months) * monthsLeft) : null;
  }
}

/** What progress is made of: a runner's state, read only. */
export interface PullState {
  storeId: string;
  storeName: string;
  api: ApiVersion;
  status: StoreStatus;
  /** A pull is in flight (its phase shows; 'products' until the first page says otherwise). */
  running: boolean;
  phase: StoreProgress['phase'];
  currentMonth: string | null;
  monthsDone: number;
  monthsTotal: number;
  waiting: StoreProgress['waiting'];
  error: SerializedError | null;
  job: JobRecord | null;
  /** The running pull offered its result (the job on disk says so once the offer's write lands). */
  offered: boolean;
  /** The computation's counts once it has folded something, else null (the job's saved counts are shown). */
  counts: { decided: number; tracked: number } | null;
  resultVersion: number;
  pace: Pace;
}

export function storeProgress(s: PullState, now: number): StoreProgress {
  const job = s.job;
  // A wait in progress (a rate limit) comes on top of what the pages so far predict.
  const waiting = s.waiting && s.waiting.until > now ? s.waiting : null;
  const eta = s.status === 'running' ? s.pace.etaMs(now, s.monthsTotal - s.monthsDone) : null;
  return {
    storeId: s.storeId,
    storeName: job?.storeName ?? s.storeName,
    api: job?.api ?? s.api,
    status: s.status,
    phase: s.running ? (s.phase ?? 'products') : null,
    currentMonth: s.currentMonth,
    monthsDone: s.monthsDone,
    monthsTotal: s.monthsTotal,
    pages: job?.pages ?? 0,
    productPages: job?.productPages ?? 0,
    documents: job?.documents ?? 0,
    quarantined: job?.quarantined ?? 0,
    productsDecided: s.counts?.decided ?? job?.productsDecided ?? 0,
    productsTracked: s.counts?.tracked ?? job?.productsTracked ?? 0,
    resultReady: s.offered || job?.resultOfferedAt != null || job?.status === 'done',
    background: (s.offered || job?.resultOfferedAt != null) && s.status === 'running',
    stopReason: job?.stopReason ?? null,
    documentsPerSecond: s.pace.documentsPerSecond(now),
    etaMs: s.status === 'done' ? 0 : eta === null ? null : eta + (waiting ? waiting.until - now : 0),
    waiting,
    error: s.error,
    resultVersion: s.resultVersion,
    snapshotAt: job?.snapshotAt ?? null,
    horizonSince: job?.horizonSince ?? null,
    coveredSince: job?.coveredSince ?? null,
    horizonSource: job?.horizonSource ?? null,
    method: job?.options.method ?? DEFAULT_JOB_OPTIONS.method,
    horizonMonths: job?.options.horizonMonths ?? null,
    fullPeriod: job?.options.fullPeriod ?? DEFAULT_JOB_OPTIONS.fullPeriod,
    updatedAt: now,
  };
}

/** At most one `send` per interval; an urgent one goes at once (and takes the place of one waiting). */
export class Throttle {
  private last = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing = false;

  constructor(private readonly intervalMs: number, private readonly now: () => number, private readonly send: () => void) {}

  /**
   * An urgent change is sent at the end of the current task, once however many were made in it (a start queues and
   * launches a store in one task: one message, not two, for each of 23 stores); others at most once per interval.
   */
  push(urgent: boolean): void {
    const due = this.last + this.intervalMs - this.now();
    if (!urgent && due > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.push(true);
      }, due);
      return;
    }
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.last = this.now();
      this.send();
    });
  }
}
