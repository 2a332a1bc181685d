/**
 * What the parts of one store's pull share: the request and hooks, the context a caller passes in (the local store,
 * the client, the computation, the connection budget), and the small steps they all use.
 */
import { recentCursors } from '../api/paging.ts';
import type { EvotorClient } from '../api/client.ts';
import type { LocalStore } from '../local/db.ts';
import type { CheckpointRecord, JobOptions, JobRecord } from '../local/schema.ts';
import type { StoreComputation } from './computation.ts';
import { openingPriority, priorityOf, type RequestSlots } from './slots.ts';

export interface PullRequest {
  storeId: string;
  storeName: string;
  options?: Partial<JobOptions>;
  /** Drop what was pulled before and start from the current time. */
  restart?: boolean;
  /** Also fetch this many months before the job's horizon (never before the store existed); the rest is kept. */
  olderMonths?: number;
  /**
   * The caller has listed the jobs on disk and this store had none: its opening requests go before its job is read.
   * The job is still read under the store's lock, and one found then (another tab) is resumed, its answers dropped.
   */
  knownFresh?: boolean;
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
  /**
   * The job is resumed or laid out, with how many months it has and how many of them are done; `onDisk` false: a
   * fresh job, written with its first product page (the first onCommit).
   */
  onStart?(job: JobRecord, start: { monthsTotal: number; monthsDone: number; onDisk: boolean }): void;
  /**
   * The result is offered: the review may open now, before the offer's write (and the commits of the pages that
   * led to it) land, which onCommit and onJob then tell.
   */
  onOffer?(): void;
  /** The job row changed outside a page (the offer saved, the end). */
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
  /** The store leads its start: no other store was pulling or queued (slots.ts openingPriority). */
  lead?: boolean;
  /**
   * A store started along with a leading one sends its opening requests, then waits for this before it takes its
   * lock and handles their answers, so the leader's first review has the worker and the database to itself.
   */
  yieldTo?: Promise<unknown>;
}

/**
 * Whether the store leads its start (a pull outside a start, no `lead` given, leads). The leader sends its whole
 * opening first (slots.ts openingPriority) and opens with two windows (windows.ts openingWindows `split`): it has the
 * connections to itself. When many stores start together, each speculative request delays every other store's
 * opening, so they open with one window each.
 */
export const leadsStart = (ctx: PullContext): boolean => ctx.lead !== false;

/**
 * Sends a request through the worker's connection budget, when there is one: the stores' opening requests first
 * (`opening`: the request's place in its store's opening, slots.ts openingPriority), then the store with the fewest
 * requests sent (slots.ts priorityOf).
 */
export function throughSlots<T>(ctx: PullContext, signal: AbortSignal, send: () => Promise<T>, opening?: number): Promise<T> {
  const n = (ctx.requests = (ctx.requests ?? 0) + 1);
  if (!ctx.slots) return send();
  const order = ctx.order ?? 0;
  return ctx.slots.run(opening === undefined ? priorityOf(n, order) : openingPriority(order, opening, leadsStart(ctx)), send, signal);
}

/** The checkpoint past a page. */
export function advance(cp: CheckpointRecord, nextCursor: string | null, items: number, at: number): CheckpointRecord {
  return {
    ...cp, cursor: nextCursor, recentCursors: recentCursors(cp.recentCursors, nextCursor), done: nextCursor === null,
    pages: cp.pages + 1, documents: cp.documents + items, updatedAt: at,
  };
}

export async function updateJob(local: LocalStore, storeId: string, update: (job: JobRecord) => JobRecord): Promise<JobRecord> {
  const job = await local.updateJob(storeId, update);
  if (!job) throw new Error(`store ${storeId}: the job disappeared (cancelled and cleared?)`);
  return job;
}

export const newestFirst = (a: CheckpointRecord, b: CheckpointRecord) => (a.month < b.month ? 1 : -1);
