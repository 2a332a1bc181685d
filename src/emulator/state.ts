/**
 * Everything the emulator holds: its options, stores, tokens, faults, bulk tasks, rate-limit counters and request
 * log. Tests reach it in process as `emulator.state`; the admin API (admin.ts) changes it over HTTP.
 */
import { corrupt, DEFAULT_FAULTS, malformation, mergeFaults, mergeStoreMalformed, type Faults, type MalformedSettings } from './faults.ts';
import type { GenDoc } from './generator/day.ts';
import { OptionsError, type GeneratorOptions } from './generator/options.ts';
import { Rng } from './generator/prng.ts';
import { HttpError, type Json } from './http.ts';
import { v1Document, v2Document } from './serialize.ts';
import { RuntimeStore } from './store.ts';

export const ALL_SCOPES = ['store:read', 'product:read', 'product.quantity:read', 'product:write', 'product.quantity:write', 'document:read'];

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

export interface TokenState {
  spec: Required<TokenSpec>;
  requests: number;
}

export interface BulkTask {
  id: string;
  status: 'ACCEPTED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  modified_at: string;
  details: unknown[];
  final: 'COMPLETED' | 'FAILED';
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

  /** The malformed setting for a store's documents in this request: the store's own, else the global fault if matched. */
  malformedFor(store: RuntimeStore, faulted: boolean): MalformedSettings | null {
    if (store.malformed) return store.malformed;
    return faulted ? this.faults : null;
  }

  /** A document as served (V2 or V1 JSON), corrupted when the malformed setting picks it. */
  documentJson(store: RuntimeStore, doc: GenDoc, v1: boolean, faulted: boolean): Json {
    const json = v1 ? v1Document(store.gen, doc) : v2Document(store.gen, doc);
    const settings = this.malformedFor(store, faulted);
    const kind = settings ? malformation(doc.id, settings) : null;
    return kind ? corrupt(json, kind, v1) : json;
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
