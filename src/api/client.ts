/**
 * The Evotor Cloud client: V2 and V1 behind one interface. Every answer is validated at this boundary with the
 * model's zod schemas; list pages come back as envelopes of unknown items, because each document and product is
 * normalised separately by the caller (a malformed one is quarantined, never fails its page).
 */
import { z } from 'zod';
import type { ApiVersion } from '../model/types.ts';
import { quantityForRequest, type Milli } from '../model/quantity.ts';
import { v1DeviceSchema, v2DeviceSchema } from '../model/schemas-devices.ts';
import { v1ProductSchema } from '../model/schemas-v1.ts';
import { nextCursor, pageEnvelopeSchema, v2ProductSchema, v2StoreSchema } from '../model/schemas-v2.ts';
import { ApiError, type ApiOperation } from './errors.ts';
import { CursorTrail } from './paging.ts';
import { RateLimitPacer } from './pacing.ts';
import type { RetryPolicy } from './retry.ts';
import { Transport, type WaitInfo } from './transport.ts';

export const EVOTOR_BASE_URL = 'https://api.evotor.ru/';
export const V2_MEDIA_TYPE = 'application/vnd.evotor.v2+json';

export interface ClientOptions {
  api: ApiVersion;
  token: string;
  /** Evotor's API root or a proxy that forwards to it (needed when CORS blocks direct calls). */
  baseUrl?: string;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  pacer?: RateLimitPacer;
  onWait?: (info: WaitInfo) => void;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface StoreInfo {
  id: string;
  name: string;
  address: string | null;
}

/** A terminal of a store: its id as documents carry it (`device_id` / `deviceUuid`) and the name set in the account. */
export interface DeviceInfo {
  id: string;
  /** null when the cloud gives none. */
  name: string | null;
}

/** A page of raw items; `nextCursor` null on the last page (always null for V1, which does not page). */
export interface RawPage {
  items: unknown[];
  nextCursor: string | null;
}

/** A time window of close dates, epoch ms: since inclusive, until exclusive (evotor-api.md §10 DOCSRC rest_documents). */
export interface TimeWindow {
  since: number;
  until: number;
}

/** The first request of a window carries the window; every later one only the cursor (JSDK DocumentsApi). */
export type DocumentPageRequest = { window: TimeWindow; cursor?: undefined } | { cursor: string; window?: undefined };

export interface QuantityChange {
  productId: string;
  quantity: Milli;
}

export interface EvotorClient {
  readonly api: ApiVersion;
  readonly baseUrl: string;
  listStores(signal: AbortSignal): Promise<StoreInfo[]>;
  /**
   * The store's terminals (V2 `GET /stores/{id}/devices`, V1 `devices/search` filtered by store). Optional in the
   * interface so that test doubles need not provide it; both real clients do. A 403/404 is a typed ApiError like
   * any other: callers fall back to numbering the terminals.
   */
  listDevices?(storeId: string, signal: AbortSignal): Promise<DeviceInfo[]>;
  /** V2: one page (cursor null for the first). V1: the whole catalogue as one page. */
  productPage(storeId: string, cursor: string | null, signal: AbortSignal): Promise<RawPage>;
  /** V1 windows must not exceed one month (the caller's month windows respect that). */
  documentPage(storeId: string, request: DocumentPageRequest, signal: AbortSignal): Promise<RawPage>;
  /**
   * The raw document, for "show the original" in the UI (raw documents are not kept locally).
   * V1 has no by-id route and needs `hint.closeTime` (the document's close time, kept in the local events).
   */
  getDocument(storeId: string, documentId: string, signal: AbortSignal, hint?: { closeTime: number }): Promise<unknown>;
  /**
   * V2: PATCH {quantity} per product; returns the raw products the server sent back.
   * V1: GET the full products, POST them back with only `quantity` changed (V1 POST replaces whole products).
   */
  setQuantities(storeId: string, changes: QuantityChange[], signal: AbortSignal): Promise<SetQuantitiesResult>;
}

export interface SetQuantitiesResult {
  /** V2: the product each PATCH returned; V1: the products as posted. */
  products: unknown[];
  /** V1 X-Products-Violations (first 20 errors, as the server sends them). */
  violations: string[];
}

const rawArraySchema = z.array(z.unknown());
/** Not in the model's schemas (V1 stores are not in the reference): the fields of /stores/search answers. */
const v1StoreSchema = z.looseObject({ uuid: z.string().min(1), name: z.string().nullish(), address: z.string().nullish() });

export function createEvotorClient(options: ClientOptions): EvotorClient {
  return options.api === 'v2' ? new V2Client(options) : new V1Client(options);
}

function transportFor(options: ClientOptions, headers: Record<string, string>, contentType: string): Transport {
  return new Transport({
    baseUrl: options.baseUrl ?? EVOTOR_BASE_URL,
    headers,
    contentType,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.pacer ? { pacer: options.pacer } : {}),
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
}

/** Validates an answer; a shape we do not know is a typed error, never a crash further down. */
function validate<T>(schema: z.ZodType<T>, body: unknown, operation: ApiOperation): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const detail = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unexpected shape';
  throw new ApiError({
    code: 'invalid-response', operation, params: { detail },
    message: `${operation}: the answer does not have the expected shape (${detail})`,
  });
}

const seg = encodeURIComponent;

const nonEmpty = (name: string | null | undefined): string | null => (name != null && name.trim() !== '' ? name.trim() : null);

class V2Client implements EvotorClient {
  readonly api = 'v2' as const;
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = transportFor(
      options,
      { authorization: `Bearer ${options.token}`, accept: V2_MEDIA_TYPE },
      V2_MEDIA_TYPE,
    );
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  async listStores(signal: AbortSignal): Promise<StoreInfo[]> {
    const stores: StoreInfo[] = [];
    const trail = new CursorTrail('listStores');
    let cursor: string | null = null;
    do {
      const { body } = await this.transport.request({
        operation: 'listStores', method: 'GET', path: 'stores', resource: 'stores',
        ...(cursor ? { searchParams: { cursor } } : {}),
      }, signal);
      const page = validate(pageEnvelopeSchema, body, 'listStores');
      for (const item of page.items) {
        const store = validate(v2StoreSchema, item, 'listStores');
        stores.push({ id: store.id, name: store.name ?? store.id, address: store.address ?? null });
      }
      cursor = trail.next(nextCursor(page));
    } while (cursor);
    return stores;
  }

  async listDevices(storeId: string, signal: AbortSignal): Promise<DeviceInfo[]> {
    const devices: DeviceInfo[] = [];
    const trail = new CursorTrail('listDevices');
    let cursor: string | null = null;
    do {
      const { body } = await this.transport.request({
        operation: 'listDevices', method: 'GET', path: `stores/${seg(storeId)}/devices`, resource: `store ${storeId}`,
        ...(cursor ? { searchParams: { cursor } } : {}),
      }, signal);
      const page = validate(pageEnvelopeSchema, body, 'listDevices');
      for (const item of page.items) {
        const device = validate(v2DeviceSchema, item, 'listDevices');
        devices.push({ id: device.id, name: nonEmpty(device.name) });
      }
      cursor = trail.next(nextCursor(page));
    } while (cursor);
    return devices;
  }

  async productPage(storeId: string, cursor: string | null, signal: AbortSignal): Promise<RawPage> {
    const { body } = await this.transport.request({
      operation: 'listProducts', method: 'GET', path: `stores/${seg(storeId)}/products`, resource: `store ${storeId}`,
      ...(cursor ? { searchParams: { cursor } } : {}),
    }, signal);
    const page = validate(pageEnvelopeSchema, body, 'listProducts');
    return { items: page.items, nextCursor: nextCursor(page) };
  }

  async documentPage(storeId: string, request: DocumentPageRequest, signal: AbortSignal): Promise<RawPage> {
    // since inclusive, until exclusive (evotor-api.md §10), so windows [since, until) are sent as they are; later
    // pages send the cursor alone. A document met twice is still stored once (rows are keyed per document).
    const searchParams: Record<string, string> = request.cursor !== undefined
      ? { cursor: request.cursor }
      : { since: String(request.window.since), until: String(request.window.until) };
    const { body } = await this.transport.request({
      operation: 'listDocuments', method: 'GET', path: `stores/${seg(storeId)}/documents`, resource: `store ${storeId}`,
      searchParams,
    }, signal);
    const page = validate(pageEnvelopeSchema, body, 'listDocuments');
    return { items: page.items, nextCursor: nextCursor(page) };
  }

  async getDocument(storeId: string, documentId: string, signal: AbortSignal): Promise<unknown> {
    const { body } = await this.transport.request({
      operation: 'getDocument', method: 'GET', path: `stores/${seg(storeId)}/documents/${seg(documentId)}`,
      resource: `document ${documentId}`,
    }, signal);
    return validate(z.looseObject({ id: z.string() }), body, 'getDocument');
  }

  async setQuantities(storeId: string, changes: QuantityChange[], signal: AbortSignal): Promise<SetQuantitiesResult> {
    const products: unknown[] = [];
    for (const change of changes) {
      // Only quantity: PATCH with any other field would overwrite what the merchant edited meanwhile.
      const { body } = await this.transport.request({
        operation: 'setQuantity', method: 'PATCH',
        path: `stores/${seg(storeId)}/products/${seg(change.productId)}`,
        resource: `product ${change.productId}`,
        json: { quantity: quantityForRequest(change.quantity) },
      }, signal);
      products.push(body === undefined ? null : validate(v2ProductSchema, body, 'setQuantity'));
    }
    return { products, violations: [] };
  }
}

/** Longest V1 request window: 16 days, safely under one month however a server counts it. */
export const V1_MAX_SPAN_MS = 16 * 86_400_000;

/** Consecutive sub-windows [since, until) of at most `span` ms tiling `window` exactly. */
export function splitWindow(window: TimeWindow, span: number): TimeWindow[] {
  const parts: TimeWindow[] = [];
  for (let since = window.since; since < window.until; since += span) {
    parts.push({ since, until: Math.min(window.until, since + span) });
  }
  return parts;
}

/** V1 dates: "2017-01-10T09:33:19.757+0000" (DOCAPI parameters.yaml). */
export function formatV1Date(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

class V1Client implements EvotorClient {
  readonly api = 'v1' as const;
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    this.transport = transportFor(
      options,
      { 'x-authorization': options.token, accept: 'application/json' },
      'application/json',
    );
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  async listStores(signal: AbortSignal): Promise<StoreInfo[]> {
    const { body } = await this.transport.request({
      operation: 'listStores', method: 'GET', path: 'api/v1/inventories/stores/search', resource: 'stores',
    }, signal);
    return validate(z.array(v1StoreSchema), body, 'listStores')
      .map((s) => ({ id: s.uuid, name: s.name ?? s.uuid, address: s.address ?? null }));
  }

  async listDevices(storeId: string, signal: AbortSignal): Promise<DeviceInfo[]> {
    const { body } = await this.transport.request({
      operation: 'listDevices', method: 'GET', path: 'api/v1/inventories/devices/search', resource: 'devices',
    }, signal);
    const wanted = storeId.toLowerCase();
    return validate(z.array(v1DeviceSchema), body ?? [], 'listDevices')
      .filter((d) => d.storeUuid == null || d.storeUuid.toLowerCase() === wanted)
      .map((d) => ({ id: d.uuid, name: nonEmpty(d.name) }));
  }

  async productPage(storeId: string, _cursor: string | null, signal: AbortSignal): Promise<RawPage> {
    return { items: await this.products(storeId, 'listProducts', signal), nextCursor: null };
  }

  async documentPage(storeId: string, request: DocumentPageRequest, signal: AbortSignal): Promise<RawPage> {
    if (!request.window) throw new Error('V1 documents have no cursor paging');
    // "At most one month per request" is read differently by different servers (calendar month from either end,
    // 30 days...): half-month requests are within every reading.
    const items: unknown[] = [];
    for (const part of splitWindow(request.window, V1_MAX_SPAN_MS)) {
      // gt/lt are strict (DOCAPI gtCloseDate/ltCloseDate) and times are whole milliseconds: [since, until) is
      // "after since − 1 ms and before until".
      const { body } = await this.transport.request({
        operation: 'listDocuments', method: 'GET', path: `api/v1/inventories/stores/${seg(storeId)}/documents`,
        resource: `store ${storeId}`,
        searchParams: { gtCloseDate: formatV1Date(part.since - 1), ltCloseDate: formatV1Date(part.until) },
      }, signal);
      items.push(...validate(rawArraySchema, body ?? [], 'listDocuments'));
    }
    return { items, nextCursor: null };
  }

  async getDocument(storeId: string, documentId: string, signal: AbortSignal, hint?: { closeTime: number }): Promise<unknown> {
    // V1 has no by-id route: ask for the moment the document closed and pick it out of that answer.
    if (hint) {
      const page = await this.documentPage(storeId, { window: { since: hint.closeTime, until: hint.closeTime + 1 } }, signal);
      const found = page.items.find((item) => {
        const uuid = (item as { uuid?: unknown } | null)?.uuid;
        return typeof uuid === 'string' && uuid.toLowerCase() === documentId.toLowerCase();
      });
      if (found !== undefined) return found;
    }
    throw new ApiError({
      code: 'not-found', operation: 'getDocument', params: { resource: `document ${documentId}` },
      message: `getDocument: document ${documentId} of store ${storeId} not found`,
    });
  }

  async setQuantities(storeId: string, changes: QuantityChange[], signal: AbortSignal): Promise<SetQuantitiesResult> {
    // V1 POST replaces whole products: start from the server's full objects, change only quantity.
    const wanted = new Map(changes.map((c) => [c.productId.toLowerCase(), c.quantity]));
    const current = await this.products(storeId, 'getProductsV1', signal);
    const posted: unknown[] = [];
    for (const item of current) {
      const product = validate(v1ProductSchema, item, 'getProductsV1');
      const quantity = wanted.get(product.uuid.toLowerCase());
      if (quantity === undefined) continue;
      posted.push({ ...product, quantity: quantityForRequest(quantity) });
      wanted.delete(product.uuid.toLowerCase());
    }
    if (wanted.size > 0) {
      const [missing] = wanted.keys();
      throw new ApiError({
        code: 'not-found', operation: 'postProductsV1', params: { resource: `product ${missing}` },
        message: `postProductsV1: ${wanted.size} product(s) not in the catalogue, e.g. ${missing}`,
      });
    }
    if (posted.length === 0) return { products: [], violations: [] };
    const { headers } = await this.transport.request({
      operation: 'postProductsV1', method: 'POST', path: `api/v1/inventories/stores/${seg(storeId)}/products`,
      resource: `store ${storeId}`, json: posted,
    }, signal);
    return { products: posted, violations: readViolations(headers) };
  }

  private async products(storeId: string, operation: ApiOperation, signal: AbortSignal): Promise<unknown[]> {
    const { body } = await this.transport.request({
      operation, method: 'GET', path: `api/v1/inventories/stores/${seg(storeId)}/products`, resource: `store ${storeId}`,
    }, signal);
    return validate(rawArraySchema, body ?? [], operation);
  }
}

function readViolations(headers: Headers): string[] {
  const count = Number(headers.get('x-products-violations-count') ?? '0');
  const text = headers.get('x-products-violations');
  if (!text) return count > 0 ? [`${count} violation(s), details not readable`] : [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  } catch {
    // Not JSON: the header is a plain list.
  }
  return [text];
}
