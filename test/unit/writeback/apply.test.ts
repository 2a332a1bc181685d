import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.ts';
import { createWriteback, type Writeback } from '../../../src/writeback/index.ts';
import { Journal } from '../../../src/writeback/journal.ts';
import type { ComputedProduct, CreatePlanStore, ProgressInfo } from '../../../src/writeback/types.ts';
import { FakeCloud, p, STORE } from '../../lib/fake-cloud.ts';
import { freshName } from './fresh-name.ts';

const T0 = Date.UTC(2025, 2, 12, 10, 0);

async function setup(api: 'v2' | 'v1' = 'v2', name = freshName(), cloud = new FakeCloud(api)) {
  const wb = await createWriteback({
    client: () => cloud.client(),
    journalName: name,
    writer: { guardIntervalMs: 60_000 },
  });
  return { wb, cloud, name };
}

function planStore(computed: ComputedProduct[], over: Partial<CreatePlanStore> = {}): CreatePlanStore {
  return { storeId: STORE, storeName: 'Магазин', api: 'v2', cutoff: T0, computed, approved: 'all-resolved', ...over };
}

const resolved = (id: string, q: string): ComputedProduct => ({ productId: id, quantity: q, status: 'resolved' });

/** n products: cloud 0, computed i+1 (so every one changes). */
function store(cloud: FakeCloud, n: number): ComputedProduct[] {
  const computed: ComputedProduct[] = [];
  for (let i = 1; i <= n; i++) {
    cloud.addProduct(p(i), 0);
    computed.push(resolved(p(i), String(i)));
  }
  return computed;
}

/** Every product was only ever written with one value (per run). */
function writtenValues(cloud: FakeCloud): Map<string, Set<string>> {
  const values = new Map<string, Set<string>>();
  for (const w of cloud.writes) values.set(w.productId, (values.get(w.productId) ?? new Set()).add(w.quantity));
  return values;
}

describe('applyPlan (V2)', () => {
  it('writes every changed product, verifies each answer, reports per store', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 30);
    cloud.addProduct(p(99), 5);
    computed.push(resolved(p(99), '5'));
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    expect(plan.status).toBe('planned');
    expect(plan.counts).toMatchObject({ pending: 30, unchanged: 1 });
    expect(cloud.writes).toHaveLength(0); // nothing sent by planning

    const progress: ProgressInfo[] = [];
    const { report } = await wb.applyPlan(plan.runId, { onProgress: (i) => progress.push(i) });
    expect(report.status).toBe('completed');
    expect(report.stores[0]).toMatchObject({ written: 30, unchanged: 1, failed: 0, skipped: 0, remaining: 0, increase: 465_000, decrease: 0 });
    for (let i = 1; i <= 30; i++) expect(cloud.quantity(p(i))).toBe(i);
    expect(cloud.writes).toHaveLength(30);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: 30, total: 30 });
    expect(report.undoable).toBe(true);
    wb.close();
  });

  it('reports a mismatch between the answer and the target instead of hiding it', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 3);
    cloud.answerOverride.set(p(2), 1.5);
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    const { report } = await wb.applyPlan(plan.runId);
    expect(report.counts.mismatch).toBe(1);
    expect(report.stores[0]!.failures).toEqual([expect.objectContaining({ productId: p(2), status: 'mismatch' })]);
    const item = (await wb.items(plan.runId)).find((i) => i.productId === p(2))!;
    expect(item.written).toBe(1500);
    wb.close();
  });

  it('a 403 on the first write stops the run naming the scope; nothing else is sent; continuing later completes', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 10);
    let denied = true;
    cloud.beforeWrite = () => {
      if (denied) throw new ApiError({ code: 'missing-scope', status: 403, operation: 'setQuantity', params: { scope: 'product.quantity:write' }, message: '403' });
    };
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    const { report } = await wb.applyPlan(plan.runId);
    expect(report.status).toBe('stopped');
    expect(report.statusReason).toMatchObject({ code: 'missing-scope', scope: 'product.quantity:write' });
    expect(report.statusReason!.message).toContain('product.quantity:write');
    expect(report.counts.pending).toBe(10); // nothing half-written
    // The first write went alone: one attempt, nothing else was tried.
    expect((await wb.items(plan.runId)).map((i) => i.attempts).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(report.requests + cloud.writes.length).toBe(0);
    expect((await wb.pending()).map((r) => r.runId)).toEqual([plan.runId]);

    denied = false;
    const [resumed] = await wb.resumePending();
    expect(resumed!.report.status).toBe('completed');
    expect(resumed!.report.counts.verified).toBe(10);
    wb.close();
  });

  it('failures carry their reason; retryable ones are written again on the next apply', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 5);
    let flaky = true;
    cloud.beforeWrite = (id) => {
      if (id === p(2)) throw new ApiError({ code: 'bad-request', status: 400, operation: 'setQuantity', params: { violations: 'quantity: invalid' }, message: '400' });
      if (id === p(3) && flaky) throw new ApiError({ code: 'server-error', status: 503, operation: 'setQuantity', params: { status: 503 }, message: '503 still failing' });
    };
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    const { report } = await wb.applyPlan(plan.runId);
    // The 503 was tried again within the run (4 attempts), then left for "continue": the run can be resumed.
    expect(report.status).toBe('interrupted');
    expect(report.statusReason?.code).toBe('retryable-failures');
    expect(report.stores[0]!.failures.map((f) => [f.productId, f.reason, f.message])).toEqual([
      [p(2), 'rejected', 'quantity: invalid'], [p(3), 'server-error', '503 still failing'],
    ]);
    expect((await wb.items(plan.runId)).find((i) => i.productId === p(3))!.attempts).toBe(4);
    expect((await wb.items(plan.runId)).find((i) => i.productId === p(2))!.attempts).toBe(1);
    flaky = false;
    const again = await wb.applyPlan(plan.runId);
    expect(again.report.stores[0]!.failures.map((f) => f.productId)).toEqual([p(2)]);
    expect(again.report.status).toBe('completed');
    expect(cloud.quantity(p(3))).toBe(3);
    wb.close();
  });

  it('interrupted at random points and resumed by a fresh instance: same final state, no product written with two values', async () => {
    for (let round = 0; round < 6; round++) {
      const name = freshName();
      const cloud = new FakeCloud('v2');
      const computed = store(cloud, 40);
      const first = await setup('v2', name, cloud);
      const { report: plan } = await first.wb.createPlan({ stores: [planStore(computed)] });
      const controller = new AbortController();
      const stopAt = 1 + Math.floor(Math.random() * 38);
      let seen = 0;
      cloud.beforeWrite = () => {
        seen += 1;
        if (seen === stopAt) controller.abort(new DOMException('closed tab', 'AbortError'));
      };
      await expect(first.wb.applyPlan(plan.runId, { signal: controller.signal })).rejects.toThrow('closed tab');
      const interrupted = await first.wb.report(plan.runId);
      expect(interrupted.status).toBe('interrupted');
      first.wb.close(); // the tab is gone

      cloud.beforeWrite = null;
      const second = await setup('v2', name, cloud);
      const results = await second.wb.resumePending();
      expect(results).toHaveLength(1);
      expect(results[0]!.report.status).toBe('completed');
      expect(results[0]!.report.counts.verified).toBe(40);
      for (let i = 1; i <= 40; i++) expect(cloud.quantity(p(i))).toBe(i);
      for (const [, values] of writtenValues(cloud)) expect(values.size).toBe(1);
      second.wb.close();
    }
  });

  it('a sale after the cut-off lowers the target (the sale is not erased) and the caller is told', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 3); // computed 1, 2, 3 at T0; cloud 0
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    // While the user reviews, product 3 sells 2 on a terminal.
    cloud.sell(p(3), 2, Date.now());
    const { report, moved } = await wb.applyPlan(plan.runId);
    expect(report.status).toBe('completed');
    expect(cloud.quantity(p(3))).toBe(1);
    expect(moved).toEqual([expect.objectContaining({ productId: p(3), from: 3000, to: 1000 })]);
    expect(moved[0]!.adjustments[0]).toMatchObject({ kind: 'delta', quantity: -2000 });
    expect(report.stores[0]!.moved.map((m) => m.productId)).toEqual([p(3)]);
    wb.close();
  });

  it('a sale between the cut-off and planning shows in the plan already', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 2);
    cloud.sell(p(2), 1, T0 + 60_000);
    const { report, moved } = await wb.createPlan({ stores: [planStore(computed)] });
    expect(moved.map((m) => [m.productId, m.from, m.to])).toEqual([[p(2), 2000, 1000]]);
    expect(report.counts.pending).toBe(2);
    wb.close();
  });
});

describe('undo', () => {
  it('returns the cloud exactly to the quantities before, survives a reload, and is gone after discard', async () => {
    const name = freshName();
    const cloud = new FakeCloud('v2');
    const computed = store(cloud, 12);
    cloud.products.get(p(5))!['quantity'] = 2.5;
    const before = new Map([...cloud.products].map(([id, prod]) => [id, prod['quantity']]));
    const first = await setup('v2', name, cloud);
    const { report: plan } = await first.wb.createPlan({ stores: [planStore(computed)] });
    await first.wb.applyPlan(plan.runId);
    first.wb.close();

    const second = await setup('v2', name, cloud); // after a reload
    expect((await second.wb.report(plan.runId)).undoable).toBe(true);
    const { report } = await second.wb.undo(plan.runId);
    expect(report.kind).toBe('undo');
    expect(report.status).toBe('completed');
    for (const [id, q] of before) expect(cloud.quantity(id)).toBe(q);
    const original = await second.wb.report(plan.runId);
    expect(original.status).toBe('undone');
    expect(original.undoable).toBe(false);
    await expect(second.wb.applyPlan(plan.runId)).rejects.toThrow(/undone/);

    await second.wb.discard(plan.runId);
    expect(await second.wb.listRuns()).toEqual([]);
    second.wb.close();
  });

  it('undoes a partial write (only what may have landed) and keeps sales made since', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 10);
    const controller = new AbortController();
    let n = 0;
    cloud.beforeWrite = () => {
      if (++n === 6) controller.abort(new DOMException('stop', 'AbortError'));
    };
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    await expect(wb.applyPlan(plan.runId, { signal: controller.signal })).rejects.toThrow('stop');
    cloud.beforeWrite = null;
    // Product 1 was written (1) and then sold 1 → the cloud holds 0; its undo target is before (0) − 1 = −1.
    await new Promise((r) => setTimeout(r, 5));
    cloud.sell(p(1), 1, Date.now() - 1);
    const writesBefore = cloud.writes.length;
    const { report, moved } = await wb.undo(plan.runId);
    expect(report.status).toBe('completed');
    const undone = cloud.writes.slice(writesBefore).map((w) => w.productId);
    expect(undone).toContain(p(1));
    const attempted = (await wb.items(plan.runId)).filter((i) => i.attempts > 0).map((i) => i.productId);
    for (const id of undone) expect(attempted).toContain(id); // only what may have landed is restored
    expect(cloud.quantity(p(1))).toBe(-1);
    expect(moved).toEqual([expect.objectContaining({ productId: p(1), from: 0, to: -1000 })]);
    for (let i = 2; i <= 10; i++) expect(cloud.quantity(p(i))).toBe(0);
    expect(await wb.pending()).toEqual([]); // the partial write will not resume after its undo
    wb.close();
  });
});

describe('several stores', () => {
  it('a store that fails on its own is reported; the other stores are written; applying again clears it', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 4);
    const { report: plan } = await wb.createPlan({ stores: [
      planStore(computed.slice(0, 2), { storeId: 'GONE', storeName: 'Закрытый' }),
      planStore(computed.slice(2), { storeId: 'OK', storeName: 'Открытый' }),
    ] });
    cloud.goneStores.add('GONE');
    const { report } = await wb.applyPlan(plan.runId);
    expect(report.status).toBe('interrupted');
    expect(report.stores.map((s) => [s.storeId, s.written, s.remaining, s.error?.code ?? null])).toEqual([
      ['GONE', 0, 2, 'not-found'], ['OK', 2, 0, null],
    ]);
    cloud.goneStores.clear();
    const again = await wb.applyPlan(plan.runId);
    expect(again.report.status).toBe('completed');
    expect(again.report.stores.map((s) => [s.storeId, s.written, s.error])).toEqual([['GONE', 2, null], ['OK', 2, null]]);
    wb.close();
  });
});

describe('cut-off and typed values', () => {
  const decided = (id: string, q: string, closeTime: number): ComputedProduct => ({
    productId: id, quantity: q, status: 'resolved',
    decidedBy: { id: `d-${id}`, type: 'SELL', number: 1, closeTime, deviceId: 'dev-1', timeZoneOffset: null },
  });

  it('the cut-off is the newest deciding document, not the time the caller passes: a sale during a long pull is kept', async () => {
    const { wb, cloud } = await setup();
    cloud.addProduct(p(1), 0);
    cloud.addProduct(p(2), 0);
    // The pull read p(1)'s newest document at T0; a sale of p(1) closed at T0 + 1 min while the pull went on
    // through older months; the caller says "computed at T0 + 5 min" (when the result was ready).
    cloud.addDocument('SELL', T0 + 60_000, [{ productId: p(1), quantity: 2, stockBefore: 7 }]);
    const { report, moved } = await wb.createPlan({ stores: [planStore([decided(p(1), '7', T0), decided(p(2), '3', T0 - 1000)], { cutoff: T0 + 300_000 })] });
    expect(moved.map((m) => [m.productId, m.to])).toEqual([[p(1), 5000]]);
    await wb.applyPlan(report.runId);
    expect(cloud.quantity(p(1))).toBe(5);
    wb.close();
  });

  it('a typed value is "now" when the plan is made: documents already there do not move it, later ones do', async () => {
    const { wb, cloud } = await setup();
    cloud.addProduct(p(1), 0);
    cloud.addProduct(p(2), 0);
    cloud.addDocument('SELL', T0 + 60_000, [{ productId: p(1), quantity: 1, stockBefore: 0 }]);
    const { report, moved } = await wb.createPlan({ stores: [planStore([
      { productId: p(1), quantity: null, status: 'unresolved' }, resolved(p(2), '4'),
    ], { manual: { [p(1)]: '10' } })] });
    expect(moved).toEqual([]);
    cloud.addDocument('SELL', Date.now(), [{ productId: p(1), quantity: 3, stockBefore: 0 }]);
    const { moved: later } = await wb.applyPlan(report.runId);
    expect(later.map((m) => [m.productId, m.from, m.to])).toEqual([[p(1), 10_000, 7000]]);
    expect(cloud.quantity(p(1))).toBe(7);
    wb.close();
  });
});

describe('undo and sales before the plan', () => {
  it('a sale already in the quantities before is not applied again by the undo', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 2); // cloud 0, computed 1 and 2 at T0
    cloud.sell(p(2), 1, T0 + 60_000); // after the cut-off, before the plan: the cloud shows -1
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    await wb.applyPlan(plan.runId);
    expect(cloud.quantity(p(2))).toBe(1); // 2 − 1
    await wb.undo(plan.runId);
    expect(cloud.quantity(p(2))).toBe(-1); // exactly the quantity before
    expect(cloud.quantity(p(1))).toBe(0);
    wb.close();
  });
});

describe('undo and the documents of the computation', () => {
  it('a document at exactly the cut-off (in the computation) never moves the undo target', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 2);
    cloud.addDocument('SELL', T0, [{ productId: p(1), quantity: 5, stockBefore: 6 }]); // the computation's newest
    cloud.products.get(p(1))!['quantity'] = 4;
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    await wb.applyPlan(plan.runId);
    const { moved } = await wb.undo(plan.runId);
    expect(moved).toEqual([]);
    expect(cloud.quantity(p(1))).toBe(4);
    wb.close();
  });
});

describe('applyPlan (V1)', () => {
  it('posts complete products in batches under the size limit, only quantity changed, verified by a re-read', async () => {
    const cloud = new FakeCloud('v1');
    const computed = store(cloud, 25);
    cloud.products.get(p(7))!['description'] = 'Описание «с кавычками»';
    const fieldsBefore = new Map([...cloud.products].map(([id, prod]) => [id, JSON.stringify({ ...prod, quantity: undefined })]));
    const wb = await createWriteback({
      client: () => cloud.client(), journalName: freshName(), writer: { v1BatchBytes: 2_000, v1BatchSize: 100 },
    });
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed, { api: 'v1' })] });
    const { report } = await wb.applyPlan(plan.runId);
    expect(report.status).toBe('completed');
    expect(report.counts.verified).toBe(25);
    expect(cloud.posts).toBeGreaterThan(1); // batched by size
    for (const [id, prod] of cloud.products) {
      expect(JSON.stringify({ ...prod, quantity: undefined })).toBe(fieldsBefore.get(id));
      expect(prod['quantity']).toBe(Number(id.slice(-2)));
    }
    wb.close();
  });

  it('reads the violations headers: a refused product is reported with the reason', async () => {
    const cloud = new FakeCloud('v1');
    const computed = store(cloud, 3);
    cloud.violations = [`{"uuid":"${p(2)}","reason":"quantity is invalid"}`];
    const wb = await createWriteback({ client: () => cloud.client(), journalName: freshName() });
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed, { api: 'v1' })] });
    const { report } = await wb.applyPlan(plan.runId);
    expect(report.stores[0]!.failures).toEqual([expect.objectContaining({ productId: p(2), reason: 'violation', message: expect.stringContaining('quantity is invalid') })]);
    expect(report.counts.verified).toBe(2);
    wb.close();
  });

  it('after an interruption, re-reads what was sent instead of trusting or repeating it blindly', async () => {
    const name = freshName();
    const cloud = new FakeCloud('v1');
    const computed = store(cloud, 6);
    const controller = new AbortController();
    cloud.beforeWrite = (_id, index) => {
      if (index === 5) controller.abort(new DOMException('crash', 'AbortError'));
    };
    const wb = await createWriteback({ client: () => cloud.client(), journalName: name });
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed, { api: 'v1' })] });
    await expect(wb.applyPlan(plan.runId, { signal: controller.signal })).rejects.toThrow('crash');
    expect((await wb.report(plan.runId)).counts.sent).toBe(6);
    wb.close();
    cloud.beforeWrite = null;
    const again = await createWriteback({ client: () => cloud.client(), journalName: name });
    const [result] = await again.resumePending();
    expect(result!.report.status).toBe('completed');
    expect(result!.report.counts.verified).toBe(6);
    for (let i = 1; i <= 6; i++) expect(cloud.quantity(p(i))).toBe(i);
    again.close();
  });
});

describe('journal and export', () => {
  it('keeps the journal in its own database, with a migration from nothing to version 1', async () => {
    const name = freshName();
    const journal = await Journal.open(name);
    expect(await journal.listRuns()).toEqual([]);
    journal.close();
    const dbs = await indexedDB.databases();
    expect(dbs.find((d) => d.name === name)?.version).toBe(1);
  });

  it('exports the whole result as CSV with every product, its reason and the values written', async () => {
    const { wb, cloud } = await setup();
    const computed = store(cloud, 2);
    computed.push({ productId: p(50), quantity: null, status: 'unresolved' });
    cloud.addProduct(p(50), 3);
    const { report: plan } = await wb.createPlan({ stores: [planStore(computed)] });
    await wb.applyPlan(plan.runId);
    const csv = await wb.exportCsv(plan.runId);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain('"Магазин";"' + p(1) + '"');
    expect(lines[2]).toContain(';0;2;2;');
    expect(lines[3]).toContain('"пропущено"');
    expect(lines[3]).toContain('"нет данных об остатке"');
    wb.close();
  });
});
