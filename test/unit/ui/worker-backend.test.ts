import { describe, expect, it, vi } from 'vitest';
import { milli } from '../../../src/model/quantity.ts';
import type { ResultRow } from '../../../src/pull/computation.ts';
import type { BackendEvent } from '../../../src/ui/backend.ts';
import { prepareRows, sortRows, type ViewRow } from '../../../src/ui/review-model.ts';
import { rankRows } from '../../../src/ui/review-ranking.ts';
import { REVIEW_SLICE } from '../../../src/ui/review-reader.ts';
import { createAppState } from '../../../src/ui/state/index.ts';
import { createWorkerBackend, planStores, terminalLabels, type SyncApiBridge } from '../../../src/ui/worker-backend.ts';
import { FIRST_RESULT_ROWS, type StoreDecisions, type StoreProgress, type StoreTerminals, type SyncResult, type WriteProgress } from '../../../src/sync/shared/types.ts';
import { ResultSnapshots } from '../../../src/sync/worker/result-snapshots.ts';
import type { RunResult } from '../../../src/writeback/types.ts';
import { productStock, resultRow, runReport } from './memory-backend.ts';

const TOKEN = 'secret-token-0123456789';
const CONN = { token: TOKEN, apiBase: 'https://proxy.example/evotor' };
const STORE = '20190315-AAAA-BBBB-CCCC-DDDDDDDDDDDD';

function sp(over: Partial<StoreProgress> = {}): StoreProgress {
  return {
    storeId: STORE, storeName: 'Ленина', api: 'v2', status: 'running', phase: 'documents', currentMonth: '2025-02', monthsDone: 2,
    monthsTotal: 72, pages: 10, productPages: 2, documents: 5000, quarantined: 0, productsDecided: 90, productsTracked: 100,
    resultReady: false, background: false, stopReason: null, documentsPerSecond: 300, etaMs: 60_000, waiting: null, error: null,
    resultVersion: 1, snapshotAt: 1_700_000_000_000, horizonSince: null, coveredSince: null, horizonSource: null,
    method: 'latest-document', horizonMonths: null, fullPeriod: false, updatedAt: 1_700_000_100_000, ...over,
  };
}

const row = resultRow;

const CLOUD_TERMINALS: StoreTerminals = { byId: { 'DEV-1': { number: 1, name: 'Касса у входа' } }, source: 'cloud', error: null };

function result(rows: ResultRow[], over: Partial<SyncResult> = {}): SyncResult {
  return {
    storeId: STORE, api: 'v2', version: 1, coveredSince: null, complete: true, rowCount: rows.length, firstRows: [],
    counts: { products: rows.length, tracked: rows.length, resolved: rows.length, unresolved: 0, notTracked: 0, decided: rows.length, differing: 0, quarantinedDocuments: 0 },
    skipped: { freePriceLines: 0, serviceLines: 0, notTrackedLines: 0, unknownProductLines: 0, setHeaderLines: 0, noStockEffectDocuments: 0, unknownTypeDocuments: 0, openTareDocuments: 0 },
    unknownProducts: [], quarantined: [], warnings: [],
    method: 'latest-document', horizonMonths: null, decisions: { manual: {}, notApproved: [], ticked: [] }, terminals: CLOUD_TERMINALS, ...over,
  };
}

function fakes(rows: ResultRow[], progress: StoreProgress[] = [sp()], extra: Partial<SyncResult> = {}) {
  let onProgress: ((p: StoreProgress) => void) | null = null;
  let onWrite: ((p: WriteProgress) => void) | null = null;
  const planned: RunResult = {
    report: runReport('run-1', {
      status: 'planned',
      stores: [{ storeId: STORE, storeName: 'Ленина', api: 'v2', counts: {} as never, written: 0, unchanged: 0, failed: 0, skipped: 0, remaining: 2, increase: milli(6000), decrease: milli(-1500), byUnit: [{ unit: 'шт', increase: milli(6000), decrease: milli(-1500) }], failures: [], attention: [], moved: [], error: null }],
    }),
    moved: [],
  };
  // The worker's own snapshots: the fake hands out rows exactly as the worker slices them.
  const snapshots = new ResultSnapshots();
  const sync = {
    configure: vi.fn(async () => {}),
    listStores: vi.fn(async () => [{ id: STORE, name: 'Ленина', address: 'ул. Ленина, 5' }]),
    pullProgress: vi.fn(async () => progress),
    startPull: vi.fn(async () => {}),
    pausePull: vi.fn(async () => {}),
    resumePull: vi.fn(async () => {}),
    cancelPull: vi.fn(async () => {}),
    getResult: vi.fn(async () => {
      const r = result(rows, extra);
      snapshots.take(STORE, r.version, rows);
      return { ...r, firstRows: rows.length > 0 ? snapshots.slice(STORE, r.version, 0, FIRST_RESULT_ROWS) : [] };
    }),
    getResultRows: vi.fn(async (storeId: string, version: number, offset: number, limit: number) => snapshots.slice(storeId, version, offset, limit)),
    productHistory: vi.fn(async () => ({ storeId: STORE, product: null, events: [], unlistedBy: [productStock('x').decidedBy!], quarantined: [], row: null })),
    setManualQuantity: vi.fn(async () => {}),
    setApproval: vi.fn(async () => {}),
    planWrite: vi.fn(async (_ids: readonly string[]) => planned),
    planUndo: vi.fn(async () => ({ ...planned, report: { ...planned.report, runId: 'run-2', kind: 'undo' as const } })),
    stopPlan: vi.fn(async () => undefined),
    runWrite: vi.fn(async (runId: string) => {
      onWrite?.({ runId, phase: 'writing', done: 1, total: 2, rate: 5, concurrency: 2, rateLimited: 0, kind: 'write' });
      return { report: runReport(runId), moved: [] };
    }),
    pendingRuns: vi.fn(async () => [runReport('run-0', { status: 'interrupted', remaining: 3 })]),
    listRuns: vi.fn(async () => [runReport('run-a', { undoable: true }), runReport('run-b', { undoable: true }), runReport('run-u', { kind: 'undo', undoable: false })]),
    exportCsv: vi.fn(async (_ids: readonly string[], runId: string | null) =>
      new Blob([runId === null ? '\uFEFF"Магазин";"Товар"\r\n' : '\uFEFF"Магазин"\r\n'], { type: 'text/csv;charset=utf-8' })),
    cancelPlan: vi.fn(async () => {}),
    discardUndo: vi.fn(async () => {}),
    forgetStore: vi.fn(async () => {}),
    onProgress: vi.fn((l: (p: StoreProgress) => void) => {
      onProgress = l;
      return () => (onProgress = null);
    }),
    onWriteProgress: vi.fn((l: (p: WriteProgress) => void) => {
      onWrite = l;
      return () => (onWrite = null);
    }),
    terminate: vi.fn(),
  } satisfies SyncApiBridge;
  return { sync, snapshots, emitProgress: (p: StoreProgress) => onProgress?.(p) };
}

describe('the adapter over the worker bridge', () => {
  it('configures the worker with the token and API base (in memory only) and maps stores and their state', async () => {
    const f = fakes([], [sp({ status: 'interrupted' })]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync, now: () => Date.UTC(2025, 5, 1) });
    const stores = await b.listStores();
    expect(f.sync.configure).toHaveBeenCalledWith({ api: 'v2', token: TOKEN, baseUrl: 'https://proxy.example/evotor' });
    expect(stores).toEqual([
      { id: STORE, name: 'Ленина', address: 'ул. Ленина, 5', apiVersion: 'v2', createdAt: Date.UTC(2019, 2, 15), state: 'paused', lastSyncedAt: null, error: null },
    ]);
  });

  it('says a store was pulled at its snapshot time, not when the list was read or the job last touched (issue 16 item 6)', async () => {
    const f = fakes([], [sp({ status: 'done', resultReady: true, snapshotAt: Date.UTC(2026, 11, 1, 17, 44), updatedAt: Date.UTC(2026, 11, 1, 20, 44) })]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync, now: () => Date.UTC(2026, 11, 2) });
    expect((await b.listStores())[0]).toMatchObject({ state: 'done', lastSyncedAt: Date.UTC(2026, 11, 1, 17, 44) });
  });

  it('configures the worker with the stores on V1 and lists them as V1 before any pull (issue 16 item 23)', async () => {
    const f = fakes([], []);
    const b = createWorkerBackend({ ...CONN, sync: f.sync, v1Stores: [STORE.toLowerCase()] });
    expect(f.sync.configure).toHaveBeenCalledWith(expect.objectContaining({ api: 'v2', v1Stores: [STORE.toLowerCase()] }));
    expect((await b.listStores())[0]).toMatchObject({ id: STORE, apiVersion: 'v1' });
  });

  it('passes the API version and the database names through', async () => {
    const f = fakes([]);
    createWorkerBackend({ ...CONN, sync: f.sync, api: 'v1', dbName: 'db-x', journalName: 'journal-x' });
    expect(f.sync.configure).toHaveBeenCalledWith({ api: 'v1', token: TOKEN, baseUrl: CONN.apiBase, dbName: 'db-x', journalName: 'journal-x' });
  });

  it('turns worker progress into port events: phases, pages, background, review-changed on a new result version', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    const events: BackendEvent[] = [];
    b.subscribe((e) => events.push(e));
    f.emitProgress(sp());
    f.emitProgress(sp({ background: true, resultReady: true, resultVersion: 2 }));
    f.emitProgress(sp({ background: true, resultReady: true, resultVersion: 2, pages: 11 }));
    f.emitProgress(sp({ status: 'failed', error: { name: 'ApiError', code: 'missing-scope', params: { scope: 'document:read' }, status: 403, operation: 'listDocuments', message: 'x' } }));
    const progress = events.filter((e) => e.type === 'pull-progress').map((e) => (e.type === 'pull-progress' ? e.progress : null)!);
    expect(progress.map((p) => p.phase)).toEqual(['documents', 'background', 'background', 'failed']);
    expect(progress[0]).toMatchObject({ pages: 12, documents: 5000, productsDecided: 90, productsTotal: 100, monthsTotal: 72 });
    expect(progress[3]!.error).toMatchObject({ code: 'missing-scope', params: { scope: 'document:read' } });
    expect(events.filter((e) => e.type === 'review-changed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'stores-changed')).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
  });

  it('starts with the chosen options (method and horizon saved with the job) and restarts a finished pull', async () => {
    const f = fakes([], [sp({ status: 'done', resultReady: true })]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    await b.listStores();
    await b.startPull(STORE, { method: 'ledger', horizonMonths: 24, fullPeriod: true });
    expect(f.sync.startPull).toHaveBeenCalledWith(STORE, {
      restart: true, method: 'ledger', fullPeriod: true, horizonMonths: 24, v1HistoryMonths: 12, storeName: 'Ленина',
    });
  });

  it('a pull cancelled before its result continues from its pages; one stopped in the background starts again (issue 16 item 8)', async () => {
    const f = fakes([], [sp({ status: 'cancelled', resultReady: false, horizonMonths: 12 })]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    await b.pullProgress();
    await b.startPull(STORE, { method: 'latest-document', horizonMonths: 12, fullPeriod: false });
    expect(f.sync.startPull).toHaveBeenLastCalledWith(STORE, expect.objectContaining({ restart: false }));
    const g = fakes([], [sp({ status: 'cancelled', resultReady: true, horizonMonths: 12 })]);
    const c = createWorkerBackend({ ...CONN, sync: g.sync });
    await c.pullProgress();
    await c.startPull(STORE, { method: 'latest-document', horizonMonths: 12, fullPeriod: false });
    expect(g.sync.startPull).toHaveBeenLastCalledWith(STORE, expect.objectContaining({ restart: true }));
  });

  it('resumes a paused pull with the same horizon, restarts it for another; without a known name the worker finds it', async () => {
    const f = fakes([], [sp({ status: 'paused', horizonMonths: 12 })]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    await b.pullProgress();
    await b.startPull(STORE, { method: 'latest-document', horizonMonths: 12, fullPeriod: false });
    expect(f.sync.startPull).toHaveBeenLastCalledWith(STORE, { restart: false, method: 'latest-document', fullPeriod: false, horizonMonths: 12, v1HistoryMonths: 12 });
    await b.startPull(STORE, { method: 'latest-document', horizonMonths: 6, fullPeriod: false });
    expect(f.sync.startPull).toHaveBeenLastCalledWith(STORE, expect.objectContaining({ restart: true, horizonMonths: 6, v1HistoryMonths: 6 }));
  });

  it('progress after a reload carries the options saved with the job, not the defaults', async () => {
    const f = fakes([], [sp({ status: 'interrupted', method: 'ledger', horizonMonths: 18, fullPeriod: true })]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    const [p] = await b.pullProgress();
    expect(p!.options).toEqual({ method: 'ledger', horizonMonths: 18, fullPeriod: true });
    const pending = await b.pendingWork();
    expect(pending.pulls[0]!.options).toEqual({ method: 'ledger', horizonMonths: 18, fullPeriod: true });
  });

  it('review rows carry the saved decisions, the saved method and the cloud terminal names', async () => {
    const rows = [
      row('a', { quantity: '7', ledgerQuantity: '6', cloudQuantity: '0' }),
      row('b', { quantity: '3', ledgerQuantity: '3', cloudQuantity: '1' }),
      row('u', { status: 'unresolved', quantity: null, ledgerQuantity: null, decidedBy: null }),
    ];
    const decisions: StoreDecisions = { manual: { u: '2.5' }, notApproved: ['b'], ticked: [] };
    const f = fakes(rows, [sp()], { method: 'ledger', decisions });
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    await b.setApproval(STORE, ['b'], false);
    await b.setManualQuantity(STORE, 'u', '2.5');
    expect(f.sync.setApproval).toHaveBeenCalledWith(STORE, ['b'], false);
    expect(f.sync.setManualQuantity).toHaveBeenCalledWith(STORE, 'u', '2.5');
    const review = await b.reviewRows(STORE);
    expect(review.method).toBe('ledger');
    expect(review.deviceNames).toEqual({ 'DEV-1': 'Касса у входа' });
    expect(review.deviceNamesSource).toBe('cloud');
    expect(review.rows.map((r) => [r.stock.productId, r.approved, r.manualQuantity])).toEqual([['a', true, null], ['b', false, null], ['u', true, '2.5']]);
  });

  it('reads the rows in slices, one per task, and the review model built from them equals the one-shot model', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => row(`p${String(i).padStart(5, '0')}`, { name: `Товар ${(i * 37) % 4000}`, quantity: String(i % 9), cloudQuantity: String(i % 7) }));
    const f = fakes(rows);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    const slices: { offset: number; rows: number; total: number }[] = [];
    const review = await b.reviewRows(STORE, (slice) => slices.push({ offset: slice.offset, rows: slice.rows.length, total: slice.total }));
    // The first rows come with the summary, the others in slices after them.
    const offsets = [0, FIRST_RESULT_ROWS, FIRST_RESULT_ROWS + REVIEW_SLICE, FIRST_RESULT_ROWS + 2 * REVIEW_SLICE];
    expect(slices).toEqual(offsets.map((offset, k) => ({ offset, rows: Math.min(k === 0 ? FIRST_RESULT_ROWS : REVIEW_SLICE, 4000 - offset), total: 4000 })));
    expect(f.sync.getResultRows.mock.calls.map((c) => c.slice(1))).toEqual(offsets.slice(1).map((offset) => [1, offset, REVIEW_SLICE]));
    expect(review.rows.map((r) => r.stock.productId)).toEqual(rows.map((r) => r.productId));
    // The light rows: counted chain breaks, no ledger detail.
    expect(review.rows[0]!.stock).toMatchObject({ chainBreakCount: 0, lastChainBreak: null });
    expect(review.rows[0]!.stock).not.toHaveProperty('ledger');

    const state = createAppState(b);
    await state.openReview([STORE]);
    const oneShot = rankRows(prepareRows(review.rows));
    const fields = (v: readonly ViewRow[]) => v.map(({ key, index, nameRank, codeRank, cloud, computed, status, chainBreak, warning, search }) => ({ key, index, nameRank, codeRank, cloud, computed, status, chainBreak, warning, search }));
    expect(fields(state.allRows.value)).toEqual(fields(oneShot));
    expect(state.visibleRows.value.map((r) => r.key)).toEqual(sortRows(oneShot, state.sort.value, new Map()).map((r) => r.key));
  });

  it('reads again from the start when the worker dropped the version being read', async () => {
    const rows = Array.from({ length: 2 * REVIEW_SLICE + 1 }, (_, i) => row(`p${i}`));
    const f = fakes(rows);
    let newer = 0;
    // Two later versions taken by other readers while this one reads: the worker keeps only the newest two.
    f.sync.getResultRows.mockImplementationOnce(async (storeId, version, offset, limit) => {
      const first = f.snapshots.slice(storeId, version, offset, limit);
      f.snapshots.take(STORE, 100 + newer++, rows);
      f.snapshots.take(STORE, 100 + newer++, rows);
      return first;
    });
    const offsets: number[] = [];
    const review = await createWorkerBackend({ ...CONN, sync: f.sync }).reviewRows(STORE, (slice) => offsets.push(slice.offset));
    expect(offsets).toEqual([0, FIRST_RESULT_ROWS, 0, FIRST_RESULT_ROWS, FIRST_RESULT_ROWS + REVIEW_SLICE]);
    expect(f.sync.getResult).toHaveBeenCalledTimes(2);
    expect(review.rows).toHaveLength(rows.length);
  });

  it('numbers terminals visibly when the device list could not be read, and says why', async () => {
    const terminals: StoreTerminals = {
      byId: { 'DEV-1': { number: 1, name: null }, 'DEV-2': { number: 2, name: null } }, source: 'numbered',
      error: { name: 'ApiError', code: 'missing-scope', params: { scope: 'store:read' }, status: 403, operation: 'listDevices', message: '403' },
    };
    const f = fakes([row('a')], [sp()], { terminals });
    const ru = await createWorkerBackend({ ...CONN, sync: f.sync, lang: 'ru' }).reviewRows(STORE);
    expect(ru.deviceNames).toEqual({ 'DEV-1': '№ 1', 'DEV-2': '№ 2' });
    expect(ru.deviceNamesSource).toBe('numbered');
    expect(ru.deviceNamesError).toMatchObject({ code: 'missing-scope', params: { scope: 'store:read' }, status: 403 });
    expect(terminalLabels(terminals, 'en')).toEqual({ 'DEV-1': '#1', 'DEV-2': '#2' });
  });

  it('plans in the worker and describes the plan per store', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    const plan = await b.planWrite([STORE]);
    expect(f.sync.planWrite).toHaveBeenCalledWith([STORE]);
    expect(plan).toEqual({ runId: 'run-1', kind: 'write', moved: [], stores: [{ storeId: STORE, storeName: 'Ленина', products: 2, byUnit: [{ unit: 'шт', increase: 6000, decrease: -1500 }] }] });
  });

  it('applies with progress events from the worker, undoes, discards, and finds unfinished and undoable runs', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    const events: BackendEvent[] = [];
    b.subscribe((e) => events.push(e));
    await b.runWrite('run-1');
    expect(f.sync.runWrite).toHaveBeenCalledWith('run-1');
    expect(events).toContainEqual({ type: 'write-progress', progress: expect.objectContaining({ runId: 'run-1', done: 1, total: 2, kind: 'write' }) });
    expect((await b.planUndo('run-1')).kind).toBe('undo');
    await b.cancelPlan('run-2');
    expect(f.sync.cancelPlan).toHaveBeenCalledWith('run-2');
    await b.discardUndo('run-1');
    expect(f.sync.discardUndo).toHaveBeenLastCalledWith('run-1');
    const pending = await b.pendingWork();
    expect(pending.run?.runId).toBe('run-0');
    expect(pending.undoable?.runId).toBe('run-b');
  });

  it('CSV files are made by the worker; the adapter only names them', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync, lang: 'ru', now: () => Date.UTC(2025, 2, 12, 11, 5) });
    const review = await b.exportCsv([STORE], null);
    expect(f.sync.exportCsv).toHaveBeenCalledWith([STORE], null, 'ru');
    expect(review.filename).toMatch(/^ostatki-proverka-2025-03-12-\d{4}\.csv$/);
    expect([...new Uint8Array(await review.blob.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const run = await b.exportCsv([STORE], 'run-1');
    expect(f.sync.exportCsv).toHaveBeenLastCalledWith([STORE], 'run-1', 'ru');
    expect(run.filename).toMatch(/^ostatki-zapis-/);
    expect(await run.blob.text()).toContain('Магазин');
    // In the English UI the worker is asked for the English file, and the file is named in English.
    const english = createWorkerBackend({ ...CONN, sync: f.sync, lang: 'en', now: () => Date.UTC(2025, 2, 12, 11, 5) });
    expect((await english.exportCsv([STORE], 'run-1')).filename).toMatch(/^stock-write-2025-03-12-\d{4}\.csv$/);
    expect(f.sync.exportCsv).toHaveBeenLastCalledWith([STORE], 'run-1', 'en');
    expect((await english.exportCsv([STORE], null)).filename).toMatch(/^stock-review-/);
    expect(f.sync.exportCsv).toHaveBeenLastCalledWith([STORE], null, 'en');
  });

  it('adds complete inventories that do not list the product to its history', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    const h = await b.productHistory(STORE, 'p1');
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ rule: 'INVENTORY_UNLISTED', setTo: 0, decides: true, productId: 'p1' });
  });

  it('describes a planned run per store from the write-back report', () => {
    const report = runReport('r', { stores: [{ storeId: 's', storeName: 'S', remaining: 2, increase: milli(500), decrease: milli(0), byUnit: [{ unit: 'кг', increase: milli(500), decrease: milli(0) }] } as never] });
    expect(planStores(report)).toEqual([{ storeId: 's', storeName: 'S', products: 2, byUnit: [{ unit: 'кг', increase: 500, decrease: 0 }] }]);
  });

  it('dispose stops listening and terminates the worker', () => {
    const f = fakes([]);
    const b = createWorkerBackend({ ...CONN, sync: f.sync });
    b.dispose();
    expect(f.sync.terminate).toHaveBeenCalled();
  });
});
