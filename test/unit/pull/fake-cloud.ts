/** An in-memory Evotor V2 cloud behind the EvotorClient interface, with a request log, for engine tests. */
import type { DocumentPageRequest, EvotorClient, RawPage, StoreInfo } from '../../../src/api/client.ts';
import { ApiError } from '../../../src/api/errors.ts';
import { parseCloseDate } from '../../../src/model/time.ts';

export interface FakeCloud extends EvotorClient {
  log: string[];
  /** Throws this from the n-th documentPage call (1-based) when set. */
  failAt?: { call: number; error: unknown };
  calls: number;
  /** What listStores answers: the stores this token may see. */
  stores: StoreInfo[];
  /** Document requests answered at the same time, at most (with `delayMs`). */
  maxInFlight: number;
  /** Windows refused as too long (`refuseLongerThanMs`). */
  refused: number;
}

export interface FakeCloudOptions {
  /** Each document request takes this long (lets requests overlap). */
  delayMs?: number;
  /** A first request whose window is longer than this answers 400, as a proxy with a limit might. */
  refuseLongerThanMs?: number;
}

export function fakeCloud(products: unknown[], documents: unknown[], pageSize = 3, options: FakeCloudOptions = {}): FakeCloud {
  let inFlight = 0;
  const cursors = new Map<string, { items: unknown[]; offset: number; label: string }>();
  // A cursor names its query and offset, so the same page has the same cursor in every run (tests compare logs).
  const pageOf = (items: unknown[], offset: number, label: string): RawPage => {
    const next = offset + pageSize < items.length ? `${label}+${offset + pageSize}` : null;
    if (next) cursors.set(next, { items, offset: offset + pageSize, label });
    return { items: items.slice(offset, offset + pageSize), nextCursor: next };
  };
  const cloud: FakeCloud = {
    api: 'v2',
    baseUrl: 'fake://',
    log: [],
    calls: 0,
    maxInFlight: 0,
    refused: 0,
    stores: [],
    async listStores() {
      return cloud.stores;
    },
    async productPage(_storeId, cursor, signal) {
      signal.throwIfAborted();
      cloud.log.push(`products ${cursor ?? 'first'}`);
      if (cursor) {
        const c = cursors.get(cursor)!;
        return pageOf(c.items, c.offset, c.label);
      }
      return pageOf(products, 0, 'p');
    },
    async documentPage(_storeId, request: DocumentPageRequest, signal) {
      signal.throwIfAborted();
      cloud.calls++;
      if (cloud.failAt && cloud.calls === cloud.failAt.call) throw cloud.failAt.error;
      cloud.maxInFlight = Math.max(cloud.maxInFlight, ++inFlight);
      try {
        if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
        return answer(request);
      } finally {
        inFlight--;
      }
    },
    async getDocument() {
      return null;
    },
    async setQuantities() {
      return { products: [], violations: [] };
    },
  };
  const answer = (request: DocumentPageRequest): RawPage => {
    if (request.cursor !== undefined) {
      cloud.log.push(`documents cursor=${request.cursor}`);
      const c = cursors.get(request.cursor);
      if (!c) throw new Error(`unknown cursor ${request.cursor}`);
      return pageOf(c.items, c.offset, c.label);
    }
    const { since, until } = request.window;
    // [since, until): the months it spans; a start that is not the 1st of a month is logged with its day.
    const month = (t: number) => new Date(t).toISOString().slice(0, 7);
    const start = new Date(since).toISOString();
    const from = /-01T00:00:00\.000Z$/.test(start) ? month(since) : start.slice(0, 10);
    const to = month(until - 1);
    const label = from.startsWith(to) ? from : `${from}..${to}`;
    cloud.log.push(`documents ${label}`);
    if (options.refuseLongerThanMs !== undefined && until - since > options.refuseLongerThanMs) {
      cloud.refused++;
      throw new ApiError({ code: 'bad-request', status: 400, operation: 'listDocuments', message: 'the period is too long' });
    }
    const items = documents.filter((d) => {
      const t = parseCloseDate((d as { close_date?: unknown }).close_date);
      return t === null ? since === Date.UTC(2024, 5, 1) : t >= since && t < until; // malformed dates land in June
    });
    return pageOf(items, 0, label);
  };
  return cloud;
}

/** A deterministic little store: n products, sales, acceptances and the odd inventory over six months of 2024. */
export function littleStore(n: number, seed: number, opts: { weekly?: boolean; completeInventory?: boolean } = {}) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const products = Array.from({ length: n }, (_, i) => ({ id: `p${i}`, name: `Товар ${i}`, type: 'NORMAL', quantity: 0, measure_name: 'шт' }));
  const stock = new Map(products.map((p) => [p.id, 0]));
  const documents: unknown[] = [];
  let number = 0;
  const doc = (type: string, t: number, positions: unknown[], body: Record<string, unknown> = {}) => {
    documents.push({
      id: `d${++number}`, type, number, close_date: new Date(t).toISOString().replace('Z', '+0000'),
      device_id: 'T1', store_id: 'S', time_zone_offset: 10800000, body: { positions, ...body },
    });
  };
  const start = Date.UTC(2024, 0, 2);
  for (let day = 0; day < 165; day++) {
    const t = start + day * 86_400_000;
    if (day % 30 === 0) {
      doc('ACCEPT', t + 1000, products.map((p) => {
        const before = stock.get(p.id)!;
        stock.set(p.id, before + 20);
        return { product_id: p.id, quantity: 20, initial_quantity: before };
      }));
    }
    for (const p of products) {
      const every = opts.weekly ? 7 : 40;
      if (rand() < 1 / every) {
        const before = stock.get(p.id)!;
        stock.set(p.id, before - 1);
        doc('SELL', t + 3_600_000 + Math.floor(rand() * 1000) * 1000, [{ product_id: p.id, quantity: 1, initial_quantity: before }]);
      }
    }
    if (opts.completeInventory && day === 120) {
      const listed = products.slice(0, Math.ceil(n / 2));
      doc('INVENTORY', t + 7_200_000, listed.map((p) => ({ product_id: p.id, quantity: stock.get(p.id)!, initial_quantity: stock.get(p.id)! })), { complete_inventory: true });
      for (const p of products.slice(Math.ceil(n / 2))) stock.set(p.id, 0);
    }
  }
  return { products, documents, stock };
}
