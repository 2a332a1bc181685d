/**
 * One in-memory Evotor Cloud behind src/api's EvotorClient interface, for the unit tests of the pull, the worker's
 * service and the write-back (tests that need real HTTP use the emulator, src/emulator).
 *
 * It serves what it holds as the client contract says: V2 products and documents in pages of `pageSize` with
 * cursors, documents of a window `[since, until)`; V1 everything in one page (V1 has no paging). Every answer is a
 * copy. It records what was asked (`log`, counters) and written (`writes`), and has hooks to fail, delay or refuse.
 */
import type { DocumentPageRequest, EvotorClient, QuantityChange, RawPage, SetQuantitiesResult, StoreInfo } from '../../src/api/client.ts';
import { ApiError } from '../../src/api/errors.ts';
import { formatQuantity, milli } from '../../src/model/quantity.ts';
import { parseCloseDate } from '../../src/model/time.ts';
import type { ApiVersion } from '../../src/model/types.ts';

export const STORE = '20240101-AAAA-4BBB-8CCC-000000000001';

/** A product id that sorts predictably: p(1) = '00000000-0000-4000-8000-000000000001'. */
export function p(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** A document whose close date cannot be read is served in the window that starts here (so malformed ones are pulled). */
const UNREADABLE_DATES_SINCE = Date.UTC(2024, 5, 1);

export interface FakeCloudOptions {
  /** V2 products and documents per page (default 100). */
  pageSize?: number;
  /** Each document request takes this long (lets requests overlap). */
  delayMs?: number;
  /** A first request whose window is longer than this answers 400, as a proxy with a limit might. */
  refuseLongerThanMs?: number;
}

export interface WriteLog {
  productId: string;
  quantity: string;
  at: number;
}

type Raw = Record<string, unknown>;

export class FakeCloud implements EvotorClient {
  readonly baseUrl = 'fake://';
  /** Raw products by id, V2 (snake_case) or V1 (camelCase) shape depending on api. */
  products = new Map<string, Raw>();
  /** Raw documents, in any order; malformed ones too. */
  documents: Raw[] = [];
  /** What listStores answers: the stores this token may see. */
  stores: StoreInfo[] = [{ id: STORE, name: 'Магазин', address: null }];
  /** Stores whose document requests answer 404 (a store removed meanwhile). */
  goneStores = new Set<string>();

  /** Product and document requests as `products <cursor|first>`, `documents <months>`, `documents cursor=<c>`. */
  log: string[] = [];
  documentRequests = 0;
  productReads = 0;
  /** Document requests answered at the same time, at most (with `delayMs`). */
  maxInFlight = 0;
  /** Windows refused as too long (`refuseLongerThanMs`). */
  refused = 0;
  /** Throws this from the n-th document request (1-based) when set. */
  failAt?: { call: number; error: unknown };

  /** Every product write, in order. */
  writes: WriteLog[] = [];
  /** V1 POSTs sent. */
  posts = 0;
  /** Called before each product write is applied; throw to fail it. */
  beforeWrite: ((productId: string, index: number) => void | Promise<void>) | null = null;
  /** Quantities in the answer of a write are replaced by this when set (to test mismatches). */
  answerOverride = new Map<string, number>();
  /** V1 X-Products-Violations to answer; a product named in one is not changed. */
  violations: string[] = [];

  private readonly pageSize: number;
  private inFlight = 0;
  private readonly cursors = new Map<string, { items: unknown[]; offset: number; label: string }>();

  constructor(readonly api: ApiVersion = 'v2', private readonly options: FakeCloudOptions = {}) {
    this.pageSize = options.pageSize ?? 100;
  }

  // ------------------------------------------------------------------------------------------ what the cloud holds

  addProduct(id: string, quantity: number | null, extra: Raw = {}): void {
    const q = quantity === null ? {} : { quantity };
    if (this.api === 'v2') this.products.set(id, { id, name: `Товар ${id.slice(0, 4)}`, code: id.slice(0, 3), type: 'NORMAL', ...q, ...extra });
    else this.products.set(id, { uuid: id, name: `Товар ${id.slice(0, 4)}`, code: id.slice(0, 3), type: 'NORMAL', group: false, price: 10.5, measureName: 'шт', tax: 'NO_VAT', ...q, ...extra });
  }

  quantity(id: string): number | undefined {
    return this.products.get(id)?.['quantity'] as number | undefined;
  }

  /** A document of `type` closed at `closeTime` with these lines (V2 positions or V1 transactions); returns its id. */
  addDocument(type: string, closeTime: number, lines: { productId: string; quantity: number; stockBefore?: number; settlement?: string }[], extra: Raw = {}): string {
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

  // ------------------------------------------------------------------------------------------ the client

  /** A client of its own (a plain object: a test may spread it and replace a method); the cloud itself is one too. */
  client(): EvotorClient {
    return {
      api: this.api,
      baseUrl: this.baseUrl,
      listStores: (signal) => this.listStores(signal),
      productPage: (storeId, cursor, signal) => this.productPage(storeId, cursor, signal),
      documentPage: (storeId, request, signal) => this.documentPage(storeId, request, signal),
      getDocument: (storeId, documentId, signal) => this.getDocument(storeId, documentId, signal),
      setQuantities: (storeId, changes, signal) => this.setQuantities(storeId, changes, signal),
    };
  }

  async listStores(_signal?: AbortSignal): Promise<StoreInfo[]> {
    return structuredClone(this.stores);
  }

  async productPage(_storeId: string, cursor: string | null, signal: AbortSignal): Promise<RawPage> {
    signal.throwIfAborted();
    this.productReads += 1;
    this.log.push(`products ${cursor ?? 'first'}`);
    if (cursor) return this.nextPage(cursor);
    const all = [...this.products.values()];
    return this.api === 'v1' ? { items: structuredClone(all), nextCursor: null } : this.pageOf(all, 0, 'p');
  }

  async documentPage(storeId: string, request: DocumentPageRequest, signal: AbortSignal): Promise<RawPage> {
    signal.throwIfAborted();
    this.documentRequests += 1;
    if (this.failAt && this.documentRequests === this.failAt.call) throw this.failAt.error;
    if (this.goneStores.has(storeId)) {
      throw new ApiError({ code: 'not-found', status: 404, operation: 'listDocuments', params: { resource: `store ${storeId}` }, message: `404 on listDocuments: store ${storeId} not found` });
    }
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
      return this.answerDocuments(request);
    } finally {
      this.inFlight--;
    }
  }

  async getDocument(_storeId: string, documentId: string, signal: AbortSignal): Promise<unknown> {
    signal.throwIfAborted();
    const doc = this.documents.find((d) => (this.api === 'v2' ? d['id'] : d['uuid']) === documentId);
    return doc === undefined ? null : structuredClone(doc);
  }

  async setQuantities(_storeId: string, changes: QuantityChange[], signal: AbortSignal): Promise<SetQuantitiesResult> {
    signal.throwIfAborted();
    const products: unknown[] = [];
    if (this.api === 'v1') this.posts += 1;
    for (const [index, change] of changes.entries()) {
      const product = this.products.get(change.productId);
      if (!product) {
        throw new ApiError({ code: 'not-found', status: 404, operation: 'setQuantity', params: { resource: `product ${change.productId}` }, message: `404 on setQuantity: product ${change.productId} not found` });
      }
      await this.beforeWrite?.(change.productId, index);
      signal.throwIfAborted();
      this.writes.push({ productId: change.productId, quantity: formatQuantity(change.quantity), at: Date.now() });
      if (!this.violations.some((v) => v.includes(change.productId))) product['quantity'] = Number(formatQuantity(change.quantity));
      const answer = structuredClone(product);
      if (this.answerOverride.has(change.productId)) answer['quantity'] = this.answerOverride.get(change.productId);
      products.push(answer);
    }
    return { products, violations: this.api === 'v1' ? this.violations : [] };
  }

  // ------------------------------------------------------------------------------------------ paging

  private answerDocuments(request: DocumentPageRequest): RawPage {
    if (request.cursor !== undefined) {
      this.log.push(`documents cursor=${request.cursor}`);
      return this.nextPage(request.cursor);
    }
    const { since, until } = request.window;
    const label = windowLabel(since, until);
    this.log.push(`documents ${label}`);
    if (this.options.refuseLongerThanMs !== undefined && until - since > this.options.refuseLongerThanMs) {
      this.refused++;
      throw new ApiError({ code: 'bad-request', status: 400, operation: 'listDocuments', message: 'the period is too long' });
    }
    const items = this.documents.filter((d) => {
      const t = parseCloseDate(this.api === 'v2' ? d?.['close_date'] : d?.['closeDate']);
      return t === null ? since === UNREADABLE_DATES_SINCE : t >= since && t < until;
    });
    return this.api === 'v1' ? { items: structuredClone(items), nextCursor: null } : this.pageOf(items, 0, label);
  }

  /** A cursor names its query and offset, so the same page has the same cursor in every run (tests compare logs). */
  private pageOf(items: unknown[], offset: number, label: string): RawPage {
    const next = offset + this.pageSize < items.length ? `${label}+${offset + this.pageSize}` : null;
    if (next) this.cursors.set(next, { items, offset: offset + this.pageSize, label });
    return { items: structuredClone(items.slice(offset, offset + this.pageSize)), nextCursor: next };
  }

  private nextPage(cursor: string): RawPage {
    const c = this.cursors.get(cursor);
    if (!c) throw new Error(`unknown cursor ${cursor}`);
    return this.pageOf(c.items, c.offset, c.label);
  }
}

/** [since, until) as the months it spans; a start that is not the 1st of a month is given with its day. */
function windowLabel(since: number, until: number): string {
  const month = (t: number) => new Date(t).toISOString().slice(0, 7);
  const start = new Date(since).toISOString();
  const from = /-01T00:00:00\.000Z$/.test(start) ? month(since) : start.slice(0, 10);
  const to = month(until - 1);
  return from.startsWith(to) ? from : `${from}..${to}`;
}

/** A cloud holding these raw V2 products and documents, paged by `pageSize` (the pull's tests). */
export function fakeCloud(products: unknown[], documents: unknown[], pageSize = 3, options: Omit<FakeCloudOptions, 'pageSize'> = {}): FakeCloud {
  const cloud = new FakeCloud('v2', { ...options, pageSize });
  for (const product of products as Raw[]) cloud.products.set(String(product['id']), product);
  cloud.documents = documents as Raw[];
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
