/**
 * The admin API under /__emulator/ (no token, CORS open) for tests and demos: one route table, each route a method,
 * a path pattern and a handler. `:store` in a pattern is a store id (404 when there is none); `:token` a token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Milli } from '../model/quantity.ts';
import { formatQuantity } from '../model/quantity.ts';
import { mergeStoreMalformed, type MalformedSettings } from './faults.ts';
import { evotorDate, parseEvotorDate } from './generator/format.ts';
import { HttpError, parseJson, readBody, sendJson, toHttpError, type Json } from './http.ts';
import { parseApiQuantity, type Violation } from './products.ts';
import { v2Document } from './serialize.ts';
import type { EmulatorState, StoreSpec, TokenSpec } from './state.ts';
import type { InjectOptions, RuntimeStore } from './store.ts';

export const ADMIN_PREFIX = '/__emulator';

export const isAdminPath = (path: string) => path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);

/** What a handler gets: the state, the URL (for the query), the path's parameters and the JSON body. */
interface AdminCall {
  state: EmulatorState;
  url: URL;
  params: Record<string, string>;
  /** The store named by `:store`. */
  store(): RuntimeStore;
  /** The body as a JSON object ({} when empty). */
  data(): Json;
}

interface AdminRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Segments after /__emulator; `:name` matches one segment. */
  path: string;
  /** The answer's status (200 unless said). */
  status?: number;
  handle(call: AdminCall): unknown;
}

// ---------------------------------------------------------------------------------------------- handlers

const tokenJson = (state: EmulatorState) => [...state.tokens.values()].map((t) => ({ ...t.spec, requests: t.requests }));

function overview({ state }: AdminCall): Json {
  return {
    stores: [...state.stores.values()].map(storeSummary),
    tokens: tokenJson(state),
    faults: state.faults,
    pageSize: state.pageSize,
    productPageSize: state.productPageSize,
    rateLimit: state.rateLimit,
    v1HistoryMonths: state.v1HistoryMonths,
    maxBodyBytes: state.maxBodyBytes,
  };
}

function storeSummary(store: RuntimeStore): Json {
  const o = store.gen.options;
  return {
    id: store.id,
    name: store.name,
    address: store.gen.address,
    paid: store.paid,
    malformedRate: store.malformed?.malformedRate ?? null,
    malformedSeed: store.malformed?.malformedSeed ?? null,
    documentCount: store.documentCount,
    generatedDocuments: store.generatedCount,
    injectedDocuments: store.injected.length,
    productCount: store.products.length,
    trackedProducts: store.gen.catalogue.tracked.length,
    historyStart: evotorDate(store.gen.start),
    historyEnd: evotorDate(store.gen.end),
    now: evotorDate(store.now()),
    devices: store.gen.devices,
    offline: store.gen.offline.map((p) => ({ terminal: p.terminal, from: evotorDate(p.from), to: evotorDate(p.to) })),
    cloudEdits: store.gen.cloudEdits.length,
    generationMs: Math.round(store.gen.stats.generationMs),
    options: { ...o, endTime: evotorDate(o.endTime) },
    generatorInput: store.generatorInput,
  };
}

/** Back to the start options: stores regenerated, tokens, faults, log, bulk tasks and rate counters reset. */
function reset({ state }: AdminCall): Json {
  state.reset();
  return { stores: [...state.stores.keys()] };
}

/** The request log, entries after `?since=<seq>`. */
function requests({ state, url }: AdminCall): Json {
  const since = Number(url.searchParams.get('since') ?? 0);
  return { entries: state.log.filter((e) => e.seq > since) };
}

function clearRequests({ state }: AdminCall): Json {
  state.log = [];
  return { entries: [] };
}

/** `{reset: true, ...}` starts from the default faults; the other fields change those given. */
function setFaults({ state, data }: AdminCall): unknown {
  const d = data();
  const reset = d.reset === true;
  delete d.reset;
  state.setFaults(d, reset);
  return state.faults;
}

/** A token (new or replaced); `replaceAll: true` removes every other token. */
function setToken({ state, data }: AdminCall): Json {
  const d = data();
  const t = state.setToken(d as unknown as TokenSpec);
  if (d.replaceAll === true) for (const key of [...state.tokens.keys()]) if (key !== t.spec.token) state.tokens.delete(key);
  return { ...t.spec, requests: 0 };
}

function deleteToken({ state, params }: AdminCall): Json {
  state.tokens.delete(params.token!);
  return { deleted: params.token };
}

/** A store generated from the body's generator options (a StoreSpec). */
function createStore({ state, data }: AdminCall): Json {
  const store = state.createStore(data() as StoreSpec);
  return { storeId: store.id, ...storeSummary(store) };
}

function deleteStore({ state, store: storeOf }: AdminCall): Json {
  const store = storeOf();
  state.stores.delete(store.id);
  return { deleted: store.id };
}

/** paid, malformedRate and malformedSeed of a store (nothing else can change on a store). */
function setStoreSettings({ store: storeOf, data }: AdminCall): Json {
  const store = storeOf();
  const d = data();
  const unknown = Object.keys(d).filter((k) => !['paid', 'malformedRate', 'malformedSeed'].includes(k));
  if (unknown.length > 0) {
    throw new HttpError(400, 'BAD_REQUEST', `Unknown store setting: ${unknown.join(', ')}`, unknown.map((k) => ({ subject: k, reason: 'only paid, malformedRate and malformedSeed can be set' })));
  }
  if (d.paid !== undefined && typeof d.paid !== 'boolean') throw new HttpError(400, 'BAD_REQUEST', 'paid must be true or false', [{ subject: 'paid', reason: 'must be a boolean' }]);
  let malformed: MalformedSettings | null;
  try {
    malformed = mergeStoreMalformed(store.malformed, d);
  } catch (e) {
    throw new HttpError(400, 'BAD_REQUEST', (e as Error).message, [{ subject: 'malformedRate', reason: (e as Error).message }]);
  }
  if (d.paid !== undefined) store.paid = d.paid as boolean;
  store.malformed = malformed;
  return storeSummary(store);
}

/** The true stock (`?at=` epoch ms or a date), and per-document truth with `?documents=1&since&until&limit`. */
function truth({ store: storeOf, url }: AdminCall): Json {
  const store = storeOf();
  const at = url.searchParams.get('at');
  const atMs = at === null ? undefined : /^\d+$/.test(at) ? Number(at) : parseEvotorDate(at);
  if (atMs !== undefined && !Number.isFinite(atMs)) throw new HttpError(400, 'BAD_REQUEST', 'at must be epoch ms or a date');
  const out = store.truthJson(atMs);
  if (url.searchParams.get('documents') === '1' || url.searchParams.get('documents') === 'true') {
    const since = Number(url.searchParams.get('since') ?? -Infinity);
    const until = Math.min(Number(url.searchParams.get('until') ?? Infinity), atMs ?? Infinity);
    const limit = Number(url.searchParams.get('limit') ?? 100_000);
    out.documents = store.documentTruth(since, until, limit);
  }
  return out;
}

/** The cloud's quantities (what GET products would show), by product id. */
function cloudQuantities(store: RuntimeStore): Json {
  const quantities: Record<string, string | null> = {};
  for (const p of store.products) if (!p.group) quantities[p.id] = p.quantity === null ? null : formatQuantity(p.quantity);
  return { storeId: store.id, quantities };
}

/** Cloud quantities typed in without a document: `mode` (zeroed, truth, stale) for all, `quantities` by product id. */
function setCloud({ store: storeOf, data }: AdminCall): Json {
  const store = storeOf();
  const d = data();
  if (d.mode !== undefined) {
    if (!['zeroed', 'truth', 'stale'].includes(d.mode as string)) throw new HttpError(400, 'BAD_REQUEST', 'mode must be zeroed, truth or stale');
    store.setCloudMode(d.mode as 'zeroed' | 'truth' | 'stale');
  }
  const q = (d.quantities ?? {}) as Json;
  const violations: Violation[] = [];
  for (const [id, value] of Object.entries(q)) {
    const p = store.product(id);
    if (!p || p.group) {
      violations.push({ subject: id, reason: 'product not found' });
      continue;
    }
    if (value === null) {
      p.quantity = null;
      continue;
    }
    const parsed = parseApiQuantity(value);
    if (!parsed.ok) violations.push({ subject: id, reason: parsed.reason });
    else {
      p.quantity = parsed.value;
      p.updatedAt = store.now();
    }
  }
  if (violations.length > 0) throw new HttpError(400, 'BAD_REQUEST', 'Some quantities were not set', violations);
  return cloudQuantities(store);
}

/** A document made now (a sale at the till during a test): the document and the new truth of its products. */
function inject(call: AdminCall, type?: 'SELL'): Json {
  const store = call.store();
  const d = call.data() as InjectOptions;
  if (type) d.type = type;
  const doc = store.inject(d);
  const truthNow: Record<string, string> = {};
  for (const l of doc.lines) truthNow[store.gen.catalogue.products[l.p]!.id] = formatQuantity(store.truth[l.p] as Milli);
  return { document: v2Document(store.gen, doc), truth: truthNow };
}

// ---------------------------------------------------------------------------------------------- the table

const ROUTES: AdminRoute[] = [
  { method: 'GET', path: '', handle: overview },
  { method: 'POST', path: 'reset', handle: reset },
  { method: 'GET', path: 'faults', handle: ({ state }) => state.faults },
  { method: 'PUT', path: 'faults', handle: setFaults },
  { method: 'POST', path: 'faults', handle: setFaults },
  { method: 'GET', path: 'requests', handle: requests },
  { method: 'DELETE', path: 'requests', handle: clearRequests },
  { method: 'GET', path: 'tokens', handle: ({ state }) => ({ tokens: tokenJson(state) }) },
  { method: 'POST', path: 'tokens', handle: setToken },
  { method: 'PUT', path: 'tokens', handle: setToken },
  { method: 'DELETE', path: 'tokens/:token', handle: deleteToken },
  { method: 'GET', path: 'stores', handle: ({ state }) => ({ stores: [...state.stores.values()].map(storeSummary) }) },
  { method: 'POST', path: 'stores', status: 201, handle: createStore },
  { method: 'GET', path: 'stores/:store', handle: ({ store }) => storeSummary(store()) },
  { method: 'DELETE', path: 'stores/:store', handle: deleteStore },
  { method: 'PUT', path: 'stores/:store', handle: setStoreSettings },
  { method: 'PATCH', path: 'stores/:store', handle: setStoreSettings },
  { method: 'GET', path: 'stores/:store/truth', handle: truth },
  { method: 'GET', path: 'stores/:store/cloud', handle: ({ store }) => cloudQuantities(store()) },
  { method: 'PUT', path: 'stores/:store/cloud', handle: setCloud },
  { method: 'PATCH', path: 'stores/:store/cloud', handle: setCloud },
  { method: 'POST', path: 'stores/:store/sales', status: 201, handle: (call) => inject(call, 'SELL') },
  { method: 'POST', path: 'stores/:store/documents', status: 201, handle: (call) => inject(call) },
];

/** The route and its parameters for these path segments, if any. */
function match(method: string, segments: string[]): { route: AdminRoute; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const pattern = route.path === '' ? [] : route.path.split('/');
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = pattern.every((part, i) => {
      if (!part.startsWith(':')) return part === segments[i];
      params[part.slice(1)] = segments[i]!;
      return true;
    });
    if (fits) return { route, params };
  }
  return null;
}

/** Serves one admin request; errors answer as V2 errors. */
export async function serveAdmin(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
  try {
    const segments = url.pathname.slice(ADMIN_PREFIX.length).split('/').filter((p) => p !== '').map(decodeURIComponent);
    const body = method === 'GET' || method === 'DELETE' ? Buffer.alloc(0) : await readBody(req, 64 * 1024 * 1024);
    const found = match(method, segments);
    if (!found) throw new HttpError(404, 'NOT_FOUND', `No admin route for ${method} ${url.pathname}`);
    const { route, params } = found;
    const call: AdminCall = {
      state, url, params,
      store: () => {
        const store = state.store(params.store!);
        if (!store) throw new HttpError(404, 'NOT_FOUND', `Store ${params.store} not found`);
        return store;
      },
      data: () => {
        if (body.length === 0) return {};
        const v = parseJson(body);
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'BAD_REQUEST', 'Body must be a JSON object');
        return v as Json;
      },
    };
    sendJson(res, route.status ?? 200, route.handle(call));
  } catch (e) {
    const err = toHttpError(e);
    sendJson(res, err.status, { code: err.code, message: err.message, violations: err.violations });
  }
}
