import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { openLocalStore, type LocalStore } from '../../../src/local/db.ts';
import { PARTS, WHOLE_PAGE, WHOLE_PAGE_LINES } from '../../../src/local/page-rows.ts';
import { StoreComputation, type ResultRow } from '../../../src/pull/computation.ts';
import { pullStore, type PullHooks, type PullRequest } from '../../../src/pull/engine.ts';
import { computeStock, createStockAccumulator, summariseChainBreaks } from '../../../src/stock/index.ts';
import type { ProductStock } from '../../../src/stock/types.ts';
import { fakeCloud, littleStore, type FakeCloud } from '../../lib/fake-cloud.ts';

const STORE = '20240101-5A12-403A-80F6-75C361356826';
const NOW = Date.UTC(2024, 5, 15, 12);
const now = () => NOW;

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

async function pull(
  local: LocalStore, cloud: FakeCloud, request: Partial<PullRequest> = {}, signal = new AbortController().signal,
  setup: (computation: StoreComputation) => void = () => undefined, hooks: PullHooks = {},
) {
  const computation = new StoreComputation(local, STORE, 'v2');
  setup(computation);
  const job = await pullStore({ storeId: STORE, storeName: 'Магазин', ...request }, { local, client: cloud, computation, now, hooks }, signal);
  return { job, result: await computation.result(), computation };
}

/** Wraps a method of the local store so that each call first writes `line(...args)` (unless null) into `log`. */
function logCalls<K extends 'commitProductPage' | 'putJob' | 'getJob'>(
  local: LocalStore, name: K, log: string[], line: (...args: Parameters<LocalStore[K]>) => string | null,
): void {
  const method = (local[name] as (...args: unknown[]) => unknown).bind(local);
  (local as unknown as Record<string, unknown>)[name] = (...args: Parameters<LocalStore[K]>) => {
    const text = line(...args);
    if (text !== null) log.push(text);
    return method(...args);
  };
}

function core<T extends Pick<ResultRow, 'pk' | 'provisional' | 'difference'>>(row: T): Omit<T, 'pk' | 'provisional' | 'difference'> {
  const { pk: _pk, provisional: _p, difference: _d, ...stock } = row;
  return stock;
}
/** computeStock's products as the computation keeps them: chain breaks counted, the newest kept. */
const summarised = (products: ProductStock[]) => products.map(summariseChainBreaks);

describe('pullStore', () => {
  it('pulled and folded from IndexedDB equals computeStock on the same documents', async () => {
    const store = littleStore(12, 7, { completeInventory: true });
    const cloud = fakeCloud(store.products, store.documents, 4);
    const local = await openLocalStore({ name: 'eq' });
    const { job, result } = await pull(local, cloud, { options: { fullPeriod: true } });
    const expected = computeStock({ api: 'v2', products: store.products, documents: store.documents });

    expect(job.status).toBe('done');
    expect(job.stopReason).toBe('horizon');
    expect(job.documents).toBe(store.documents.length);
    expect(job.coveredSince).toBe(Date.UTC(2024, 0, 1));
    expect(result.rows.map(core)).toEqual(summarised(expected.products));
    expect(result.rows.every((r) => !r.provisional)).toBe(true);
    // The newest month and everything older go first, together; the older part fills its first page (dense), so it
    // is dropped and the months follow one by one, newest first, each first request with its window, later ones
    // only the cursor.
    expect(cloud.log.filter((l) => /^documents \d/.test(l))).toEqual(
      ['2024-06', '2024-01..2024-05', '2024-05', '2024-04', '2024-03', '2024-02', '2024-01'].map((m) => `documents ${m}`),
    );
    local.close();
  });

  it('folds a small store from one scan, and a big one a part of the products at a time, each page record read once', async () => {
    const store = littleStore(12, 7, { completeInventory: true });
    const local = await openLocalStore({ name: 'passes' });
    const scans: (number | undefined)[] = [];
    const scan = local.scanPages.bind(local);
    local.scanPages = (storeId, visit, options) => {
      scans.push(options?.part);
      return scan(storeId, visit, options);
    };
    const { result, computation, job } = await pull(local, fakeCloud(store.products, store.documents, 4), { options: { fullPeriod: true } });
    const expected = computeStock({ api: 'v2', products: store.products, documents: store.documents });
    expect(result.rows.map(core)).toEqual(summarised(expected.products));
    // The load before the documents reads no page record (a fresh job has none); the final fold of a small store, one scan.
    expect(job.lines).toBeGreaterThan(0);
    expect(scans).toEqual([undefined]);

    // A store this small wrote every page whole: one put per page (page-rows.ts WHOLE_PAGE).
    const parts = new Set<number>();
    await scan(STORE, (records) => records.forEach((r) => parts.add(r.part)));
    expect([...parts]).toEqual([WHOLE_PAGE]);

    // As for a store of more rows than one scan holds: the whole pages once, then each part once, and the same rows.
    scans.length = 0;
    await computation.finish(undefined, Number.POSITIVE_INFINITY);
    expect(scans.length).toBeGreaterThan(2);
    expect(new Set(scans).size).toBe(scans.length);
    expect(scans[0]).toBe(WHOLE_PAGE);
    expect(scans.slice(1).every((p) => p !== undefined && p >= 0 && p < PARTS)).toBe(true);
    expect(computation.result().rows.map(core)).toEqual(summarised(expected.products));
    local.close();
  });

  it('splits the pages of a store past WHOLE_PAGE_LINES by part, and folds both kinds of record the same', async () => {
    const store = littleStore(10, 3);
    const local = await openLocalStore({ name: 'past-whole' });
    const { result: full } = await pull(await openLocalStore({ name: 'past-whole-ref' }), fakeCloud(store.products, store.documents, 3), { options: { fullPeriod: true } });
    const cloud = fakeCloud(store.products, store.documents, 3);
    cloud.failAt = { call: 4, error: new DOMException('closed tab', 'AbortError') };
    await expect(pull(local, cloud, { options: { fullPeriod: true } })).rejects.toMatchObject({ name: 'AbortError' });
    const partsOnDisk = async () => {
      const parts = new Set<number>();
      await local.scanPages(STORE, (records) => records.forEach((r) => parts.add(r.part)));
      return parts;
    };
    expect([...(await partsOnDisk())]).toEqual([WHOLE_PAGE]);
    // As if the rows stored so far had reached the limit: the pages the resume writes are split.
    await local.updateJob(STORE, (j) => ({ ...j, lines: WHOLE_PAGE_LINES }));
    cloud.failAt = undefined;
    const { result, job } = await pull(local, cloud, { options: { fullPeriod: true } });
    const parts = await partsOnDisk();
    expect(parts.has(WHOLE_PAGE)).toBe(true);
    expect([...parts].filter((p) => p >= 0 && p < PARTS).length).toBeGreaterThan(1);
    expect(job.lines).toBeGreaterThan(WHOLE_PAGE_LINES);
    expect(result.rows.map(core)).toEqual(full.rows.map(core));
    local.close();
  });

  it('keeps one row per document and product when the cloud sends a document twice', async () => {
    const store = littleStore(8, 5);
    const twice = [...store.documents, ...store.documents.slice(0, 7)];
    const local = await openLocalStore({ name: 'twice' });
    const { result } = await pull(local, fakeCloud(store.products, twice, 4), { options: { fullPeriod: true } });
    const expected = computeStock({ api: 'v2', products: store.products, documents: store.documents });
    expect(result.rows.map(core)).toEqual(summarised(expected.products));
    local.close();
  });

  it('while pages arrive, gives the guide\'s answer the core\'s accumulator gives on the same documents', async () => {
    const store = littleStore(10, 6, { completeInventory: true });
    const local = await openLocalStore({ name: 'during' });
    let during: ResultRow[] = [];
    let computation: StoreComputation | null = null;
    await pull(local, fakeCloud(store.products, store.documents, 4), { options: { fullPeriod: true } }, undefined, (c) => (computation = c), {
      onFinishing: () => (during = computation!.result().rows),
    });
    const accumulator = createStockAccumulator({ api: 'v2', products: store.products });
    accumulator.addDocuments(store.documents);
    const expected = accumulator.result().products;
    expect(during.map((r) => [r.productId, r.status, r.quantity, r.decidedBy?.id ?? null]))
      .toEqual(expected.map((p) => [p.productId, p.status, p.quantity, p.decidedBy?.id ?? null]));
    local.close();
  });

  it('sends a fresh store\'s opening requests before its job is written, which goes with its first product page; a resume asks for nothing before', async () => {
    const store = littleStore(10, 3);
    const cloud = fakeCloud(store.products, store.documents, 3);
    const local = await openLocalStore({ name: 'early' });
    logCalls(local, 'commitProductPage', cloud.log, (write) => (write.reset ? 'job written' : null));
    logCalls(local, 'putJob', cloud.log, () => 'job written');
    cloud.failAt = { call: 4, error: new DOMException('closed tab', 'AbortError') };
    await expect(pull(local, cloud, { options: { fullPeriod: true } })).rejects.toMatchObject({ name: 'AbortError' });
    // The product page and the two opening windows went while the job was still to be written (the first round trip
    // overlaps the store's lock and setup); the job is written with the first product page.
    expect(cloud.log.slice(0, 4)).toEqual(['products first', 'documents 2024-06', 'documents 2024-01..2024-05', 'job written']);
    cloud.log.length = 0;
    cloud.failAt = undefined;
    await pull(local, cloud, { options: { fullPeriod: true } });
    expect(cloud.log[0]).toBe('job written');
    expect(cloud.log.filter((l) => l === 'job written')).toHaveLength(1);
    local.close();
  });

  it('sends a store known to have no job its opening requests before any read, and resumes a job found under the lock', async () => {
    const store = littleStore(10, 3);
    const cloud = fakeCloud(store.products, store.documents, 3);
    const local = await openLocalStore({ name: 'known-fresh' });
    logCalls(local, 'getJob', cloud.log, () => 'job read');
    cloud.failAt = { call: 4, error: new DOMException('closed tab', 'AbortError') };
    await expect(pull(local, cloud, { knownFresh: true, options: { fullPeriod: true } })).rejects.toMatchObject({ name: 'AbortError' });
    expect(cloud.log.slice(0, 4)).toEqual(['products first', 'documents 2024-06', 'documents 2024-01..2024-05', 'job read']);

    // A listing gone stale (another tab wrote the job since): the job is resumed; only the opening answers are wasted.
    cloud.log.length = 0;
    cloud.failAt = undefined;
    const { job } = await pull(local, cloud, { knownFresh: true, options: { fullPeriod: true } });
    expect(job.status).toBe('done');
    expect(job.createdAt).toBe(NOW);
    const resumed = cloud.log.slice(cloud.log.indexOf('job read'));
    expect(resumed).not.toContain('products first');
    expect(new Set(resumed.filter((l) => l !== 'job read')).size).toBe(resumed.filter((l) => l !== 'job read').length);
    local.close();
  });

  it('resumes after an abort at any page without fetching a committed page again', async () => {
    const store = littleStore(10, 3);
    const reference = fakeCloud(store.products, store.documents, 3);
    const refLocal = await openLocalStore({ name: 'ref' });
    const { result: full } = await pull(refLocal, reference, { options: { fullPeriod: true } });
    refLocal.close();
    const totalCalls = reference.documentRequests;
    const cursorPages = (log: readonly string[]) => log.filter((l) => l.startsWith('documents cursor=')).sort();

    for (const stopAt of [1, 2, Math.floor(totalCalls / 2), totalCalls - 1]) {
      globalThis.indexedDB = new IDBFactory();
      const cloud = fakeCloud(store.products, store.documents, 3);
      const local = await openLocalStore({ name: 'resume' });
      cloud.failAt = { call: stopAt, error: new DOMException('closed tab', 'AbortError') };
      await expect(pull(local, cloud, { options: { fullPeriod: true } })).rejects.toMatchObject({ name: 'AbortError' });
      expect((await local.getJob(STORE))?.status).toBe('running');
      // Abort twice more at later pages: every resume starts exactly at its checkpoint.
      cloud.failAt = { call: stopAt + 3, error: new DOMException('closed tab', 'AbortError') };
      await pull(local, cloud, { options: { fullPeriod: true } }).catch(() => undefined);
      cloud.failAt = undefined;
      const { result } = await pull(local, cloud, { options: { fullPeriod: true } });
      expect(new Set(cloud.log).size).toBe(cloud.log.length);
      // Every page the reference read, none skipped; only the requests it sent (a resume may leave out the opening
      // wide window the reference dropped).
      expect(cursorPages(cloud.log)).toEqual(cursorPages(reference.log));
      expect(cloud.log.filter((l) => !reference.log.includes(l))).toEqual([]);
      expect(result.rows.map(core)).toEqual(full.rows.map(core));
      local.close();
    }
  });

  it('stops early once every product is decided, and the decided quantities are the full computation\'s', async () => {
    const store = littleStore(8, 11, { weekly: true, completeInventory: true });
    const early = fakeCloud(store.products, store.documents, 5);
    const local = await openLocalStore({ name: 'early' });
    const { job, result } = await pull(local, early);
    const whole = fakeCloud(store.products, store.documents, 5);
    const wholeLocal = await openLocalStore({ name: 'whole' });
    await pull(wholeLocal, whole, { options: { fullPeriod: true } });

    expect(job.stopReason).toBe('all-decided');
    expect(job.resultOfferedAt).not.toBeNull();
    expect(early.documentRequests).toBeLessThan(whole.documentRequests);
    const expected = computeStock({ api: 'v2', products: store.products, documents: store.documents });
    expect(result.rows.map((r) => [r.productId, r.status, r.quantity])).toEqual(expected.products.map((p) => [p.productId, p.status, p.quantity]));
    expect(result.counts.decided).toBe(result.counts.tracked);

    // Asking for the whole period afterwards fetches only the months skipped.
    const before = early.documentRequests;
    const again = await pull(local, early, { options: { fullPeriod: true } });
    expect(again.job.stopReason).toBe('horizon');
    expect(early.documentRequests - before).toBe(whole.documentRequests - before);
    expect(new Set(early.log).size).toBe(early.log.length);
    local.close();
    wholeLocal.close();
  });

  it('quarantines a malformed document, flags its products, and changes no quantity', async () => {
    const store = littleStore(6, 5);
    const bad = {
      id: 'bad-1', type: 'SELL', number: 999, close_date: '2024-03-10T10:00:00.000+0000', device_id: 'T1',
      body: { positions: [{ product_id: 'p2', quantity: 'lots', initial_quantity: 5 }] },
    };
    const noDate = { id: 'bad-2', type: 'SELL', close_date: 'yesterday', body: { positions: [{ product_id: 'p3', quantity: 1 }] } };
    const documents = [...store.documents, bad, noDate];
    const cloud = fakeCloud(store.products, documents, 4);
    const local = await openLocalStore({ name: 'q' });
    const { job, result } = await pull(local, cloud, { options: { fullPeriod: true } });
    const expected = computeStock({ api: 'v2', products: store.products, documents });
    const clean = computeStock({ api: 'v2', products: store.products, documents: store.documents });

    expect(job.quarantined).toBe(2);
    expect(result.quarantined.map((q) => q.documentId).sort()).toEqual(['bad-1', 'bad-2']);
    expect(result.rows.map(core)).toEqual(summarised(expected.products));
    expect(result.rows.map((r) => r.quantity)).toEqual(clean.products.map((p) => p.quantity));
    const p2 = result.rows.find((r) => r.productId === 'p2')!;
    expect(p2.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'QUARANTINED_DOCUMENT', documentId: 'bad-1' })]));
    expect(result.counts.quarantinedDocuments).toBe(2);
    local.close();
  });

  it('fails with paging-loop when the documents cursor cycles A → B → A, keeping what it committed (issue 12 §2)', async () => {
    const store = littleStore(6, 5);
    const cloud = fakeCloud(store.products, store.documents, 4);
    const real = cloud.documentPage.bind(cloud);
    // The newest month pages to cursor A, A to B, and B back to A.
    let requests = 0;
    cloud.documentPage = async (storeId, request, signal) => {
      if (++requests > 200) throw new Error('runaway: the pull kept paging');
      if (request.cursor === 'A') return { items: [], nextCursor: 'B' };
      if (request.cursor === 'B') return { items: [], nextCursor: 'A' };
      return { ...(await real(storeId, request, signal)), nextCursor: 'A' };
    };
    const local = await openLocalStore({ name: 'cycle' });
    await expect(pull(local, cloud, { options: { fullPeriod: true } })).rejects.toMatchObject({
      code: 'paging-loop', operation: 'listDocuments', params: { why: 'cycle' },
    });
    // The page whose cursor pointed back was fetched (prefetch included) but never committed.
    expect(requests).toBeLessThanOrEqual(4);
    const month = async () => (await local.listCheckpoints(STORE)).find((c) => c.month === '2024-06')!;
    expect(await month()).toMatchObject({ done: false, cursor: 'B', pages: 2, recentCursors: ['A', 'B'] });
    // Resumed (a reload) while the cloud still pages in a circle: met at once, nothing committed twice.
    const before = requests;
    await expect(pull(local, cloud, { options: { fullPeriod: true } })).rejects.toMatchObject({ code: 'paging-loop' });
    expect(requests - before).toBe(1);
    expect(await month()).toMatchObject({ cursor: 'B', pages: 2 });
    local.close();
  });

  it('keeps the product history of one product in time order', async () => {
    const store = littleStore(3, 9);
    const cloud = fakeCloud(store.products, store.documents, 10);
    const local = await openLocalStore({ name: 'h' });
    const { computation } = await pull(local, cloud, { options: { fullPeriod: true } });
    const history = await computation.history('P1');
    const times = history.events.map((e) => e.doc.closeTime);
    expect(times.length).toBeGreaterThan(3);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(history.row?.productId).toBe('p1');
    // The row comes with every chain break (the result keeps their count): computeStock's whole row.
    const expected = computeStock({ api: 'v2', products: store.products, documents: store.documents }).products.find((p) => p.productId === 'p1')!;
    expect(core(history.row!)).toEqual(expected);
    local.close();
  });

  it('gives every chain break with the history, their count and the newest with the result', async () => {
    const store = littleStore(6, 8);
    // Stock the documents do not explain: every other document's stock-before is 5 too high, so each product's
    // chain breaks again and again.
    const documents = store.documents.map((d) => structuredClone(d) as { body: { positions: { initial_quantity: number }[] } });
    documents.forEach((d, i) => {
      if (i % 2 === 1) for (const p of d.body.positions) p.initial_quantity += 5;
    });
    const local = await openLocalStore({ name: 'breaks' });
    const { result, computation } = await pull(local, fakeCloud(store.products, documents, 4), { options: { fullPeriod: true } });
    const expected = computeStock({ api: 'v2', products: store.products, documents });
    const broken = expected.products.filter((p) => p.chainBreaks.length > 1);
    expect(broken.length).toBeGreaterThan(0);
    for (const product of broken) {
      const row = result.rows.find((r) => r.productId === product.productId)!;
      expect(row.chainBreakCount).toBe(product.chainBreaks.length);
      expect(row.lastChainBreak).toEqual(product.chainBreaks.at(-1));
      expect((await computation.history(product.productId)).row?.chainBreaks).toEqual(product.chainBreaks);
    }
    local.close();
  });

  it('keeps in memory what a result reads: a paused pull\'s result equals the one read back from disk', async () => {
    const store = littleStore(8, 11);
    const at = (day: number) => new Date(Date.UTC(2024, 0, 2) + day * 86_400_000).toISOString().replace('Z', '+0000');
    const extra = (id: string, type: string, day: number, positions: unknown[]) =>
      ({ id, type, number: 0, close_date: at(day), device_id: 'T1', store_id: 'S', time_zone_offset: 10800000, body: { positions } });
    const documents = [
      ...store.documents,
      // A product the catalogue lacks, twice (its counts add up), a document with no stock effect, one that is malformed.
      extra('g1', 'SELL', 150, [{ product_id: 'ghost', product_name: 'Призрак', quantity: 1, initial_quantity: 3 }]),
      extra('g2', 'SELL', 100, [{ product_id: 'ghost', quantity: 2, initial_quantity: 5 }]),
      extra('r1', 'REVALUATION', 140, [{ product_id: 'p1', quantity: 1 }]),
      { id: 'bad', type: 'SELL', body: { positions: 'none' } },
    ];
    const local = await openLocalStore({ name: 'in-memory' });
    const controller = new AbortController();
    let commits = 0;
    let computation: StoreComputation | null = null;
    const paused = pull(local, fakeCloud(store.products, documents, 4), { options: { fullPeriod: true } }, controller.signal, (c) => (computation = c), {
      onCommit: (_job, page) => page.phase === 'documents' && ++commits === 6 && controller.abort(),
    });
    await expect(paused).rejects.toThrow();
    const inMemory = computation!.result();
    const fromDisk = new StoreComputation(local, STORE, 'v2');
    await fromDisk.load((await local.getJob(STORE))!);

    expect(inMemory.unknownProducts.length).toBeGreaterThan(0);
    expect(Object.values(inMemory.skipped).some((n) => n > 0)).toBe(true);
    expect(inMemory.rows.length).toBe(8);
    const { version: _a, ...memory } = inMemory;
    const { version: _b, ...disk } = fromDisk.result();
    expect(memory).toEqual(disk);
    local.close();
  });

  it('writes a fresh small store in two transactions: setup, catalogue, opening windows and the offer together; the end', async () => {
    const store = littleStore(10, 5);
    const cloud = fakeCloud(store.products, store.documents, 1000);
    const local = await openLocalStore({ name: 'one-group' });
    const writes: string[][] = [];
    const open = local.db.transaction.bind(local.db) as (...args: unknown[]) => unknown;
    (local.db as { transaction: unknown }).transaction = (...args: unknown[]) => {
      if (args[1] === 'readwrite') writes.push([]);
      return open(...args);
    };
    for (const name of ['commitProductPage', 'commitDocumentPage', 'updateJob'] as const) {
      const method = (local[name] as (...args: unknown[]) => unknown).bind(local);
      (local as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        // Queued now, run in the next group transaction (the one opened after the last one seen).
        const queued = writes.length;
        return Promise.resolve(method(...args)).finally(() => writes[queued]?.push(name));
      };
    }
    const { job, result } = await pull(local, cloud);
    expect(job.status).toBe('done');
    expect(cloud.log.filter((l) => l.startsWith('documents'))).toEqual(['documents 2024-06', 'documents 2024-01..2024-05']);
    expect(writes).toEqual([['commitProductPage', 'commitDocumentPage', 'commitDocumentPage', 'updateJob'], ['updateJob']]);
    expect(result.rows).toHaveLength(10);
    local.close();
  });

  it('offers the result once its pages are folded, before their commit lands; a commit that fails fails the pull', async () => {
    const store = littleStore(10, 5);
    const local = await openLocalStore({ name: 'fold-first' });
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const commit = local.commitDocumentPage.bind(local);
    let landed = 0;
    local.commitDocumentPage = async (write) => {
      await held;
      const job = await commit(write);
      landed++;
      return job;
    };
    let landedAtOffer: number | null = null;
    const pulling = pull(local, fakeCloud(store.products, store.documents, 1000), {}, undefined, () => undefined, {
      onOffer: () => void (landedAtOffer ??= landed),
    });
    await vi.waitFor(() => expect(landedAtOffer).toBe(0));
    release();
    const { job, result } = await pulling;
    expect(job.status).toBe('done');
    expect(landed).toBe(2);
    expect(result.rows).toHaveLength(10);
    local.close();

    globalThis.indexedDB = new IDBFactory();
    const failing = await openLocalStore({ name: 'fold-first-fails' });
    failing.commitDocumentPage = async () => {
      throw new DOMException('the disk is full', 'QuotaExceededError');
    };
    await expect(pull(failing, fakeCloud(store.products, store.documents, 1000))).rejects.toMatchObject({ name: 'QuotaExceededError' });
    failing.close();
  });
});
