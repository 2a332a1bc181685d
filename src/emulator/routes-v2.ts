/**
 * The V2 API (`Content-Type: application/vnd.evotor.v2+json`): stores, devices, products (read, PATCH quantity,
 * bulk replace), bulk tasks and documents with cursor paging, as shared/docs/evotor-api.md describes them.
 */
import type { IncomingMessage } from 'node:http';
import type { Milli } from '../model/quantity.ts';
import { requireScope, storeOr404, storesOf } from './front-door.ts';
import { evotorDate } from './generator/format.ts';
import { Rng } from './generator/prng.ts';
import {
  decodeCursor, encodeCursor, HttpError, intParam, jsonBody, notFound, parseJson, typesParam, V2_BULK_JSON, type Json, type RequestContext, type RouteResult,
} from './http.ts';
import { isUuid, parseApiQuantity, splitProductObject, v2Product, validateProduct, type RtProduct, type Violation } from './products.ts';
import type { BulkTask, EmulatorState, TokenState } from './state.ts';
import type { DocFilter, RuntimeStore } from './store.ts';

function v2StoreJson(store: RuntimeStore): Json {
  return {
    id: store.id,
    name: store.name,
    address: store.gen.address,
    user_id: store.gen.userId,
    created_at: evotorDate(store.gen.start - 86_400_000),
    updated_at: evotorDate(store.gen.start - 86_400_000),
  };
}

/** The store and device lists are one page; under faults.pagingLoop their `next_cursor` names that same page again. */
function selfPaging(state: EmulatorState, ctx: RequestContext): Json {
  return ctx.faulted && state.faults.pagingLoop ? { next_cursor: 'this-page' } : {};
}

function documentsPage(state: EmulatorState, ctx: RequestContext, store: RuntimeStore, url: URL, device: number | null): RouteResult {
  let filter: DocFilter;
  let from: number;
  let limit: number;
  /** Under faults.pagingLoop: the cursor the page after this one points back to. */
  let back: string | null = null;
  const cursorText = url.searchParams.get('cursor');
  if (cursorText !== null) {
    const c = decodeCursor(cursorText);
    if (typeof c.b === 'string') back = c.b;
    if (c.k !== 'd' || c.s !== store.id || typeof c.o !== 'number' || typeof c.l !== 'number') {
      throw new HttpError(400, 'BAD_REQUEST', 'Invalid cursor', [{ subject: 'cursor', reason: 'not a document cursor of this store' }]);
    }
    const fc = c.f as { since: number; until: number | null; types: string[] | null; device: number | null };
    filter = { since: fc.since, until: fc.until, types: fc.types, device: fc.device };
    from = c.o;
    limit = c.l;
  } else {
    const violations: Violation[] = [];
    const since = intParam(url, 'since', violations) ?? 0;
    const until = intParam(url, 'until', violations);
    const rawLimit = intParam(url, 'limit', violations);
    if (rawLimit !== null && rawLimit < 1) violations.push({ subject: 'limit', reason: 'must be positive' });
    const types = typesParam(url, 'types') ?? typesParam(url, 'type');
    if (types) for (const t of types) if (!/^[A-Z_]+$/.test(t)) violations.push({ subject: 'types', reason: `unknown document type: ${t}` });
    if (violations.length > 0) throw new HttpError(400, 'BAD_REQUEST', 'Invalid query parameters', violations);
    filter = { since, until, types, device };
    from = store.firstOrdinal(since);
    limit = Math.min(state.pageSize, rawLimit ?? state.pageSize);
  }
  const page = store.page(filter, from, limit);
  const paging: Json = {};
  if (page.next !== null) paging.next_cursor = encodeCursor({ k: 'd', s: store.id, o: page.next, l: limit, f: filter });
  if (ctx.faulted && state.faults.pagingLoop && cursorText !== null) {
    // A → B → A: the page of cursor A points on to B (which remembers A), the page of B back to A.
    paging.next_cursor = back ?? encodeCursor({ k: 'd', s: store.id, o: page.next ?? from, l: limit, f: filter, b: cursorText });
  }
  return { status: 200, body: { items: page.docs.map((d) => state.documentJson(store, d, false, ctx.faulted)), paging } };
}

function productsPage(state: EmulatorState, store: RuntimeStore, url: URL, ts: TokenState, groupsOnly: boolean): RouteResult {
  let offset = 0;
  let limit = state.productPageSize;
  const cursorText = url.searchParams.get('cursor');
  if (cursorText !== null) {
    const c = decodeCursor(cursorText);
    if (c.k !== (groupsOnly ? 'g' : 'p') || c.s !== store.id || typeof c.o !== 'number' || typeof c.l !== 'number') {
      throw new HttpError(400, 'BAD_REQUEST', 'Invalid cursor', [{ subject: 'cursor', reason: 'not a product cursor of this store' }]);
    }
    offset = c.o;
    limit = c.l;
  } else {
    const violations: Violation[] = [];
    const raw = intParam(url, 'limit', violations);
    if (violations.length > 0 || (raw !== null && raw < 1)) throw new HttpError(400, 'BAD_REQUEST', 'Invalid query parameters', [{ subject: 'limit', reason: 'must be a positive integer' }]);
    if (raw !== null) limit = Math.min(limit, raw);
  }
  const list = groupsOnly ? store.products.filter((p) => p.group) : store.products;
  const withQty = ts.spec.scopes.includes('product.quantity:read');
  const items = list.slice(offset, offset + limit).map((p) => v2Product(p, store.id, store.gen.userId, withQty));
  const paging: Json = {};
  if (offset + limit < list.length) paging.next_cursor = encodeCursor({ k: groupsOnly ? 'g' : 'p', s: store.id, o: offset + limit, l: limit });
  return { status: 200, body: { items, paging } };
}

function patchProduct(store: RuntimeStore, ts: TokenState, product: RtProduct, req: IncomingMessage, body: Buffer): RouteResult {
  requireScope(ts, 'product:write');
  requireScope(ts, 'product.quantity:write');
  const data = jsonBody(req, body);
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new HttpError(400, 'BAD_REQUEST', 'Body must be an object {"quantity": <decimal>}', [{ subject: 'body', reason: 'must be an object' }]);
  }
  const violations: Violation[] = [];
  for (const key of Object.keys(data)) if (key !== 'quantity') violations.push({ subject: key, reason: 'unknown field: only quantity can be updated' });
  const raw = (data as Json).quantity;
  let quantity: Milli | null = null;
  if (raw === undefined || raw === null) violations.push({ subject: 'quantity', reason: 'must not be null' });
  else {
    const q = parseApiQuantity(raw);
    if (!q.ok) violations.push({ subject: 'quantity', reason: q.reason });
    else quantity = q.value;
  }
  if (product.fields.type === 'SERVICE') violations.push({ subject: 'quantity', reason: 'quantity is not applicable to services' });
  if (violations.length > 0 || quantity === null) throw new HttpError(400, 'BAD_REQUEST', 'Validation failed', violations);
  product.quantity = quantity;
  product.updatedAt = store.now();
  return { status: 200, body: v2Product(product, store.id, store.gen.userId, ts.spec.scopes.includes('product.quantity:read')) };
}

function bulkProducts(state: EmulatorState, store: RuntimeStore, ts: TokenState, req: IncomingMessage, body: Buffer, method: string): RouteResult {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.includes('+bulk')) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `${method} /stores/{id}/products is served as a bulk operation: use Content-Type ${V2_BULK_JSON}`);
  }
  requireScope(ts, 'product:write');
  const data = parseJson(body);
  if (!Array.isArray(data)) throw new HttpError(400, 'BAD_REQUEST', 'Body must be an array of products', [{ subject: 'body', reason: 'must be an array' }]);
  if (data.some((item) => item && typeof item === 'object' && (item as Json).quantity !== undefined)) requireScope(ts, 'product.quantity:write');
  const details: unknown[] = [];
  let ok = 0;
  const seen = new Set<string>();
  const now = store.now();
  data.forEach((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      details.push({ violations: [{ subject: `[${i}]`, reason: 'must be an object' }] });
      return;
    }
    const obj = item as Json;
    const violations: Violation[] = [];
    let id = obj.id;
    if (id === undefined && method === 'POST') id = new Rng(`bulk-id|${state.bulkSeq}|${i}|${now}`).uuid();
    if (!isUuid(id)) violations.push({ subject: `[${i}].id`, reason: method === 'PUT' ? 'id is required for an update' : 'must be a uuid' });
    const existing = isUuid(id) ? store.product(id) : undefined;
    if (method === 'PUT' && isUuid(id) && !existing) violations.push({ subject: `[${i}].id`, reason: 'product not found' });
    if (isUuid(id) && seen.has(id.toLowerCase())) violations.push({ subject: `[${i}].id`, reason: 'duplicate id in one request' });
    const { fields, quantity } = splitProductObject(obj);
    violations.push(...validateProduct(fields, quantity, `[${i}].`));
    if (violations.length > 0) {
      details.push({ ...(isUuid(id) ? { id } : {}), violations });
      return;
    }
    seen.add((id as string).toLowerCase());
    const product = store.replaceProduct(id as string, fields, quantity, now);
    ok++;
    details.push(v2Product(product, store.id, store.gen.userId, true));
  });
  const taskId = new Rng(`bulk|${++state.bulkSeq}`).uuid();
  const task: BulkTask = { id: taskId, status: 'ACCEPTED', modified_at: evotorDate(now), details, final: ok > 0 || details.length === 0 ? 'COMPLETED' : 'FAILED' };
  state.bulks.set(taskId, task);
  return { status: 202, body: { id: task.id, status: task.status, modified_at: task.modified_at, details: [] }, headers: { Location: `/bulks/${taskId}` } };
}

/** A V2 request past the front door. Under /stores/{id}, the store is checked (404, 402) before the scope (403). */
export function routeV2(state: EmulatorState, ctx: RequestContext, ts: TokenState, req: IncomingMessage, url: URL, method: string, body: Buffer): RouteResult {
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [a, storeId, c, d, e] = parts;
  const n = parts.length;
  if (a === 'stores') {
    if (n === 1 && method === 'GET') {
      requireScope(ts, 'store:read');
      return { status: 200, body: { items: storesOf(state, ts).map(v2StoreJson), paging: selfPaging(state, ctx) } };
    }
    if (storeId === undefined) throw notFound(url);
    if (n === 2 && method === 'GET') {
      const store = storeOr404(state, storeId, ts);
      requireScope(ts, 'store:read');
      return { status: 200, body: v2StoreJson(store) };
    }
    const store = storeOr404(state, storeId, ts);
    if (c === 'devices' && n === 3 && method === 'GET') {
      requireScope(ts, 'store:read');
      return { status: 200, body: { items: store.gen.devices.map((dv) => ({ id: dv.id, name: dv.name, store_id: store.id })), paging: selfPaging(state, ctx) } };
    }
    if (c === 'devices' && n === 5 && e === 'documents' && method === 'GET') {
      requireScope(ts, 'document:read');
      const t = store.terminalIndex(d!);
      if (t < 0) throw new HttpError(404, 'NOT_FOUND', `Device ${d} not found`);
      return documentsPage(state, ctx, store, url, t);
    }
    if (c === 'products' && n === 3) {
      if (method === 'GET') {
        requireScope(ts, 'product:read');
        return productsPage(state, store, url, ts, false);
      }
      if (method === 'POST' || method === 'PUT') return bulkProducts(state, store, ts, req, body, method);
    }
    if (c === 'product-groups' && n === 3 && method === 'GET') {
      requireScope(ts, 'product:read');
      return productsPage(state, store, url, ts, true);
    }
    if (c === 'products' && n === 4) {
      const product = store.product(d!);
      if (method === 'GET') {
        requireScope(ts, 'product:read');
        if (!product) throw new HttpError(404, 'NOT_FOUND', `Product ${d} not found`);
        return { status: 200, body: v2Product(product, store.id, store.gen.userId, ts.spec.scopes.includes('product.quantity:read')) };
      }
      if (method === 'PATCH') {
        if (!product || product.group) throw new HttpError(404, 'NOT_FOUND', `Product ${d} not found`);
        return patchProduct(store, ts, product, req, body);
      }
    }
    if (c === 'documents' && n === 3 && method === 'GET') {
      requireScope(ts, 'document:read');
      return documentsPage(state, ctx, store, url, null);
    }
    if (c === 'documents' && n === 4 && method === 'GET') {
      requireScope(ts, 'document:read');
      const doc = store.findDocument(d!);
      if (!doc) throw new HttpError(404, 'NOT_FOUND', `Document ${d} not found`);
      return { status: 200, body: state.documentJson(store, doc, false, ctx.faulted) };
    }
  }
  if (a === 'bulks' && method === 'GET') {
    requireScope(ts, 'product:read');
    if (n === 1) return { status: 200, body: { items: [...state.bulks.values()].map(bulkJson), paging: {} } };
    if (n === 2) {
      const taskId = parts[1]!;
      const task = state.bulks.get(taskId.toLowerCase());
      if (!task) throw new HttpError(404, 'NOT_FOUND', `Bulk task ${taskId} not found`);
      task.status = task.final;
      return { status: 200, body: bulkJson(task) };
    }
  }
  throw notFound(url);
}

const bulkJson = (t: BulkTask) => ({ id: t.id, status: t.status, modified_at: t.modified_at, details: t.status === 'ACCEPTED' ? [] : t.details });
