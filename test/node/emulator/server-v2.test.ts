import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { allPages, call, type Json } from './helpers.ts';

const closeMs = (d: Json) => Date.parse(String(d.close_date).replace('+0000', 'Z'));

describe('emulator V2 API', () => {
  let emu: RunningEmulator;
  let storeId: string;
  let docs: Json[];

  beforeAll(async () => {
    emu = await startEmulator({
      token: 'v2-token',
      pageSize: 50,
      productPageSize: 20,
      store: { seed: 'srv-v2', products: 50, days: 30, docsPerDay: 30, settlementStyle: 'mixed' },
    });
    storeId = [...emu.state.stores.keys()][0]!;
    docs = (await allPages(emu, `/stores/${storeId}/documents`)).items;
  });
  afterAll(() => emu.close());

  it('lists stores and serves one store', async () => {
    const list = await call(emu, '/stores');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toContain('application/vnd.evotor.v2+json');
    expect(list.json.items.map((s: Json) => s.id)).toEqual([storeId]);
    expect(list.json.paging).toEqual({});
    const one = await call(emu, `/stores/${storeId}`);
    expect(one.json).toMatchObject({ id: storeId, name: expect.any(String), address: expect.any(String) });
    expect((await call(emu, `/stores/${storeId.toLowerCase()}`)).status).toBe(200);
    const missing = await call(emu, '/stores/20200101-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('NOT_FOUND');
  });

  it('pages products with a cursor: every product once, the last page has no next_cursor', async () => {
    const { items, pages, raw } = await allPages(emu, `/stores/${storeId}/products`);
    const store = emu.state.store(storeId)!;
    expect(items.length).toBe(store.products.length);
    expect(new Set(items.map((p) => p.id)).size).toBe(items.length);
    expect(pages).toBe(Math.ceil(items.length / 20));
    expect(JSON.parse(raw[raw.length - 1]!).paging).toEqual({});
    const groups = items.filter((p) => p.group);
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.every((g) => g.quantity === undefined && g.type === undefined)).toBe(true);
    const services = items.filter((p) => p.type === 'SERVICE');
    expect(services.length).toBeGreaterThan(0);
    expect(services.every((p) => p.quantity === undefined && p.cost_price === undefined)).toBe(true);
    const goods = items.filter((p) => p.type === 'NORMAL');
    expect(goods.every((p) => p.quantity !== undefined && p.store_id === storeId)).toBe(true);
    const limited = await call(emu, `/stores/${storeId}/products?limit=5`);
    expect(limited.json.items.length).toBe(5);
    const groupsOnly = await allPages(emu, `/stores/${storeId}/product-groups`);
    expect(groupsOnly.items.map((g) => g.id).sort()).toEqual(groups.map((g) => g.id).sort());
  });

  it('serves one product and 404 for an unknown one', async () => {
    const store = emu.state.store(storeId)!;
    const p = store.products.find((x) => x.fields.type === 'NORMAL')!;
    const one = await call(emu, `/stores/${storeId}/products/${p.id}`);
    expect(one.status).toBe(200);
    expect(one.json.id).toBe(p.id);
    expect((await call(emu, `/stores/${storeId}/products/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('PATCH changes only quantity and returns the product', async () => {
    const store = emu.state.store(storeId)!;
    const p = store.products.find((x) => x.fields.type === 'NORMAL' && x.fields.measure_name === 'кг')!;
    const before = (await call(emu, `/stores/${storeId}/products/${p.id}`)).json;
    const patch = (body: unknown, contentType = 'application/vnd.evotor.v2+json') =>
      call(emu, `/stores/${storeId}/products/${p.id}`, { method: 'PATCH', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': contentType } });
    const a = await patch({ quantity: 12.345 });
    expect(a.status).toBe(200);
    expect(a.json.quantity).toBe(12.345);
    const { quantity: _q1, updated_at: _u1, ...restBefore } = before;
    const { quantity: _q2, updated_at: _u2, ...restAfter } = a.json;
    expect(restAfter).toEqual(restBefore);
    const b = await patch({ quantity: '-3.5' });
    expect(b.status).toBe(200);
    expect(b.json.quantity).toBe(-3.5);
    expect((await call(emu, `/stores/${storeId}/products/${p.id}`)).json.quantity).toBe(-3.5);
    expect((await patch({ quantity: '9999999.999' })).status).toBe(200);
    for (const bad of [{ quantity: 1.2345 }, { quantity: '1.2345' }, { quantity: 12345678 }, { quantity: '1,5' }, { quantity: null }, {}, { quantity: true }]) {
      const r = await patch(bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.json.violations.some((v: Json) => v.subject === 'quantity'), JSON.stringify(bad)).toBe(true);
    }
    const extra = await patch({ quantity: 1, name: 'renamed' });
    expect(extra.status).toBe(400);
    expect(extra.json.violations).toContainEqual(expect.objectContaining({ subject: 'name' }));
    expect((await patch('[1]')).status).toBe(400);
    expect((await patch('{not json')).status).toBe(400);
    expect((await patch({ quantity: 1 }, 'text/plain')).status).toBe(415);
    const service = store.products.find((x) => x.fields.type === 'SERVICE')!;
    const s = await call(emu, `/stores/${storeId}/products/${service.id}`, { method: 'PATCH', body: '{"quantity":1}', headers: { 'Content-Type': 'application/vnd.evotor.v2+json' } });
    expect(s.status).toBe(400);
    const group = store.products.find((x) => x.group)!;
    expect((await call(emu, `/stores/${storeId}/products/${group.id}`, { method: 'PATCH', body: '{"quantity":1}' })).status).toBe(404);
    const after = (await call(emu, `/stores/${storeId}/products/${p.id}`)).json;
    expect(after.name).toBe(before.name);
    expect(after.quantity).toBe(9999999.999);
  });

  it('pages documents: every document once, in close-time order, next pages carry only the cursor', async () => {
    const store = emu.state.store(storeId)!;
    expect(docs.length).toBe(store.documentCount);
    expect(new Set(docs.map((d) => d.id)).size).toBe(docs.length);
    for (let i = 1; i < docs.length; i++) expect(closeMs(docs[i]!)).toBeGreaterThanOrEqual(closeMs(docs[i - 1]!));
    const first = await call(emu, `/stores/${storeId}/documents`);
    expect(first.json.items.length).toBe(50);
    expect(typeof first.json.paging.next_cursor).toBe('string');
  });

  it('honours a smaller limit and keeps it in the cursor', async () => {
    const { items, pages } = await allPages(emu, `/stores/${storeId}/documents?limit=7&types=ACCEPT`);
    const expected = docs.filter((d) => d.type === 'ACCEPT');
    expect(items.map((d) => d.id)).toEqual(expected.map((d) => d.id));
    expect(pages).toBe(Math.ceil(expected.length / 7));
    const big = await call(emu, `/stores/${storeId}/documents?limit=100000`);
    expect(big.json.items.length).toBe(50);
  });

  it('filters by since (inclusive) and until (exclusive) in epoch ms; the cursor carries them', async () => {
    const since = closeMs(docs[100]!);
    const until = closeMs(docs[400]!);
    const { items, pages } = await allPages(emu, `/stores/${storeId}/documents?since=${since}&until=${until}`);
    const expected = docs.filter((d) => closeMs(d) >= since && closeMs(d) < until);
    expect(pages).toBeGreaterThan(1);
    expect(items.map((d) => d.id)).toEqual(expected.map((d) => d.id));
  });

  it('filters by types given repeated or comma-separated, across pages', async () => {
    const a = await allPages(emu, `/stores/${storeId}/documents?types=SELL&types=PAYBACK`);
    const b = await allPages(emu, `/stores/${storeId}/documents?types=SELL,PAYBACK`);
    expect(a.items.map((d) => d.id)).toEqual(b.items.map((d) => d.id));
    expect(a.items.map((d) => d.id)).toEqual(docs.filter((d) => d.type === 'SELL' || d.type === 'PAYBACK').map((d) => d.id));
    expect(a.pages).toBeGreaterThan(2);
    const inv = await allPages(emu, `/stores/${storeId}/documents?types=INVENTORY&since=${closeMs(docs[50]!)}`);
    expect(inv.items.every((d) => d.type === 'INVENTORY')).toBe(true);
    const none = await call(emu, `/stores/${storeId}/documents?types=OPEN_TARE`);
    expect(none.json).toEqual({ items: [], paging: {} });
  });

  it('rejects bad query parameters and foreign cursors with 400 and violations', async () => {
    const a = await call(emu, `/stores/${storeId}/documents?since=yesterday`);
    expect(a.status).toBe(400);
    expect(a.json.violations).toContainEqual(expect.objectContaining({ subject: 'since' }));
    expect((await call(emu, `/stores/${storeId}/documents?cursor=garbage`)).status).toBe(400);
    const productCursor = (await call(emu, `/stores/${storeId}/products`)).json.paging.next_cursor;
    expect((await call(emu, `/stores/${storeId}/documents?cursor=${productCursor}`)).status).toBe(400);
  });

  it('serves one document by id, identical to the listed one; 404 otherwise', async () => {
    for (const d of [docs[0]!, docs[123]!, docs[docs.length - 1]!]) {
      const one = await call(emu, `/stores/${storeId}/documents/${d.id}`);
      expect(one.status).toBe(200);
      expect(one.json).toEqual(d);
    }
    expect((await call(emu, `/stores/${storeId}/documents/6f1c1d2e-0000-4000-8000-000000000000`)).status).toBe(404);
    expect((await call(emu, `/stores/${storeId}/documents/not-an-id`)).status).toBe(404);
  });

  it('serves devices and per-device documents', async () => {
    const devices = await call(emu, `/stores/${storeId}/devices`);
    expect(devices.json.items.length).toBe(1);
    const deviceId = devices.json.items[0].id;
    const byDevice = await allPages(emu, `/stores/${storeId}/devices/${deviceId}/documents?types=SELL`);
    expect(byDevice.items.length).toBe(docs.filter((d) => d.type === 'SELL').length);
    expect((await call(emu, `/stores/${storeId}/devices/20200101-0000-0000-0000-000000000000/documents`)).status).toBe(404);
  });

  it('bulk POST/PUT replaces whole products and reports through GET /bulks/{id}', async () => {
    const store = emu.state.store(storeId)!;
    const target = store.products.find((x) => x.fields.type === 'NORMAL')!;
    const bulk = (method: string, body: unknown, contentType = 'application/vnd.evotor.v2+bulk+json') =>
      call(emu, `/stores/${storeId}/products`, { method, body: JSON.stringify(body), headers: { 'Content-Type': contentType } });
    const created = await bulk('POST', [
      { id: '11111111-1111-4111-8111-111111111111', name: 'Новый товар', type: 'NORMAL', price: 10, cost_price: 5, quantity: 3, measure_name: 'шт', tax: 'NO_VAT', allow_to_sell: true, description: '' },
      { name: 'Без типа' },
    ]);
    expect(created.status).toBe(202);
    expect(created.json.status).toBe('ACCEPTED');
    const task = await call(emu, `/bulks/${created.json.id}`);
    expect(task.status).toBe(200);
    expect(task.json.status).toBe('COMPLETED');
    expect(task.json.details[0]).toMatchObject({ id: '11111111-1111-4111-8111-111111111111', quantity: 3 });
    expect(task.json.details[1].violations).toContainEqual(expect.objectContaining({ subject: '[1].type' }));
    const replaced = await bulk('PUT', [{ id: target.id, name: 'Заменён', type: 'NORMAL', price: 1, measure_name: 'шт', tax: 'NO_VAT', allow_to_sell: true }]);
    expect(replaced.status).toBe(202);
    expect((await call(emu, `/bulks/${replaced.json.id}`)).json.status).toBe('COMPLETED');
    const after = (await call(emu, `/stores/${storeId}/products/${target.id}`)).json;
    expect(after.name).toBe('Заменён');
    expect(after.code).toBeUndefined(); // a full replace drops fields that were not sent
    expect(after.quantity).toBeUndefined(); // and the quantity too, when it is not sent
    const noId = await bulk('PUT', [{ name: 'x', type: 'NORMAL' }]);
    expect((await call(emu, `/bulks/${noId.json.id}`)).json.status).toBe('FAILED');
    expect((await bulk('POST', [{ name: 'x' }], 'application/vnd.evotor.v2+json')).status).toBe(415);
    expect((await bulk('POST', { not: 'an array' })).status).toBe(400);
    expect((await call(emu, '/bulks/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
