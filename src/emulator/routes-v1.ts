/**
 * The V1 API (`/api/v1/inventories/...`, errors as `{"errors": [...]}`): store and device search, documents by
 * close-date window (at most 31 days, within the history limit), products read, replaced and deleted.
 */
import type { IncomingMessage } from 'node:http';
import { requireScope, storeOr404, storesOf } from './front-door.ts';
import { parseEvotorDate } from './generator/format.ts';
import { HttpError, jsonBody, notFound, parseJson, typesParam, type Json, type RequestContext, type RouteResult } from './http.ts';
import { fieldsFromV1, isUuid, v1Product, validateProduct, type Violation } from './products.ts';
import type { EmulatorState, TokenState } from './state.ts';
import type { RuntimeStore } from './store.ts';

/** Longest V1 documents request: ltCloseDate − gtCloseDate ≤ 31 days (the reference's "at most one month"). */
export const V1_MAX_PERIOD_MS = 31 * 86_400_000;

/** A V1 request past the front door; errors are written in V1's shape by the caller (http.ts sendError). */
export function routeV1(state: EmulatorState, ctx: RequestContext, ts: TokenState, req: IncomingMessage, url: URL, method: string, body: Buffer): RouteResult {
  // Seen in use by third-party V1 clients (not in the 2017 swagger): lists of stores and devices.
  if (method === 'GET' && url.pathname === '/api/v1/inventories/stores/search') {
    requireScope(ts, 'store:read');
    return { status: 200, body: storesOf(state, ts).map((s) => ({ uuid: s.id, name: s.name, address: s.gen.address })) };
  }
  if (method === 'GET' && url.pathname === '/api/v1/inventories/devices/search') {
    requireScope(ts, 'store:read');
    return {
      status: 200,
      body: storesOf(state, ts).flatMap((s) => s.gen.devices.map((d) => ({ uuid: d.id, name: d.name, storeUuid: s.id }))),
    };
  }
  const m = /^\/api\/v1\/inventories\/stores\/([^/]+)\/(documents|products)(\/delete)?$/.exec(url.pathname);
  if (!m) throw notFound(url);
  const store = storeOr404(state, decodeURIComponent(m[1]!), ts);
  const what = m[2];
  if (what === 'documents' && !m[3] && method === 'GET') {
    requireScope(ts, 'document:read');
    return v1Documents(state, ctx, store, url);
  }
  if (what === 'products' && !m[3] && method === 'GET') {
    requireScope(ts, 'product:read');
    const withQty = ts.spec.scopes.includes('product.quantity:read');
    return { status: 200, body: store.products.map((p) => v1Product(p, withQty)) };
  }
  if (what === 'products' && !m[3] && method === 'POST') {
    requireScope(ts, 'product:write');
    return v1PostProducts(store, ts, req, body);
  }
  if (what === 'products' && m[3] && method === 'POST') {
    requireScope(ts, 'product:write');
    const data = parseJson(body);
    if (!Array.isArray(data)) throw new HttpError(400, 'BAD_REQUEST', 'Body must be an array', [{ subject: 'body', reason: 'must be an array of {"uuid": ...}' }]);
    // The real API deletes EVERY product when given an empty array. The emulator refuses instead.
    if (data.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'Refused: an empty array would delete ALL products of the store', [{ subject: 'body', reason: 'empty array deletes all products (refused by the emulator)' }]);
    for (const item of data) {
      const uuid = (item as Json)?.uuid;
      if (!isUuid(uuid)) throw new HttpError(400, 'BAD_REQUEST', 'Each item needs a uuid', [{ subject: 'uuid', reason: 'must be a uuid' }]);
    }
    for (const item of data) {
      const p = store.product((item as Json).uuid as string);
      if (p) store.removeProduct(p);
    }
    return { status: 200 };
  }
  throw notFound(url);
}

function v1Documents(state: EmulatorState, ctx: RequestContext, store: RuntimeStore, url: URL): RouteResult {
  const now = store.now();
  const parse = (name: string): number | null => {
    const raw = url.searchParams.get(name);
    if (raw === null || raw === '') return null;
    const t = parseEvotorDate(raw);
    if (!Number.isFinite(t)) throw new HttpError(400, 'BAD_REQUEST', 'Invalid date', [{ subject: name, reason: `must look like 2017-01-10T09:33:19.757+0000, got ${raw}` }]);
    return t;
  };
  const ltGiven = parse('ltCloseDate');
  const gtGiven = parse('gtCloseDate');
  // One rule, in milliseconds, with no calendar: ltCloseDate − gtCloseDate ≤ 31 days (V1_MAX_PERIOD_MS). No dates:
  // the last 31 days; only ltCloseDate: the 31 days before it; only gtCloseDate: from it to now.
  const lt = ltGiven ?? now;
  const gt = gtGiven ?? lt - V1_MAX_PERIOD_MS;
  if (lt <= gt) throw new HttpError(400, 'BAD_REQUEST', 'Invalid period', [{ subject: 'ltCloseDate', reason: 'must be after gtCloseDate' }]);
  if (lt - gt > V1_MAX_PERIOD_MS) {
    throw new HttpError(400, 'BAD_REQUEST', 'Period too long', [{ subject: 'ltCloseDate', reason: 'the period of one request must not exceed one month (ltCloseDate - gtCloseDate <= 31 days)' }]);
  }
  const oldest = addMonthsClamped(now, -state.v1HistoryMonths) - 86_400_000; // one day of grace for clock skew
  if (gt < oldest) {
    throw new HttpError(400, 'BAD_REQUEST', 'Period too old', [{ subject: 'gtCloseDate', reason: `documents older than ${state.v1HistoryMonths} months are not available` }]);
  }
  const types = typesParam(url, 'types');
  const deviceUuid = url.searchParams.get('deviceUuid');
  let device: number | null = null;
  if (deviceUuid) {
    device = store.terminalIndex(deviceUuid);
    if (device < 0) return { status: 200, body: [] };
  }
  const docs: Json[] = [];
  store.scan(store.firstOrdinal(gt), { since: gt + 1, until: lt, types, device }, (doc) => {
    docs.push(state.documentJson(store, doc, true, ctx.faulted));
    return true;
  });
  return { status: 200, body: docs };
}

function v1PostProducts(store: RuntimeStore, ts: TokenState, req: IncomingMessage, body: Buffer): RouteResult {
  const data = jsonBody(req, body);
  if (!Array.isArray(data)) throw new HttpError(400, 'BAD_REQUEST', 'Body must be an array of products', [{ subject: 'body', reason: 'must be an array' }]);
  if (data.some((item) => item && typeof item === 'object' && (item as Json).quantity !== undefined)) requireScope(ts, 'product.quantity:write');
  const violations: { uuid?: string; subject: string; reason: string }[] = [];
  const seen = new Set<string>();
  const now = store.now();
  data.forEach((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      violations.push({ subject: `[${i}]`, reason: 'must be an object' });
      return;
    }
    const obj = item as Json;
    const uuid = obj.uuid;
    const own: Violation[] = [];
    if (!isUuid(uuid)) own.push({ subject: `[${i}].uuid`, reason: 'must be a uuid' });
    else if (seen.has(uuid.toLowerCase())) own.push({ subject: `[${i}].uuid`, reason: 'each product may appear only once per request' });
    const fields = fieldsFromV1(obj);
    own.push(...validateProduct(fields, obj.quantity, `[${i}].`));
    if (own.length > 0) {
      for (const v of own) violations.push({ ...(isUuid(uuid) ? { uuid } : {}), ...v });
      return;
    }
    seen.add((uuid as string).toLowerCase());
    store.replaceProduct(uuid as string, fields, obj.quantity, now);
  });
  return {
    status: 200,
    headers: {
      'X-Products-Violations-Count': String(violations.length),
      'X-Products-Violations': JSON.stringify(violations.slice(0, 20)).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`),
    },
  };
}

/**
 * Calendar months in UTC, clamped to the target month's last day (31 August − 6 months = 28 February, not 3 March
 * as Date.setUTCMonth would roll over to). The time of day is kept.
 */
export function addMonthsClamped(ms: number, months: number): number {
  const d = new Date(ms);
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
  const target = new Date(first);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return first + (Math.min(d.getUTCDate(), lastDay) - 1) * 86_400_000 + (ms - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
