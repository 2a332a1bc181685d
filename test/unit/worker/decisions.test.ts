// The decisions kept for the reviews (src/sync/worker/decisions.ts): read once, dropped on every write, here or in
// another tab's worker on the same database (BroadcastChannel), and never used by the write-back.
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { openLocalStore, type LocalStore } from '../../../src/local/db.ts';
import { DecisionsCache } from '../../../src/sync/worker/decisions.ts';

const S = 'S1';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

/** Counts the local store's reads of the decisions. */
function counting(local: LocalStore): { reads: number } {
  const count = { reads: 0 };
  const read = local.listDecisions.bind(local);
  local.listDecisions = (storeId) => {
    count.reads++;
    return read(storeId);
  };
  return count;
}

const manual = async (cache: DecisionsCache) => (await cache.list(S)).map((d) => d.manual);

describe('DecisionsCache', () => {
  it('reads a store once, and again after a write here or in another tab on the same database, not on another', async () => {
    expect(typeof BroadcastChannel).toBe('function');
    const local = await openLocalStore({ name: 'decisions' });
    const count = counting(local);
    const here = new DecisionsCache(local, 'decisions');
    const otherTab = new DecisionsCache(await openLocalStore({ name: 'decisions' }), 'decisions');
    const otherAccount = new DecisionsCache(await openLocalStore({ name: 'other-account' }), 'other-account');
    here.prefetch(S);
    expect(await manual(here)).toEqual([]);
    expect(await manual(here)).toEqual([]);
    expect(count.reads).toBe(1);

    // Another tab writes: its worker tells this one, which reads again.
    expect(await manual(otherTab)).toEqual([]);
    await local.setManual(S, 'p1', '2.5', 1);
    otherTab.changed(S);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await manual(here)).toEqual(['2.5']);
    expect(count.reads).toBe(2);

    // This worker writes: dropped at once, and the other tab hears of it.
    await local.setManual(S, 'p1', '3', 2);
    here.changed(S);
    expect(await manual(here)).toEqual(['3']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await manual(otherTab)).toEqual(['3']);

    // A write on another database (another account) is told on its own channel: nothing is read again here.
    const reads = count.reads;
    otherAccount.changed(S);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await manual(here)).toEqual(['3']);
    expect(count.reads).toBe(reads);
    for (const cache of [here, otherTab, otherAccount]) cache.close();
    local.close();
  });
});
