import { describe, expect, it } from 'vitest';
import { milli } from '../../../src/model/quantity.ts';
import {
  isOutstanding, isRetryable, markAnswered, markFailed, markForReview, markGone, markNoAnswer, markNotSent, markReread,
  markSent, mayHaveWritten, resumeAction, retarget, TransitionError,
} from '../../../src/writeback/state.ts';
import type { ItemStatus, JournalItem } from '../../../src/writeback/types.ts';

function item(status: ItemStatus = 'pending', over: Partial<JournalItem> = {}): JournalItem {
  return {
    runId: 'r', storeId: 's', productId: 'p', name: 'n', code: null, measureName: null,
    before: milli(1000), computed: milli(5000), manual: null, base: milli(5000), target: milli(5000), adjustments: [],
    decidingDocument: null, rule: null, warnings: [], status, reason: null, attempts: 0, lastAnswer: null, written: null,
    v1Product: null, updatedAt: 0, ...over,
  };
}

describe('journal state machine', () => {
  it('pending → sent counts the attempt; the answer verifies against the target', () => {
    const sent = markSent(item(), 1);
    expect(sent.status).toBe('sent');
    expect(sent.attempts).toBe(1);
    expect(markAnswered(sent, milli(5000), 200, 2).status).toBe('verified');
    const mismatch = markAnswered(sent, milli(4000), 200, 2);
    expect(mismatch.status).toBe('mismatch');
    expect(mismatch.written).toBe(4000);
    expect(markAnswered(sent, null, 200, 2).status).toBe('written');
  });

  it('a re-read settles sent and written items', () => {
    const sent = markSent(item(), 1);
    expect(markReread(sent, milli(5000), 2).status).toBe('verified');
    expect(markReread(sent, milli(1000), 2).status).toBe('pending'); // never landed: write it again
    const written = markAnswered(sent, null, 200, 2);
    expect(markReread(written, milli(5000), 3).status).toBe('verified');
    expect(markReread(written, milli(4000), 3).status).toBe('mismatch');
    expect(markGone(written, null, 3)).toMatchObject({ status: 'failed', reason: 'not-found' });
  });

  it('refusals: failed with a reason; 401/402/403 back to pending; no answer stays sent', () => {
    const sent = markSent(item(), 1);
    const failed = markFailed(sent, 'rejected', 400, 'quantity: too many digits', 2);
    expect(failed).toMatchObject({ status: 'failed', reason: 'rejected', lastAnswer: { status: 400 } });
    expect(isRetryable(failed)).toBe(false);
    expect(() => markSent(failed, 3)).toThrow(TransitionError);
    const busy = markFailed(sent, 'server-error', 503, 'down', 2);
    expect(isRetryable(busy)).toBe(true);
    expect(markSent(busy, 3).attempts).toBe(2);
    expect(markNotSent(sent, 403, 'scope', 2).status).toBe('pending');
    expect(markNoAnswer(sent, 'timeout', 2).status).toBe('sent');
  });

  it('keeps messages short', () => {
    const failed = markFailed(markSent(item(), 1), 'rejected', 400, 'x'.repeat(1000), 2);
    expect(failed.lastAnswer!.message.length).toBeLessThanOrEqual(300);
  });

  it('refuses transitions from final states', () => {
    for (const status of ['verified', 'unchanged', 'skipped', 'mismatch'] as const) {
      expect(() => markSent(item(status), 1)).toThrow(TransitionError);
      expect(() => retarget(item(status), { document: { id: 'd', type: 'SELL', number: 1, closeTime: 0, deviceId: '', timeZoneOffset: null }, kind: 'delta', quantity: milli(-1000), from: milli(5000), to: milli(4000), note: '' }, 1)).toThrow(TransitionError);
    }
    expect(() => markAnswered(item('pending'), milli(1), 200, 1)).toThrow(TransitionError);
  });

  it('the guard retargets items still to write, or sends them to review', () => {
    const adj = { document: { id: 'd', type: 'SELL' as const, number: 1, closeTime: 0, deviceId: '', timeZoneOffset: null }, kind: 'delta' as const, quantity: milli(-2000), from: milli(5000), to: milli(3000), note: 'SELL' };
    expect(retarget(item('sent'), adj, 1)).toMatchObject({ status: 'sent', target: 3000, adjustments: [adj] });
    const review = markForReview(item('sent'), 'unreadable doc', 1);
    expect(review).toMatchObject({ status: 'skipped', reason: 'needs-review' });
    expect(review.lastAnswer!.message).toContain('may have landed');
  });

  it.each([
    ['pending', 'v2', 'write'], ['pending', 'v1', 'write'],
    ['sent', 'v2', 'write'], ['sent', 'v1', 'reread'],
    ['written', 'v2', 'reread'], ['written', 'v1', 'reread'],
    ['verified', 'v2', 'none'], ['mismatch', 'v2', 'none'], ['skipped', 'v1', 'none'], ['unchanged', 'v2', 'none'],
  ] as const)('resume: %s on %s → %s', (status, api, action) => {
    expect(resumeAction(item(status), api)).toBe(action);
  });

  it('resume: failed items are written again only when the failure may pass', () => {
    expect(resumeAction(item('failed', { reason: 'server-error', attempts: 1 }), 'v2')).toBe('write');
    expect(resumeAction(item('failed', { reason: 'rate-limited', attempts: 1 }), 'v2')).toBe('write');
    expect(resumeAction(item('failed', { reason: 'rejected', attempts: 1 }), 'v2')).toBe('none');
    expect(resumeAction(item('failed', { reason: 'not-found', attempts: 1 }), 'v2')).toBe('none');
  });

  it('knows what undo must restore and what keeps a run open', () => {
    expect(mayHaveWritten(item('sent'))).toBe(true);
    expect(mayHaveWritten(item('verified'))).toBe(true);
    expect(mayHaveWritten(item('mismatch'))).toBe(true);
    expect(mayHaveWritten(item('failed', { reason: 'server-error', attempts: 1 }))).toBe(true);
    expect(mayHaveWritten(item('failed', { reason: 'rejected', attempts: 1 }))).toBe(false);
    expect(mayHaveWritten(item('pending'))).toBe(false);
    expect(isOutstanding(item('sent'))).toBe(true);
    expect(isOutstanding(item('verified'))).toBe(false);
  });
});
