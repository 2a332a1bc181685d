/** Builders for raw V2 / V1 payloads, shaped like the reference examples (JSDK test resources, DOCAPI pos-docs). */
import type { ProductStock, StockResult } from '../../../src/stock/index.ts';

/** The row of one product, or a failed test. */
export function stock(result: StockResult, id: string): ProductStock {
  const found = result.products.find((p) => p.productId === id);
  if (!found) throw new Error(`no product ${id}`);
  return found;
}

export const DEVICE = 'DEVICE-0001';
export const TZ_MSK = 3 * 3_600_000;
export const BASE_TIME = Date.UTC(2025, 2, 12, 11, 5); // 12.03.2025 14:05 in Moscow

/** Evotor's own close_date spelling: "2025-03-12T11:05:00.000+0000". */
export function evotorDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export interface V2PositionInput {
  product_id?: string | null;
  quantity?: unknown;
  initial_quantity?: unknown;
  product_type?: string;
  product_name?: string;
  settlement_method?: unknown;
  sub_positions?: V2PositionInput[];
  [key: string]: unknown;
}

export function v2Product(id: string, extra: Record<string, unknown> = {}) {
  return {
    id, name: `Товар ${id}`, type: 'NORMAL', quantity: 0, measure_name: 'шт', price: 100, cost_price: 50,
    tax: 'NO_VAT', allow_to_sell: true, store_id: 'STORE', ...extra,
  };
}

let counter = 0;

export function v2Doc(
  type: string,
  positions: V2PositionInput[],
  options: { id?: string; time?: number; number?: number; device?: string; tz?: number | null; body?: Record<string, unknown> } = {},
) {
  counter += 1;
  return {
    type,
    id: options.id ?? `doc-${counter}`,
    extras: {},
    number: options.number ?? counter,
    close_date: evotorDate(options.time ?? BASE_TIME),
    time_zone_offset: options.tz === undefined ? TZ_MSK : options.tz,
    session_id: 'S1',
    session_number: 1,
    close_user_id: 'U1',
    device_id: options.device ?? DEVICE,
    store_id: 'STORE',
    user_id: '01-000000000000001',
    version: 'V2',
    body: { positions, ...options.body },
  };
}

/** A position line: product, quantity and stock before. */
export function line(productId: string | null, quantity: unknown, before?: unknown, extra: Partial<V2PositionInput> = {}): V2PositionInput {
  const position: V2PositionInput = { product_id: productId, quantity, product_type: 'NORMAL', product_name: `Товар ${productId}`, ...extra };
  if (before !== undefined) position.initial_quantity = before;
  return position;
}

export function v1Product(uuid: string, extra: Record<string, unknown> = {}) {
  return {
    uuid, code: '1', barCodes: [], alcoCodes: [], name: `Товар ${uuid}`, price: 100, quantity: 0, costPrice: 50,
    measureName: 'шт', tax: 'NO_VAT', allowToSell: true, description: '', articleNumber: '', parentUuid: null,
    group: false, type: 'NORMAL', alcoholByVolume: 0, alcoholProductKindCode: 0, tareVolume: 0, fields: {}, ...extra,
  };
}

export function v1Doc(
  type: string,
  positions: { uuid: string | null; quantity: unknown; balance?: unknown; transactionType?: string; extra?: Record<string, unknown> }[],
  options: { uuid?: string; time?: number; number?: number; device?: string } = {},
) {
  counter += 1;
  const date = evotorDate(options.time ?? BASE_TIME);
  return {
    type,
    uuid: options.uuid ?? `v1-doc-${counter}`,
    extras: {},
    number: options.number ?? counter,
    closeSum: '0',
    openDate: date,
    closeDate: date,
    deviceUuid: options.device ?? DEVICE,
    sessionUUID: 'S1',
    openUserCode: null,
    openUserUuid: 'U1',
    transactions: [
      { id: '1', type: 'DOCUMENT_OPEN', uuid: null, creationDate: date },
      ...positions.map((p, i) => ({
        id: String(i + 2), type: p.transactionType ?? (type === 'INVENTORY' ? 'INVENTORY' : 'REGISTER_POSITION'), uuid: null,
        quantity: p.quantity, balanceQuantity: p.balance, commodityUuid: p.uuid, commodityType: 'NORMAL', commodityCode: '1',
        commodityName: `Товар ${p.uuid}`, measureName: 'шт', price: 10, sum: 10, creationDate: date, ...p.extra,
      })),
      { id: '90', type: 'PAYMENT', sum: 10, paymentType: 'CASH', creationDate: date },
      { id: '91', type: 'DISCOUNT_POSITION', discountSum: 1, percent: 5, creationDate: date },
      { id: '99', type: 'DOCUMENT_CLOSE', quantity: 1, sum: 10, creationDate: date },
    ],
    closeUserUuid: 'U1',
    sessionNumber: '1',
    closeResultSum: '0',
  };
}

export const minutes = (n: number) => BASE_TIME + n * 60_000;

/** Deterministic shuffle (for "any input order" checks outside fast-check). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
