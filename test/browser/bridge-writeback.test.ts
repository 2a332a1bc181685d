/**
 * The write-back through the sync worker's bridge, in Chromium with the real worker and IndexedDB, against the
 * emulator: pull with a user horizon → decisions (manual value, unticked product) → reload (a new bridge on the
 * same databases) keeps them → plan → apply with write progress → undo; a write cut off by a terminated worker
 * (a closed tab) is resumed from the journal by the next worker; an aborted call stops its write in the worker; and
 * the same flow through createBackend().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/ui/create-backend.ts';
import type { BackendEvent, SyncBackend } from '../../src/ui/backend.ts';
import { createSyncBridge, type SyncBridge } from '../../src/sync/page/bridge.ts';
import type { LightResultRow, WriteProgress } from '../../src/sync/shared/types.ts';
import { EMULATOR, TOKEN, admin, cloud, createStore, getFaults, progressUntil, requestsOf, resultWithRows, setFaults, truth, uniqueDb } from './helpers.ts';

let bridges: SyncBridge[] = [];
let backends: SyncBackend[] = [];
afterEach(() => {
  for (const b of bridges) b.terminate();
  for (const b of backends) b.dispose();
  bridges = [];
  backends = [];
});

async function bridge(dbName: string, journalName: string, token = TOKEN): Promise<SyncBridge> {
  const b = createSyncBridge();
  bridges.push(b);
  await b.configure({ api: 'v2', token, baseUrl: EMULATOR, dbName, journalName });
  return b;
}

/** A reload: the old worker is gone (terminated like a closed tab), a new one opens the same databases. */
async function reload(old: SyncBridge, dbName: string, journalName: string): Promise<SyncBridge> {
  old.terminate();
  return bridge(dbName, journalName);
}

const differs = (r: LightResultRow) => r.status === 'resolved' && r.quantity !== null && r.quantity !== r.cloudQuantity;

describe('write-back through the worker bridge', () => {
  it('pull with a horizon → decisions → reload keeps them → plan → apply → undo, with write progress as events', async () => {
    const store = await createStore({ seed: 'bridge-wb', products: 80, months: 3, docsPerDay: 12, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const db = uniqueDb('bridge-wb');
    const journal = uniqueDb('bridge-wb-journal');
    let sync = await bridge(db, journal);

    // No store name given: the worker takes it from the cloud. One month back, although the id says three.
    await sync.startPull(store.storeId, { fullPeriod: true, method: 'latest-document', horizonMonths: 1 });
    const done = await progressUntil(sync, store.storeId, (p) => p.status === 'done');
    expect(done.storeName).toBe((await sync.listStores()).find((s) => s.id === store.storeId)!.name);
    expect(done).toMatchObject({ method: 'latest-document', horizonMonths: 1, fullPeriod: true });
    expect(done.horizonSince!).toBeGreaterThan(Date.now() - 32 * 86_400_000);
    expect(done.monthsTotal).toBeLessThanOrEqual(2);

    const result = await resultWithRows(sync, store.storeId);
    expect(result.terminals.source).toBe('cloud');
    expect(Object.values(result.terminals.byId).map((t) => t.name)).toEqual(['Смарт-терминал 1']);
    const changing = result.rows.filter(differs);
    const undecided = result.rows.filter((r) => r.status === 'unresolved');
    expect(changing.length).toBeGreaterThan(5);
    expect(undecided.length).toBeGreaterThan(0); // older sales are beyond the horizon
    const unticked = changing[0]!;
    const manual = undecided[0]!;
    await sync.setApproval(store.storeId, [unticked.productId], false);
    await sync.setManualQuantity(store.storeId, manual.productId, '3,5');

    // Reload: a new worker, the same databases.
    sync = await reload(sync, db, journal);
    expect((await sync.pullProgress())[0]).toMatchObject({ storeId: store.storeId, status: 'done', method: 'latest-document', horizonMonths: 1 });
    const again = await resultWithRows(sync, store.storeId);
    expect(again.decisions).toEqual({ manual: { [manual.productId]: '3.5' }, notApproved: [unticked.productId], ticked: [] });

    const before = await cloud(store.storeId);
    const { report: planned } = await sync.planWrite([store.storeId]);
    expect(planned.stores[0]!.storeName).toBe(done.storeName);
    expect(planned.remaining).toBe(changing.length - 1 + 1); // every change but the unticked one, plus the manual value
    const progress: WriteProgress[] = [];
    const off = sync.onWriteProgress((p) => progress.push(p));
    const { report } = await sync.runWrite(planned.runId);
    off();
    expect(report.status).toBe('completed');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.runId === planned.runId && p.kind === 'write')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: planned.remaining, total: planned.remaining });

    const after = await cloud(store.storeId);
    const expected = await truth(store.storeId);
    for (const row of changing.slice(1)) if (row.productId in expected) expect(after[row.productId]).toBe(expected[row.productId]);
    expect(after[unticked.productId]).toBe(before[unticked.productId]);
    expect(after[manual.productId]).toBe('3.5');
    expect((await requestsOf(store.storeId)).filter((e) => !['GET', 'PATCH', 'OPTIONS'].includes(e.method))).toEqual([]);

    const csv = await sync.exportCsv([], planned.runId, 'ru');
    expect([...new Uint8Array(await csv.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

    const undo = await sync.planUndo(planned.runId);
    const undoProgress: WriteProgress[] = [];
    sync.onWriteProgress((p) => undoProgress.push(p));
    expect((await sync.runWrite(undo.report.runId)).report.status).toBe('completed');
    expect(undoProgress.some((p) => p.kind === 'undo')).toBe(true);
    expect(await cloud(store.storeId)).toEqual(before);
    expect((await sync.runReport(planned.runId)).status).toBe('undone');
  });

  it('a write cut off by a closed tab is resumed from the journal by the next worker: same final state, one value per product', async () => {
    const store = await createStore({ seed: 'bridge-resume', products: 60, months: 2, docsPerDay: 30, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const db = uniqueDb('bridge-resume');
    const journal = uniqueDb('bridge-resume-journal');
    let sync = await bridge(db, journal);
    await sync.startPull(store.storeId, { fullPeriod: true });
    await progressUntil(sync, store.storeId, (p) => p.status === 'done');
    const result = await resultWithRows(sync, store.storeId);
    const changing = result.rows.filter(differs);
    expect(changing.length).toBeGreaterThan(20);
    const { report: planned } = await sync.planWrite([store.storeId]);

    // Slow writes so the tab can close half-way.
    const faults = await getFaults();
    await setFaults({ latencyMs: 150, match: `PATCH /stores/${store.storeId}/` });
    try {
      const cut = new Promise<void>((resolve) => {
        sync.onWriteProgress((p) => {
          if (p.phase === 'writing' && p.done >= 5) resolve();
        });
      });
      const applying = sync.runWrite(planned.runId);
      applying.catch(() => undefined);
      await cut;
      sync.terminate(); // the tab closes mid-write
      await expect(applying).rejects.toThrow();
    } finally {
      await setFaults({ ...faults, reset: true });
    }
    const written = await cloud(store.storeId);
    const expected = await truth(store.storeId);
    const notYet = changing.filter((r) => r.productId in expected && written[r.productId] !== expected[r.productId]);
    expect(notYet.length).toBeGreaterThan(0);

    sync = await bridge(db, journal); // the app opened again
    const pending = await sync.pendingRuns();
    expect(pending.map((r) => r.runId)).toEqual([planned.runId]);
    const [resumed] = await sync.resumePending();
    expect(resumed!.report.status).toBe('completed');
    const final = await cloud(store.storeId);
    for (const row of changing) if (row.productId in expected) expect(final[row.productId]).toBe(expected[row.productId]);
    // At most the writes in flight when the tab closed were sent again (with the same target).
    const patches = (await requestsOf(store.storeId)).filter((e) => e.method === 'PATCH' && e.status === 200);
    const perProduct = new Map<string, number>();
    for (const e of patches) perProduct.set(e.path, (perProduct.get(e.path) ?? 0) + 1);
    expect(perProduct.size).toBe(planned.remaining);
    expect([...perProduct.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(16);
    expect(await sync.pendingRuns()).toEqual([]);
  });

  it('an aborted runWrite stops the write in the real worker; the same worker continues the run later (src/sync/README.md)', async () => {
    const store = await createStore({ seed: 'bridge-abort', products: 60, months: 2, docsPerDay: 30, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const sync = await bridge(uniqueDb('bridge-abort'), uniqueDb('bridge-abort-journal'));
    await sync.startPull(store.storeId, { fullPeriod: true });
    await progressUntil(sync, store.storeId, (p) => p.status === 'done');
    const changing = (await resultWithRows(sync, store.storeId)).rows.filter(differs);
    expect(changing.length).toBeGreaterThan(20);
    const { report: planned } = await sync.planWrite([store.storeId]);

    const faults = await getFaults();
    await setFaults({ latencyMs: 150, match: `PATCH /stores/${store.storeId}/` });
    try {
      const controller = new AbortController();
      sync.onWriteProgress((p) => {
        if (p.runId === planned.runId && p.phase === 'writing' && p.done >= 5) controller.abort();
      });
      await expect(sync.runWrite(planned.runId, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
      // The worker leaves the apply (the run is no longer 'applying') without writing the rest.
      let status = (await sync.runReport(planned.runId)).status;
      for (let i = 0; status === 'applying' && i < 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await sync.runReport(planned.runId)).status;
      }
      expect(status).not.toBe('applying');
      expect(status).not.toBe('completed');
    } finally {
      await setFaults({ ...faults, reset: true });
    }
    const expected = await truth(store.storeId);
    const written = await cloud(store.storeId);
    expect(changing.filter((r) => r.productId in expected && written[r.productId] !== expected[r.productId]).length).toBeGreaterThan(0);

    expect((await sync.runWrite(planned.runId)).report.status).toBe('completed');
    const final = await cloud(store.storeId);
    for (const row of changing) if (row.productId in expected) expect(final[row.productId]).toBe(expected[row.productId]);
  });

  it('createBackend(): the port over the worker keeps decisions and the method across a reload, names terminals, applies', async () => {
    const store = await createStore({ seed: 'factory', products: 40, months: 2, docsPerDay: 20, terminals: 2, endTime: 'now', cloudQuantities: 'zeroed' });
    const options = { apiBase: EMULATOR, token: TOKEN, dbName: uniqueDb('factory'), journalName: uniqueDb('factory-journal'), lang: 'ru' as const };
    let backend = createBackend(options);
    backends.push(backend);
    const events: BackendEvent[] = [];
    backend.subscribe((e) => events.push(e));
    expect((await backend.listStores()).some((s) => s.id === store.storeId)).toBe(true);
    await backend.startPull(store.storeId, { method: 'ledger', horizonMonths: null, fullPeriod: true });
    await waitFor(() => events.some((e) => e.type === 'pull-progress' && e.progress.storeId === store.storeId && e.progress.phase === 'done'));
    const review = await backend.reviewRows(store.storeId);
    expect(review.method).toBe('ledger');
    expect(review.deviceNamesSource).toBe('cloud');
    expect(Object.values(review.deviceNames).sort()).toEqual(['Смарт-терминал 1', 'Смарт-терминал 2']);
    const target = review.rows.find((r) => r.stock.status === 'resolved')!;
    await backend.setApproval(store.storeId, [target.stock.productId], false);
    await backend.setManualQuantity(store.storeId, target.stock.productId, '1.5');

    backend.dispose();
    backend = createBackend(options); // a reload
    backends.push(backend);
    const reloaded = await backend.reviewRows(store.storeId);
    expect(reloaded.method).toBe('ledger');
    const row = reloaded.rows.find((r) => r.stock.productId === target.stock.productId)!;
    expect(row).toMatchObject({ approved: false, manualQuantity: '1.5' });
    expect((await backend.pullProgress()).find((p) => p.storeId === store.storeId)!.options).toEqual({ method: 'ledger', horizonMonths: null, fullPeriod: true });

    const plan = await backend.planWrite([store.storeId]);
    const writes: BackendEvent[] = [];
    backend.subscribe((e) => { if (e.type === 'write-progress') writes.push(e); });
    const applied = await backend.runWrite(plan.runId);
    expect(applied.report.status).toBe('completed');
    expect(writes.length).toBeGreaterThan(0);
    expect((await cloud(store.storeId))[target.stock.productId]).toBe('0'); // unticked: untouched
    const csv = await backend.exportCsv([store.storeId], plan.runId);
    expect(csv.filename).toMatch(/^ostatki-zapis-.*\.csv$/);
    expect((await backend.pendingWork()).undoable?.runId).toBe(plan.runId);
  });

  it('a token that may not read the store list pulls and sees nothing of the store (403 names the scope)', async () => {
    const store = await createStore({ seed: 'no-store-read', products: 20, months: 1, docsPerDay: 10, terminals: 2, endTime: 'now' });
    const token = `no-store-read-${Math.random().toString(36).slice(2)}`;
    await admin('POST', '/tokens', { token, scopes: ['product:read', 'product.quantity:read', 'document:read'] });
    const backend = createBackend({ apiBase: EMULATOR, token, dbName: uniqueDb('nsr'), journalName: uniqueDb('nsr-j'), lang: 'ru' });
    backends.push(backend);
    const refused = { code: 'missing-scope', params: { scope: 'store:read' } };
    await expect(backend.startPull(store.storeId, { method: 'latest-document', horizonMonths: null, fullPeriod: true })).rejects.toMatchObject(refused);
    await expect(backend.reviewRows(store.storeId)).rejects.toMatchObject(refused);
    expect(await backend.pullProgress()).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 50_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
