/**
 * An in-memory Evotor Cloud behind src/api's EvotorClient interface, for the write-back's unit tests:
 * products with quantities, documents, a log of every write, and hooks to fail or delay writes.
 */
import type { DocumentPageRequest, EvotorClient, QuantityChange, RawPage, SetQuantitiesResult, StoreInfo } from '../../../src/api/client.ts';
import { ApiError } from '../../../src/api/errors.ts';
import { formatQuantity, milli } from '../../../src/model/quantity.ts';
import type { ApiVersion } from '../../../src/model/types.ts';

export const STORE = '20240101-AAAA-4BBB-8CCC-000000000001';

export interface WriteLog {
  productId: string;
  quantity: string;
  at: number;
}

export class FakeCloud {
  /** Raw products by id, V2 (snake_case) or V1 (camelCase) shape depending on api. */
  products = new Map<string, Record<string, unknown>>();
  documents: Record<string, unknown>[] = [];
  writes: WriteLog[] = [];
  posts = 0;
  /** Called before each product write is applied; throw to fail it. */
  beforeWrite: ((productId: string, index: number) => void | Promise<void>) | null = null;
  /** Quantities in the answer of a PATCH are replaced by this when set (to test mismatches). */
  answerOverride = new Map<string, number>();
  violations: string[] = [];
  documentRequests = 0;
  /** Stores whose document requests answer 404 (a store removed meanwhile). */
  goneStores = new Set<string>();
  productReads = 0;
  /** What listStores answers. */
  stores: StoreInfo[] = [{ id: STORE, name: 'Магазин', address: null }];

  constructor(readonly api: ApiVersion = 'v2') {}

  addProduct(id: string, quantity: number | null, extra: Record<string, unknown> = {}): void {
    if (this.api === 'v2') this.products.set(id, { id, name: `Товар ${id.slice(0, 4)}`, code: id.slice(0, 3), type: 'NORMAL', ...(quantity === null ? {} : { quantity }), ...extra });
    else this.products.set(id, { uuid: id, name: `Товар ${id.slice(0, 4)}`, code: id.slice(0, 3), type: 'NORMAL', group: false, price: 10.5, measureName: 'шт', tax: 'NO_VAT', ...(quantity === null ? {} : { quantity }), ...extra });
  }

  quantity(id: string): number | undefined {
    return this.products.get(id)?.['quantity'] as number | undefined;
  }

  /** A V2 SELL (or other type) closed at `closeTime`, selling `quantity` of `productId`. */
  addDocument(type: string, closeTime: number, lines: { productId: string; quantity: number; stockBefore?: number; settlement?: string }[], extra: Record<string, unknown> = {}): string {
    const id = `doc-${this.documents.length + 1}`;
    if (this.api === 'v2') {
      this.documents.push({
        id, type, number: this.documents.length + 1, close_date: new Date(closeTime).toISOString(), device_id: 'dev-1', store_id: STORE,
        body: { positions: lines.map((l) => ({ product_id: l.productId, quantity: l.quantity, initial_quantity: l.stockBefore ?? 0, product_type: 'NORMAL', ...(l.settlement ? { settlement_method: { type: l.settlement } } : {}) })), ...extra },
      });
    } else {
      this.documents.push({
        uuid: id, type, number: this.documents.length + 1, closeDate: new Date(closeTime).toISOString().replace('Z', '+0000'), deviceUuid: 'dev-1', storeUuid: STORE,
        transactions: lines.map((l) => ({ type: 'REGISTER_POSITION', commodityUuid: l.productId, quantity: l.quantity, balanceQuantity: l.stockBefore ?? 0 })),
        ...extra,
      });
    }
    return id;
  }

  /** A sale that also lowers the cloud's quantity, as a terminal does. */
  sell(productId: string, quantity: number, closeTime: number): string {
    const q = this.quantity(productId) ?? 0;
    const id = this.addDocument('SELL', closeTime, [{ productId, quantity, stockBefore: q }]);
    this.products.get(productId)!['quantity'] = Number(formatQuantity(milli(Math.round(q * 1000) - Math.round(quantity * 1000))));
    return id;
  }

  client(hooks?: { fetch: typeof fetch }): EvotorClient {
    void hooks;
    const cloud = this;
    const api = this.api;
    const closeOf = (d: Record<string, unknown>) => Date.parse(String(api === 'v2' ? d['close_date'] : String(d['closeDate']).replace('+0000', 'Z')));
    return {
      api,
      baseUrl: 'fake://',
      async listStores(): Promise<StoreInfo[]> {
        return structuredClone(cloud.stores);
      },
      async productPage(_storeId: string, cursor: string | null, signal: AbortSignal): Promise<RawPage> {
        signal.throwIfAborted();
        cloud.productReads += 1;
        const all = [...cloud.products.values()].map((p) => structuredClone(p));
        if (api === 'v1') return { items: all, nextCursor: null };
        const start = cursor ? Number(cursor) : 0;
        const next = start + 100 < all.length ? String(start + 100) : null;
        return { items: all.slice(start, start + 100), nextCursor: next };
      },
      async documentPage(storeId: string, request: DocumentPageRequest, signal: AbortSignal): Promise<RawPage> {
        signal.throwIfAborted();
        if (cloud.goneStores.has(storeId)) {
          throw new ApiError({ code: 'not-found', status: 404, operation: 'listDocuments', params: { resource: `store ${storeId}` }, message: `404 on listDocuments: store ${storeId} not found` });
        }
        cloud.documentRequests += 1;
        if (!request.window) return { items: [], nextCursor: null };
        const { since, until } = request.window;
        return { items: cloud.documents.filter((d) => closeOf(d) >= since && closeOf(d) <= until).map((d) => structuredClone(d)), nextCursor: null };
      },
      async getDocument(): Promise<unknown> {
        throw new Error('not used');
      },
      async setQuantities(_storeId: string, changes: QuantityChange[], signal: AbortSignal): Promise<SetQuantitiesResult> {
        signal.throwIfAborted();
        const products: unknown[] = [];
        if (api === 'v1') cloud.posts += 1;
        for (const [index, change] of changes.entries()) {
          const product = cloud.products.get(change.productId);
          if (!product) {
            throw new ApiError({ code: 'not-found', status: 404, operation: 'setQuantity', params: { resource: `product ${change.productId}` }, message: `404 on setQuantity: product ${change.productId} not found` });
          }
          await cloud.beforeWrite?.(change.productId, index);
          signal.throwIfAborted();
          const quantity = Number(formatQuantity(change.quantity));
          cloud.writes.push({ productId: change.productId, quantity: formatQuantity(change.quantity), at: Date.now() });
          if (!cloud.violations.some((v) => v.includes(change.productId))) product['quantity'] = quantity;
          const answer = structuredClone(product);
          if (cloud.answerOverride.has(change.productId)) answer['quantity'] = cloud.answerOverride.get(change.productId);
          products.push(answer);
        }
        return { products, violations: api === 'v1' ? cloud.violations : [] };
      },
    };
  }
}

/** A product id that sorts predictably: p(1) = '00000000-0000-4000-8000-000000000001'. */
export function p(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

let counter = 0;
/** A fresh journal database name per test (fake-indexeddb keeps databases for the whole file). */
export function freshName(): string {
  counter += 1;
  return `journal-test-${counter}-${Math.random().toString(36).slice(2)}`;
}
