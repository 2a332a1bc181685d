/**
 * The journal's state machine for one product, and the resume rules. Pure: every function returns a new item.
 *
 *   pending ──send──► sent ──ok (answer = target)──► verified
 *      ▲  ▲            │ ├──ok (answer ≠ target)──► mismatch
 *      │  │            │ ├──ok (no quantity in the answer)──► written ──reread──► verified | mismatch | pending
 *      │  └─not-sent───┘ ├──refused (400/404/…)──► failed ──send (retryable only)──► sent
 *      │   (401/402/403: └──abort / no answer: stays sent (the write may have landed)
 *      │    nothing was written)
 *   retarget (guard) on pending / sent / failed; review (guard) → skipped
 *   verified / mismatch ──reopen (a sale the write erased)──► pending
 *
 * `skipped` and `unchanged` are decided when the plan is built and never change; `verified` is final, unless
 * the check after the write finds a sale the PATCH erased (reopen).
 *
 * Resume (after a reload, a crash, an abort, a lost network or an expired token), per item:
 *   pending → write; failed and retryable → write;
 *   sent → V2: write again (PATCH of an absolute quantity is idempotent: the same target, never another value);
 *          V1: re-read, then verified if the cloud holds the target, else write again;
 *   written → re-read (verify);
 *   everything else → nothing.
 */
import type { Milli } from '../model/quantity.ts';
import type { ApiVersion } from '../model/types.ts';
import { classify, StopRun } from './errors.ts';
import type { GuardAdjustment, ItemReason, ItemStatus, JournalItem, JournalRun, LastAnswer } from './types.ts';

export class TransitionError extends Error {
  override readonly name = 'TransitionError';
  constructor(item: JournalItem, event: string) {
    super(`Journal: "${event}" is not allowed for product ${item.productId} in state "${item.status}"`);
  }
}

/** Reasons after which writing the same target again may succeed (on the next apply or resume). */
const RETRYABLE: ReadonlySet<ItemReason> = new Set(['rate-limited', 'server-error', 'network', 'account', 'unknown']);

export function isRetryable(item: JournalItem): boolean {
  return item.status === 'failed' && item.reason !== null && RETRYABLE.has(item.reason);
}

/** States whose write may have reached the cloud: what undo has to restore. */
export function mayHaveWritten(item: JournalItem): boolean {
  return item.status === 'sent' || item.status === 'written' || item.status === 'verified' || item.status === 'mismatch' ||
    (item.status === 'failed' && item.attempts > 0 && (item.reason === 'server-error' || item.reason === 'network' || item.reason === 'unknown'));
}

/** Not finished: the run is resumable while any item is in one of these (written = accepted, re-verified on the next apply). */
export function isOutstanding(item: JournalItem): boolean {
  return item.status === 'pending' || item.status === 'sent';
}

export type ResumeAction = 'write' | 'reread' | 'none';

export function resumeAction(item: JournalItem, api: ApiVersion): ResumeAction {
  switch (item.status) {
    case 'pending':
      return 'write';
    case 'sent':
      return api === 'v2' ? 'write' : 'reread';
    case 'written':
      return 'reread';
    case 'failed':
      return isRetryable(item) ? 'write' : 'none';
    default:
      return 'none';
  }
}

const shorten = (text: string) => (text.length > 300 ? text.slice(0, 297) + '...' : text);

function answer(status: number | null, message: string, at: number): LastAnswer {
  return { status, message: shorten(message), at };
}

function expect(item: JournalItem, event: string, allowed: readonly ItemStatus[]): void {
  if (!allowed.includes(item.status)) throw new TransitionError(item, event);
}

/** Journaled before the request leaves: the target is on its way (attempt counted). */
export function markSent(item: JournalItem, at: number): JournalItem {
  expect(item, 'send', ['pending', 'sent', 'failed']);
  if (item.status === 'failed' && !isRetryable(item)) throw new TransitionError(item, 'send');
  if (item.target === null) throw new TransitionError(item, 'send without a target');
  return { ...item, status: 'sent', reason: null, attempts: item.attempts + 1, updatedAt: at };
}

/**
 * The cloud accepted the write. `quantity` is what its answer (or a re-read) shows; null when it showed none.
 * Equal to the target: verified; different: mismatch (reported); unknown: written.
 */
export function markAnswered(item: JournalItem, quantity: Milli | null, status: number, at: number): JournalItem {
  expect(item, 'answer', ['sent']);
  if (quantity === null) {
    return { ...item, status: 'written', written: null, lastAnswer: answer(status, 'accepted; the answer shows no quantity', at), updatedAt: at };
  }
  return verifyWith({ ...item, status: 'written' }, quantity, status, at);
}

/** A re-read (V1 after POST, or on resume) shows `quantity` in the cloud. */
export function markReread(item: JournalItem, quantity: Milli | null, at: number): JournalItem {
  expect(item, 'reread', ['sent', 'written']);
  if (quantity === null) {
    // The cloud shows no quantity: we cannot tell. A sent item is written again; a written one stays unverified.
    return item.status === 'sent' ? { ...item, status: 'pending', updatedAt: at } : item;
  }
  if (item.status === 'sent' && quantity !== item.target) {
    // The request never landed (or was overwritten): write it again with the same target.
    return { ...item, status: 'pending', updatedAt: at };
  }
  return verifyWith({ ...item, status: 'written' }, quantity, 200, at);
}

function verifyWith(item: JournalItem, quantity: Milli, status: number, at: number): JournalItem {
  const ok = quantity === item.target;
  return {
    ...item,
    status: ok ? 'verified' : 'mismatch',
    reason: ok ? null : 'unknown',
    written: quantity,
    lastAnswer: answer(status, ok ? 'ok' : `the cloud holds another quantity than the target`, at),
    updatedAt: at,
  };
}

/** The cloud refused the write (or it failed after every retry). */
export function markFailed(item: JournalItem, reason: ItemReason, status: number | null, message: string, at: number): JournalItem {
  expect(item, 'fail', ['sent']);
  return { ...item, status: 'failed', reason, lastAnswer: answer(status, message, at), updatedAt: at };
}

/** The request was refused before anything could be written (401/402/403): back to pending, run stops. */
export function markNotSent(item: JournalItem, status: number | null, message: string, at: number): JournalItem {
  expect(item, 'not-sent', ['sent']);
  return { ...item, status: 'pending', lastAnswer: answer(status, message, at), updatedAt: at };
}

/** No answer (abort, network, timeout): the write may or may not have landed; it stays sent. */
export function markNoAnswer(item: JournalItem, message: string, at: number): JournalItem {
  expect(item, 'no-answer', ['sent']);
  return { ...item, lastAnswer: answer(null, message, at), updatedAt: at };
}

/** The guard found a movement after the cut-off: the target follows it. */
export function retarget(item: JournalItem, adjustment: GuardAdjustment, at: number): JournalItem {
  expect(item, 'retarget', ['pending', 'sent', 'failed']);
  return { ...item, target: adjustment.to, adjustments: [...item.adjustments, adjustment], updatedAt: at };
}

/**
 * After the write: new documents closed before the product's PATCH were erased by it (guard.ts salesAfterWrite);
 * the target follows them and the product is written again.
 */
export function reopen(item: JournalItem, adjustments: readonly GuardAdjustment[], at: number): JournalItem {
  expect(item, 'reopen', ['verified', 'mismatch']);
  const to = adjustments.at(-1)?.to ?? item.target;
  return { ...item, status: 'pending', reason: null, target: to, adjustments: [...item.adjustments, ...adjustments], updatedAt: at };
}

/** The guard cannot recompute the product (a malformed new document lists it): left for the user. */
export function markForReview(item: JournalItem, note: string, at: number): JournalItem {
  expect(item, 'review', ['pending', 'sent', 'failed']);
  const mayHaveLanded = item.status === 'sent';
  return {
    ...item,
    status: 'skipped',
    reason: 'needs-review',
    lastAnswer: answer(null, mayHaveLanded ? `${note} (an earlier write of ${item.target} may have landed)` : note, at),
    updatedAt: at,
  };
}

/** The product is no longer in the cloud (404 on write, or missing on re-read). */
export function markGone(item: JournalItem, status: number | null, at: number): JournalItem {
  expect(item, 'gone', ['sent', 'written']);
  return { ...item, status: 'failed', reason: 'not-found', lastAnswer: answer(status, 'the product is no longer in the cloud', at), updatedAt: at };
}

/**
 * A run's status once an apply call ends: stopped or interrupted by what stopped it (`failure`, null when nothing
 * did), else interrupted while a product has no answer or a failure that may pass, else completed.
 */
export function runOutcome(items: readonly JournalItem[], failure: unknown): Pick<JournalRun, 'status' | 'statusReason'> {
  if (failure instanceof StopRun) {
    return { status: failure.runStatus, statusReason: { code: failure.code, message: failure.message, ...(failure.scope ? { scope: failure.scope } : {}) } };
  }
  if (failure !== null) {
    const c = classify(failure);
    const statusReason = c.kind === 'abort'
      ? { code: 'aborted', message: 'stopped by the user or a closed page; continue from the journal' }
      : { code: 'error', message: 'message' in c ? c.message : 'error' };
    return { status: 'interrupted', statusReason };
  }
  if (items.some(isOutstanding)) {
    return { status: 'interrupted', statusReason: { code: 'incomplete', message: 'some products got no answer; continue to write them' } };
  }
  if (items.some(isRetryable)) {
    return {
      status: 'interrupted',
      statusReason: { code: 'retryable-failures', message: 'some products failed for a reason that may pass (429, 5xx, network); continue to write them' },
    };
  }
  return { status: 'completed', statusReason: null };
}
