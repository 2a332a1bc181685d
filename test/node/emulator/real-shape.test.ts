/**
 * The emulator speaks like the real cloud by default (evotor-api.md §10): Evotor's settlement names on every receipt
 * line, prepaid orders and credit as two receipts, every position field of the 2025 documents, created_at, the
 * documents query's [since, until) and type filter, pages of up to 1,000.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { computeStock, EVOTOR_NAMES } from '../../../src/stock/index.ts';
import { allPages, call, q, type Json } from './helpers.ts';

const STORE = { seed: 'real-shape', products: 60, terminals: 2, days: 60, docsPerDay: 60, offline: [{ terminal: 1, from: '2025-06-10T06:00:00Z', to: '2025-06-12T18:00:00Z' }] };
const RECEIPTS = new Set(['SELL', 'PAYBACK', 'BUY', 'BUYBACK']);
/** Every position field of the 2025 documents (§10 "Document and position shape today"). */
const FIELDS_2025 = [
  'quantity_in_package', 'bar_code', 'product_type', 'mark', 'mark_data', 'alcohol_by_volume', 'alcohol_product_kind_code', 'tare_volume',
  'code', 'product_name', 'measure_name', 'id', 'uuid', 'extra_keys', 'sub_positions', 'measure_precision', 'price', 'cost_price',
  'result_price', 'sum', 'tax', 'result_sum', 'position_discount', 'doc_distributed_discount', 'print_group_id', 'splitted_positions',
  'attributes_choices', 'settlement_method', 'agent_requisites',
];
const ms = (date: string) => Date.parse(date.replace('+0000', 'Z'));

describe('the emulator by default: documents in the real cloud\'s shape', () => {
  let emu: RunningEmulator;
  let storeId: string;
  let docs: Json[];
  let products: Json[];

  beforeAll(async () => {
    emu = await startEmulator({ token: 'rs', rateLimit: null, storeList: [STORE] });
    storeId = [...emu.state.stores.keys()][0]!;
    docs = (await allPages(emu, `/stores/${storeId}/documents`)).items;
    products = (await allPages(emu, `/stores/${storeId}/products`)).items;
  }, 60_000);
  afterAll(() => emu.close());

  it('every receipt line carries one of Evotor\'s seven names; ordinary lines CHECKOUT_FULL with amount null', () => {
    const seen = new Map<string, number>();
    for (const doc of docs.filter((d) => RECEIPTS.has(d.type))) {
      for (const p of doc.body.positions) {
        const type = p.settlement_method?.type;
        expect(EVOTOR_NAMES.has(type), `${doc.id} ${String(type)}`).toBe(true);
        seen.set(type, (seen.get(type) ?? 0) + 1);
        if (type !== 'CHECKOUT_PARTIAL' && type !== 'PREPAYMENT_PARTIAL') expect(p.settlement_method.amount).toBeNull();
      }
    }
    expect([...seen.keys()].sort()).toEqual([...EVOTOR_NAMES.keys()].sort());
    expect(seen.get('CHECKOUT_FULL')!).toBeGreaterThan(0.8 * [...seen.values()].reduce((a, b) => a + b, 0));
  });

  it('a prepaid order: PREPAYMENT_* or ADVANCE lines, later a CHECKOUT_FULL sale paid by an ADVANCE payment «По предоплате»', () => {
    const finals = docs.filter((d) => d.type === 'SELL' && d.body.payments.some((p: Json) => p.type === 'ADVANCE'));
    expect(finals.length).toBeGreaterThan(5);
    for (const doc of finals) {
      expect(doc.body.positions.every((p: Json) => p.settlement_method.type === 'CHECKOUT_FULL')).toBe(true);
      expect(doc.body.payments.find((p: Json) => p.type === 'ADVANCE').app_info).toEqual({ name: 'По предоплате' });
    }
    const prepaid = docs.filter((d) => d.type === 'SELL' && d.body.positions.some((p: Json) => ['PREPAYMENT_FULL', 'PREPAYMENT_PARTIAL', 'ADVANCE'].includes(p.settlement_method?.type)));
    expect(prepaid.length).toBeGreaterThan(5);
    // Each final receipt sells what an earlier prepaid receipt listed.
    const key = (d: Json) => d.body.positions.map((p: Json) => `${p.product_id}:${q(p.quantity)}`).join(',');
    const earlier = new Map<string, number>();
    for (const d of prepaid) earlier.set(key(d), Math.min(earlier.get(key(d)) ?? Infinity, ms(d.close_date)));
    expect(finals.filter((d) => (earlier.get(key(d)) ?? Infinity) < ms(d.close_date)).length).toBe(finals.length);
  });

  it('credit: CREDIT_PASS, then later CREDIT_CHECKOUT for the same goods', () => {
    const passes = docs.filter((d) => d.type === 'SELL' && ['CREDIT_PASS', 'CHECKOUT_PARTIAL'].includes(d.body.positions[0]?.settlement_method?.type));
    const checkouts = docs.filter((d) => d.type === 'SELL' && d.body.positions[0]?.settlement_method?.type === 'CREDIT_CHECKOUT');
    expect(passes.length).toBeGreaterThan(5);
    expect(checkouts.length).toBeGreaterThan(5);
  });

  it('positions have every field of the 2025 documents; free-price lines have no product_id', () => {
    let free = 0;
    const missing: string[] = [];
    for (const doc of docs.filter((d) => RECEIPTS.has(d.type) || d.type === 'ACCEPT' || d.type === 'WRITE_OFF')) {
      for (const p of doc.body.positions) {
        for (const field of FIELDS_2025) if (!(field in p)) missing.push(`${doc.type} ${doc.id} ${field}`);
        if (p.product_name === 'Товар по свободной цене') {
          free++;
          expect(p.product_id === undefined || p.product_id === '390067bf-e8d3-4fcc-8c30-fbfd77a0a70d').toBe(true);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(free).toBeGreaterThan(0);
    expect(docs.some((d) => (d.body.positions ?? []).some((p: Json) => p.product_name === 'Товар по свободной цене' && !('product_id' in p)))).toBe(true);
  });

  it('created_at is a few seconds after close_date, and hours or days later for a terminal that was offline', () => {
    const offlineFrom = Date.parse(STORE.offline[0]!.from);
    const offlineTo = Date.parse(STORE.offline[0]!.to);
    const device1 = docs.find((d) => d.device_id !== docs[0]!.device_id)!.device_id;
    let late = 0;
    for (const doc of docs) {
      const delay = ms(doc.created_at) - ms(doc.close_date);
      expect(doc.counterparties).toBeNull();
      const closed = ms(doc.close_date);
      if (doc.device_id === device1 && closed >= offlineFrom && closed < offlineTo) {
        expect(ms(doc.created_at)).toBeGreaterThanOrEqual(offlineTo);
        late++;
      } else {
        expect(delay).toBeGreaterThanOrEqual(1000);
        expect(delay).toBeLessThan(10_000);
      }
    }
    expect(late).toBeGreaterThan(10);
  });

  it('the app reads it all: nothing quarantined, Evotor\'s seven names seen, not one unknown settlement method', async () => {
    const result = computeStock({ api: 'v2', products, documents: docs });
    expect(result.quarantined).toEqual([]);
    expect(result.settlementValues.map((v) => v.raw).sort()).toEqual([...EVOTOR_NAMES.keys()].sort());
    expect(result.settlementValues.filter((v) => v.kind === 'unknown')).toEqual([]);
    for (const product of result.products) expect(product.warnings.map((w) => w.code)).not.toContain('UNKNOWN_SETTLEMENT_METHOD');
  });

  // evotor-api.md §10 (DOCSRC rest_documents): since inclusive, until exclusive; type=A,B; up to 1,000 per page.
  it('serves [since, until) windows that tile time, the type filter as type=A,B, pages of up to 1,000', async () => {
    const times = docs.map((d) => ms(d.close_date));
    const cut = times[Math.floor(times.length / 2)]!;
    const before = (await allPages(emu, `/stores/${storeId}/documents?since=0&until=${cut}`)).items;
    const after = (await allPages(emu, `/stores/${storeId}/documents?since=${cut}&until=${Date.now()}`)).items;
    expect(before.every((d) => ms(d.close_date) < cut)).toBe(true);
    expect(after.some((d) => ms(d.close_date) === cut)).toBe(true);
    expect(before.length + after.length).toBe(docs.length);
    const first = await call(emu, `/stores/${storeId}/documents`);
    expect(first.json.items.length).toBe(1000);
    const sells = (await allPages(emu, `/stores/${storeId}/documents?type=SELL,PAYBACK`)).items;
    expect(new Set(sells.map((d) => d.type))).toEqual(new Set(['SELL', 'PAYBACK']));
    expect(sells.length).toBe(docs.filter((d) => d.type === 'SELL' || d.type === 'PAYBACK').length);
  });
});
