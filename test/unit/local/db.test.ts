import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { CheckpointConflictError, openLocalStore } from '../../../src/local/db.ts';
import {
  DB_VERSION, MIGRATIONS, RESERVED_STORE_NAMES,
  type CheckpointRecord, type EventRecord, type JobRecord, type Migration,
} from '../../../src/local/schema.ts';
import type { Milli } from '../../../src/model/quantity.ts';

beforeEach(() => {
  // A fresh factory per test: isolated databases.
  globalThis.indexedDB = new IDBFactory();
});

const S = 'S1';
const skipped = {
  freePriceLines: 0, serviceLines: 0, notTrackedLines: 0, unknownProductLines: 0, setHeaderLines: 0,
  noStockEffectDocuments: 0, unknownTypeDocuments: 0, openTareDocuments: 0,
};
function job(storeId = S): JobRecord {
  return {
    storeId, storeName: 'Store', api: 'v2', status: 'running',
    options: { fullPeriod: false, offerAfterMonths: 6, fallbackHorizonMonths: 36, v1HistoryMonths: 6 },
    snapshotAt: 0, horizonSince: 0, horizonSource: 'fallback', coveredSince: null, pages: 0, productPages: 0,
    documents: 0, quarantined: 0, skipped, productsTracked: 0, productsDecided: 0, resultOfferedAt: null, stopReason: null, error: null,
    createdAt: 0, startedAt: 0, updatedAt: 0, finishedAt: null,
  };
}
function checkpoint(month: string, cursor: string | null = null, pages = 0, done = false, storeId = S): CheckpointRecord {
  return { storeId, month, cursor, done, pages, documents: 0, since: 0, until: 0, updatedAt: 0 };
}
function event(docId: string, pk: string, closeTime: number, storeId = S): EventRecord {
  return {
    storeId, pk, month: '2025-03',
    doc: { id: docId, type: 'SELL', rawType: 'SELL', number: 1, closeTime, deviceId: 'd', timeZoneOffset: null },
    productId: pk, rule: 'SELL', decides: true, stockBefore: 5000 as Milli, movement: -1000 as Milli, setTo: null,
    handled: 1000 as Milli, lines: 1, settlements: [], warnings: [],
  };
}
const page = (events: EventRecord[], expected: CheckpointRecord, next: CheckpointRecord) => ({
  storeId: expected.storeId, expected, next, events, inventories: [], quarantine: [], unknownProducts: [],
  updateJob: (j: JobRecord) => ({ ...j, pages: j.pages + 1, documents: j.documents + events.length }),
});

describe('schema and migrations', () => {
  it('creates every store at the current version, leaving the journal names free', async () => {
    const local = await openLocalStore({ name: 't' });
    expect(local.db.version).toBe(DB_VERSION);
    expect([...local.db.objectStoreNames].sort()).toEqual(
      ['checkpoints', 'events', 'inventories', 'jobs', 'products', 'quarantine', 'stores', 'unknownProducts'],
    );
    for (const name of RESERVED_STORE_NAMES) expect(local.db.objectStoreNames.contains(name as never)).toBe(false);
    expect([...local.db.transaction('events').store.indexNames]).toEqual(['byProduct']);
    local.close();
  });

  it('runs only the new migrations on an existing database and keeps its data', async () => {
    const v1 = await openLocalStore({ name: 'm' });
    await v1.putJob(job());
    v1.close();

    const addJournal: Migration = (db, tx) => {
      db.createObjectStore(RESERVED_STORE_NAMES[0] as never, { keyPath: 'id' });
      // A migration may also rewrite rows: mark every job so we see it ran once.
      void tx.objectStore('jobs').openCursor().then(async function step(cursor): Promise<void> {
        if (!cursor) return;
        await cursor.update({ ...cursor.value, storeName: cursor.value.storeName + ' (migrated)' });
        return step(await cursor.continue());
      });
    };
    const v2 = await openLocalStore({ name: 'm', migrations: [...MIGRATIONS, addJournal] });
    expect(v2.db.version).toBe(DB_VERSION + 1);
    expect(v2.db.objectStoreNames.contains(RESERVED_STORE_NAMES[0] as never)).toBe(true);
    expect((await v2.getJob(S))?.storeName).toBe('Store (migrated)');
    v2.close();

    // Opening again at the same version runs nothing.
    const again = await openLocalStore({ name: 'm', migrations: [...MIGRATIONS, addJournal] });
    expect((await again.getJob(S))?.storeName).toBe('Store (migrated)');
    again.close();
  });
});

describe('page commits', () => {
  it('writes the rows, the checkpoint and the job counts together', async () => {
    const local = await openLocalStore({ name: 'p' });
    await local.resetStore(job(), [checkpoint('2025-03')]);
    const start = (await local.getCheckpoint(S, '2025-03'))!;
    const after = await local.commitDocumentPage(page([event('d1', 'a', 10), event('d1', 'b', 10)], start, checkpoint('2025-03', 'c2', 1)));
    expect(after.pages).toBe(1);
    expect(await local.countEvents(S)).toBe(2);
    expect((await local.getCheckpoint(S, '2025-03'))?.cursor).toBe('c2');
    local.close();
  });

  it('writes nothing when the checkpoint moved on (another tab pulled the same page)', async () => {
    const local = await openLocalStore({ name: 'c' });
    await local.resetStore(job(), [checkpoint('2025-03')]);
    const start = (await local.getCheckpoint(S, '2025-03'))!;
    await local.commitDocumentPage(page([event('d1', 'a', 10)], start, checkpoint('2025-03', 'c2', 1)));
    await expect(local.commitDocumentPage(page([event('d9', 'z', 10)], start, checkpoint('2025-03', 'c2', 1))))
      .rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await local.countEvents(S)).toBe(1);
    expect((await local.getJob(S))?.pages).toBe(1);
    local.close();
  });

  it('writes nothing when the job was cancelled meanwhile', async () => {
    const local = await openLocalStore({ name: 'x' });
    await local.resetStore(job(), [checkpoint('2025-03')]);
    const start = (await local.getCheckpoint(S, '2025-03'))!;
    await local.db.delete('jobs', S);
    await expect(local.commitDocumentPage(page([event('d1', 'a', 10)], start, checkpoint('2025-03', 'c', 1))))
      .rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await local.countEvents(S)).toBe(0);
    local.close();
  });

  it('adds up unknown products across pages', async () => {
    const local = await openLocalStore({ name: 'u' });
    await local.resetStore(job(), [checkpoint('2025-03')]);
    let cp = (await local.getCheckpoint(S, '2025-03'))!;
    for (let i = 0; i < 2; i++) {
      const next = checkpoint('2025-03', `c${i}`, i + 1);
      await local.commitDocumentPage({
        ...page([], cp, next),
        unknownProducts: [{ storeId: S, productId: 'ghost', name: i === 0 ? null : 'Призрак', code: null, lines: 2, documents: 1 }],
      });
      cp = next;
    }
    expect(await local.listUnknownProducts(S)).toEqual([{ storeId: S, productId: 'ghost', name: 'Призрак', code: null, lines: 4, documents: 2 }]);
    local.close();
  });
});

describe('reads', () => {
  it('gives one product its rows oldest first, store by store, and reads a range of products at once', async () => {
    const local = await openLocalStore({ name: 'r' });
    await local.resetStore(job(), [checkpoint('2025-03')]);
    await local.resetStore(job('S2'), [checkpoint('2025-03', null, 0, false, 'S2')]);
    const start = (await local.getCheckpoint(S, '2025-03'))!;
    await local.commitDocumentPage(page(
      [event('d3', 'a', 30), event('d1', 'a', 10), event('d2', 'b', 20), event('d2', 'a', 20)],
      start, checkpoint('2025-03', 'n', 1),
    ));
    const s2 = (await local.getCheckpoint('S2', '2025-03'))!;
    await local.commitDocumentPage(page([event('x', 'a', 5, 'S2')], s2, checkpoint('2025-03', 'n', 1, false, 'S2')));

    expect((await local.productEvents(S, 'a')).map((e) => e.doc.id)).toEqual(['d1', 'd2', 'd3']);
    const batch = await local.eventsOfProducts(S, ['a', 'b', 'none']);
    expect(batch.get('b')?.map((e) => e.doc.id)).toEqual(['d2']);
    expect(batch.get('none')).toEqual([]);
    const range = await local.eventsOfProductRange(S, 'a', 'b');
    expect([...range.keys()]).toEqual(['a', 'b']);
    expect(range.get('a')?.map((e) => e.doc.id)).toEqual(['d1', 'd2', 'd3']);

    await local.deleteStoreData(S);
    expect(await local.countEvents(S)).toBe(0);
    expect(await local.countEvents('S2')).toBe(1);
    local.close();
  });
});
