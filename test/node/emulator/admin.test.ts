import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { admin, allPages, call, q, STORE_ID_RE, type Json } from './helpers.ts';

const closeMs = (d: Json) => Date.parse(String(d.close_date).replace('+0000', 'Z'));

describe('emulator admin API', () => {
  let emu: RunningEmulator;
  let storeId: string;

  beforeAll(async () => {
    emu = await startEmulator({ token: 'adm', pageSize: 40, store: { seed: 'srv-admin', products: 25, days: 12, docsPerDay: 25, cloudQuantities: 'zeroed' } });
    storeId = [...emu.state.stores.keys()][0]!;
  });
  afterAll(() => emu.close());

  it('describes itself without a token', async () => {
    const a = await admin(emu, '');
    expect(a.status).toBe(200);
    expect(a.json.stores[0]).toMatchObject({ id: storeId, documentCount: expect.any(Number), devices: expect.any(Array) });
    expect(a.json.tokens.map((t: Json) => t.token)).toContain('adm');
    expect(a.json.faults.errorRate).toBe(0);
  });

  it('keeps a request log of API calls (method, path, query, status, time) that can be cleared', async () => {
    await admin(emu, '/requests', 'DELETE');
    await call(emu, `/stores/${storeId}/documents?limit=3`);
    await call(emu, '/stores', { token: 'bad' });
    await admin(emu, '/faults');
    const log = (await admin(emu, '/requests')).json.entries as Json[];
    expect(log.map((e) => [e.method, e.path, e.query, e.status])).toEqual([
      ['GET', `/stores/${storeId}/documents`, 'limit=3', 200],
      ['GET', '/stores', '', 401],
    ]);
    expect(Date.parse(log[0]!.time)).toBeGreaterThan(0);
    const since = (await admin(emu, `/requests?since=${log[0]!.seq}`)).json.entries;
    expect(since.length).toBe(1);
    await admin(emu, '/requests', 'DELETE');
    expect((await admin(emu, '/requests')).json.entries).toEqual([]);
  });

  it('serves the ground truth: final, at an instant, and per document', async () => {
    const truth = (await admin(emu, `/stores/${storeId}/truth`)).json;
    const store = emu.state.store(storeId)!;
    expect(Object.keys(truth.truth).length).toBe(store.gen.catalogue.tracked.length);
    expect(new Set(Object.values(truth.untracked))).toEqual(new Set(['group', 'modification-parent', 'service', 'set']));
    for (const v of Object.values(truth.truth)) expect(String(v)).toMatch(/^-?\d+(\.\d{1,3})?$/);
    const docs = (await allPages(emu, `/stores/${storeId}/documents`)).items;
    const mid = closeMs(docs[Math.floor(docs.length / 2)]!);
    const atMid = (await admin(emu, `/stores/${storeId}/truth?at=${mid}`)).json;
    expect(atMid.asOf).toMatch(/\+0000$/);
    expect(atMid.truth).not.toEqual(truth.truth);
    const perDoc = (await admin(emu, `/stores/${storeId}/truth?documents=1`)).json;
    expect(perDoc.documents.length).toBe(docs.length);
    expect(perDoc.documents.map((d: Json) => d.id)).toEqual(docs.map((d) => d.id));
    // the last entry naming each product gives its final truth
    const last = new Map<string, string>();
    for (const d of perDoc.documents) for (const [id, v] of Object.entries(d.after)) last.set(id, v as string);
    for (const [id, v] of last) if (!perDoc.documents.some((d: Json) => d.zeroedUnlisted)) expect(truth.truth[id]).toBe(v);
    const window = (await admin(emu, `/stores/${storeId}/truth?documents=1&since=${mid}`)).json;
    expect(window.documents.length).toBeLessThan(docs.length);
  });

  it('gets and sets cloud quantities (modes and single products)', async () => {
    const zero = (await admin(emu, `/stores/${storeId}/cloud`)).json.quantities as Record<string, string | null>;
    const truth = (await admin(emu, `/stores/${storeId}/truth`)).json.truth as Record<string, string>;
    for (const id of Object.keys(truth)) expect(zero[id]).toBe('0');
    await admin(emu, `/stores/${storeId}/cloud`, 'PUT', { mode: 'truth' });
    const products = (await allPages(emu, `/stores/${storeId}/products`)).items;
    for (const p of products) if (truth[p.id] !== undefined) expect(q(p.quantity)).toBe(q(truth[p.id]));
    const id = Object.keys(truth)[0]!;
    const set = await admin(emu, `/stores/${storeId}/cloud`, 'PUT', { quantities: { [id]: '4.25' } });
    expect(set.json.quantities[id]).toBe('4.25');
    expect((await call(emu, `/stores/${storeId}/products/${id}`)).json.quantity).toBe(4.25);
    expect((await admin(emu, `/stores/${storeId}/cloud`, 'PUT', { quantities: { [id]: '1.2345' } })).status).toBe(400);
    expect((await admin(emu, `/stores/${storeId}/cloud`, 'PUT', { mode: 'nonsense' })).status).toBe(400);
    await admin(emu, `/stores/${storeId}/cloud`, 'PUT', { mode: 'stale' });
  });

  it('creates stores from generator options at run time, with unique ids', async () => {
    const a = await admin(emu, '/stores', 'POST', { seed: 'fresh', products: 10, days: 3, docsPerDay: 10, terminals: 2 });
    expect(a.status).toBe(201);
    expect(a.json.storeId).toMatch(STORE_ID_RE);
    const b = await admin(emu, '/stores', 'POST', { seed: 'fresh', products: 10, days: 3, docsPerDay: 10, terminals: 2 });
    expect(b.json.storeId).not.toBe(a.json.storeId);
    const ids = (await call(emu, '/stores')).json.items.map((s: Json) => s.id);
    expect(ids).toEqual(expect.arrayContaining([storeId, a.json.storeId, b.json.storeId]));
    expect((await call(emu, `/stores/${a.json.storeId}/devices`)).json.items.length).toBe(2);
    expect((await admin(emu, '/stores', 'POST', { terminals: 0 })).status).toBe(400);
    expect((await admin(emu, '/stores', 'POST', { bogus: 1 })).status).toBe(400);
    expect((await admin(emu, `/stores/${b.json.storeId}`, 'DELETE')).status).toBe(200);
    expect((await call(emu, `/stores/${b.json.storeId}`)).status).toBe(404);
  });

  it('injects a sale now: it closes after everything, reaches an open cursor, moves the cloud and the truth', async () => {
    const store = emu.state.store(storeId)!;
    const before = (await allPages(emu, `/stores/${storeId}/documents`)).items;
    // a review in progress: the first page was read before the sale
    const first = await call(emu, `/stores/${storeId}/documents`);
    const tracked = store.products.find((p) => p.index >= 0 && store.gen.catalogue.products[p.index]!.tracked && p.fields.measure_name === 'шт')!;
    const cloudBefore = q((await call(emu, `/stores/${storeId}/products/${tracked.id}`)).json.quantity);
    const truthBefore = q((await admin(emu, `/stores/${storeId}/truth`)).json.truth[tracked.id]);
    const sale = await admin(emu, `/stores/${storeId}/sales`, 'POST', { productId: tracked.id, quantity: 2 });
    expect(sale.status).toBe(201);
    const doc = sale.json.document;
    expect(doc.type).toBe('SELL');
    expect(closeMs(doc)).toBeGreaterThan(closeMs(before[before.length - 1]!));
    expect(q(doc.body.positions[0].initial_quantity)).toBe(cloudBefore);
    expect(q(doc.body.positions[0].quantity)).toBe(2000);
    expect(q(sale.json.truth[tracked.id])).toBe(truthBefore - 2000);
    expect(q((await call(emu, `/stores/${storeId}/products/${tracked.id}`)).json.quantity)).toBe(cloudBefore - 2000);
    expect(q((await admin(emu, `/stores/${storeId}/truth`)).json.truth[tracked.id])).toBe(truthBefore - 2000);
    // the open cursor still reaches it, at the end
    const rest: Json[] = [...first.json.items];
    let cursor = first.json.paging.next_cursor;
    while (cursor) {
      const page = await call(emu, `/stores/${storeId}/documents?cursor=${encodeURIComponent(cursor)}`);
      rest.push(...page.json.items);
      cursor = page.json.paging.next_cursor;
    }
    expect(rest.length).toBe(before.length + 1);
    expect(rest[rest.length - 1]!.id).toBe(doc.id);
    expect((await call(emu, `/stores/${storeId}/documents/${doc.id}`)).json).toEqual(doc);
    const since = await call(emu, `/stores/${storeId}/documents?since=${closeMs(doc)}`);
    expect(since.json.items.map((d: Json) => d.id)).toEqual([doc.id]);
    // a second sale on a random product; bad requests are refused
    expect((await admin(emu, `/stores/${storeId}/sales`, 'POST', {})).status).toBe(201);
    expect((await admin(emu, `/stores/${storeId}/sales`, 'POST', { productId: 'nope' })).status).toBe(400);
    expect((await admin(emu, `/stores/${storeId}/sales`, 'POST', { quantity: '-1' })).status).toBe(400);
    expect((await admin(emu, `/stores/${storeId}/documents`, 'POST', { type: 'ACCEPT', lines: [{ productId: tracked.id, quantity: '10' }] })).status).toBe(201);
    expect(q((await admin(emu, `/stores/${storeId}/truth`)).json.truth[tracked.id])).toBe(truthBefore - 2000 + 10000);
  });

  it('reset restores the stores, tokens, faults and log as they were at start', async () => {
    await admin(emu, '/faults', 'PUT', { errorRate: 1 });
    await admin(emu, '/tokens', 'POST', { token: 'temp' });
    await admin(emu, '/stores', 'POST', { seed: 'tmp', products: 5, days: 1, docsPerDay: 5 });
    const r = await admin(emu, '/reset', 'POST');
    expect(r.json.stores).toEqual([storeId]);
    expect((await admin(emu, '/requests')).json.entries).toEqual([]);
    expect((await admin(emu, '/faults')).json.errorRate).toBe(0);
    expect((await call(emu, '/stores', { token: 'temp' })).status).toBe(401);
    const store = emu.state.store(storeId)!;
    expect(store.injected.length).toBe(0);
  });

  it('404 for unknown admin routes and stores', async () => {
    expect((await admin(emu, '/nothing')).status).toBe(404);
    expect((await admin(emu, '/stores/20200101-0000-0000-0000-000000000000/truth')).status).toBe(404);
  });
});
