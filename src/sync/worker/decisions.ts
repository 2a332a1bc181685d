/**
 * The user's decisions per store (local/db.ts), read once and then kept for the reviews: a review's read of them waits
 * behind the pull's commits, and was a sixth of the first review's time on 23 stores at 0 ms. Every write of them,
 * in this worker or in another tab's (same database), is told on a BroadcastChannel, and the store's copy is dropped.
 * Where BroadcastChannel is missing nothing is kept. The write-back never uses the copy: it reads them from disk.
 */
import type { LocalStore } from '../../local/db.ts';
import type { DecisionRecord } from '../../local/schema.ts';

const CHANNEL_PREFIX = 'evotor-stock-sync:decisions:';

export class DecisionsCache {
  private readonly kept = new Map<string, Promise<DecisionRecord[]>>();
  private readonly channel: BroadcastChannel | null;

  /** `dbName`: the database they are kept for (another account's tab uses another one, and another channel). */
  constructor(private readonly local: LocalStore, dbName: string) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL_PREFIX + dbName) : null;
    this.channel?.addEventListener('message', (event: MessageEvent<unknown>) => {
      const storeId = (event.data as { storeId?: unknown } | null)?.storeId;
      if (typeof storeId === 'string') this.kept.delete(storeId);
    });
  }

  /** The store's decisions: the copy kept, else read now (and kept). */
  list(storeId: string): Promise<DecisionRecord[]> {
    if (!this.channel) return this.local.listDecisions(storeId);
    let list = this.kept.get(storeId);
    if (!list) {
      list = this.local.listDecisions(storeId);
      this.kept.set(storeId, list);
      list.catch(() => this.kept.get(storeId) === list && this.kept.delete(storeId));
    }
    return list;
  }

  /** Read ahead while the database is idle (the leading pull starts: its review is the first to ask for them). */
  prefetch(storeId: string): void {
    this.list(storeId).catch(() => undefined);
  }

  /** After a write of the store's decisions (or their removal) here: drop the copy, and tell the other tabs. */
  changed(storeId: string): void {
    this.kept.delete(storeId);
    this.channel?.postMessage({ storeId });
  }

  close(): void {
    this.channel?.close();
    this.kept.clear();
  }
}
