// The worker's service driven directly (no Worker) over an in-memory cloud: the user's decisions saved in
// IndexedDB and returned by getResult, the write-back run inside the service (plan, apply with progress events,
// undo, CSV, interrupted apply resumed by a new service), store names, terminal names.
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeviceInfo, EvotorClient } from '../../../src/api/client.ts';
import { ApiError } from '../../../src/api/errors.ts';
import type { StoreProgress, WriteProgress } from '../../../src/sync/shared/types.ts';
import { SyncService } from '../../../src/sync/worker/service.ts';
import { readReviewResult } from '../../../src/ui/review-reader.ts';
import { reviewSummaryOf } from '../../../src/ui/worker-backend.ts';
import { FakeCloud, STORE, p } from '../../lib/fake-cloud.ts';

const TOKEN = 'very-secret-token';

/** The pull's clock: the fake documents are in the first half of 2024. */
const NOW = Date.UTC(2024, 5, 15, 12);

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

/** p1 sold to 8, p2 sold to 4, p3 no documents (undecided), p4 sold to 0 (= cloud); the cloud holds 0 everywhere. */
function cloudWithStock(): FakeCloud {
  const cloud = new FakeCloud('v2');
  for (const n of [1, 2, 3, 4]) cloud.addProduct(p(n), 0);
  cloud.addDocument('SELL', Date.UTC(2024, 4, 2, 10), [{ productId: p(1), quantity: 2, stockBefore: 10 }]);
  cloud.addDocument('SELL', Date.UTC(2024, 4, 3, 10), [{ productId: p(2), quantity: 1, stockBefore: 5 }]);
  cloud.addDocument('SELL', Date.UTC(2024, 3, 3, 10), [{ productId: p(4), quantity: 1, stockBefore: 1 }]);
  return cloud;
}

function setup(cloud: FakeCloud, options: { devices?: () => Promise<DeviceInfo[]>; devicesWaitMs?: number } = {}) {
  const events: StoreProgress[] = [];
  const writes: WriteProgress[] = [];
  const waiters: Array<() => void> = [];
  let deviceCalls = 0;
  const service = new SyncService({
    emit: (e) => {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    emitWrite: (e) => writes.push(e),
    createClient: (): EvotorClient => {
      const client = cloud.client();
      const devices = options.devices;
      return devices ? { ...client, listDevices: () => { deviceCalls += 1; return devices(); } } : client;
    },
    now: () => NOW,
    progressIntervalMs: 0,
    ...(options.devicesWaitMs !== undefined ? { devicesWaitMs: options.devicesWaitMs } : {}),
  });
  const until = (predicate: (p: StoreProgress) => boolean) =>
    new Promise<StoreProgress>((resolve) => {
      const check = () => {
        const last = events.filter((e) => e.storeId === STORE).at(-1);
        if (last && predicate(last)) resolve(last);
        else waiters.push(check);
      };
      check();
    });
  return { service, events, writes, until, deviceCalls: () => deviceCalls };
}

async function pulled(cloud: FakeCloud, extra: Parameters<typeof setup>[1] = {}, db = 'db', journal = 'journal') {
  const s = setup(cloud, extra);
  await s.service.configure({ api: 'v2', token: TOKEN, dbName: db, journalName: journal });
  await s.service.startPull(STORE, { fullPeriod: true, method: 'latest-document' });
  await s.until((e) => e.status === 'done');
  return s;
}

describe('decisions saved in IndexedDB', () => {
  it('come back with getResult, also from a new service on the same database (a reload)', async () => {
    const cloud = cloudWithStock();
    const { service } = await pulled(cloud);
    await service.setManualQuantity(STORE, p(3), '2,5');
    await service.setApproval(STORE, [p(2)], false);
    const result = await service.getResult(STORE);
    expect(result.decisions).toEqual({ manual: { [p(3)]: '2.5' }, notApproved: [p(2)], ticked: [] });
    // A small store's rows come whole with the summary, as the slices would give them.
    expect(result.firstRows).toHaveLength(result.rowCount);
    expect(result.firstRows).toEqual(await service.getResultRows(STORE, result.version, 0, result.rowCount));
    expect(result.method).toBe('latest-document');

    const reloaded = setup(cloud);
    await reloaded.service.configure({ api: 'v2', token: TOKEN, dbName: 'db', journalName: 'journal' });
    const again = await reloaded.service.getResult(STORE);
    expect(again.decisions).toEqual({ manual: { [p(3)]: '2.5' }, notApproved: [p(2)], ticked: [] });
    const ids = async (s: typeof service, r: typeof result) => (await s.getResultRows(STORE, r.version, 0, 5000)).map((row) => row.productId);
    expect(await ids(reloaded.service, again)).toEqual(await ids(service, result));
    // Reading the result first does not hide the store's finished pull from the progress list.
    expect((await reloaded.service.pullProgress()).map((e) => [e.storeId, e.status])).toEqual([[STORE, 'done']]);

    // Clearing goes to disk too.
    await reloaded.service.setManualQuantity(STORE, p(3), null);
    await reloaded.service.setApproval(STORE, [p(2)], true);
    expect((await reloaded.service.getResult(STORE)).decisions).toEqual({ manual: {}, notApproved: [], ticked: [p(2)] });
  });

  it('refuse a quantity that is not one and ids that are not strings', async () => {
    const { service } = await pulled(cloudWithStock());
    await expect(service.setManualQuantity(STORE, p(3), 'abc')).rejects.toThrow();
    await expect(service.setManualQuantity(STORE, '', '1')).rejects.toThrow(/productId/);
    await expect(service.setApproval(STORE, [5 as unknown as string], false)).rejects.toThrow(/productId/);
    expect((await service.getResult(STORE)).decisions).toEqual({ manual: {}, notApproved: [], ticked: [] });
  });

  it('the method and horizon are saved with the job and come back in progress and results after a reload', async () => {
    const cloud = cloudWithStock();
    const s = setup(cloud);
    await s.service.configure({ api: 'v2', token: TOKEN, dbName: 'm' });
    await s.service.startPull(STORE, { method: 'ledger', horizonMonths: 2, fullPeriod: true });
    const done = await s.until((e) => e.status === 'done');
    expect(done).toMatchObject({ method: 'ledger', horizonMonths: 2, fullPeriod: true, monthsTotal: 3 });
    const reloaded = setup(cloud);
    await reloaded.service.configure({ api: 'v2', token: TOKEN, dbName: 'm' });
    expect((await reloaded.service.pullProgress())[0]).toMatchObject({ method: 'ledger', horizonMonths: 2, fullPeriod: true });
    expect((await reloaded.service.getResult(STORE))).toMatchObject({ method: 'ledger', horizonMonths: 2 });
    // A resume keeps the horizon its months were laid out for; the method may change.
    await reloaded.service.startPull(STORE, { method: 'latest-document', horizonMonths: 12 });
    expect(await reloaded.until((e) => e.status === 'done')).toMatchObject({ method: 'latest-document', horizonMonths: 2, monthsTotal: 3 });
  });
});

describe('the write-back inside the worker', () => {
  it('plans from the saved decisions, applies with write-progress events, exports CSV, undoes', async () => {
    const cloud = cloudWithStock();
    const { service, writes } = await pulled(cloud);
    await service.setManualQuantity(STORE, p(3), '2.5');
    await service.setApproval(STORE, [p(2)], false);
    // A manual value for a product the documents decide is not used: the review shows no input there.
    await service.setManualQuantity(STORE, p(1), '100');

    const plan = await service.planWrite([STORE]);
    const store = plan.report.stores[0]!;
    expect(plan.report).toMatchObject({ kind: 'write', status: 'planned' });
    expect(store).toMatchObject({ storeName: 'Магазин', remaining: 2, increase: 10_500 });
    expect(store.counts).toMatchObject({ pending: 2, skipped: 1, unchanged: 1 });
    expect(cloud.writes).toEqual([]);

    const applied = await service.runWrite(plan.report.runId);
    expect(applied.report.status).toBe('completed');
    expect(cloud.writes.map((w) => [w.productId, w.quantity]).sort()).toEqual([[p(1), '8'], [p(3), '2.5']]);
    expect(cloud.quantity(p(2))).toBe(0);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.runId === plan.report.runId && w.kind === 'write')).toBe(true);
    expect(writes.at(-1)!.phase).toBe('done');

    const csv = await service.exportCsv([], plan.report.runId, 'ru');
    expect(csv.type).toMatch(/^text\/csv/);
    expect([...new Uint8Array(await csv.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(await csv.text()).toContain('Товар');
    const review = await service.exportCsv([STORE], null, 'ru');
    expect((await review.text()).split('\r\n').length).toBeGreaterThan(4);
    // The page asks in the UI's language: English words, `,` and a decimal point (src/writeback/csv.ts).
    const english = (await (await service.exportCsv([], plan.report.runId, 'en')).text()).replace(/^\uFEFF/, '').split('\r\n');
    expect(english[0]).toMatch(/^"Store","Product ID","Code","Name","Stock before","Computed","Written",/);
    expect(english.find((line) => line.includes(`"${p(3)}"`))).toMatch(/,2\.5,/);
    expect(english.join('\n')).not.toMatch(/записано|Продажа/);

    expect((await service.listRuns()).map((r) => r.runId)).toEqual([plan.report.runId]);
    expect((await service.runReport(plan.report.runId)).undoable).toBe(true);

    const undo = await service.planUndo(plan.report.runId);
    expect(undo.report.kind).toBe('undo');
    const undone = await service.runWrite(undo.report.runId);
    expect(undone.report.status).toBe('completed');
    expect(cloud.quantity(p(1))).toBe(0);
    expect(cloud.quantity(p(3))).toBe(0);
    expect(writes.some((w) => w.kind === 'undo')).toBe(true);
    expect((await service.runReport(plan.report.runId)).status).toBe('undone');

    await service.cancelPlan(plan.report.runId);
    expect(await service.listRuns()).toEqual([]);
    expect(JSON.stringify(await service.pendingRuns())).not.toContain(TOKEN);
  });

  it('a stopped apply stays in the journal and a new service (a reload) resumes it: every product written once, same value', async () => {
    const cloud = new FakeCloud('v2');
    for (let n = 1; n <= 12; n++) {
      cloud.addProduct(p(n), 0);
      cloud.addDocument('SELL', Date.UTC(2024, 4, n, 10), [{ productId: p(n), quantity: 1, stockBefore: n + 1 }]);
    }
    const first = await pulled(cloud, {}, 'r', 'rj');
    const plan = await first.service.planWrite([STORE]);
    let stopped = false;
    cloud.beforeWrite = () => {
      if (cloud.writes.length >= 1 && !stopped) {
        stopped = true;
        void first.service.stopWrite(plan.report.runId);
      }
    };
    await expect(first.service.runWrite(plan.report.runId)).rejects.toMatchObject({ name: 'AbortError' });
    cloud.beforeWrite = null;
    const written = cloud.writes.length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(12);
    expect((await first.service.pendingRuns()).map((r) => r.runId)).toEqual([plan.report.runId]);

    const second = setup(cloud);
    await second.service.configure({ api: 'v2', token: TOKEN, dbName: 'r', journalName: 'rj' });
    const resumed = await second.service.resumePending();
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.report.status).toBe('completed');
    for (let n = 1; n <= 12; n++) expect(cloud.quantity(p(n))).toBe(n);
    const values = new Map<string, Set<string>>();
    for (const w of cloud.writes) values.set(w.productId, (values.get(w.productId) ?? new Set()).add(w.quantity));
    expect([...values.values()].every((v) => v.size === 1)).toBe(true);
    expect(await second.service.pendingRuns()).toEqual([]);
  });

  it('a plan needs a pulled store of this account', async () => {
    const cloud = cloudWithStock();
    const { service } = await pulled(cloud);
    await expect(service.planWrite([])).rejects.toThrow(/store/);
    await expect(service.planWrite(['20240101-NOPE'])).rejects.toMatchObject({ code: 'not-found' });
    cloud.stores.push({ id: '20240101-NOPE', name: 'Пусто', address: null });
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'db', journalName: 'journal' });
    await expect(service.planWrite(['20240101-NOPE'])).rejects.toThrow(/no pulled result/);
  });
});

describe('a product whose newest document is broken (issue 12, item 4)', () => {
  it.each(['1e308', 'NaN', '12345678901234567890'])('quantity %j: not proposed nor ticked, written only once the user ticks it; the report says why', async (bad) => {
    const cloud = cloudWithStock();
    // p(1) was sold to 8 on 2 May; a newer sale of it cannot be read.
    cloud.addDocument('SELL', Date.UTC(2024, 4, 10, 10), [{ productId: p(1), quantity: 1, stockBefore: 8 }]);
    ((cloud.documents.at(-1)!['body'] as { positions: Record<string, unknown>[] }).positions[0]!)['quantity'] = bad;
    // A later sale of another product: the broken document is inside what the pull read, not after it (the
    // write-back's guard against new sales only looks after the newest deciding document).
    cloud.addDocument('SELL', Date.UTC(2024, 4, 20, 10), [{ productId: p(2), quantity: 1, stockBefore: 4 }]);
    const { service } = await pulled(cloud);
    const review = await readReviewResult(service, STORE, { summarize: (r) => reviewSummaryOf(r, 'ru') });
    const row = review.rows.find((r) => r.stock.productId === p(1))!;
    expect(row.stock.warnings.map((w) => w.code)).toContain('QUARANTINED_DOCUMENT');
    expect(row.approved).toBe(false);
    expect(review.rows.find((r) => r.stock.productId === p(2))!.approved).toBe(true);

    const plan = await service.planWrite([STORE]);
    const store = plan.report.stores[0]!;
    expect(store.attention.map((i) => [i.productId, i.reason])).toEqual([[p(1), 'needs-review']]);
    const applied = await service.runWrite(plan.report.runId);
    expect(cloud.writes.map((w) => w.productId)).not.toContain(p(1));
    // The report does not call the store done and verified with it left out: it lists it for attention.
    expect(applied.report.stores[0]!.attention.map((i) => i.productId)).toEqual([p(1)]);

    // Ticked after seeing why: written from the documents that could be read.
    await service.setApproval(STORE, [p(1)], true);
    expect((await readReviewResult(service, STORE, { summarize: (r) => reviewSummaryOf(r, 'ru') })).rows.find((r) => r.stock.productId === p(1))!.approved).toBe(true);
    const again = await service.planWrite([STORE]);
    await service.runWrite(again.report.runId);
    expect(cloud.writes.filter((w) => w.productId === p(1)).map((w) => w.quantity)).toEqual(['8']);
    // Unticked again: back to not written.
    await service.setApproval(STORE, [p(1)], false);
    expect((await service.getResult(STORE)).decisions).toMatchObject({ notApproved: [p(1)], ticked: [] });
  });
});

describe('a full disk (issue 12, item 7)', () => {
  it('forgetStore removes the store\'s pulled data and decisions, keeps the journal; the store can be pulled again', async () => {
    const cloud = cloudWithStock();
    const s = await pulled(cloud);
    await s.service.setApproval(STORE, [p(2)], false);
    const plan = await s.service.planWrite([STORE]);
    await s.service.runWrite(plan.report.runId);
    await s.service.forgetStore(STORE);
    expect(await s.service.pullProgress()).toEqual([]);
    expect((await s.service.listRuns()).map((r) => r.runId)).toEqual([plan.report.runId]);
    await s.service.startPull(STORE, { fullPeriod: true });
    await s.until((e) => e.status === 'done');
    expect((await s.service.getResult(STORE)).decisions).toEqual({ manual: {}, notApproved: [], ticked: [] });
  });
});

describe('two documents with one id and different content (issue 12, item 4)', () => {
  it('flag the products they name, which then need attention: not resolved silently', async () => {
    const cloud = cloudWithStock();
    // doc-1 (p(1) sold to 8 on 2 May) comes once more, a month later, saying p(1) went from 10 to 7.
    const copy = structuredClone(cloud.documents[0]!);
    copy['close_date'] = new Date(Date.UTC(2024, 5, 2, 10)).toISOString();
    (copy['body'] as { positions: Record<string, unknown>[] }).positions[0]!['quantity'] = 3;
    cloud.documents.push(copy);
    const { service } = await pulled(cloud);
    const review = await readReviewResult(service, STORE, { summarize: (r) => reviewSummaryOf(r, 'ru') });
    const row = review.rows.find((r) => r.stock.productId === p(1))!;
    expect(row.stock.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'DUPLICATE_DOCUMENT', documentId: 'doc-1' })]));
    expect(row.approved).toBe(false);
    expect(review.rows.find((r) => r.stock.productId === p(2))!.stock.warnings).toEqual([]);
    const plan = await service.planWrite([STORE]);
    expect(plan.report.stores[0]!.attention.map((i) => [i.productId, i.reason])).toEqual([[p(1), 'needs-review']]);
  });
});

describe('data per account (issue 12, item 1)', () => {
  it('a second account in the same browser sees, resumes, exports and undoes nothing of the first one\'s stores; their data stays', async () => {
    const cloud = cloudWithStock();
    const { service } = await pulled(cloud);
    await service.setApproval(STORE, [p(2)], false);
    const plan = await service.planWrite([STORE]);
    await service.runWrite(plan.report.runId);
    const runId = plan.report.runId;
    // A planned undo of account A (what «Отменить» would confirm).
    const unfinished = await service.planUndo(runId);
    const written = cloud.writes.length;

    // Account B: its token lists another store only.
    const OTHER = '20240101-BBBB-4BBB-8CCC-000000000002';
    const b = new SyncService({
      emit: () => {},
      createClient: (options) => ({ ...cloud.client(), listStores: async () => options.token === 'token-b' ? [{ id: OTHER, name: 'Чужой', address: null }] : cloud.stores }),
      now: () => NOW,
    });
    await b.configure({ api: 'v2', token: 'token-b', dbName: 'db', journalName: 'journal' });
    expect(await b.pullProgress()).toEqual([]);
    expect(await b.listRuns()).toEqual([]);
    expect(await b.pendingRuns()).toEqual([]);
    expect(await b.resumePending()).toEqual([]);
    const notFound = { code: 'not-found' };
    await expect(b.getResult(STORE)).rejects.toMatchObject(notFound);
    await expect(b.getResultRows(STORE, 1, 0, 10)).rejects.toMatchObject(notFound);
    await expect(b.productHistory(STORE, p(1))).rejects.toMatchObject(notFound);
    await expect(b.exportCsv([STORE], null, 'ru')).rejects.toMatchObject(notFound);
    await expect(b.exportCsv([], runId, 'ru')).rejects.toMatchObject(notFound);
    await expect(b.runReport(runId)).rejects.toMatchObject(notFound);
    await expect(b.planUndo(runId)).rejects.toMatchObject(notFound);
    await expect(b.runWrite(unfinished.report.runId)).rejects.toMatchObject(notFound);
    await expect(b.cancelPlan(runId)).rejects.toMatchObject(notFound);
    await expect(b.planWrite([STORE])).rejects.toMatchObject(notFound);
    await expect(b.setApproval(STORE, [p(2)], true)).rejects.toMatchObject(notFound);
    await expect(b.setManualQuantity(STORE, p(3), '1')).rejects.toMatchObject(notFound);
    await expect(b.startPull(STORE, { restart: true })).rejects.toMatchObject(notFound);
    await expect(b.cancelPull(STORE)).rejects.toMatchObject(notFound);
    await expect(b.forgetStore(STORE)).rejects.toMatchObject(notFound);
    expect(cloud.writes.length).toBe(written);

    // Account A again, on the same disk: everything is where it was.
    const a = setup(cloud);
    await a.service.configure({ api: 'v2', token: TOKEN, dbName: 'db', journalName: 'journal' });
    expect((await a.service.pullProgress()).map((e) => [e.storeId, e.status])).toEqual([[STORE, 'done']]);
    expect((await a.service.getResult(STORE)).decisions.notApproved).toEqual([p(2)]);
    expect((await a.service.listRuns()).map((r) => r.runId)).toEqual(expect.arrayContaining([runId, unfinished.report.runId]));
    expect((await a.service.runReport(unfinished.report.runId)).status).toBe('planned');
  });
});

describe('a plan against a cloud that pages without end (issue 12 §2)', () => {
  /** After the pull, the cloud's document listing pages as `next` says (the plan's check for new sales reads it). */
  function pagingAfterPull(cloud: FakeCloud, next: (cursor: string | undefined, n: number) => string) {
    const client = cloud.client.bind(cloud);
    let requests = 0;
    cloud.client = () => ({
      ...client(),
      async documentPage(_storeId, request, signal) {
        signal.throwIfAborted();
        if (++requests > 500) throw new Error('runaway: the plan kept paging');
        await new Promise((r) => setTimeout(r, 1));
        return { items: [], nextCursor: next(request.cursor, requests) };
      },
    });
    return () => requests;
  }

  it('the check for new sales fails with paging-loop when the cursor cycles A → B → A; nothing is journaled', async () => {
    const cloud = cloudWithStock();
    const { service } = await pulled(cloud);
    const requests = pagingAfterPull(cloud, (cursor) => (cursor === 'A' ? 'B' : 'A'));
    await expect(service.planWrite([STORE])).rejects.toMatchObject({ code: 'paging-loop', operation: 'listDocuments' });
    expect(requests()).toBe(3);
    expect(await service.listRuns()).toEqual([]);
  });

  it('stopPlan ends a plan still reading (the user closed «Готовим запись…»)', async () => {
    const cloud = cloudWithStock();
    const { service } = await pulled(cloud);
    const requests = pagingAfterPull(cloud, (_cursor, n) => `c${n}`);
    const planning = service.planWrite([STORE]);
    const settled = planning.then(() => 'planned', (e: unknown) => (e as Error).name);
    while (requests() < 5) await new Promise((r) => setTimeout(r, 1));
    await service.stopPlan();
    expect(await settled).toBe('AbortError');
    const after = requests();
    await new Promise((r) => setTimeout(r, 30));
    expect(requests()).toBe(after);
    expect(await service.listRuns()).toEqual([]);
  });
});

describe('store and terminal names', () => {
  it('a pull started without a store name shows the name from the cloud\'s store list, never anything else', async () => {
    const cloud = cloudWithStock();
    const s = setup(cloud);
    await s.service.configure({ api: 'v2', token: TOKEN, dbName: 'n' });
    await s.service.startPull(STORE, { storeName: { timings: [1, 2] } as unknown as string, fullPeriod: true });
    const done = await s.until((e) => e.status === 'done');
    expect(done.storeName).toBe('Магазин');
    expect(new Set(s.events.map((e) => e.storeName))).toEqual(new Set(['Магазин']));
    // Options that a job does not know never reach it.
    const reloaded = setup(cloud);
    await reloaded.service.configure({ api: 'v2', token: TOKEN, dbName: 'n' });
    expect((await reloaded.service.pullProgress())[0]!.storeName).toBe('Магазин');
  });

  it('without the store list nothing is started or shown (it says which store may be seen); a given name wins', async () => {
    const cloud = cloudWithStock();
    const s = await pulled(cloud, {}, 'n2');
    const client = cloud.client();
    client.listStores = async () => {
      throw new ApiError({ code: 'missing-scope', status: 403, operation: 'listStores', params: { scope: 'store:read' }, message: '403' });
    };
    const unlisted = new SyncService({ emit: () => {}, createClient: () => client, now: () => NOW });
    await unlisted.configure({ api: 'v2', token: TOKEN, dbName: 'n2' });
    await expect(unlisted.startPull(STORE, { fullPeriod: true })).rejects.toMatchObject({ code: 'missing-scope' });
    await expect(unlisted.pullProgress()).rejects.toMatchObject({ code: 'missing-scope' });
    await expect(unlisted.getResult(STORE)).rejects.toMatchObject({ code: 'missing-scope' });
    await s.service.startPull(STORE, { storeName: '  Склад  ', restart: true });
    expect((await s.until((e) => e.status === 'done' && e.storeName !== 'Магазин')).storeName).toBe('Склад');
  });

  it('names terminals from the cloud\'s device list, asked once per store', async () => {
    const cloud = cloudWithStock();
    const s = await pulled(cloud, { devices: async () => [{ id: 'DEV-1', name: 'Касса у входа' }, { id: 'dev-0', name: null }] });
    const result = await s.service.getResult(STORE);
    // The documents say 'dev-1': matched case-insensitively, shown under the documents' spelling.
    expect(result.terminals).toEqual({
      byId: { 'dev-0': { number: 1, name: null }, 'dev-1': { number: 2, name: 'Касса у входа' } }, source: 'cloud', error: null,
    });
    await s.service.getResult(STORE);
    expect(s.deviceCalls()).toBe(1);
  });

  it('numbers terminals and says why when the device list is refused (403, 404); a passing failure is asked again', async () => {
    const forbidden = await pulled(cloudWithStock(), {
      devices: async () => {
        throw new ApiError({ code: 'missing-scope', status: 403, operation: 'listDevices', params: { scope: 'store:read' }, message: '403' });
      },
    }, 'd1');
    const refused = await forbidden.service.getResult(STORE);
    expect(refused.terminals).toMatchObject({ byId: { 'dev-1': { number: 1, name: null } }, source: 'numbered', error: { code: 'missing-scope', params: { scope: 'store:read' } } });
    await forbidden.service.getResult(STORE);
    expect(forbidden.deviceCalls()).toBe(1);

    let calls = 0;
    const flaky = await pulled(cloudWithStock(), {
      devices: async () => {
        calls += 1;
        if (calls === 1) throw new ApiError({ code: 'server-error', status: 503, operation: 'listDevices', params: { status: 503 }, message: '503' });
        return [{ id: 'dev-1', name: 'Касса' }];
      },
    }, 'd2');
    // Asked when the pull started (503, not kept), asked again for the result.
    expect((await flaky.service.getResult(STORE)).terminals).toMatchObject({ source: 'cloud', byId: { 'dev-1': { name: 'Касса' } } });
    expect(calls).toBe(2);

    // A client that cannot list devices at all: numbered, with the reason.
    const plain = await pulled(cloudWithStock(), {}, 'd3');
    expect((await plain.service.getResult(STORE)).terminals).toMatchObject({ source: 'numbered', byId: { 'dev-1': { number: 1, name: null } } });
  });

  it('a slow device list does not hold the result back', async () => {
    const s = await pulled(cloudWithStock(), { devices: () => new Promise(() => {}), devicesWaitMs: 20 }, 'd4');
    const result = await s.service.getResult(STORE);
    expect(result.terminals).toMatchObject({ source: 'numbered', error: { name: 'TimeoutError' } });
  });
});



describe('stores on API V1 (issue 16 item 23)', () => {
  it('a store the integrator names in v1Stores is pulled and written through V1; the store list stays on the session\'s API', async () => {
    const v2 = new FakeCloud('v2');
    const v1 = new FakeCloud('v1');
    v1.addProduct(p(1), 0);
    v1.addDocument('SELL', Date.UTC(2024, 4, 2, 10), [{ productId: p(1), quantity: 2, stockBefore: 10 }]);
    const apis: string[] = [];
    const events: StoreProgress[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    const service = new SyncService({
      emit: (e) => {
        events.push(e);
        if (e.status === 'done') done();
      },
      emitWrite: () => {},
      createClient: (options): EvotorClient => {
        apis.push(options.api);
        return (options.api === 'v1' ? v1 : v2).client();
      },
      now: () => NOW,
      progressIntervalMs: 0,
    });
    await service.configure({ api: 'v2', token: TOKEN, dbName: 'db-v1', journalName: 'journal-v1', v1Stores: [STORE.toLowerCase()] });
    expect((await service.listStores()).map((s) => s.id)).toEqual([STORE]);
    await service.startPull(STORE, { fullPeriod: true, method: 'latest-document' });
    await finished;
    expect(events.at(-1)).toMatchObject({ api: 'v1', status: 'done' });
    expect(v1.documentRequests).toBeGreaterThan(0);
    expect(v2.documentRequests).toBe(0);
    const plan = await service.planWrite([STORE]);
    await service.runWrite(plan.report.runId);
    expect(v1.writes.map((w) => [w.productId, w.quantity])).toEqual([[p(1), '8']]);
    expect(v2.writes).toEqual([]);
    expect(apis).toContain('v1');
  });

  it('configure refuses a v1Stores that is not a list of ids', async () => {
    const service = new SyncService({ emit: () => {}, emitWrite: () => {}, now: () => NOW });
    await expect(service.configure({ api: 'v2', token: TOKEN, v1Stores: 'all' as never })).rejects.toThrow(/v1Stores/);
  });
});
