import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { CheckpointConflictError, openLocalStore, type LocalStore } from '../../../src/local/db.ts';
import { closeTimeIn, encodePage, PageReader, partOf, PARTS, WHOLE_PAGE, type PageRecord } from '../../../src/local/page-rows.ts';
import { alsoIn, readPartRows, readProductRows } from '../../../src/local/stored-rows.ts';
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
    documents: 0, lines: 0, quarantined: 0, skipped, productsTracked: 0, productsDecided: 0, resultOfferedAt: null, stopReason: null, error: null,
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
  storeId: expected.storeId, expected, next, inventories: [], quarantine: [], unknownProducts: [],
  pages: encodePage({ storeId: expected.storeId, month: expected.month, seq: expected.pages }, events.map(asRow)),
  updateJob: (j: JobRecord) => ({ ...j, pages: j.pages + 1, documents: j.documents + events.length, lines: j.lines + events.length }),
});
const asRow = ({ storeId: _s, pk, month: _m, ...event }: EventRecord) => ({ pk, event });

/** Every stored row of a store as [document id, product key], in page order. */
async function storedRows(local: LocalStore, storeId: string): Promise<string[][]> {
  const rows: string[][] = [];
  await local.scanPages(storeId, (pages) => {
    for (const record of pages) {
      const p = new PageReader(record);
      for (let i = 0; i < p.rows; i++) rows.push([p.event(i).doc.id, p.pk[i]!]);
    }
  });
  return rows;
}

describe('schema and migrations', () => {
  it('creates every store at the current version, leaving the journal names free', async () => {
    const local = await openLocalStore({ name: 't' });
    expect(local.db.version).toBe(DB_VERSION);
    expect([...local.db.objectStoreNames].sort()).toEqual(
      ['checkpoints', 'decisions', 'inventories', 'jobs', 'pages', 'products', 'quarantine', 'stores', 'unknownProducts'],
    );
    for (const name of RESERVED_STORE_NAMES) expect(local.db.objectStoreNames.contains(name as never)).toBe(false);
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
    await v1.putCheckpoint(checkpoint('2025-03', 'c8', 8));
    await v1.db.put('events', event('d1', 'p1', 10));
    v1.close();

    const v2 = await openLocalStore({ name: 'to-v2', migrations: MIGRATIONS.slice(0, 2) });
    expect(v2.db.version).toBe(2);
    expect(v2.db.objectStoreNames.contains('decisions')).toBe(true);
    expect((await v2.getJob(S))?.options).toEqual({ ...v1Options, method: 'latest-document', horizonMonths: null });
    expect((await v2.getJob('S2'))?.options).toEqual({ ...v1Options, fullPeriod: true, method: 'latest-document', horizonMonths: null });
    expect(await v2.getCheckpoint(S, '2025-03')).toMatchObject({ cursor: 'c8', pages: 8 });
    expect(await v2.db.count('events')).toBe(1);
    expect(await v2.listDecisions(S)).toEqual([]);
    v2.close();
  });

  it('an empty version 1 database migrates too', async () => {
    (await openLocalStore({ name: 'empty', migrations: MIGRATIONS.slice(0, 1) })).close();
    const v2 = await openLocalStore({ name: 'empty', migrations: MIGRATIONS.slice(0, 2) });
    expect(await v2.listJobs()).toEqual([]);
    expect(v2.db.objectStoreNames.contains('decisions')).toBe(true);
    v2.close();
  });
});

describe('migration 2 -> 3: one record per page', () => {
  it('replaces the per-row events with page records and starts every pull again, keeping stores and decisions', async () => {
    const v2 = await openLocalStore({ name: 'to-v3', migrations: MIGRATIONS.slice(0, 2) });
    await v2.putStores([{ id: S, name: 'Store', address: null, api: 'v2', seenAt: 1 }]);
    await v2.putJob(job());
    await v2.putCheckpoint(checkpoint('2025-03', 'c8', 8));
    await v2.db.put('events', event('d1', 'p1', 10));
    await v2.setManual(S, 'p1', '3', 1);
    v2.close();

    const v3 = await openLocalStore({ name: 'to-v3', migrations: MIGRATIONS.slice(0, 3) });
    expect(v3.db.version).toBe(3);
    expect(v3.db.objectStoreNames.contains('events')).toBe(false);
    expect(v3.db.objectStoreNames.contains('pages')).toBe(true);
    expect(await v3.listJobs()).toEqual([]);
    expect(await v3.listCheckpoints(S)).toEqual([]);
    expect((await v3.listStores()).map((s) => s.id)).toEqual([S]);
    expect(await v3.listDecisions(S)).toEqual([{ storeId: S, productId: 'p1', manual: '3', approved: true, updatedAt: 1 }]);
    v3.close();
  });
});

describe('migration 3 -> 4: a checkpoint\'s until is exclusive', () => {
  // evotor-api.md §10: the documents query reads until as exclusive; version 3 stored it inclusive.
  it('moves every month checkpoint\'s until one millisecond on, so a pull in progress asks for the same documents', async () => {
    const v3 = await openLocalStore({ name: 'to-v4', migrations: MIGRATIONS.slice(0, 3) });
    await v3.putCheckpoint({ ...checkpoint('2025-03', 'c8', 8), since: Date.UTC(2025, 2, 1), until: Date.UTC(2025, 3, 1) - 1 });
    await v3.putCheckpoint({ ...checkpoint('products', null, 1), since: 0, until: 500 });
    v3.close();

    const v4 = await openLocalStore({ name: 'to-v4' });
    expect(v4.db.version).toBe(DB_VERSION);
    expect(DB_VERSION).toBe(4);
    expect(await v4.getCheckpoint(S, '2025-03')).toMatchObject({ cursor: 'c8', since: Date.UTC(2025, 2, 1), until: Date.UTC(2025, 3, 1) });
    expect(await v4.getCheckpoint(S, 'products')).toMatchObject({ since: 0, until: 500 });
    v4.close();
  });
});

describe('the user\'s decisions', () => {
  it('keeps manual quantities and unapproved products per store, a row only while it differs from the default or was ticked', async () => {
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
    // Back to the defaults: the rows go; a tick is kept (it approves a product that needs attention).
    await local.setManual(S, 'p1', null, 5);
    await local.setApproval(S, ['p3'], true, 6);
    await local.setApproval(S, ['p2'], true, 7);
    expect(await local.listDecisions(S)).toEqual([
      { storeId: S, productId: 'p2', manual: '0', approved: true, ticked: true, updatedAt: 7 },
      { storeId: S, productId: 'p3', manual: null, approved: true, ticked: true, updatedAt: 6 },
    ]);
    await local.setApproval(S, ['p3'], false, 8);
    expect((await local.listDecisions(S)).find((d) => d.productId === 'p3')).toEqual({ storeId: S, productId: 'p3', manual: null, approved: false, updatedAt: 8 });
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
    expect(after.lines).toBe(2);
    expect(await storedRows(local, S)).toHaveLength(2);
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
    expect(await storedRows(local, S)).toEqual([['d1', 'a']]);
    expect((await local.getJob(S))?.pages).toBe(1);
    local.close();
  });

  it('gives the writes made while a group commits one transaction, in order, leaving out only a refused one', async () => {
    const local = await openLocalStore({ name: 'g' });
    await local.resetStore(job(), [checkpoint('2025-03'), checkpoint('2025-04')]);
    let transactions = 0;
    const open = local.db.transaction.bind(local.db) as (...args: unknown[]) => unknown;
    (local.db as { transaction: unknown }).transaction = (...args: unknown[]) => {
      if (args[1] === 'readwrite') transactions++;
      return open(...args);
    };
    const march = (await local.getCheckpoint(S, '2025-03'))!;
    const april = (await local.getCheckpoint(S, '2025-04'))!;
    const written = await Promise.allSettled([
      local.resetStore(job('S2'), [checkpoint('2025-03', null, 0, false, 'S2')]),
      local.commitDocumentPage(page([event('d1', 'a', 10)], march, checkpoint('2025-03', 'c1', 1))),
      // Fetched from a checkpoint that is not the stored one (another tab moved it): left out, the others land.
      local.commitDocumentPage(page([event('d8', 'y', 10)], { ...april, cursor: 'elsewhere' }, checkpoint('2025-04', 'c9', 1))),
      // Sees the first page of its group: the checkpoint it was fetched from is that page's.
      local.commitDocumentPage(page([event('d2', 'b', 20)], checkpoint('2025-03', 'c1', 1), checkpoint('2025-03', 'c2', 2))),
    ]);
    expect(written.map((w) => w.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((written[2] as PromiseRejectedResult).reason).toBeInstanceOf(CheckpointConflictError);
    expect(transactions).toBe(1);
    expect((await storedRows(local, S)).sort()).toEqual([['d1', 'a'], ['d2', 'b']]);
    expect((await local.getJob(S))?.pages).toBe(2);
    expect((await local.getCheckpoint(S, '2025-04'))?.cursor).toBeNull();
    expect((await local.getJob('S2'))?.storeId).toBe('S2');
    local.close();
  });

  it('writes nothing when the job was cancelled meanwhile', async () => {
    const local = await openLocalStore({ name: 'x' });
    await local.resetStore(job(), [checkpoint('2025-03')]);
    const start = (await local.getCheckpoint(S, '2025-03'))!;
    await local.db.delete('jobs', S);
    await expect(local.commitDocumentPage(page([event('d1', 'a', 10)], start, checkpoint('2025-03', 'c', 1))))
      .rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await storedRows(local, S)).toEqual([]);
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
  it('scans a store\'s page records in key order, a batch at a time, and deletes them with the store', async () => {
    const local = await openLocalStore({ name: 'r' });
    await local.resetStore(job(), [checkpoint('2025-03'), checkpoint('2025-04')]);
    await local.resetStore(job('S2'), [checkpoint('2025-03', null, 0, false, 'S2')]);
    // 80 pages over two months, written newest month first as the pull does: more than one read batch.
    for (const month of ['2025-04', '2025-03']) {
      let cp = (await local.getCheckpoint(S, month))!;
      for (let n = 0; n < 40; n++) {
        const next = checkpoint(month, `c${n}`, n + 1);
        await local.commitDocumentPage(page([event(`${month}-${n}`, 'a', n)], cp, next));
        cp = next;
      }
    }
    const s2 = (await local.getCheckpoint('S2', '2025-03'))!;
    await local.commitDocumentPage(page([event('x', 'a', 5, 'S2')], s2, checkpoint('2025-03', 'n', 1, false, 'S2')));

    const batches: number[] = [];
    const keys: string[] = [];
    await local.scanPages(S, (pages) => {
      batches.push(pages.length);
      for (const p of pages) keys.push(`${p.month}#${p.seq}`);
    });
    expect(batches.reduce((a, b) => a + b, 0)).toBe(80);
    expect(batches.length).toBeGreaterThan(1);
    expect(keys.slice(0, 3)).toEqual(['2025-03#0', '2025-03#1', '2025-03#2']);
    expect(keys[79]).toBe('2025-04#39');
    expect(await local.documentCloseTime(S, '2025-04-7')).toBe(7);
    expect(await local.documentCloseTime(S, 'nowhere')).toBeNull();

    const aborted = new AbortController();
    aborted.abort();
    await expect(local.scanPages(S, () => undefined, { signal: aborted.signal })).rejects.toThrow();

    await local.deleteStoreData(S);
    expect(await storedRows(local, S)).toEqual([]);
    expect(await storedRows(local, 'S2')).toEqual([['x', 'a']]);
    local.close();
  });
});

describe('page records', () => {
  const doc = (id: string, closeTime: number) => ({ id, type: 'SELL' as const, rawType: 'SELL', number: 7, closeTime, deviceId: 'd', timeZoneOffset: 180 });
  it('give back every event exactly, rows sorted by product key, one DocRef per document', () => {
    const d1 = doc('d1', 10);
    const d2 = { ...doc('d2', 20), type: 'INVENTORY' as const, rawType: 'INVENTORY', completeInventory: null };
    const events = [
      { pk: 'b', event: { doc: d1, productId: ' B ', rule: 'SELL' as const, decides: true, stockBefore: 9_999_999_999_999 as Milli, movement: -1500 as Milli, setTo: null, handled: 1500 as Milli, lines: 2,
        settlements: [{ kind: 'full_prepayment' as const, raw: 'PREPAYMENT', moves: false, quantity: 500 as Milli }],
        warnings: [{ code: 'UNKNOWN_SETTLEMENT_METHOD' as const, count: 1, doc: d1, documentId: 'd1', value: 'X' }], measurePrecision: 3 } },
      { pk: 'a', event: { doc: d1, productId: 'a', rule: 'SELL' as const, decides: true, stockBefore: null, movement: -1 as Milli, setTo: null, handled: 1 as Milli, lines: 1, settlements: [], warnings: [], measurePrecision: 0 } },
      { pk: 'a', event: { doc: d2, productId: 'a', rule: 'INVENTORY' as const, decides: true, stockBefore: -3 as Milli, movement: 0 as Milli, setTo: 0 as Milli, handled: 0 as Milli, lines: 1, settlements: [], warnings: [] } },
    ];
    // Two products of one part (found by trying keys), so both land in one record.
    const [a, b] = sameParts();
    for (const e of events) e.pk = e.pk === 'a' ? a : b;
    events[1]!.event.productId = a;
    events[2]!.event.productId = a;
    events[0]!.event.productId = ` ${b.toUpperCase()} `;
    const records = structuredClone(encodePage({ storeId: S, month: '2025-03', seq: 4 }, events));
    expect(records).toHaveLength(1);
    const record: PageRecord = records[0]!;
    const page = new PageReader(record);
    expect(page.pk).toEqual([a, a, b]);
    expect(record.part).toBe(partOf(a));
    expect([...record.docs.closeTime]).toEqual([10, 20]);
    expect(closeTimeIn(record, 'd2')).toBe(20);
    expect(closeTimeIn(record, 'd3')).toBeNull();
    const decoded = [0, 1, 2].map((i) => page.event(i));
    expect(decoded).toEqual([events[1]!.event, events[2]!.event, events[0]!.event]);
    expect(decoded[0]!.doc).toBe(decoded[2]!.doc);
    expect(decoded.map((e) => e.measurePrecision)).toEqual([0, undefined, 3]);
    // A record stored before the precision was kept reads as "the documents gave none".
    const { precision: _precision, ...older } = record;
    expect([0, 1, 2].map((i) => new PageReader(older).event(i).measurePrecision)).toEqual([undefined, undefined, undefined]);
    const seen: string[] = [];
    page.rowsOf(a, a, (pk, i) => seen.push(`${pk}${i}`));
    page.rowsOf(`${a}0`, b, (pk, i) => seen.push(`${pk}${i}`));
    page.rowsOf(`${b}0`, '~', (pk, i) => seen.push(`${pk}${i}`));
    expect(seen).toEqual([`${a}0`, `${a}1`, `${b}2`]);
  });

  it('split a page by part, one record per part that has rows, spread over every part', () => {
    const rows = Array.from({ length: 400 }, (_, n) => ({ pk: `p${n}`, event: { ...eventOf(`p${n}`) } }));
    const records = encodePage({ storeId: S, month: '2025-03', seq: 0 }, rows);
    expect(records).toHaveLength(PARTS);
    expect(records.reduce((n, r) => n + r.rows, 0)).toBe(400);
    for (const r of records) expect(new PageReader(r).pk.every((pk) => partOf(pk) === r.part)).toBe(true);
  });
});

describe('whole pages beside split ones (a store past WHOLE_PAGE_LINES)', () => {
  it('reads a product, a part and the whole store the same from both kinds of record', async () => {
    const local = await openLocalStore({ name: 'whole-and-split' });
    await local.resetStore(job(), [checkpoint('2025-02'), checkpoint('2025-03')]);
    const pks = Array.from({ length: 40 }, (_, n) => `p${n}`);
    const rowsOf = (doc: string, closeTime: number) => pks.map((pk) => asRow(event(doc, pk, closeTime)));
    // The newest month's page was written whole (the store was small then), the older one split by part.
    const whole = encodePage({ storeId: S, month: '2025-03', seq: 0 }, rowsOf('new', 20), true);
    expect(whole.map((r) => r.part)).toEqual([WHOLE_PAGE]);
    const split = encodePage({ storeId: S, month: '2025-02', seq: 0 }, rowsOf('old', 10));
    expect(split.length).toBeGreaterThan(1);
    for (const [month, pages] of [['2025-03', whole], ['2025-02', split]] as const) {
      await local.commitDocumentPage({
        storeId: S, expected: checkpoint(month), next: checkpoint(month, null, 1, true), inventories: [], quarantine: [], unknownProducts: [],
        pages, updateJob: (j) => ({ ...j, pages: j.pages + 1, lines: j.lines + pks.length }),
      });
    }
    const ids = (events: { doc: { id: string } }[]) => events.map((e) => e.doc.id).sort();
    for (const pk of ['p0', 'p17', 'p39']) {
      expect(ids(await readProductRows(local, S, pk))).toEqual(['new', 'old']);
      const part = alsoIn(await readPartRows(local, S, partOf(pk)), await readPartRows(local, S, WHOLE_PAGE));
      expect(ids(part.eventsOf(pk))).toEqual(['new', 'old']);
      expect(ids((await readPartRows(local, S, undefined)).eventsOf(pk))).toEqual(['new', 'old']);
      // A part alone holds only the split page's rows: the whole page is read beside it, never lost.
      expect(ids((await readPartRows(local, S, partOf(pk))).eventsOf(pk))).toEqual(['old']);
    }
    local.close();
  });
});

/** Two product keys of one part, the first sorting before the second. */
function sameParts(): [string, string] {
  for (let n = 1; ; n++) if (partOf(`b${n}`) === partOf('a')) return ['a', `b${n}`];
}

function eventOf(pk: string) {
  const { storeId: _s, pk: _p, month: _m, ...e } = event('d', pk, 1);
  return e;
}
