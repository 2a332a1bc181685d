// The worker's service driven directly (no Worker): runners, failure isolation, pause/resume, progress.
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.ts';
import { openLocalStore } from '../../../src/local/db.ts';
import { PRODUCTS_PHASE } from '../../../src/local/schema.ts';
import type { StoreProgress } from '../../../src/sync/shared/types.ts';
import { HEAD_START_MAX_MS } from '../../../src/sync/worker/runners.ts';
import { SyncService } from '../../../src/sync/worker/service.ts';
import { fakeCloud, littleStore } from '../../lib/fake-cloud.ts';

const A = '20240101-AAAA-4000-8000-000000000001';
const B = '20240101-BBBB-4000-8000-000000000002';
const TOKEN = 'very-secret-token';
const NOW = Date.UTC(2024, 5, 15, 12);

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

function setup(shared?: ReturnType<typeof fakeCloud>) {
  const store = littleStore(8, 21);
  // Cursors live in the cloud: a second service (after a reload) must talk to the same one.
  const cloud = shared ?? fakeCloud(store.products, store.documents, 3);
  cloud.stores = [{ id: A, name: 'А', address: null }, { id: B, name: 'Б', address: null }];
  const events: StoreProgress[] = [];
  const waiters: Array<() => void> = [];
  const service = new SyncService({
    emit: (p) => {
      events.push(p);
      for (const w of waiters.splice(0)) w();
    },
    createClient: () => cloud,
    now: () => NOW,
    progressIntervalMs: 0,
  });
  const until = (storeId: string, predicate: (p: StoreProgress) => boolean) =>
    new Promise<StoreProgress>((resolve) => {
      const check = () => {
        const last = events.filter((e) => e.storeId === storeId).at(-1);
        if (last && predicate(last)) resolve(last);
        else waiters.push(check);
      };
      check();
    });
  return { service, cloud, events, until, store };
}

/** Requests the log holds more than once. */
const repeatedRequests = (log: readonly string[]) => [...new Set(log.filter((line, i) => log.indexOf(line) !== i))];

/**
 * The only request a resume may send again: the page after the last commit, which may have been fetched ahead while
 * the last page was committed and was lost with the stop (never committed). Read from the checkpoints on disk.
 */
async function inFlightAtStop(dbName: string): Promise<string[]> {
  const local = await openLocalStore({ name: dbName });
  const open = (await local.listCheckpoints(A)).filter((c) => !c.done && c.cursor !== null);
  local.close();
  return open.map((c) => `documents cursor=${c.cursor}`);
}

describe('SyncService', () => {
  it('runs stores independently: one refused with 401 fails alone, the other completes', async () => {
    const { service, cloud, until } = setup();
    const productPage = cloud.productPage.bind(cloud);
    cloud.productPage = async (storeId, cursor, signal) => {
      if (storeId === A) throw new ApiError({ code: 'unauthorized', status: 401, operation: 'listProducts', message: '401' });
      return productPage(storeId, cursor, signal);
    };
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'iso' });
    await service.startPull(A, { storeName: 'А' });
    await service.startPull(B, { storeName: 'Б', fullPeriod: true });
    const a = await until(A, (p) => p.status === 'failed');
    const b = await until(B, (p) => p.status === 'done');
    expect(a.error).toMatchObject({ name: 'ApiError', code: 'unauthorized' });
    expect(b).toMatchObject({ monthsDone: 6, monthsTotal: 6, resultReady: true, etaMs: 0, status: 'done' });
    expect(b.productsDecided).toBe(b.productsTracked);
    expect(b.documents).toBeGreaterThan(0);
    const result = await service.getResult(B);
    expect(result.complete).toBe(true);
    expect(result.rowCount).toBe(8);

    // The token is nowhere on disk.
    const local = await openLocalStore({ name: 'iso' });
    for (const name of [...local.db.objectStoreNames]) {
      expect(JSON.stringify(await local.db.getAll(name))).not.toContain(TOKEN);
    }
    local.close();
  });

  it('lets the store that leads a start handle its first answers first: the others send their requests, then wait at most HEAD_START_MAX_MS', async () => {
    const { service, cloud, until, events } = setup();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const documentPage = cloud.documentPage.bind(cloud);
    cloud.documentPage = async (storeId, request, signal) => {
      if (storeId === A) await held; // the leader's cloud is slow to answer
      return documentPage(storeId, request, signal);
    };
    const asked: string[] = [];
    const productPage = cloud.productPage.bind(cloud);
    cloud.productPage = async (storeId, cursor, signal) => {
      asked.push(storeId);
      return productPage(storeId, cursor, signal);
    };
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'head-start' });
    const began = performance.now();
    await service.startPull(A, { storeName: 'А' });
    await service.startPull(B, { storeName: 'Б' });
    // B's opening requests leave at once; it handles their answers only once the leader's are, or the head start ran out.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(asked.slice(0, 2)).toEqual([A, B]);
    expect(events.some((e) => e.storeId === B && e.resultReady)).toBe(false);
    await until(B, (p) => p.resultReady);
    expect(performance.now() - began).toBeGreaterThanOrEqual(HEAD_START_MAX_MS - 50);
    expect(events.some((e) => e.storeId === A && e.resultReady)).toBe(false);
    release();
    await until(A, (p) => p.status === 'done');
    await until(B, (p) => p.status === 'done');
  });

  it('pauses, resumes at the checkpoint, and reports progress with months, pages and a rate', async () => {
    const { service, cloud, until, events } = setup();
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'pr' });
    await service.startPull(A, { fullPeriod: true });
    await until(A, (p) => p.pages >= 2);
    await service.pausePull(A);
    const paused = await until(A, (p) => p.status === 'paused');
    expect(paused.pages).toBeGreaterThanOrEqual(2);
    expect((await service.pullProgress()).find((p) => p.storeId === A)?.status).toBe('paused');
    const atPause = await inFlightAtStop('pr');
    await service.resumePull(A);
    const done = await until(A, (p) => p.status === 'done');
    expect(atPause).toEqual(expect.arrayContaining(repeatedRequests(cloud.log)));
    expect(done.monthsDone).toBe(6);
    expect(events.some((e) => e.storeId === A && e.phase === 'documents' && e.currentMonth !== null)).toBe(true);
  });

  it('asks the cloud for the store list once per configure, however often it is listed, and again on refresh', async () => {
    const { service, cloud } = setup();
    let asked = 0;
    const list = cloud.listStores.bind(cloud);
    cloud.listStores = (signal) => {
      asked++;
      return list(signal);
    };
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'list' });
    // The screens list the stores after every status change; starting stores reads their names too.
    await Promise.all([service.listStores(), service.listStores(), service.startPull(A, {}), service.startPull(B, {})]);
    for (let i = 0; i < 5; i++) await service.listStores();
    expect(asked).toBe(1);
    await service.listStores({ refresh: true });
    expect(asked).toBe(2);
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'list' });
    await service.listStores();
    expect(asked).toBe(3);
  });

  it('marks a job cut off by a reload as interrupted, and resumes it in a new service', async () => {
    const first = setup();
    await first.service.configure({ api: 'v2', token: TOKEN, dbName: 'reload' });
    await first.service.startPull(A, { fullPeriod: true });
    await first.until(A, (p) => p.pages >= 3);
    // A closed tab: the service is simply gone (its pull would stop with the worker). Here we abort it quietly.
    await first.service.pausePull(A);
    const local = await openLocalStore({ name: 'reload' });
    await local.updateJob(A, (j) => ({ ...j, status: 'running' }));
    local.close();

    const second = setup(first.cloud);
    await second.service.configure({ api: 'v2', token: TOKEN, dbName: 'reload' });
    const listed = await second.service.pullProgress();
    expect(listed).toEqual([expect.objectContaining({ storeId: A, status: 'interrupted' })]);
    const atStop = await inFlightAtStop('reload');
    await second.service.resumePull(A);
    await second.until(A, (p) => p.status === 'done');
    expect(atStop).toEqual(expect.arrayContaining(repeatedRequests(first.cloud.log)));
  });

  it('after a reload, listings made at once all say how many months the pull has and how many are done', async () => {
    const first = setup();
    await first.service.configure({ api: 'v2', token: TOKEN, dbName: 'reload-months' });
    await first.service.startPull(A, { fullPeriod: true });
    await first.until(A, (p) => p.monthsDone >= 2);
    await first.service.pausePull(A);
    const local = await openLocalStore({ name: 'reload-months' });
    await local.updateJob(A, (j) => ({ ...j, status: 'running' }));
    const months = (await local.listCheckpoints(A)).filter((c) => c.month !== PRODUCTS_PHASE);
    local.close();
    expect(months.length).toBe(6);

    // The page asks for the progress and for the pending work at once (src/ui/state init): neither may see the
    // store before its months are counted (the banner then said «после N страниц», issue 16 item 7).
    const second = setup(first.cloud);
    await second.service.configure({ api: 'v2', token: TOKEN, dbName: 'reload-months' });
    const listings = await Promise.all([second.service.pullProgress(), second.service.pullProgress(), second.service.pullProgress()]);
    const done = months.filter((m) => m.done).length;
    expect(done).toBeGreaterThanOrEqual(2);
    for (const listed of listings) {
      expect(listed).toEqual([expect.objectContaining({ storeId: A, status: 'interrupted', monthsTotal: 6, monthsDone: done })]);
    }
  });

  it('leaves a finished pull as it is on pause or cancel, and cancels an interrupted one', async () => {
    const { service, until } = setup();
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'stop' });
    await service.startPull(A);
    await until(A, (p) => p.status === 'done');
    await service.pausePull(A);
    await service.cancelPull(A);
    expect((await service.pullProgress())[0]?.status).toBe('done');

    const local = await openLocalStore({ name: 'stop' });
    await local.updateJob(A, (j) => ({ ...j, status: 'running' }));
    local.close();
    const fresh = setup();
    await fresh.service.configure({ api: 'v2', token: TOKEN, dbName: 'stop' });
    await fresh.service.cancelPull(A);
    expect((await fresh.service.pullProgress())[0]?.status).toBe('cancelled');
  });

  it('refuses calls before configure and a configure without a token', async () => {
    const { service } = setup();
    await expect(service.pullProgress()).rejects.toThrow(/configure/);
    await expect(service.configure({ api: 'v2', token: '' })).rejects.toThrow(/token/);
  });

  it('writes a fresh job with its first product page: stopped before it, the disk is as it was, and a restart stays a restart', async () => {
    const { service, cloud, until } = setup();
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'first-page' });
    await service.startPull(A);
    await until(A, (p) => p.status === 'done');
    const read = async () => {
      const local = await openLocalStore({ name: 'first-page' });
      const job = await local.getJob(A);
      local.close();
      return job;
    };
    const before = (await read())!;

    // The product page never answers until the pull is stopped.
    const productPage = cloud.productPage.bind(cloud);
    let asked = 0;
    cloud.productPage = (_storeId, _cursor, signal) => {
      asked++;
      return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    };
    await service.startPull(A, { restart: true });
    await until(A, (p) => p.status === 'running' && asked > 0);
    // Listed while its job is not written yet.
    expect((await service.pullProgress()).find((p) => p.storeId === A)?.status).toBe('running');
    await service.pausePull(A);
    await until(A, (p) => p.status === 'paused');
    expect(await read()).toEqual(before);

    // The next launch is still the restart: the catalogue and the documents are fetched anew (a resume of the
    // finished job would fetch nothing).
    cloud.productPage = productPage;
    cloud.log.length = 0;
    await service.resumePull(A);
    await until(A, (p) => p.status === 'done');
    expect(cloud.log).toContain('products first');
    expect(cloud.log.filter((l) => l.startsWith('documents')).length).toBeGreaterThan(1);
    expect((await read())!.pages).toBe(before.pages);
  });
});
