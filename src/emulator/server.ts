/**
 * The Evotor Cloud emulator: a Node http server on 127.0.0.1 serving the V2 and V1 APIs as the reference
 * (shared/docs/evotor-api.md) describes them, over synthetic stores whose ground truth is known, with fault
 * injection and an admin API under /__emulator/ (no token, CORS open) for tests and demos.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Milli } from '../model/quantity.ts';
import { formatQuantity } from '../model/quantity.ts';
import {
  corrupt, DEFAULT_FAULTS, FaultsError, malformation, mergeFaults, mergeStoreMalformed, type BadBody, type Faults, type MalformedSettings,
} from './faults.ts';
import { EMITTED_TYPES, type GenDoc } from './generator/day.ts';
import { evotorDate, parseEvotorDate } from './generator/format.ts';
import { OptionsError, type GeneratorOptions } from './generator/options.ts';
import { Rng } from './generator/prng.ts';
import {
  fieldsFromV1, isUuid, parseApiQuantity, splitProductObject, v1Product, v2Product, validateProduct, type RtProduct, type Violation,
} from './products.ts';
import { v1Document, v2Document } from './serialize.ts';
import { RuntimeStore, StoreError, type DocFilter, type InjectOptions } from './store.ts';

export const ALL_SCOPES = ['store:read', 'product:read', 'product.quantity:read', 'product:write', 'product.quantity:write', 'document:read'];
export const V2_JSON = 'application/vnd.evotor.v2+json';
export const V2_BULK_JSON = 'application/vnd.evotor.v2+bulk+json';
export const ADMIN_PREFIX = '/__emulator';
const EXPOSED_HEADERS = [
  'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'X-Products-Violations-Count', 'X-Products-Violations', 'Location',
];

export interface TokenSpec {
  token: string;
  /** Default: every scope. */
  scopes?: string[];
  /** false: every request with this token answers 402. */
  paid?: boolean;
  /**
   * The ids of the stores this token's account has: another account's store is neither listed nor found (404), as
   * the cloud answers for a store of someone else. null or absent: every store.
   */
  stores?: string[] | null;
}

export interface StoreSpec extends Partial<GeneratorOptions> {
  /** false: requests for this store answer 402. */
  paid?: boolean;
  /**
   * This store's own malformed-documents setting (as admin `PUT /__emulator/stores/{id}`): replaces the global
   * `malformedRate`/`malformedSeed` fault for this store's documents, whatever `match` says; 0 keeps it clean.
   */
  malformedRate?: number;
  malformedSeed?: string;
}

/**
 * What one rate-limit counter covers: 'token+uri' (the reference: limits per token and URI, so each product's
 * PATCH has its own counter) or 'token' (one counter for every request of a token, e.g. all PATCHes together).
 */
export type RateLimitScope = 'token+uri' | 'token';
export const RATE_LIMIT_SCOPES: readonly RateLimitScope[] = ['token+uri', 'token'];

export interface RateLimit {
  limit: number;
  windowSeconds: number;
  /** Default 'token+uri'. */
  scope?: RateLimitScope;
}

/** Longest V1 documents request: ltCloseDate − gtCloseDate ≤ 31 days (the reference's "at most one month"). */
export const V1_MAX_PERIOD_MS = 31 * 86_400_000;

export interface EmulatorOptions {
  /** 0 (default): a random free port. */
  port?: number;
  /** The token the emulator accepts (default 'emulator-token'); it has every scope unless `scopes` says otherwise. */
  token?: string;
  scopes?: string[];
  /** Further tokens. */
  tokens?: TokenSpec[];
  /** Number of stores generated at start from `store` (default 1); store k > 0 uses seed `${seed}/${k}`. */
  stores?: number;
  /** Generator options for the stores made at start. */
  store?: StoreSpec;
  /** Explicit stores (overrides `stores` and `store`). */
  storeList?: StoreSpec[];
  /** Documents per page (default 1000); a request's `limit` can only lower it. */
  pageSize?: number;
  /** Products per page (default 1000). */
  productPageSize?: number;
  /**
   * Requests per window per token and URI (default 1000 per 60 s, scope 'token+uri'); `scope: 'token'` counts every
   * request of a token together. null: unlimited (headers still sent).
   */
  rateLimit?: RateLimit | null;
  /** V1 documents older than this many months are refused (default 6, per the reference). */
  v1HistoryMonths?: number;
  /** Request bodies over this size answer 413 (default 10 MB). */
  maxBodyBytes?: number;
  faults?: Partial<Faults>;
  /** Request log entries kept (default 10000). */
  logLimit?: number;
  /** Real time source (tests may pass a fake). */
  clock?: () => number;
}

export interface LogEntry {
  seq: number;
  time: string;
  method: string;
  path: string;
  query: string;
  status: number;
  durationMs: number;
  fault?: string;
}

interface TokenState {
  spec: Required<TokenSpec>;
  requests: number;
}

interface BulkTask {
  id: string;
  status: 'ACCEPTED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  modified_at: string;
  details: unknown[];
  final: 'COMPLETED' | 'FAILED';
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violations: Violation[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Everything the emulator holds; exposed to in-process tests. */
export class EmulatorState {
  stores = new Map<string, RuntimeStore>();
  tokens = new Map<string, TokenState>();
  faults: Faults;
  faultRng: Rng;
  log: LogEntry[] = [];
  logSeq = 0;
  bulks = new Map<string, BulkTask>();
  bulkSeq = 0;
  rate = new Map<string, { windowStart: number; count: number }>();
  readonly clock: () => number;
  readonly pageSize: number;
  readonly productPageSize: number;
  readonly rateLimit: Required<RateLimit> | null;
  readonly v1HistoryMonths: number;
  readonly maxBodyBytes: number;
  readonly logLimit: number;
  readonly defaultToken: string;

  constructor(readonly options: EmulatorOptions) {
    this.clock = options.clock ?? Date.now;
    this.pageSize = positiveInt(options.pageSize ?? 1000, 'pageSize');
    this.productPageSize = positiveInt(options.productPageSize ?? 1000, 'productPageSize');
    this.rateLimit = rateLimitOption(options.rateLimit === undefined ? { limit: 1000, windowSeconds: 60 } : options.rateLimit);
    this.v1HistoryMonths = positiveInt(options.v1HistoryMonths ?? 6, 'v1HistoryMonths');
    this.maxBodyBytes = positiveInt(options.maxBodyBytes ?? 10 * 1024 * 1024, 'maxBodyBytes');
    this.logLimit = positiveInt(options.logLimit ?? 10_000, 'logLimit');
    this.defaultToken = options.token ?? 'emulator-token';
    this.faults = mergeFaults(DEFAULT_FAULTS, (options.faults ?? {}) as Json);
    this.faultRng = new Rng(this.faults.seed);
    this.resetTokens();
    this.resetStores();
  }

  resetTokens(): void {
    this.tokens.clear();
    this.setToken({ token: this.defaultToken, scopes: this.options.scopes ?? ALL_SCOPES, paid: true });
    for (const t of this.options.tokens ?? []) this.setToken(t);
  }

  setToken(spec: TokenSpec): TokenState {
    if (typeof spec.token !== 'string' || spec.token === '' || /\s/.test(spec.token)) throw new HttpError(400, 'BAD_REQUEST', 'token must be a non-empty string without spaces');
    const scopes = spec.scopes ?? ALL_SCOPES;
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw new HttpError(400, 'BAD_REQUEST', 'scopes must be an array of strings');
    const stores = spec.stores ?? null;
    if (stores !== null && (!Array.isArray(stores) || !stores.every((s) => typeof s === 'string'))) throw new HttpError(400, 'BAD_REQUEST', 'stores must be an array of store ids or null');
    const state: TokenState = { spec: { token: spec.token, scopes, paid: spec.paid ?? true, stores }, requests: 0 };
    this.tokens.set(spec.token, state);
    return state;
  }

  resetStores(): void {
    this.stores.clear();
    const specs = this.options.storeList ?? Array.from({ length: this.options.stores ?? 1 }, (_, k) => {
      const base = { ...(this.options.store ?? {}) };
      if (k > 0) base.seed = `${String(base.seed ?? 1)}/${k}`;
      return base;
    });
    for (const spec of specs) this.createStore(spec);
  }

  createStore(spec: StoreSpec): RuntimeStore {
    const { paid, malformedRate, malformedSeed, ...generator } = spec;
    let malformed: MalformedSettings | null;
    try {
      malformed = mergeStoreMalformed(null, { malformedRate, malformedSeed });
    } catch (e) {
      throw new OptionsError((e as Error).message);
    }
    let store: RuntimeStore | null = null;
    for (let salt = 0; salt < 100; salt++) {
      store = new RuntimeStore(generator, this.clock, salt === 0 ? {} : { idSalt: `#${salt}` });
      if (!this.stores.has(store.id)) break;
    }
    if (!store) throw new Error('could not make a unique store id');
    store.paid = paid ?? true;
    store.malformed = malformed;
    this.stores.set(store.id, store);
    return store;
  }

  store(id: string): RuntimeStore | undefined {
    return this.stores.get(id.toUpperCase());
  }

  setFaults(update: Json, reset = false): void {
    this.faults = mergeFaults(reset ? DEFAULT_FAULTS : this.faults, update);
    this.faultRng = new Rng(this.faults.seed);
    if ('tokenExpiresAfter' in update || reset) for (const t of this.tokens.values()) t.requests = 0;
  }

  record(entry: Omit<LogEntry, 'seq'>): void {
    this.log.push({ seq: ++this.logSeq, ...entry });
    if (this.log.length > this.logLimit) this.log.splice(0, this.log.length - this.logLimit);
  }

  reset(): void {
    this.faults = mergeFaults(DEFAULT_FAULTS, (this.options.faults ?? {}) as Json);
    this.faultRng = new Rng(this.faults.seed);
    this.resetTokens();
    this.resetStores();
    this.log = [];
    this.bulks.clear();
    this.rate.clear();
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new OptionsError(`${name} must be a positive integer`);
  return v;
}

function rateLimitOption(r: RateLimit | null): Required<RateLimit> | null {
  if (r === null) return null;
  const scope = r.scope ?? 'token+uri';
  if (!RATE_LIMIT_SCOPES.includes(scope)) throw new OptionsError(`rateLimit.scope must be one of ${RATE_LIMIT_SCOPES.join(', ')}, got ${String(scope)}`);
  if (!(Number.isFinite(r.windowSeconds) && r.windowSeconds > 0)) throw new OptionsError('rateLimit.windowSeconds must be a positive number');
  return { limit: positiveInt(r.limit, 'rateLimit.limit'), windowSeconds: r.windowSeconds, scope };
}

// ---------------------------------------------------------------------------------------------- HTTP helpers

function cors(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
  res.setHeader('Vary', 'Origin');
  void req;
}

function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8', headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (text !== '') res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.statusCode = status;
  res.end(text);
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body over ${max} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body over ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

function parseJson(buf: Buffer, subject = 'body'): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, 'BAD_REQUEST', 'Malformed JSON', [{ subject, reason: (e as Error).message }]);
  }
}

function tokenOf(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.trim() !== '') {
    const m = /^bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1]!.trim() : auth.trim();
  }
  const x = req.headers['x-authorization'];
  if (typeof x === 'string' && x.trim() !== '') return x.trim();
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function unb64(text: string): Json {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (v && typeof v === 'object') return v as Json;
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'BAD_REQUEST', 'Invalid cursor', [{ subject: 'cursor', reason: 'not a cursor this server issued' }]);
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

// ---------------------------------------------------------------------------------------------- the server

export interface RunningEmulator {
  url: string;
  token: string;
  port: number;
  state: EmulatorState;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const state = new EmulatorState(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(state, req, res).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL_ERROR', message: (e as Error).message });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token: state.defaultToken,
    port,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

async function handle(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const began = state.clock();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  cors(req, res);
  if (method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, X-Authorization, Content-Type, Accept');
    res.setHeader('Access-Control-Max-Age', '600');
    if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
    res.statusCode = 204;
    res.end();
    if (!url.pathname.startsWith(ADMIN_PREFIX)) {
      state.record({ time: new Date(began).toISOString(), method, path: url.pathname, query: url.search.slice(1), status: 204, durationMs: 0 });
    }
    return;
  }
  if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`)) {
    try {
      await handleAdmin(state, req, res, url, method);
    } catch (e) {
      const err = toHttpError(e);
      sendJson(res, err.status, { code: err.code, message: err.message, violations: err.violations });
    }
    return;
  }

  const log = (status: number, fault?: string) =>
    state.record({
      time: new Date(began).toISOString(), method, path: url.pathname, query: url.search.slice(1), status,
      durationMs: state.clock() - began, ...(fault ? { fault } : {}),
    });
  const v1 = url.pathname.startsWith('/api/v1/');
  const contentType = v1 ? 'application/json; charset=utf-8' : `${V2_JSON}; charset=utf-8`;

  // Faults first: they model the network and the cloud's front door.
  const f = state.faults;
  const faulted = f.match === null || new RegExp(f.match).test(`${method} ${url.pathname}`);
  let badBody = false;
  if (faulted) {
    const delay = f.latencyMs + (f.latencyJitterMs > 0 ? state.faultRng.float() * f.latencyJitterMs : 0);
    const drop = f.dropRate > 0 && state.faultRng.chance(f.dropRate);
    const hang = !drop && f.hangRate > 0 && state.faultRng.chance(f.hangRate);
    const error = !drop && !hang && f.errorRate > 0 && state.faultRng.chance(f.errorRate);
    const status = error ? f.errorStatuses[state.faultRng.int(f.errorStatuses.length)]! : 0;
    badBody = !drop && !hang && !error && f.badBodyRate > 0 && state.faultRng.chance(f.badBodyRate);
    if (delay > 0) await sleep(delay);
    if (drop) {
      log(0, 'dropped');
      req.socket.destroy();
      return;
    }
    if (hang) {
      log(0, 'hung');
      return; // never answered; closed when the client gives up or the emulator closes
    }
    if (f.burst429 > 0) {
      f.burst429 -= 1;
      const retry = String(Math.ceil(f.burstRetryAfterSeconds));
      const limit = state.rateLimit?.limit ?? 1000;
      sendError(res, v1, new HttpError(429, 'TOO_MANY_REQUESTS', 'Too many requests', [], {
        'Retry-After': retry, 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': retry,
      }), contentType);
      log(429, 'burst429');
      return;
    }
    if (error) {
      sendJson(res, status, { code: 'INTERNAL_ERROR', message: 'Injected server error' }, contentType);
      log(status, '5xx');
      return;
    }
  }

  let status = 500;
  try {
    const body = method === 'GET' || method === 'DELETE' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, state.maxBodyBytes);
    const token = tokenOf(req);
    // Rate limit per token and URI (or per token: scope 'token').
    const rateHeaders = rateLimit(state, state.rateLimit?.scope === 'token' ? `${token ?? '-'}` : `${token ?? '-'} ${url.pathname}`);
    for (const [k, v] of Object.entries(rateHeaders.headers)) res.setHeader(k, v);
    if (faulted && f.rateLimitHeaders) {
      res.setHeader('X-RateLimit-Remaining', String(f.rateLimitHeaders.remaining));
      res.setHeader('X-RateLimit-Reset', String(f.rateLimitHeaders.resetSeconds));
    }
    if (rateHeaders.exceeded) throw new HttpError(429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded', [], { 'Retry-After': rateHeaders.headers['X-RateLimit-Reset']! });
    // Authentication.
    const ts = token === null ? undefined : state.tokens.get(token);
    if (!ts) throw new HttpError(401, 'UNAUTHORIZED', token === null ? 'Authorization required' : 'Invalid token');
    ts.requests += 1;
    if (state.faults.tokenExpiresAfter !== null && ts.requests > state.faults.tokenExpiresAfter) {
      throw new HttpError(401, 'UNAUTHORIZED', 'Token expired');
    }
    if (!ts.spec.paid) throw new HttpError(402, 'PAYMENT_REQUIRED', 'Payment required: the application subscription is not active');
    const ctx: RequestContext = { faulted };
    const result = v1 ? await routeV1(state, ctx, ts, req, url, method, body) : await routeV2(state, ctx, ts, req, url, method, body);
    status = result.status;
    if (badBody && result.status === 200) {
      sendBadBody(res, f.badBody, result.body, contentType);
      log(200, `bad-body:${f.badBody}`);
      return;
    }
    sendJson(res, result.status, result.body, contentType, result.headers ?? {});
  } catch (e) {
    const err = toHttpError(e);
    status = err.status;
    if (err.status === 413) res.setHeader('Connection', 'close');
    sendError(res, v1, err, contentType);
  }
  log(status);
}

/** A 200 whose body cannot be read as JSON (faults.badBody): what a proxy, a login page or a cut connection gives. */
function sendBadBody(res: ServerResponse, kind: BadBody, body: unknown, contentType: string): void {
  res.statusCode = 200;
  if (kind === 'truncated') {
    // The full length announced, half of it sent, then the connection cut.
    const text = Buffer.from(JSON.stringify(body ?? {}));
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Length', text.length);
    res.write(text.subarray(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
    return;
  }
  const text = kind === 'html' ? '<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>' : 'OK';
  res.setHeader('Content-Type', kind === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof StoreError) return new HttpError(e.status, e.status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', e.message, e.subject ? [{ subject: e.subject, reason: e.message }] : []);
  if (e instanceof OptionsError || e instanceof FaultsError) return new HttpError(400, 'BAD_REQUEST', e.message, [{ subject: 'options', reason: e.message }]);
  return new HttpError(500, 'INTERNAL_ERROR', (e as Error)?.message ?? String(e));
}

const V1_CODES: Record<number, number> = { 400: 2003, 401: 1001, 402: 1004, 403: 1006, 404: 2003, 413: 2001, 429: 2003 };

function sendError(res: ServerResponse, v1: boolean, err: HttpError, contentType: string): void {
  if (v1) {
    const code = err.message === 'Token expired' ? 1003 : err.violations.length === 0 && err.status === 400 ? 2001 : (V1_CODES[err.status] ?? 0);
    const errors = err.violations.length > 0
      ? err.violations.map((v) => ({ code, reason: v.reason, subject: v.subject }))
      : [{ code, reason: err.message }];
    sendJson(res, err.status, { errors }, contentType, err.headers);
    return;
  }
  const body: Json = { code: err.code, message: err.message };
  if (err.violations.length > 0 || err.status === 400) body.violations = err.violations;
  sendJson(res, err.status, body, contentType, err.headers);
}

function rateLimit(state: EmulatorState, key: string): { exceeded: boolean; headers: Record<string, string> } {
  const now = state.clock();
  const cfg = state.rateLimit;
  if (!cfg) return { exceeded: false, headers: { 'X-RateLimit-Limit': '1000000', 'X-RateLimit-Remaining': '1000000', 'X-RateLimit-Reset': '60' } };
  const windowMs = cfg.windowSeconds * 1000;
  let entry = state.rate.get(key);
  if (!entry || now - entry.windowStart >= windowMs) {
    entry = { windowStart: now, count: 0 };
    state.rate.set(key, entry);
  }
  entry.count += 1;
  const reset = Math.max(1, Math.ceil((entry.windowStart + windowMs - now) / 1000));
  const exceeded = entry.count > cfg.limit;
  return {
    exceeded,
    headers: {
      'X-RateLimit-Limit': String(cfg.limit),
      'X-RateLimit-Remaining': String(Math.max(0, cfg.limit - entry.count)),
      'X-RateLimit-Reset': String(reset),
    },
  };
}

function requireScope(ts: TokenState, scope: string): void {
  if (!ts.spec.scopes.includes(scope)) {
    throw new HttpError(403, 'FORBIDDEN', `Insufficient rights: scope ${scope} is required`, [{ subject: 'scope', reason: scope }]);
  }
}

/** Whether the token's account has this store. */
function ownsStore(ts: TokenState, id: string): boolean {
  return ts.spec.stores === null || ts.spec.stores.some((s) => s.toLowerCase() === id.toLowerCase());
}

/** The token's stores, as the store lists give them. */
function storesOf(state: EmulatorState, ts: TokenState): RuntimeStore[] {
  return [...state.stores.values()].filter((s) => ownsStore(ts, s.id));
}

function storeOr404(state: EmulatorState, id: string, ts: TokenState): RuntimeStore {
  const store = state.store(id);
  if (!store || !ownsStore(ts, store.id)) throw new HttpError(404, 'NOT_FOUND', `Store ${id} not found`);
  if (!store.paid) throw new HttpError(402, 'PAYMENT_REQUIRED', 'Payment required: the store has no active subscription');
  return store;
}

/** What a route needs to know about its request beyond the HTTP message. */
interface RequestContext {
  /** The request matches the global faults' `match` (or there is none): the global malformed fault applies. */
  faulted: boolean;
}

interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

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

/** The malformed setting for a store's documents in this request: the store's own, else the global fault if matched. */
export function malformedSettings(state: EmulatorState, store: RuntimeStore, faulted: boolean): MalformedSettings | null {
  if (store.malformed) return store.malformed;
  return faulted ? state.faults : null;
}

function serveDocument(state: EmulatorState, ctx: RequestContext, store: RuntimeStore, doc: GenDoc, v1: boolean): Json {
  const json = v1 ? v1Document(store.gen, doc) : v2Document(store.gen, doc);
  const settings = malformedSettings(state, store, ctx.faulted);
  const kind = settings ? malformation(doc.id, settings) : null;
  return kind ? corrupt(json, kind, v1) : json;
}

function intParam(url: URL, name: string, violations: Violation[]): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return null;
  if (!/^-?\d+$/.test(raw)) {
    violations.push({ subject: name, reason: 'must be epoch milliseconds (an integer)' });
    return null;
  }
  return Number(raw);
}

function typesParam(url: URL, name: string): string[] | null {
  const all = url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return all.length > 0 ? [...new Set(all)] : null;
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
    const c = unb64(cursorText);
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
  if (page.next !== null) paging.next_cursor = b64({ k: 'd', s: store.id, o: page.next, l: limit, f: filter });
  if (ctx.faulted && state.faults.pagingLoop && cursorText !== null) {
    // A → B → A: the page of cursor A points on to B (which remembers A), the page of B back to A.
    paging.next_cursor = back ?? b64({ k: 'd', s: store.id, o: page.next ?? from, l: limit, f: filter, b: cursorText });
  }
  return { status: 200, body: { items: page.docs.map((d) => serveDocument(state, ctx, store, d, false)), paging } };
}

function productsPage(state: EmulatorState, store: RuntimeStore, url: URL, ts: TokenState, groupsOnly: boolean): RouteResult {
  let offset = 0;
  let limit = state.productPageSize;
  const cursorText = url.searchParams.get('cursor');
  if (cursorText !== null) {
    const c = unb64(cursorText);
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
  if (offset + limit < list.length) paging.next_cursor = b64({ k: groupsOnly ? 'g' : 'p', s: store.id, o: offset + limit, l: limit });
  return { status: 200, body: { items, paging } };
}

function jsonBody(req: IncomingMessage, body: Buffer): unknown {
  const type = String(req.headers['content-type'] ?? '');
  if (type !== '' && !/json/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type} is not supported; use ${V2_JSON}`);
  }
  if (body.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'Request body is required', [{ subject: 'body', reason: 'must not be empty' }]);
  return parseJson(body);
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
    const product = replaceProduct(store, id as string, fields, quantity, now);
    ok++;
    details.push(v2Product(product, store.id, store.gen.userId, true));
  });
  const taskId = new Rng(`bulk|${++state.bulkSeq}`).uuid();
  const task: BulkTask = { id: taskId, status: 'ACCEPTED', modified_at: evotorDate(now), details, final: ok > 0 || details.length === 0 ? 'COMPLETED' : 'FAILED' };
  state.bulks.set(taskId, task);
  return { status: 202, body: { id: task.id, status: task.status, modified_at: task.modified_at, details: [] }, headers: { Location: `/bulks/${taskId}` } };
}

/** Full replace of a product (V2 bulk or V1 POST): fields not sent are gone; an absent quantity leaves none. */
function replaceProduct(store: RuntimeStore, id: string, fields: Json, quantity: unknown, now: number): RtProduct {
  const existing = store.product(id);
  const q = quantity === undefined || quantity === null ? null : (parseApiQuantity(quantity) as { value: Milli }).value;
  const group = fields.group === true;
  if (existing) {
    existing.fields = fields;
    existing.group = group;
    existing.quantity = group || fields.type === 'SERVICE' ? null : q;
    existing.updatedAt = now;
    return existing;
  }
  const created: RtProduct = { index: -1, id: id.toLowerCase(), group, fields, quantity: group || fields.type === 'SERVICE' ? null : q, createdAt: now, updatedAt: now };
  store.products.push(created);
  store.byId.set(created.id, created);
  return created;
}

async function routeV2(state: EmulatorState, ctx: RequestContext, ts: TokenState, req: IncomingMessage, url: URL, method: string, body: Buffer): Promise<RouteResult> {
  const parts = url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [a, storeId, c, d, e, f] = parts;
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
      return { status: 200, body: serveDocument(state, ctx, store, doc, false) };
    }
    void f;
  }
  if (a === 'bulks' && method === 'GET') {
    requireScope(ts, 'product:read');
    if (n === 1) return { status: 200, body: { items: [...state.bulks.values()].map(bulkJson), paging: {} } };
    if (n === 2) {
      const task = state.bulks.get(storeId!.toLowerCase());
      if (!task) throw new HttpError(404, 'NOT_FOUND', `Bulk task ${storeId} not found`);
      task.status = task.final;
      return { status: 200, body: bulkJson(task) };
    }
  }
  throw notFound(url);
}

const bulkJson = (t: BulkTask) => ({ id: t.id, status: t.status, modified_at: t.modified_at, details: t.status === 'ACCEPTED' ? [] : t.details });
const notFound = (url: URL) => new HttpError(404, 'NOT_FOUND', `No route for ${url.pathname}`);

async function routeV1(state: EmulatorState, ctx: RequestContext, ts: TokenState, req: IncomingMessage, url: URL, method: string, body: Buffer): Promise<RouteResult> {
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
      if (!p) continue;
      store.products = store.products.filter((x) => x !== p);
      store.byId.delete(p.id.toLowerCase());
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
    docs.push(serveDocument(state, ctx, store, doc, true));
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
    replaceProduct(store, uuid as string, fields, obj.quantity, now);
  });
  return {
    status: 200,
    headers: {
      'X-Products-Violations-Count': String(violations.length),
      'X-Products-Violations': JSON.stringify(violations.slice(0, 20)).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`),
    },
  };
}

// ---------------------------------------------------------------------------------------------- admin

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

async function handleAdmin(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
  const parts = url.pathname.slice(ADMIN_PREFIX.length).split('/').filter((p) => p !== '').map(decodeURIComponent);
  const body = method === 'GET' || method === 'DELETE' ? Buffer.alloc(0) : await readBody(req, 64 * 1024 * 1024);
  const data = (): Json => {
    if (body.length === 0) return {};
    const v = parseJson(body);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'BAD_REQUEST', 'Body must be a JSON object');
    return v as Json;
  };
  const ok = (status: number, value: unknown) => sendJson(res, status, value);
  const [a, b, c] = parts;

  if (parts.length === 0 && method === 'GET') {
    return ok(200, {
      stores: [...state.stores.values()].map(storeSummary),
      tokens: [...state.tokens.values()].map((t) => ({ ...t.spec, requests: t.requests })),
      faults: state.faults,
      pageSize: state.pageSize,
      productPageSize: state.productPageSize,
      rateLimit: state.rateLimit,
      v1HistoryMonths: state.v1HistoryMonths,
      maxBodyBytes: state.maxBodyBytes,
    });
  }
  if (a === 'reset' && parts.length === 1 && method === 'POST') {
    state.reset();
    return ok(200, { stores: [...state.stores.keys()] });
  }
  if (a === 'faults' && parts.length === 1) {
    if (method === 'GET') return ok(200, state.faults);
    if (method === 'PUT' || method === 'POST') {
      const d = data();
      const reset = d.reset === true;
      delete d.reset;
      state.setFaults(d, reset);
      return ok(200, state.faults);
    }
  }
  if (a === 'requests' && parts.length === 1) {
    if (method === 'GET') {
      const since = Number(url.searchParams.get('since') ?? 0);
      return ok(200, { entries: state.log.filter((e) => e.seq > since) });
    }
    if (method === 'DELETE') {
      state.log = [];
      return ok(200, { entries: [] });
    }
  }
  if (a === 'tokens') {
    if (parts.length === 1 && method === 'GET') return ok(200, { tokens: [...state.tokens.values()].map((t) => ({ ...t.spec, requests: t.requests })) });
    if (parts.length === 1 && (method === 'POST' || method === 'PUT')) {
      const d = data();
      const t = state.setToken(d as unknown as TokenSpec);
      if (d.replaceAll === true) for (const key of [...state.tokens.keys()]) if (key !== t.spec.token) state.tokens.delete(key);
      return ok(200, { ...t.spec, requests: 0 });
    }
    if (parts.length === 2 && method === 'DELETE') {
      state.tokens.delete(b!);
      return ok(200, { deleted: b });
    }
  }
  if (a === 'stores') {
    if (parts.length === 1 && method === 'GET') return ok(200, { stores: [...state.stores.values()].map(storeSummary) });
    if (parts.length === 1 && method === 'POST') {
      const store = state.createStore(data() as StoreSpec);
      return ok(201, { storeId: store.id, ...storeSummary(store) });
    }
    const store = b === undefined ? undefined : state.store(b);
    if (!store) throw new HttpError(404, 'NOT_FOUND', `Store ${b} not found`);
    if (parts.length === 2) {
      if (method === 'GET') return ok(200, storeSummary(store));
      if (method === 'DELETE') {
        state.stores.delete(store.id);
        return ok(200, { deleted: store.id });
      }
      if (method === 'PUT' || method === 'PATCH') {
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
        return ok(200, storeSummary(store));
      }
    }
    if (c === 'truth' && parts.length === 3 && method === 'GET') {
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
      return ok(200, out);
    }
    if (c === 'cloud' && parts.length === 3) {
      if (method === 'GET') {
        const quantities: Record<string, string | null> = {};
        for (const p of store.products) if (!p.group) quantities[p.id] = p.quantity === null ? null : formatQuantity(p.quantity);
        return ok(200, { storeId: store.id, quantities });
      }
      if (method === 'PUT' || method === 'PATCH') {
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
        const quantities: Record<string, string | null> = {};
        for (const p of store.products) if (!p.group) quantities[p.id] = p.quantity === null ? null : formatQuantity(p.quantity);
        return ok(200, { storeId: store.id, quantities });
      }
    }
    if ((c === 'sales' || c === 'documents') && parts.length === 3 && method === 'POST') {
      const d = data() as InjectOptions;
      if (c === 'sales') d.type = 'SELL';
      const doc = store.inject(d);
      const truth: Record<string, string> = {};
      for (const l of doc.lines) truth[store.gen.catalogue.products[l.p]!.id] = formatQuantity(store.truth[l.p] as Milli);
      return ok(201, { document: v2Document(store.gen, doc), truth });
    }
  }
  throw new HttpError(404, 'NOT_FOUND', `No admin route for ${method} ${url.pathname}`);
}

export { EMITTED_TYPES };
