import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Milli } from '../../../src/model/quantity.ts';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { admin, allPages, call, q, replayDocuments, stockKeepingProducts, type Json } from './helpers.ts';

const SINGLE = { seed: 'truth-single', products: 70, terminals: 1, days: 100, docsPerDay: 45, completeInventoryEveryDays: 25, settlementStyle: 'mixed' as const };
const MULTI = { seed: 'truth-multi', products: 50, terminals: 3, days: 40, docsPerDay: 70, randomOffline: 4, cloudEdits: 30, offline: [{ terminal: 2, from: '2025-06-10T06:00:00Z', to: '2025-06-12T18:00:00Z' }] };

async function served(emu: RunningEmulator, storeId: string): Promise<{ docs: Json[]; products: Json[]; truth: Json }> {
  const docs = (await allPages(emu, `/stores/${storeId}/documents`)).items;
  const products = (await allPages(emu, `/stores/${storeId}/products`)).items;
  const truth = (await admin(emu, `/stores/${storeId}/truth`)).json;
  return { docs, products, truth };
}

function compare(replayed: Map<string, Milli>, truth: Json): void {
  const expected = truth.truth as Record<string, string>;
  for (const [id, v] of Object.entries(expected)) expect(replayed.get(id), id).toBe(q(v));
  // anything the replay tracks beyond the truth is a set product that never moved
  for (const [id, v] of replayed) if (!(id in expected)) {
    expect(truth.untracked[id]).toBe('set');
    expect(v).toBe(0);
  }
}

describe('ground truth against an independent replay of the served documents', () => {
  let emu: RunningEmulator;
  let single: string;
  let multi: string;

  beforeAll(async () => {
    emu = await startEmulator({ token: 'tr', rateLimit: null, storeList: [SINGLE, MULTI] });
    [single, multi] = [...emu.state.stores.keys()] as [string, string];
  });
  afterAll(() => emu.close());

  it('single terminal: the truth is the replay, and every initial_quantity is exactly the stock before the document', async () => {
    const { docs, products, truth } = await served(emu, single);
    expect(docs.length).toBeGreaterThan(3000);
    const keeping = stockKeepingProducts(products, docs);
    let checked = 0;
    const replayed = replayDocuments(docs, keeping, (doc, before) => {
      for (const p of doc.body?.positions ?? []) {
        for (const l of [p, ...(p.sub_positions ?? [])]) {
          if (!keeping.has(l.product_id) || l.quantity === undefined) continue; // REVALUATION lines carry prices only
          expect(q(l.initial_quantity), `${doc.type} ${doc.id} ${l.product_id}`).toBe(before.get(l.product_id));
          checked++;
        }
      }
    });
    expect(checked).toBeGreaterThan(5000);
    compare(replayed, truth);
    // the store exercises what the replay must get right
    const types = new Set(docs.map((d) => d.type));
    expect(types).toContain('CORRECTION');
    expect(docs.some((d) => d.type === 'INVENTORY' && d.body.complete_inventory === true)).toBe(true);
    expect(docs.some((d) => (d.body.positions ?? []).some((p: Json) => p.sub_positions?.length))).toBe(true);
    expect(docs.some((d) => (d.body.positions ?? []).some((p: Json) => ['CREDIT_PAYMENT', 'LoanPayment'].includes(p.settlement_method?.type)))).toBe(true);
  });

  it('several terminals, offline periods and cloud edits: the truth is still the replay; initial_quantity is sometimes stale', async () => {
    const { docs, products, truth } = await served(emu, multi);
    const keeping = stockKeepingProducts(products, docs);
    let stale = 0;
    const replayed = replayDocuments(docs, keeping, (doc, before) => {
      for (const p of doc.body?.positions ?? []) if (keeping.has(p.product_id) && p.quantity !== undefined && q(p.initial_quantity) !== before.get(p.product_id)) stale++;
    });
    compare(replayed, truth);
    expect(stale).toBeGreaterThan(10);
    expect(new Set(docs.map((d) => d.device_id)).size).toBe(3);
  });

  it('the truth after injected documents is the replay including them', async () => {
    await admin(emu, `/stores/${single}/sales`, 'POST', { quantity: 3 });
    await admin(emu, `/stores/${single}/documents`, 'POST', { type: 'PAYBACK' });
    const { docs, products, truth } = await served(emu, single);
    compare(replayDocuments(docs, stockKeepingProducts(products, docs)), truth);
  });

  it('the truth at an instant is the replay of the documents closed by then', async () => {
    const { docs, products } = await served(emu, multi);
    const cut = Date.parse(docs[Math.floor(docs.length / 3)]!.close_date.replace('+0000', 'Z'));
    const early = docs.filter((d) => Date.parse(d.close_date.replace('+0000', 'Z')) <= cut);
    const truth = (await admin(emu, `/stores/${multi}/truth?at=${cut}`)).json;
    compare(replayDocuments(early, stockKeepingProducts(products, docs)), truth);
  });
});

describe('determinism over HTTP', () => {
  it('two emulators with the same options serve identical bytes and identical truth', async () => {
    const opts = { token: 'd', pageSize: 100, rateLimit: null, store: { seed: 'det', products: 40, terminals: 2, days: 20, docsPerDay: 40, randomOffline: 2, cloudQuantities: 'stale' as const } };
    const a = await startEmulator(opts);
    const b = await startEmulator(opts);
    try {
      const id = [...a.state.stores.keys()][0]!;
      expect([...b.state.stores.keys()][0]).toBe(id);
      const pa = await allPages(a, `/stores/${id}/documents`);
      const pb = await allPages(b, `/stores/${id}/documents`);
      expect(pa.raw).toEqual(pb.raw);
      expect((await call(a, `/stores/${id}/products`)).text).toBe((await call(b, `/stores/${id}/products`)).text);
      expect((await admin(a, `/stores/${id}/truth?documents=1`)).text).toBe((await admin(b, `/stores/${id}/truth?documents=1`)).text);
      const v1 = `/api/v1/inventories/stores/${id}/documents`;
      expect((await call(a, v1)).text).toBe((await call(b, v1)).text);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
