/**
 * Issue 3's closing check: for single-terminal stores with no offline periods, computeStock fed every document the
 * emulator serves (over HTTP, page by page) gives exactly the emulator's ground truth — for every product it tracks.
 * The truth is the generator's independent simulation; the two share no code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { computeStock } from '../../../src/stock/index.ts';
import { admin, allPages, type Json } from '../emulator/helpers.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, stores: 0, rateLimit: null });
});
afterAll(async () => emulator?.close());

async function createStore(options: Json): Promise<string> {
  const answer = await admin(emulator, '/stores', 'POST', options);
  expect(answer.status).toBe(201);
  return answer.json.storeId as string;
}

async function truthOf(storeId: string): Promise<{ truth: Record<string, string>; untracked: Record<string, string> }> {
  return (await admin(emulator, `/stores/${storeId}/truth`)).json;
}

const stores: Array<[string, Json]> = [
  // The default: Evotor's own names, as the real cloud writes them (evotor-api.md §10).
  ['V2, as the real cloud writes documents (Evotor\'s settlement names, prepaid orders paid by an advance)', { seed: 'truth-evotor', products: 80, terminals: 1, months: 4, docsPerDay: 40 }],
  // Spellings of our own and the terminal SDK's, for robustness.
  ['V2, settlement methods in upper case', { seed: 'truth-a', products: 80, terminals: 1, months: 4, docsPerDay: 40, settlementStyle: 'upper' }],
  ['V2, settlement methods as the terminal SDK names them', { seed: 'truth-b', products: 60, terminals: 1, months: 3, docsPerDay: 30, settlementStyle: 'sdk' }],
  ['V2, mixed spellings, weighted goods and frequent complete inventories', { seed: 'truth-c', products: 120, terminals: 1, months: 5, docsPerDay: 50, settlementStyle: 'mixed', completeInventoryEveryDays: 20 }],
];

describe('computeStock on everything the emulator serves equals the ground truth', () => {
  it.each(stores)('%s', { timeout: 60_000 }, async (_name, options) => {
    const storeId = await createStore(options);
    const products = (await allPages(emulator, `/stores/${storeId}/products`)).items;
    const documents = (await allPages(emulator, `/stores/${storeId}/documents?since=0&until=${Date.now() + 86_400_000}`)).items;
    const { truth, untracked } = await truthOf(storeId);

    const result = computeStock({ api: 'v2', products, documents });
    expect(result.quarantined).toEqual([]);

    const computed: Record<string, string | null> = {};
    for (const row of result.products) if (row.productId in truth) computed[row.productId] = row.quantity;
    expect(Object.keys(truth).length).toBeGreaterThan(20);
    expect(computed).toEqual(truth);
    // Services, groups, modification parents and sets keep no stock of their own.
    for (const row of result.products) {
      if (untracked[row.productId] && untracked[row.productId] !== 'set') expect(row.status, row.productId).toBe('not_tracked');
    }
  });

  it('V1: the same holds for a V1-era store read through the V1 document endpoint, month by month', async () => {
    const storeId = await createStore({ seed: 'truth-v1', products: 50, terminals: 1, months: 3, docsPerDay: 30, apiVersion: 'v1', endTime: 'now' });
    const v1 = { 'X-Authorization': emulator.token, Accept: 'application/json' };
    const productsAnswer = await fetch(`${emulator.url}/api/v1/inventories/stores/${storeId}/products`, { headers: v1 });
    expect(productsAnswer.status).toBe(200);
    const products = (await productsAnswer.json()) as Json[];
    const documents: Json[] = [];
    const day = 86_400_000;
    const end = Date.now() + day;
    for (let to = end; to > end - 5 * 30 * day; to -= 16 * day) {
      const from = to - 16 * day;
      const fmt = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
      const url = `${emulator.url}/api/v1/inventories/stores/${storeId}/documents?gtCloseDate=${encodeURIComponent(fmt(from))}&ltCloseDate=${encodeURIComponent(fmt(to))}`;
      const answer = await fetch(url, { headers: v1 });
      if (answer.status !== 200) break; // beyond the history limit
      documents.push(...((await answer.json()) as Json[]));
    }
    expect(documents.length).toBeGreaterThan(1000);
    const { truth } = await truthOf(storeId);
    const result = computeStock({ api: 'v1', products, documents });
    const computed: Record<string, string | null> = {};
    for (const row of result.products) if (row.productId in truth) computed[row.productId] = row.quantity;
    expect(Object.keys(truth).length).toBeGreaterThan(20);
    expect(computed).toEqual(truth);
  });
});
