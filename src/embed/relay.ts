/**
 * One connection's backend events, relayed to the page as the element's events: `progress`, `review-ready` (read
 * once per change, one read at a time per store) and a failed store's `error`; and the review opened once every
 * store start() pulled has its first result, as a user would open it.
 */
import type { BackendError, BackendEvent, PullProgress, SyncBackend } from '../ui/backend.ts';
import { toBackendError } from '../ui/backend.ts';
import type { AppState } from '../ui/state/index.ts';
import { embedRows, rowsFingerprint, type EmbedRow, type ProgressDetail, type ReviewReadyDetail } from './rows.ts';

export interface RelayOut {
  progress(detail: ProgressDetail): void;
  reviewReady(detail: ReviewReadyDetail): void;
  /** A store's failure or a failed read, as the element's `error` (once per error object). */
  failed(error: BackendError, storeId: string): void;
}

export type Relay = ReturnType<typeof createRelay>;

export function createRelay(backend: SyncBackend, state: AppState, out: RelayOut) {
  let closed = false;
  /** Stores of the last start(); their first results open the review, and apply() writes them. */
  let started: string[] = [];
  let reviewOpened = true;
  const pulls = new Map<string, PullProgress>();
  const fingerprints = new Map<string, string>();
  const rowsInFlight = new Set<string>();
  const rowsDirty = new Set<string>();
  const storeFailures = new Map<string, string>();

  function onEvent(event: BackendEvent): void {
    if (closed) return;
    switch (event.type) {
      case 'pull-progress':
        onPull(event.progress);
        break;
      case 'review-changed':
        void announceRows(event.storeId);
        break;
      case 'write-progress':
        out.progress(event.progress);
        break;
      case 'stores-changed':
        break;
    }
  }

  function onPull(p: PullProgress): void {
    pulls.set(p.storeId, p);
    out.progress({ kind: 'pull', ...p });
    if (p.phase === 'failed' && p.error) {
      const key = `${p.error.code}|${p.error.message}`;
      if (storeFailures.get(p.storeId) !== key) {
        storeFailures.set(p.storeId, key);
        out.failed(p.error, p.storeId);
      }
    } else {
      storeFailures.delete(p.storeId);
    }
    // After the state has taken this progress in (it subscribed after us).
    queueMicrotask(maybeOpenReview);
  }

  /** Once every started store has its first result (or failed), the element shows their review, as a user would. */
  function maybeOpenReview(): void {
    if (closed || reviewOpened || started.length === 0) return;
    const states = started.map((id) => pulls.get(id));
    if (states.some((p) => p === undefined || (!p.resultReady && p.phase !== 'failed' && p.phase !== 'cancelled'))) return;
    const ready = started.filter((id) => pulls.get(id)?.resultReady === true);
    reviewOpened = true;
    if (ready.length > 0 && state.screen.peek() === 'progress') void state.openReview(ready);
  }

  /** review-ready for a store, read after its result changed; one read at a time per store, the newest wins. */
  async function announceRows(storeId: string): Promise<void> {
    if (rowsInFlight.has(storeId)) {
      rowsDirty.add(storeId);
      return;
    }
    rowsInFlight.add(storeId);
    try {
      do {
        rowsDirty.delete(storeId);
        let detail: ReviewReadyDetail;
        try {
          // Converted slice by slice as the rows arrive: 20,000 rows at once would be one long task on the page.
          let rows: EmbedRow[] = [];
          const result = await backend.reviewRows(storeId, (slice) => {
            if (slice.offset === 0) rows = [];
            for (const row of embedRows(slice.summary, slice.rows)) rows.push(row);
          });
          detail = { storeId, complete: result.complete, rows };
        } catch (error) {
          if (!closed) out.failed(toBackendError(error), storeId);
          return;
        }
        if (closed) return;
        const fingerprint = rowsFingerprint(detail.complete, detail.rows);
        if (fingerprints.get(storeId) !== fingerprint) {
          fingerprints.set(storeId, fingerprint);
          out.reviewReady(detail);
        }
      } while (rowsDirty.has(storeId));
    } finally {
      rowsInFlight.delete(storeId);
    }
  }

  /** start() pulls these stores: their first results are announced even when they equal the previous ones. */
  function start(ids: string[]): void {
    started = ids;
    reviewOpened = false;
    for (const id of ids) {
      fingerprints.delete(id);
      storeFailures.delete(id);
    }
  }

  /** The stores apply() writes: the started ones whose result is ready, else those under review, else every ready one. */
  function targets(): string[] {
    const ready = new Set(state.readyStoreIds.value);
    for (const [id, p] of pulls) if (p.resultReady) ready.add(id);
    const ids = started.filter((id) => ready.has(id));
    if (ids.length > 0) return ids;
    if (state.reviewStoreIds.value.length > 0) return [...state.reviewStoreIds.value];
    return [...ready];
  }

  return { onEvent, start, targets, close: () => void (closed = true) };
}
