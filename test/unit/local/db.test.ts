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
    options: { method: 'latest-document', horizonMonths: null, fullPeriod: false, offerAfterMonths: 6, fallbackHorizonMonths: 36, v1HistoryMonths: 6 },
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
      ['checkpoints', 'decisions', 'events', 'inventories', 'jobs', 'products', 'quarantine', 'stores', 'unknownProducts'],
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

describe('migration 1 -> 2: decisions, and the method and horizon with every job', () => {
  it('adds the decisions store and gives version 1 jobs the default method and no horizon, keeping every row', async () => {
    const v1 = await openLocalStore({ name: 'to-v2', migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.db.version).toBe(1);
    const { method: _m, horizonMonths: _h, ...v1Options } = job().options;
    // As version 1 wrote them: options without method and horizon.
    await v1.db.put('jobs', { ...job(), options: v1Options } as unknown as JobRecord);
    await v1.db.put('jobs', { ...job('S2'), status: 'done', options: { ...v1Options, fullPeriod: true } } as unknown as JobRecord);
    await v1.putCheckpoint(checkpoint('2025-03', 'c7', 7));
    await v1.commitDocumentPage(page([event('d1', 'p1', 10)], checkpoint('2025-03', 'c7', 7), checkpoint('2025-03', 'c8', 8)));
    v1.close();

    const v2 = await openLocalStore({ name: 'to-v2' });
    expect(v2.db.version).toBe(DB_VERSION);
    expect(DB_VERSION).toBe(2);
    expect(v2.db.objectStoreNames.contains('decisions')).toBe(true);
    expect((await v2.getJob(S))?.options).toEqual({ ...v1Options, method: 'latest-document', horizonMonths: null });
    expect((await v2.getJob('S2'))?.options).toEqual({ ...v1Options, fullPeriod: true, method: 'latest-document', horizonMonths: null });
    expect((await v2.getJob(S))?.pages).toBe(1);
    expect(await v2.getCheckpoint(S, '2025-03')).toMatchObject({ cursor: 'c8', pages: 8 });
    expect(await v2.productEvents(S, 'p1')).toHaveLength(1);
    expect(await v2.listDecisions(S)).toEqual([]);
    v2.close();
  });

  it('an empty version 1 database migrates too', async () => {
    (await openLocalStore({ name: 'empty', migrations: MIGRATIONS.slice(0, 1) })).close();
    const v2 = await openLocalStore({ name: 'empty' });
    expect(await v2.listJobs()).toEqual([]);
    expect(v2.db.objectStoreNames.contains('decisions')).toBe(true);
    v2.close();
  });
});

describe('the user\'s decisions', () => {
  it('keeps manual quantities and unapproved products per store, a row only while it differs from the default', async () => {
    const local = await openLocalStore({ name: 'dec' });
    await local.setManual(S, 'p1', '2.5', 1);
    await local.setApproval(S, ['p2', 'p3', 'p2'], false, 2);
    await local.setApproval('S2', ['p1'], false, 3);
    expect(await local.listDecisions(S)).toEqual([
      { storeId: S, productId: 'p1', manual: '2.5', approved: true, updatedAt: 1 },
      { storeId: S, productId: 'p2', manual: null, approved: false, updatedAt: 2 },
      { storeId: S, productId: 'p3', manual: null, approved: false, updatedAt: 2 },
    ]);
    // A manual value on an unapproved product keeps both.
    await local.setManual(S, 'p2', '0', 4);
    expect((await local.listDecisions(S)).find((d) => d.productId === 'p2')).toMatchObject({ manual: '0', approved: false, updatedAt: 4 });
    // Back to the defaults: the rows go.
    await local.setManual(S, 'p1', null, 5);
    await local.setApproval(S, ['p3'], true, 6);
    await local.setApproval(S, ['p2'], true, 7);
    expect(await local.listDecisions(S)).toEqual([{ storeId: S, productId: 'p2', manual: '0', approved: true, updatedAt: 7 }]);
    expect(await local.listDecisions('S2')).toHaveLength(1);
    local.close();
  });

  it('survive a reopen (a reload) and a new pull of the store; forgetting the store drops them', async () => {
    const local = await openLocalStore({ name: 'dec2' });
    await local.setManual(S, 'p1', '4', 1);
    await local.setApproval(S, ['p9'], false, 1);
    await local.setApproval('S2', ['p1'], false, 1);
    local.close();
    const again = await openLocalStore({ name: 'dec2' });
    expect((await again.listDecisions(S)).map((d) => d.productId)).toEqual(['p1', 'p9']);
    await again.resetStore(job(), [checkpoint('2025-03')]);
    expect(await again.listDecisions(S)).toHaveLength(2);
    await again.deleteStoreData(S);
    expect(await again.listDecisions(S)).toEqual([]);
    expect(await again.listDecisions('S2')).toHaveLength(1);
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
