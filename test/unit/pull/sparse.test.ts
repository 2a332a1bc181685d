// The pull over long, sparse histories and many stores (issue 15): wide windows, windows side by side, the offer.
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import { openLocalStore, type LocalStore } from '../../../src/local/db.ts';
import { StoreComputation } from '../../../src/pull/computation.ts';
import { pullStore, type PullRequest } from '../../../src/pull/engine.ts';
import { jobCheckpoints } from '../../../src/pull/job.ts';
import { RequestSlots } from '../../../src/pull/slots.ts';
import { computeStock, summariseChainBreaks } from '../../../src/stock/index.ts';
import { fakeCloud, littleStore, type FakeCloud } from '../../lib/fake-cloud.ts';

/** Created 15 August 2021; the pull runs on 15 June 2024: 35 months to the horizon. */
const OLD = '20210815-5A12-403A-80F6-75C361356826';
const YOUNG = '20240101-5A12-403A-80F6-75C361356826';
const NOW = Date.UTC(2024, 5, 15, 12);
const DAY = 86_400_000;

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});

async function pull(local: LocalStore, cloud: FakeCloud, storeId: string, request: Partial<PullRequest> = {}, slots?: RequestSlots, signal = new AbortController().signal) {
  const computation = new StoreComputation(local, storeId, 'v2');
  const job = await pullStore({ storeId, storeName: 'Магазин', ...request }, { local, client: cloud, computation, now: () => NOW, ...(slots ? { slots } : {}) }, signal);
  return { job, result: await computation.result() };
}

/** A kiosk: five products, a few documents in its first week, nothing since. */
function kiosk() {
  const products = Array.from({ length: 5 }, (_, i) => ({ id: `k${i}`, name: `Товар ${i}`, type: 'NORMAL', quantity: 0, measure_name: 'шт' }));
  const at = (day: number) => new Date(Date.UTC(2021, 7, 16) + day * DAY).toISOString().replace('Z', '+0000');
  const documents = [
    { id: 'a1', type: 'ACCEPT', number: 1, close_date: at(0), device_id: 'T1', store_id: OLD, time_zone_offset: 10800000,
      body: { positions: products.map((p) => ({ product_id: p.id, quantity: 10, initial_quantity: 0 })) } },
    ...[1, 2, 3].map((n) => ({ id: `s${n}`, type: 'SELL', number: n + 1, close_date: at(n), device_id: 'T1', store_id: OLD, time_zone_offset: 10800000,
      body: { positions: [{ product_id: `k${n}`, quantity: 1, initial_quantity: 10 }] } })),
  ];
  return { products, documents };
}

const rows = (products: unknown[], documents: unknown[]) => computeStock({ api: 'v2', products, documents }).products.map(summariseChainBreaks);
const stock = (r: { rows: { productId: string; status: string; quantity: string | null }[] }) => r.rows.map((x) => [x.productId, x.status, x.quantity]);

describe('long, sparse histories', () => {
  it('crosses 35 months with a handful of documents in two document requests, with the full computation\'s result', async () => {
    const { products, documents } = kiosk();
    const cloud = fakeCloud(products, documents, 100);
    const local = await openLocalStore({ name: 'kiosk' });
    const { job, result } = await pull(local, cloud, OLD);
    // Month by month this was 35 requests: the newest month and everything older go together.
    expect(cloud.log.filter((l) => l.startsWith('documents'))).toEqual(['documents 2024-06', 'documents 2021-08-15..2024-05']);
    expect(job).toMatchObject({ status: 'done', stopReason: 'horizon', coveredSince: Date.UTC(2021, 7, 15), documents: 4 });
    expect(stock(result)).toEqual(stock({ rows: rows(products, documents) }));
    // Every month is checkpointed done (months stay the unit); the wide window left no open window behind, and
    // its 34 months are one record: the month it was opened on, done since the horizon (doneSince).
    const stored = (await local.listCheckpoints(OLD)).filter((c) => c.month !== 'products');
    expect(stored.map((c) => [c.month, c.doneSince ?? null])).toEqual([['2024-05', Date.UTC(2021, 7, 15)], ['2024-06', null]]);
    const checkpoints = jobCheckpoints(job, stored).filter((c) => c.month !== 'products');
    expect(checkpoints).toHaveLength(35);
    expect(checkpoints.every((c) => c.done && c.windowSince === undefined)).toBe(true);
    local.close();
  });

  it('halves a refused wide window, keeps the limit on the job, and a resume does not ask for a refused length again', async () => {
    const { products, documents } = kiosk();
    const limit = 200 * DAY; // about six months
    const cloud = fakeCloud(products, documents, 100, { refuseLongerThanMs: limit });
    const local = await openLocalStore({ name: 'refused' });
    // Stop the pull at its sixth document request (after the refusals), then resume it.
    cloud.failAt = { call: 6, error: new DOMException('closed tab', 'AbortError') };
    await expect(pull(local, cloud, OLD)).rejects.toMatchObject({ name: 'AbortError' });
    const stored = await local.getJob(OLD);
    expect(stored?.windowLimitMs).toBeGreaterThan(0);
    const refusedBefore = cloud.refused;
    expect(refusedBefore).toBeGreaterThan(0);
    cloud.failAt = undefined;
    const { job, result } = await pull(local, cloud, OLD);
    // The resume asks nothing the cloud refused: the limit kept on the job holds.
    expect(cloud.refused).toBe(refusedBefore);
    expect(job.windowLimitMs).toBe(stored!.windowLimitMs);
    expect(stored!.windowLimitMs!).toBeLessThanOrEqual(limit);
    const windows = cloud.log.filter((l) => /^documents \d/.test(l));
    expect(windows.length).toBeLessThan(20);
    expect(stock(result)).toEqual(stock({ rows: rows(products, documents) }));
    local.close();
  });

  it('fetches dense months side by side within the connection budget, with the same result and exact checkpoints', async () => {
    const store = littleStore(12, 7, { weekly: true });
    const cloud = fakeCloud(store.products, store.documents, 5, { delayMs: 5 });
    const local = await openLocalStore({ name: 'lanes' });
    const { job, result } = await pull(local, cloud, YOUNG, { options: { fullPeriod: true } }, new RequestSlots(3));
    expect(cloud.maxInFlight).toBe(3);
    expect(job.coveredSince).toBe(Date.UTC(2024, 0, 1));
    expect(job.documents).toBe(store.documents.length);
    expect(stock(result)).toEqual(stock({ rows: rows(store.products, store.documents) }));
    // Each page once: the opening wide window (dropped on its full first page) is the only window asked twice over.
    const cursors = cloud.log.filter((l) => l.startsWith('documents cursor='));
    expect(new Set(cursors).size).toBe(cursors.length);
    local.close();
  });

  it('offers the review once the period is read and two months decided nothing more, while a product no document names stays undecided', async () => {
    const store = littleStore(10, 3);
    const products = [
      ...store.products,
      { id: 'never', name: 'Сезонный товар', type: 'NORMAL', quantity: 0, measure_name: 'шт' },
      { id: 'once', name: 'Товар под заказ', type: 'NORMAL', quantity: 0, measure_name: 'шт' },
    ];
    // 'once' is decided in the sixth month back only (January), so the months after it must bring nothing new first;
    // older months hold a few sales of a product decided long since (they decide nothing).
    const doc = (id: string, type: string, date: string, productId: string) => ({
      id, type, number: 9000, close_date: `${date}T10:00:00.000+0000`, device_id: 'T1', store_id: 'S', time_zone_offset: 10800000,
      body: { positions: [{ product_id: productId, quantity: 1, initial_quantity: 5 }] },
    });
    const older = [4, 5, 6, 7, 8, 9, 10, 11, 12].flatMap((m) => [10, 20].map((d) => doc(`old-${m}-${d}`, 'SELL', `2023-${String(m).padStart(2, '0')}-${d}`, 'p0')));
    const documents = [...store.documents, doc('once-1', 'ACCEPT', '2024-01-10', 'once'), ...older];
    // A store created 14 months ago; its documents are in the newest six.
    const id = '20230415-5A12-403A-80F6-75C361356826';
    const cloud = fakeCloud(products, documents, 4);
    const local = await openLocalStore({ name: 'offer' });
    const offers: number[] = [];
    const computation = new StoreComputation(local, id, 'v2');
    const job = await pullStore({ storeId: id, storeName: 'Магазин' }, {
      local, client: cloud, computation, now: () => NOW,
      hooks: { onJob: (j) => void (j.resultOfferedAt !== null && offers.length === 0 && offers.push(j.coveredSince!)) },
    }, new AbortController().signal);
    const result = await computation.result();
    expect(result.rows.find((r) => r.productId === 'never')?.status).toBe('unresolved');
    expect(result.rows.find((r) => r.productId === 'once')?.status).toBe('resolved');
    // Offered once two months past the sixth (which decided 'once') decided nothing (coverage November or older), not
    // at the horizon (fourteen months), which the pull still reached in the background.
    expect(offers[0]).toBeLessThanOrEqual(Date.UTC(2023, 10, 1));
    expect(offers[0]).toBeGreaterThan(Date.UTC(2023, 3, 15));
    expect(job.coveredSince).toBe(Date.UTC(2023, 3, 15));
    local.close();
  });
});

describe('older months for undecided products', () => {
  it('loads the months before the horizon without fetching the loaded ones again, and the result is the whole history\'s', async () => {
    const store = littleStore(8, 11);
    const cloud = fakeCloud(store.products, store.documents, 4);
    const local = await openLocalStore({ name: 'older' });
    const first = await pull(local, cloud, YOUNG, { options: { fullPeriod: true, horizonMonths: 3 } });
    expect(first.job).toMatchObject({ horizonSource: 'user-horizon', horizonSince: Date.UTC(2024, 2, 15, 12), status: 'done' });
    const before = new Set(cloud.log);
    const sent = cloud.log.length;
    const { job, result } = await pull(local, cloud, YOUNG, { olderMonths: 3, options: { fullPeriod: true } });
    // Back to the store's creation (1 January: less than three months older), every document once.
    expect(job).toMatchObject({ horizonSource: 'store-creation', horizonSince: Date.UTC(2024, 0, 1), coveredSince: Date.UTC(2024, 0, 1), status: 'done' });
    expect(job.documents).toBe(store.documents.length);
    const later = cloud.log.slice(sent).filter((l) => l.startsWith('documents'));
    expect(later.filter((l) => before.has(l))).toEqual([]);
    expect(later.filter((l) => /^documents 2024-0[4-6]/.test(l))).toEqual([]);
    expect(stock(result)).toEqual(stock({ rows: rows(store.products, store.documents) }));
    local.close();
  });
});
