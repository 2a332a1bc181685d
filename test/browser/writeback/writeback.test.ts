/**
 * The write-back against the Evotor Cloud emulator, in Chromium with real IndexedDB and the real src/api client:
 * apply, interrupt + resume, undo, a sale injected between computation and write, a V1 store, a 403 on the first
 * write. The stock is computed with src/stock's computeStock from what the client reads, as the worker does.
 */
import { describe, expect, it } from 'vitest';
import { createEvotorClient, type EvotorClient } from '../../../src/api/client.ts';
import type { ApiVersion } from '../../../src/model/types.ts';
import { computeStock } from '../../../src/stock/index.ts';
import { fetchDocumentsSince } from '../../../src/writeback/guard.ts';
import { createWriteback, type Writeback } from '../../../src/writeback/index.ts';
import type { CreatePlanStore, ProgressInfo, RunReport } from '../../../src/writeback/types.ts';
import { EMULATOR, TOKEN, admin, cloud, createStore, requestsOf, truth, uniqueDb } from '../helpers.ts';

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

async function zeroCloud(storeId: string): Promise<void> {
  await admin('PUT', `/stores/${storeId}/cloud`, { mode: 'zeroed' });
}

/** A cloud that differs from the truth in varied ways: zero, other values, negative, fractional. */
async function scrambleCloud(storeId: string, plan: CreatePlanStore): Promise<void> {
  const values = ['0', '7', '-3', '12.5', '1'];
  const quantities: Record<string, string> = {};
  plan.computed.filter((p) => p.status === 'resolved').forEach((p, i) => { quantities[p.productId] = values[i % values.length]!; });
  await admin('PUT', `/stores/${storeId}/cloud`, { mode: 'zeroed', quantities });
}

/** A sale made now on the store's terminal; returns the product's true stock after it. */
async function injectSale(storeId: string, productId: string, quantity: string): Promise<string> {
  const out = await admin<{ truth: Record<string, string> }>('POST', `/stores/${storeId}/sales`, { productId, quantity });
  return out.truth[productId]!;
}

const client = (api: ApiVersion, token = TOKEN, fetchImpl?: typeof fetch) =>
  createEvotorClient({ api, token, baseUrl: EMULATOR, timeoutMs: 10_000, ...(fetchImpl ? { fetch: fetchImpl } : {}) });

/** Reads the store's products and documents through the client and computes the stock, as the worker would. */
async function compute(api: ApiVersion, storeId: string): Promise<CreatePlanStore> {
  const c = client(api);
  const signal = new AbortController().signal;
  const products: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page = await c.productPage(storeId, cursor, signal);
    products.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const now = Date.now();
  const documents = await fetchDocumentsSince(c, storeId, api === 'v1' ? now - 150 * 86_400_000 : 0, now + 86_400_000, signal);
  const result = computeStock({ api, products, documents });
  const cutoff = result.products.reduce((max, p) => Math.max(max, p.decidedBy?.closeTime ?? 0), 0);
  const newest = documents.reduce<number>((max, d) => {
    const raw = d as { close_date?: string; closeDate?: string };
    const t = Date.parse(String(raw.close_date ?? raw.closeDate ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isFinite(t) ? Math.max(max, t) : max;
  }, cutoff);
  return { storeId, storeName: 'Тестовый магазин', api, cutoff: newest, computed: result.products, approved: 'all-resolved' };
}

/** PATCH bodies as sent, per product id (the emulator's log has no bodies). */
class WriteRecorder {
  readonly values = new Map<string, string[]>();
  patches = 0;
  /** Called with the number of PATCHes sent so far and the product, just before each one leaves (awaited). */
  onPatch: ((n: number, productId: string) => void | Promise<void>) | null = null;
  readonly fetch: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    if (request.method === 'PATCH') {
      const id = decodeURIComponent(new URL(request.url).pathname.split('/').pop()!);
      const body = await request.clone().text();
      this.values.set(id, [...(this.values.get(id) ?? []), String((JSON.parse(body) as { quantity: unknown }).quantity)]);
      await this.onPatch?.(++this.patches, id);
    }
    return globalThis.fetch(request);
  };
}

async function writeback(api: ApiVersion, journalName: string, options: { token?: string; recorder?: WriteRecorder } = {}): Promise<Writeback> {
  return createWriteback({
    client: (v, hooks) => createEvotorClient({ api: v, token: options.token ?? TOKEN, baseUrl: EMULATOR, timeoutMs: 10_000, fetch: hooks.fetch }),
    journalName,
    ...(options.recorder ? { fetch: options.recorder.fetch } : {}),
  });
}

/** Truth vs cloud for the products the computation decided and the plan wrote. */
function expectCloudEqualsTruth(cloudNow: Record<string, string | null>, truthNow: Record<string, string>, plan: CreatePlanStore): void {
  const resolved = plan.computed.filter((p) => p.status === 'resolved').map((p) => p.productId);
  expect(resolved.length).toBeGreaterThan(0);
  const got: Record<string, string | null> = {};
  const want: Record<string, string | null> = {};
  for (const id of resolved) {
    if (!(id in truthNow)) continue; // sets: the core flags them, the truth leaves them out
    got[id] = cloudNow[id] ?? null;
    want[id] = truthNow[id]!;
  }
  expect(got).toEqual(want);
}

const figures = (label: string, report: RunReport, written: number, seconds: number) =>
  console.log(`[figures] ${label}: ${written} writes in ${seconds.toFixed(2)} s = ${(written / seconds).toFixed(0)} writes/s, ` +
    `${report.requests} write requests, ${report.rateLimited} 429s (${((report.rateLimited / Math.max(1, report.requests)) * 1000).toFixed(1)} per 1,000)`);

// ---------------------------------------------------------------------------------------------------------------

describe('write-back against the emulator (V2)', () => {
  it('after apply, the cloud equals the ground truth of a single-terminal store; every write verified', async () => {
    const store = await createStore({ seed: 'wb-truth', products: 300, months: 2, docsPerDay: 60, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const plan = await compute('v2', store.storeId);
    const wb = await writeback('v2', uniqueDb('wb-truth'));
    const { report: planned } = await wb.createPlan({ stores: [plan] });
    expect(planned.counts.pending).toBeGreaterThan(100);
    const progress: ProgressInfo[] = [];
    const started = performance.now();
    const { report } = await wb.applyPlan(planned.runId, { onProgress: (p) => progress.push(p) });
    const seconds = (performance.now() - started) / 1000;
    expect(report.status).toBe('completed');
    expect(report.counts.verified).toBe(planned.counts.pending);
    expect(report.stores[0]!.failed).toBe(0);
    expectCloudEqualsTruth(await cloud(store.storeId), await truth(store.storeId), plan);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: planned.counts.pending });
    // Only PATCH {quantity} and reads: never a delete, a PUT or a bulk.
    const log = await requestsOf(store.storeId);
    expect(log.filter((e) => !['GET', 'PATCH', 'OPTIONS'].includes(e.method))).toEqual([]);
    figures('V2 apply', report, planned.counts.pending, seconds);
    wb.close();
  });

  it('interrupted at random points and resumed by a fresh instance: same final state, no product written with two values', async () => {
    const store = await createStore({ seed: 'wb-resume', products: 120, months: 2, docsPerDay: 40, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const plan = await compute('v2', store.storeId);
    const expected = await truth(store.storeId);
    for (let round = 0; round < 3; round++) {
      await zeroCloud(store.storeId);
      const journal = uniqueDb(`wb-resume-${round}`);
      const recorder = new WriteRecorder();
      const first = await writeback('v2', journal, { recorder });
      const { report: planned } = await first.createPlan({ stores: [plan] });
      const total = planned.counts.pending;
      const stopAfter = 1 + Math.floor(Math.random() * (total - 2));
      const controller = new AbortController();
      const seqBefore = (await admin<{ entries: { seq: number }[] }>('GET', '/requests?since=0')).entries.at(-1)?.seq ?? 0;
      // The tab closes while the stopAfter-th PATCH is on its way (it may or may not reach the cloud).
      recorder.onPatch = (n) => { if (n === stopAfter) controller.abort(new DOMException('tab closed', 'AbortError')); };
      await expect(first.applyPlan(planned.runId, { signal: controller.signal })).rejects.toThrow('tab closed');
      recorder.onPatch = null;
      first.close(); // the page is gone

      const second = await writeback('v2', journal, { recorder });
      expect((await second.pending()).map((r) => r.runId)).toEqual([planned.runId]);
      const [resumed] = await second.resumePending();
      expect(resumed!.report.status).toBe('completed');
      expect(resumed!.report.counts.verified).toBe(total);
      expectCloudEqualsTruth(await cloud(store.storeId), expected, plan);

      // Never two different values for one product; none forgotten.
      for (const [, values] of recorder.values) expect(new Set(values).size).toBe(1);
      const patches = (await requestsOf(store.storeId, seqBefore)).filter((e) => e.method === 'PATCH');
      const perProduct = new Map<string, number>();
      for (const e of patches) perProduct.set(e.path, (perProduct.get(e.path) ?? 0) + 1);
      expect(perProduct.size).toBe(total);
      // At most the requests in flight at the abort are sent again.
      expect([...perProduct.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(16);
      second.close();
    }
  });

  it('undo returns the emulator exactly to the state before, also after a reload', async () => {
    const store = await createStore({ seed: 'wb-undo', products: 80, months: 2, docsPerDay: 40, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const plan = await compute('v2', store.storeId);
    await scrambleCloud(store.storeId, plan);
    const before = await cloud(store.storeId);
    const journal = uniqueDb('wb-undo');
    const wb = await writeback('v2', journal);
    const { report: planned } = await wb.createPlan({ stores: [plan] });
    expect(planned.counts.pending).toBeGreaterThan(0);
    await wb.applyPlan(planned.runId);
    expect(await cloud(store.storeId)).not.toEqual(before);
    wb.close();

    const later = await writeback('v2', journal); // after a reload
    expect((await later.report(planned.runId)).undoable).toBe(true);
    const { report } = await later.undo(planned.runId);
    expect(report.status).toBe('completed');
    expect(await cloud(store.storeId)).toEqual(before);
    expect((await later.report(planned.runId)).status).toBe('undone');
    await later.discard(planned.runId);
    expect(await later.listRuns()).toEqual([]);
    later.close();
  });

  it('a sale injected between computation and write is not erased; the caller is told which product moved', async () => {
    const store = await createStore({ seed: 'wb-sale', products: 60, months: 2, docsPerDay: 40, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const plan = await compute('v2', store.storeId);
    const wb = await writeback('v2', uniqueDb('wb-sale'));
    const { report: planned } = await wb.createPlan({ stores: [plan] });
    // While the user reviews the plan, a terminal sells 2 of a product the plan will write.
    const sold = plan.computed.find((p) => p.status === 'resolved' && Number(p.quantity) >= 3)!;
    const trueAfter = await injectSale(store.storeId, sold.productId, '2');
    expect(Number(trueAfter)).toBe(Number(sold.quantity) - 2);
    const { report, moved } = await wb.applyPlan(planned.runId);
    expect(report.status).toBe('completed');
    expect((await cloud(store.storeId))[sold.productId]).toBe(trueAfter);
    expect(moved.map((m) => m.productId)).toEqual([sold.productId]);
    expect(moved[0]!.adjustments[0]).toMatchObject({ kind: 'delta', quantity: -2000 });
    expectCloudEqualsTruth(await cloud(store.storeId), await truth(store.storeId), plan);
    wb.close();
  });

  it('sales closed during the write: one before a product\'s PATCH is not erased (written again), one after an earlier PATCH is not counted twice', async () => {
    const store = await createStore({ seed: 'wb-write-sales', products: 60, months: 2, docsPerDay: 40, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const plan = await compute('v2', store.storeId);
    const recorder = new WriteRecorder();
    const wb = await writeback('v2', uniqueDb('wb-write-sales'), { recorder });
    const { report: planned } = await wb.createPlan({ stores: [plan] });
    let first = '';
    let during = '';
    // Just before the 5th PATCH leaves (long before the guard's next 30 s pass), a terminal sells 1 of that product
    // (the PATCH then sets the pre-sale target) and 1 of the first product written (the cloud moves our value by it).
    recorder.onPatch = async (n, id) => {
      if (n === 1) first = id;
      if (n !== 5) return;
      during = id;
      await injectSale(store.storeId, id, '1');
      await injectSale(store.storeId, first, '1');
    };
    const { report } = await wb.applyPlan(planned.runId);
    expect(report.status).toBe('completed');
    expectCloudEqualsTruth(await cloud(store.storeId), await truth(store.storeId), plan);
    const [target] = recorder.values.get(during)!;
    expect(recorder.values.get(during)).toEqual([target, String(Number(target) - 1)]);
    expect(recorder.values.get(first)).toHaveLength(1);
    const items = new Map((await wb.items(planned.runId)).map((i) => [i.productId, i]));
    expect(items.get(during)).toMatchObject({ status: 'verified', attempts: 2 });
    expect(items.get(during)!.adjustments.map((a) => a.note).join()).toMatch(/стёрта записью/);
    expect(items.get(first)).toMatchObject({ status: 'verified', attempts: 1 });
    expect(items.get(first)!.adjustments.map((a) => a.note).join()).toMatch(/учтена облаком после записи/);
    expect(report.stores[0]!.moved.map((m) => m.productId).sort()).toEqual([during, first].sort());
    wb.close();
  });

  it('a sale after the write is kept by the undo (before + movements since)', async () => {
    const store = await createStore({ seed: 'wb-undo-sale', products: 60, months: 2, docsPerDay: 40, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const plan = await compute('v2', store.storeId);
    await scrambleCloud(store.storeId, plan);
    const before = await cloud(store.storeId);
    const wb = await writeback('v2', uniqueDb('wb-undo-sale'));
    const { report: planned } = await wb.createPlan({ stores: [plan] });
    await wb.applyPlan(planned.runId);
    const item = (await wb.items(planned.runId)).find((i) => i.status === 'verified' && (i.target ?? 0) >= 2000)!;
    await injectSale(store.storeId, item.productId, '1');
    const { moved } = await wb.undo(planned.runId);
    const after = await cloud(store.storeId);
    expect(Number(after[item.productId])).toBe(Number(before[item.productId]) - 1);
    expect(moved.map((m) => m.productId)).toContain(item.productId);
    for (const [id, q] of Object.entries(before)) if (id !== item.productId) expect(after[id]).toBe(q);
    wb.close();
  });

  it('a 403 on the first write stops the run naming the scope; nothing is half-written; a proper token finishes it', async () => {
    const store = await createStore({ seed: 'wb-403', products: 40, months: 1, docsPerDay: 30, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const noWrite = `no-quantity-write-${Date.now()}`;
    await admin('POST', '/tokens', { token: noWrite, scopes: ['store:read', 'product:read', 'product.quantity:read', 'product:write', 'document:read'] });
    const plan = await compute('v2', store.storeId);
    const before = await cloud(store.storeId);
    const journal = uniqueDb('wb-403');
    const denied = await writeback('v2', journal, { token: noWrite });
    const { report: planned } = await denied.createPlan({ stores: [plan] });
    const seqBefore = (await admin<{ entries: { seq: number }[] }>('GET', '/requests?since=0')).entries.at(-1)?.seq ?? 0;
    const { report } = await denied.applyPlan(planned.runId);
    expect(report.status).toBe('stopped');
    expect(report.statusReason).toMatchObject({ code: 'missing-scope', scope: 'product.quantity:write' });
    expect(report.statusReason!.message).toContain('product.quantity:write');
    expect(report.counts.pending).toBe(planned.counts.pending);
    const patches = (await requestsOf(store.storeId, seqBefore)).filter((e) => e.method === 'PATCH');
    expect(patches.map((e) => e.status)).toEqual([403]); // exactly one write tried
    expect(await cloud(store.storeId)).toEqual(before);
    denied.close();

    const granted = await writeback('v2', journal);
    const [resumed] = await granted.resumePending();
    expect(resumed!.report.status).toBe('completed');
    expectCloudEqualsTruth(await cloud(store.storeId), await truth(store.storeId), plan);
    granted.close();
  });
});

describe('write-back in a Web Worker', () => {
  it('plans, applies and exports inside a module worker (no DOM)', async () => {
    const store = await createStore({ seed: 'wb-worker', products: 40, months: 1, docsPerDay: 30, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const plan = await compute('v2', store.storeId);
    const worker = new Worker(new URL('./wb-worker.ts', import.meta.url), { type: 'module' });
    try {
      const answer = await new Promise<{ ok: boolean; error?: string; report?: RunReport; progressCalls?: number; csvLength?: number; hasDocument?: boolean }>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage({ emulator: EMULATOR, token: TOKEN, journal: uniqueDb('wb-worker'), plan });
      });
      expect(answer.error).toBeUndefined();
      expect(answer.hasDocument).toBe(false);
      expect(answer.report!.status).toBe('completed');
      expect(answer.progressCalls).toBeGreaterThan(0);
      expect(answer.csvLength).toBeGreaterThan(100);
      expectCloudEqualsTruth(await cloud(store.storeId), await truth(store.storeId), plan);
    } finally {
      worker.terminate();
    }
  });
});

describe('write-back against the emulator (V1)', () => {
  it('a V1 store is written with every other product field unchanged, and equals the ground truth', async () => {
    const store = await createStore({ seed: 'wb-v1', apiVersion: 'v1', products: 60, months: 2, docsPerDay: 30, terminals: 1, endTime: 'now', cloudQuantities: 'zeroed' });
    const read = async () => {
      const response = await fetch(`${EMULATOR}/api/v1/inventories/stores/${store.storeId}/products`, { headers: { 'x-authorization': TOKEN } });
      return (await response.json()) as Record<string, unknown>[];
    };
    const productsBefore = await read();
    const plan = await compute('v1', store.storeId);
    const wb = await writeback('v1', uniqueDb('wb-v1'));
    const { report: planned } = await wb.createPlan({ stores: [plan] });
    const { report } = await wb.applyPlan(planned.runId);
    expect(report.status).toBe('completed');
    expect(report.counts.verified).toBe(planned.counts.pending);
    const productsAfter = await read();
    const strip = (p: Record<string, unknown>) => ({ ...p, quantity: undefined });
    expect(productsAfter.map(strip)).toEqual(productsBefore.map(strip));
    expectCloudEqualsTruth(await cloud(store.storeId), await truth(store.storeId), plan);
    const log = await requestsOf(store.storeId);
    expect(log.filter((e) => e.path.endsWith('/delete'))).toEqual([]);
    expect(log.filter((e) => e.method === 'POST').every((e) => e.status === 200)).toBe(true);
    wb.close();
  });
});
