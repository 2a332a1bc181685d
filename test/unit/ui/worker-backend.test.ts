import { describe, expect, it, vi } from 'vitest';
import { milli } from '../../../src/model/quantity.ts';
import type { ResultRow, StoreResult } from '../../../src/pull/computation.ts';
import type { BackendEvent } from '../../../src/ui/backend.ts';
import type { Session } from '../../../src/ui/launch.ts';
import { createWorkerBackend, planStores, terminalNames, type SyncApiBridge, type WritebackApi } from '../../../src/ui/worker-backend.ts';
import type { StoreProgress } from '../../../src/worker/protocol.ts';
import type { CreatePlanInput, RunResult } from '../../../src/writeback/types.ts';
import { productStock, runReport } from './memory-backend.ts';

const TOKEN = 'secret-token-0123456789';
const session: Session = { token: TOKEN, uid: null, apiBase: 'https://proxy.example/evotor', demo: false, source: 'url' };
const STORE = '20190315-AAAA-BBBB-CCCC-DDDDDDDDDDDD';

function sp(over: Partial<StoreProgress> = {}): StoreProgress {
  return {
    storeId: STORE, storeName: 'Ленина', api: 'v2', status: 'running', phase: 'documents', currentMonth: '2025-02', monthsDone: 2,
    monthsTotal: 72, pages: 10, productPages: 2, documents: 5000, quarantined: 0, productsDecided: 90, productsTracked: 100,
    resultReady: false, background: false, stopReason: null, documentsPerSecond: 300, etaMs: 60_000, waiting: null, error: null,
    resultVersion: 1, snapshotAt: 1_700_000_000_000, horizonSince: null, coveredSince: null, updatedAt: 1_700_000_100_000, ...over,
  };
}

const row = (id: string, over: Partial<ResultRow> = {}): ResultRow => ({ ...productStock(id), pk: id, provisional: false, difference: null, ...over });

function result(rows: ResultRow[]): StoreResult {
  return {
    storeId: STORE, api: 'v2', version: 1, coveredSince: null, complete: true, rows,
    counts: { products: rows.length, tracked: rows.length, resolved: rows.length, unresolved: 0, notTracked: 0, decided: rows.length, differing: 0, quarantinedDocuments: 0 },
    skipped: { freePriceLines: 0, serviceLines: 0, notTrackedLines: 0, unknownProductLines: 0, setHeaderLines: 0, noStockEffectDocuments: 0, unknownTypeDocuments: 0, openTareDocuments: 0 },
    unknownProducts: [], quarantined: [], warnings: [],
  };
}

function fakes(rows: ResultRow[], progress: StoreProgress[] = [sp()]) {
  let onProgress: ((p: StoreProgress) => void) | null = null;
  const sync = {
    configure: vi.fn(async () => {}),
    listStores: vi.fn(async () => [{ id: STORE, name: 'Ленина', address: 'ул. Ленина, 5' }]),
    listProgress: vi.fn(async () => progress),
    start: vi.fn(async () => {}),
    pause: vi.fn(async () => {}),
    resume: vi.fn(async () => {}),
    cancel: vi.fn(async () => {}),
    getResult: vi.fn(async () => result(rows)),
    getHistory: vi.fn(async () => ({ storeId: STORE, product: null, events: [], unlistedBy: [productStock('x').decidedBy!], quarantined: [], row: null })),
    onProgress: vi.fn((l: (p: StoreProgress) => void) => {
      onProgress = l;
      return () => (onProgress = null);
    }),
    terminate: vi.fn(),
  } satisfies SyncApiBridge;
  const planned: RunResult = {
    report: runReport('run-1', {
      status: 'planned',
      stores: [{ storeId: STORE, storeName: 'Ленина', api: 'v2', counts: {} as never, written: 0, unchanged: 0, failed: 0, skipped: 0, remaining: 2, increase: milli(6000), decrease: milli(-1500), failures: [], attention: [], moved: [], error: null }],
    }),
    moved: [],
  };
  const writeback = {
    createPlan: vi.fn(async (_input: CreatePlanInput) => planned),
    planUndo: vi.fn(async () => ({ ...planned, report: { ...planned.report, runId: 'run-2', kind: 'undo' as const } })),
    applyPlan: vi.fn(async (_id: string, o?: { onProgress?: (i: never) => void }) => {
      o?.onProgress?.({ runId: 'run-1', phase: 'writing', done: 1, total: 2, rate: 5, concurrency: 2, rateLimited: 0 } as never);
      return { report: runReport('run-1'), moved: [] };
    }),
    pending: vi.fn(async () => [runReport('run-0', { status: 'interrupted', remaining: 3 })]),
    listRuns: vi.fn(async () => [runReport('run-a', { undoable: true }), runReport('run-b', { undoable: true }), runReport('run-u', { kind: 'undo', undoable: false })]),
    exportCsv: vi.fn(async () => '\uFEFF"Магазин"\r\n'),
    discard: vi.fn(async () => {}),
  } satisfies WritebackApi;
  return { sync, writeback, emitProgress: (p: StoreProgress) => onProgress?.(p) };
}

describe('the adapter over the worker bridge and the write-back', () => {
  it('configures the worker with the session (token in memory only) and maps stores and their state', async () => {
    const f = fakes([], [sp({ status: 'interrupted' })]);
    const b = createWorkerBackend({ session, sync: f.sync, writeback: f.writeback, now: () => Date.UTC(2025, 5, 1) });
    const stores = await b.listStores();
    expect(f.sync.configure).toHaveBeenCalledWith({ api: 'v2', token: TOKEN, baseUrl: 'https://proxy.example/evotor' });
    expect(stores).toEqual([
      { id: STORE, name: 'Ленина', address: 'ул. Ленина, 5', apiVersion: 'v2', createdAt: Date.UTC(2019, 2, 15), state: 'paused', lastSyncedAt: null, error: null },
    ]);
  });

  it('turns worker progress into port events: phases, pages, background, review-changed on a new result version', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ session, sync: f.sync, writeback: f.writeback });
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

  it('starts with the chosen options and a restart only when the last pull finished', async () => {
    const f = fakes([], [sp({ status: 'done', resultReady: true })]);
    const b = createWorkerBackend({ session, sync: f.sync, writeback: f.writeback });
    await b.listStores();
    await b.startPull(STORE, { method: 'ledger', horizonMonths: 24, fullPeriod: true });
    expect(f.sync.start).toHaveBeenCalledWith(STORE, { restart: true, fullPeriod: true, fallbackHorizonMonths: 24, v1HistoryMonths: 12, storeName: 'Ленина' });
  });

  it('review rows carry the user decisions, terminal names and the method; the plan gets the same choices', async () => {
    const rows = [
      row('a', { quantity: '7', ledgerQuantity: '6', cloudQuantity: '0' }),
      row('b', { quantity: '3', ledgerQuantity: '3', cloudQuantity: '1' }),
      row('u', { status: 'unresolved', quantity: null, ledgerQuantity: null, decidedBy: null }),
    ];
    // The cloud's store list names the store, whatever progress says.
    const f = fakes(rows, [sp({ storeName: 'not a name' })]);
    const b = createWorkerBackend({ session, sync: f.sync, writeback: f.writeback });
    await b.listStores();
    await b.startPull(STORE, { method: 'ledger', horizonMonths: null, fullPeriod: true });
    await b.setApproval(STORE, ['b'], false);
    await b.setManualQuantity(STORE, 'u', '2,500');
    const review = await b.reviewRows(STORE);
    expect(review.method).toBe('ledger');
    expect(review.deviceNames).toEqual({ 'DEV-1': '1' });
    expect(review.rows.map((r) => [r.stock.productId, r.approved, r.manualQuantity])).toEqual([['a', true, null], ['b', false, null], ['u', true, '2.5']]);

    const plan = await b.planWrite([STORE]);
    const input = f.writeback.createPlan.mock.calls[0]![0];
    expect(input.stores[0]).toMatchObject({ storeId: STORE, storeName: 'Ленина', api: 'v2', cutoff: 1_700_000_000_000, approved: ['a', 'u'], manual: { u: '2.5' } });
    expect(input.stores[0]!.computed.map((c) => [c.productId, c.quantity, c.status])).toEqual([['a', '6', 'resolved'], ['b', '3', 'resolved'], ['u', null, 'unresolved']]);
    expect(plan).toEqual({ runId: 'run-1', kind: 'write', moved: [], stores: [{ storeId: STORE, storeName: 'Ленина', products: 2, increase: 6000, decrease: -1500 }] });
  });

  it('applies with progress events, undoes, discards, and finds unfinished and undoable runs', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ session, sync: f.sync, writeback: f.writeback });
    const events: BackendEvent[] = [];
    b.subscribe((e) => events.push(e));
    await b.runWrite('run-1');
    expect(events).toContainEqual({ type: 'write-progress', progress: expect.objectContaining({ runId: 'run-1', done: 1, total: 2, kind: 'write' }) });
    expect((await b.planUndo('run-1')).kind).toBe('undo');
    await b.cancelPlan('run-2');
    expect(f.writeback.discard).toHaveBeenCalledWith('run-2');
    const pending = await b.pendingWork();
    expect(pending.run?.runId).toBe('run-0');
    expect(pending.undoable?.runId).toBe('run-b');
  });

  it('exports the review before writing as Excel-ready CSV, and a run through the write-back', async () => {
    const f = fakes([row('a', { name: '=HYPERLINK("x")', quantity: '7', cloudQuantity: '7' }), row('b', { quantity: '0.875', cloudQuantity: '1' })]);
    const b = createWorkerBackend({ session, sync: f.sync, writeback: f.writeback, now: () => Date.UTC(2025, 2, 12, 11, 5) });
    const review = await b.exportCsv([STORE], null);
    const text = await review.blob.text();
    expect(review.filename).toMatch(/^ostatki-proverka-2025-03-12-\d{4}\.csv$/);
    // Blob.text() decodes UTF-8 and drops the BOM: look at the bytes Excel will see.
    expect([...new Uint8Array(await review.blob.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    expect(text).toContain('"0.875"');
    expect(text).toContain('без изменений');
    const run = await b.exportCsv([STORE], 'run-1');
    expect(f.writeback.exportCsv).toHaveBeenCalledWith('run-1');
    expect(await run.blob.text()).toContain('Магазин');
  });

  it('adds complete inventories that do not list the product to its history', async () => {
    const f = fakes([]);
    const b = createWorkerBackend({ session, sync: f.sync, writeback: f.writeback });
    const h = await b.productHistory(STORE, 'p1');
    expect(h.events).toHaveLength(1);
    expect(h.events[0]).toMatchObject({ rule: 'INVENTORY_UNLISTED', setTo: 0, decides: true, productId: 'p1' });
  });

  it('numbers terminals by id, stably', () => {
    const doc = (deviceId: string) => ({ ...productStock('x').decidedBy!, deviceId });
    expect(terminalNames([row('a', { decidedBy: doc('T-b') }), row('b', { decidedBy: doc('T-a') }), row('c', { decidedBy: doc('') })])).toEqual({ 'T-a': '1', 'T-b': '2' });
  });

  it('describes a planned run per store from the write-back report', () => {
    const report = runReport('r', { stores: [{ storeId: 's', storeName: 'S', remaining: 2, increase: milli(500), decrease: milli(0) } as never] });
    expect(planStores(report)).toEqual([{ storeId: 's', storeName: 'S', products: 2, increase: 500, decrease: 0 }]);
  });
});
