import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evotorDate } from '../../../src/emulator/generator/format.ts';
import { createEvotorClient } from '../../../src/api/client.ts';
import { addMonthsClamped, startEmulator, V1_MAX_PERIOD_MS, type RunningEmulator } from '../../../src/emulator/server.ts';
import { allPages, call, FIXED_END, type Json } from './helpers.ts';

const DAY = 86_400_000;
const v1 = (emu: RunningEmulator, path: string, init: RequestInit = {}) =>
  call(emu, path, { ...init, token: null, headers: { 'X-Authorization': 'v1', 'Content-Type': 'application/json', ...(init.headers ?? {}) } });

describe('emulator V1 API', () => {
  let emu: RunningEmulator;
  let storeId: string;
  const now = FIXED_END; // the emulated present starts at the end of the history (fake clock below)

  beforeAll(async () => {
    let real = 5_000_000;
    emu = await startEmulator({
      token: 'v1',
      clock: () => real++,
      v1HistoryMonths: 6,
      store: { seed: 'srv-v1', products: 30, months: 8, docsPerDay: 12, endTime: FIXED_END },
    });
    storeId = [...emu.state.stores.keys()][0]!;
  });
  afterAll(() => emu.close());
  const docsPath = (gt: number, lt: number, extra = '') =>
    `/api/v1/inventories/stores/${storeId}/documents?gtCloseDate=${encodeURIComponent(evotorDate(gt))}&ltCloseDate=${encodeURIComponent(evotorDate(lt))}${extra}`;

  it('serves one month of documents in the V1 shape, matching the V2 documents', async () => {
    const gt = now - 30 * DAY;
    const a = await v1(emu, docsPath(gt, now));
    expect(a.status).toBe(200);
    expect(Array.isArray(a.json)).toBe(true);
    const v2 = (await allPages(emu, `/stores/${storeId}/documents?since=${gt + 1}&until=${now}`, 'v1')).items;
    expect(a.json.map((d: Json) => d.uuid)).toEqual(v2.map((d) => d.id));
    const sell = a.json.find((d: Json) => d.type === 'SELL' && d.transactions.some((t: Json) => t.type === 'REGISTER_POSITION'))!;
    expect(sell).toMatchObject({ uuid: expect.any(String), deviceUuid: expect.any(String), closeDate: expect.stringMatching(/\+0000$/), number: expect.any(Number), storeUuid: storeId });
    const reg = sell.transactions.find((t: Json) => t.type === 'REGISTER_POSITION');
    expect(reg).toHaveProperty('commodityUuid');
    expect(reg).toHaveProperty('balanceQuantity');
    expect(reg.quantity).toBeGreaterThan(0);
  });

  it('writes PAYBACK and BUY quantities negative, others positive; INVENTORY as INVENTORY transactions', async () => {
    const all: Json[] = [];
    for (let lt = now; lt > now - 150 * DAY; lt -= 30 * DAY) all.push(...(await v1(emu, docsPath(lt - 30 * DAY, lt))).json);
    const regs = (type: string) => all.filter((d) => d.type === type).flatMap((d) => d.transactions.filter((t: Json) => t.type === 'REGISTER_POSITION' || t.type === 'INVENTORY'));
    expect(regs('PAYBACK').length).toBeGreaterThan(0);
    expect(regs('PAYBACK').every((t) => t.quantity < 0)).toBe(true);
    expect(regs('BUY').every((t) => t.quantity < 0)).toBe(true);
    expect(regs('SELL').every((t) => t.quantity > 0)).toBe(true);
    expect(regs('ACCEPT').every((t) => t.quantity > 0)).toBe(true);
    expect(regs('INVENTORY').every((t) => t.type === 'INVENTORY')).toBe(true);
    const payback = all.find((d) => d.type === 'PAYBACK')!;
    expect(payback.transactions[0].baseDocumentUUID).toEqual(expect.any(String));
  });

  it('filters by types (comma-separated) and device', async () => {
    const a = await v1(emu, docsPath(now - 30 * DAY, now, '&types=SELL,ACCEPT'));
    expect(a.json.length).toBeGreaterThan(0);
    expect(a.json.every((d: Json) => d.type === 'SELL' || d.type === 'ACCEPT')).toBe(true);
    const device = a.json[0].deviceUuid;
    expect((await v1(emu, docsPath(now - 30 * DAY, now, `&deviceUuid=${device}`))).json.length).toBeGreaterThan(0);
  });

  it('without dates returns the last month', async () => {
    const a = await v1(emu, `/api/v1/inventories/stores/${storeId}/documents`);
    expect(a.status).toBe(200);
    const times = a.json.map((d: Json) => Date.parse(d.closeDate.replace('+0000', 'Z')));
    expect(Math.min(...times)).toBeGreaterThan(now - 32 * DAY);
  });

  it('one month is ltCloseDate − gtCloseDate ≤ 31 days, whatever the months (no roll-over, no short February)', async () => {
    expect(V1_MAX_PERIOD_MS).toBe(31 * DAY);
    const edges: [string, string, number][] = [
      // from 31 January: up to 3 March exactly (31 days), not a millisecond more
      ['2025-01-31T00:00:00.000Z', '2025-03-03T00:00:00.000Z', 200],
      ['2025-01-31T00:00:00.000Z', '2025-03-03T00:00:00.001Z', 400],
      // from 28 February: up to 31 March (31 days), not only to 28 March
      ['2025-02-28T00:00:00.000Z', '2025-03-31T00:00:00.000Z', 200],
      ['2025-02-28T00:00:00.000Z', '2025-04-01T00:00:00.000Z', 400],
      ['2025-04-30T12:00:00.000Z', '2025-05-31T12:00:00.000Z', 200],
      ['2025-04-30T12:00:00.000Z', '2025-05-31T12:00:00.001Z', 400],
    ];
    for (const [gt, lt, status] of edges) {
      const a = await v1(emu, docsPath(Date.parse(gt), Date.parse(lt)));
      expect(a.status, `${gt} .. ${lt}`).toBe(status);
      if (status === 400) expect(a.json.errors[0]).toMatchObject({ subject: 'ltCloseDate', reason: expect.stringMatching(/31 days/) });
      else expect(a.json.length).toBeGreaterThan(0);
    }
    // one date only: ltCloseDate alone means the 31 days before it; gtCloseDate alone means from it to now
    const lt = now - 10 * DAY;
    const onlyLt = await v1(emu, `/api/v1/inventories/stores/${storeId}/documents?ltCloseDate=${encodeURIComponent(evotorDate(lt))}`);
    const times = (onlyLt.json as Json[]).map((d) => Date.parse(d.closeDate.replace('+0000', 'Z')));
    expect(Math.min(...times)).toBeGreaterThan(lt - 31 * DAY);
    expect(Math.min(...times)).toBeLessThan(lt - 30 * DAY);
    expect(Math.max(...times)).toBeLessThan(lt);
    const onlyGt = (gt: number) => v1(emu, `/api/v1/inventories/stores/${storeId}/documents?gtCloseDate=${encodeURIComponent(evotorDate(gt))}`);
    expect((await onlyGt(now - 20 * DAY)).status).toBe(200);
    expect((await onlyGt(now - 32 * DAY)).status).toBe(400);
  });

  it('the history limit counts calendar months clamped to the month end (31 August − 6 months = 28 February)', async () => {
    expect(addMonthsClamped(Date.parse('2025-08-31T12:34:56.789Z'), -6)).toBe(Date.parse('2025-02-28T12:34:56.789Z'));
    expect(addMonthsClamped(Date.parse('2024-01-31T00:00:00.000Z'), 1)).toBe(Date.parse('2024-02-29T00:00:00.000Z'));
    expect(addMonthsClamped(Date.parse('2025-03-31T23:00:00.000Z'), -1)).toBe(Date.parse('2025-02-28T23:00:00.000Z'));
    expect(addMonthsClamped(Date.parse('2025-12-15T08:00:00.000Z'), 1)).toBe(Date.parse('2026-01-15T08:00:00.000Z'));
    const end = Date.parse('2025-08-31T12:00:00.000Z');
    const aug = await startEmulator({ token: 'v1', clock: () => 0, store: { seed: 'v1-aug', products: 5, days: 1, docsPerDay: 5, endTime: end } });
    try {
      const id = [...aug.state.stores.keys()][0]!;
      const ask = (gt: number) => call(aug, `/api/v1/inventories/stores/${id}/documents?gtCloseDate=${encodeURIComponent(evotorDate(gt))}&ltCloseDate=${encodeURIComponent(evotorDate(gt + 20 * DAY))}`, { token: null, headers: { 'X-Authorization': 'v1' } });
      const oldest = Date.parse('2025-02-27T12:00:00.000Z'); // 28 February 12:00, less the day of grace
      expect((await ask(oldest)).status).toBe(200);
      const old = await ask(oldest - 1);
      expect(old.status).toBe(400);
      expect(old.json.errors[0].subject).toBe('gtCloseDate');
    } finally {
      await aug.close();
    }
  });

  it("answers the API client's own V1 requests: stores/search with X-Authorization, and its document windows", async () => {
    const seen: { method: string; url: string; headers: Headers }[] = [];
    const client = createEvotorClient({
      api: 'v1', token: 'v1', baseUrl: emu.url,
      fetch: (input, init) => {
        const request = new Request(input, init);
        seen.push({ method: request.method, url: request.url, headers: request.headers });
        return fetch(request);
      },
    });
    const stores = await client.listStores(AbortSignal.timeout(5_000));
    expect(stores).toEqual([{ id: storeId, name: emu.state.store(storeId)!.name, address: emu.state.store(storeId)!.gen.address }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url).toBe(`${emu.url}/api/v1/inventories/stores/search`);
    expect(seen[0]!.headers.get('x-authorization')).toBe('v1');
    expect(seen[0]!.headers.get('authorization')).toBeNull();
    // the raw answer is the V1 store shape
    const raw = await v1(emu, '/api/v1/inventories/stores/search');
    expect(raw.json).toEqual([{ uuid: storeId, name: stores[0]!.name, address: stores[0]!.address }]);

    // its documents: a 40-day window in ≤ 16-day parts, ends widened by 1 ms; the same documents as V2
    const window = { since: now - 40 * DAY, until: now - 1 };
    const page = await client.documentPage(storeId, { window }, AbortSignal.timeout(10_000));
    expect(seen.length).toBe(1 + 3);
    const v2 = (await allPages(emu, `/stores/${storeId}/documents?since=${window.since}&until=${window.until + 1}`, 'v1')).items;
    expect((page.items as Json[]).map((d) => d.uuid)).toEqual(v2.map((d) => d.id));
  });

  it('refuses a period over one month with 400 and errors[]', async () => {
    const a = await v1(emu, docsPath(now - 40 * DAY, now));
    expect(a.status).toBe(400);
    expect(a.json.errors[0]).toMatchObject({ code: expect.any(Number), reason: expect.stringMatching(/month/) });
    expect((await v1(emu, docsPath(now - 20 * DAY, now - 25 * DAY))).status).toBe(400);
    expect((await v1(emu, `/api/v1/inventories/stores/${storeId}/documents?gtCloseDate=yesterday`)).status).toBe(400);
  });

  it('refuses documents older than the history limit', async () => {
    const old = await v1(emu, docsPath(now - 200 * DAY, now - 180 * DAY));
    expect(old.status).toBe(400);
    expect(old.json.errors[0].subject).toBe('gtCloseDate');
    expect(old.json.errors[0].reason).toMatch(/6 months/);
    const recentEnough = await v1(emu, docsPath(now - 170 * DAY, now - 150 * DAY));
    expect(recentEnough.status).toBe(200);
  });

  it('the history limit is configurable', async () => {
    const longer = await startEmulator({ token: 'v1', v1HistoryMonths: 12, clock: () => 0, store: { seed: 'srv-v1', products: 30, months: 8, docsPerDay: 12, endTime: FIXED_END } });
    try {
      const id = [...longer.state.stores.keys()][0]!;
      const a = await call(longer, `/api/v1/inventories/stores/${id}/documents?gtCloseDate=${encodeURIComponent(evotorDate(now - 200 * DAY))}&ltCloseDate=${encodeURIComponent(evotorDate(now - 180 * DAY))}`, { token: null, headers: { 'X-Authorization': 'v1' } });
      expect(a.status).toBe(200);
      expect(a.json.length).toBeGreaterThan(0);
    } finally {
      await longer.close();
    }
  });

  it('lists stores and devices (stores/search, devices/search)', async () => {
    const stores = await v1(emu, '/api/v1/inventories/stores/search');
    expect(stores.status).toBe(200);
    expect(stores.json).toEqual([{ uuid: storeId, name: expect.any(String), address: expect.any(String) }]);
    const devices = await v1(emu, '/api/v1/inventories/devices/search');
    expect(devices.json[0]).toMatchObject({ uuid: expect.any(String), storeUuid: storeId });
  });

  it('accepts plain dates (YYYY-MM-DD) too', async () => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const a = await v1(emu, `/api/v1/inventories/stores/${storeId}/documents?gtCloseDate=${day(now - 20 * DAY)}&ltCloseDate=${day(now - 5 * DAY)}`);
    expect(a.status).toBe(200);
    expect(a.json.length).toBeGreaterThan(0);
  });

  it('401 in the V1 error shape', async () => {
    const a = await call(emu, `/api/v1/inventories/stores/${storeId}/products`, { token: null, headers: { 'X-Authorization': 'nope' } });
    expect(a.status).toBe(401);
    expect(a.json.errors[0].code).toBe(1001);
  });

  it('GET products in the V1 shape', async () => {
    const a = await v1(emu, `/api/v1/inventories/stores/${storeId}/products`);
    expect(a.status).toBe(200);
    const p = a.json.find((x: Json) => x.type === 'NORMAL');
    expect(p).toMatchObject({ uuid: expect.any(String), name: expect.any(String), group: false, measureName: expect.any(String) });
    expect(a.json.some((x: Json) => x.group === true)).toBe(true);
  });

  it('POST products replaces whole products and reports violations in headers', async () => {
    const list = (await v1(emu, `/api/v1/inventories/stores/${storeId}/products`)).json as Json[];
    const target = list.find((x) => x.type === 'NORMAL' && x.articleNumber === undefined && x.code)!;
    const body = [
      { uuid: target.uuid, name: 'Заменён полностью', type: 'NORMAL', quantity: '7.5', measureName: 'кг', price: 12.5 },
      { uuid: 'not-a-uuid', name: 'x', type: 'NORMAL' },
      { uuid: '22222222-2222-4222-8222-222222222222', name: 'Новый', type: 'NORMAL', quantity: 1.23456 },
      { uuid: '33333333-3333-4333-8333-333333333333', name: 'Новый 2', type: 'SERVICE' },
      { uuid: '33333333-3333-4333-8333-333333333333', name: 'Дубль', type: 'SERVICE' },
    ];
    const a = await v1(emu, `/api/v1/inventories/stores/${storeId}/products`, { method: 'POST', body: JSON.stringify(body) });
    expect(a.status).toBe(200);
    expect(a.text).toBe('');
    expect(a.headers.get('x-products-violations-count')).toBe('3');
    const violations = JSON.parse(a.headers.get('x-products-violations')!);
    expect(violations.map((v: Json) => v.subject)).toEqual(['[1].uuid', '[2].quantity', '[4].uuid']);
    const after = (await v1(emu, `/api/v1/inventories/stores/${storeId}/products`)).json as Json[];
    const replaced = after.find((x) => x.uuid === target.uuid)!;
    expect(replaced.name).toBe('Заменён полностью');
    expect(replaced.quantity).toBe(7.5);
    expect(replaced.code).toBeUndefined(); // not sent, so gone
    expect(after.some((x) => x.uuid === '22222222-2222-4222-8222-222222222222')).toBe(false);
    expect(after.find((x) => x.uuid === '33333333-3333-4333-8333-333333333333')?.name).toBe('Новый 2');
    const v2 = await call(emu, `/stores/${storeId}/products/${target.uuid}`, { token: 'v1' });
    expect(v2.json.measure_name).toBe('кг');
    expect((await v1(emu, `/api/v1/inventories/stores/${storeId}/products`, { method: 'POST', body: '{"not":"array"}' })).status).toBe(400);
  });

  it('refuses to delete all products with an empty array; deletes listed ones', async () => {
    const empty = await v1(emu, `/api/v1/inventories/stores/${storeId}/products/delete`, { method: 'POST', body: '[]' });
    expect(empty.status).toBe(400);
    expect(empty.json.errors[0].reason).toMatch(/all products/i);
    expect(emu.state.store(storeId)!.products.length).toBeGreaterThan(10);
    const del = await v1(emu, `/api/v1/inventories/stores/${storeId}/products/delete`, { method: 'POST', body: JSON.stringify([{ uuid: '33333333-3333-4333-8333-333333333333' }]) });
    expect(del.status).toBe(200);
    expect(emu.state.store(storeId)!.product('33333333-3333-4333-8333-333333333333')).toBeUndefined();
  });
});
