/**
 * Fault injection: latency, 5xx answers, hung and dropped connections, 429 bursts, token expiry, malformed
 * documents, and a cloud that misbehaves on 200s (issue 12): cursors in a circle, rate-limit headers that say
 * "nothing left for 23 days", bodies that are HTML, text or cut short. Random decisions come from a seeded PRNG advanced once per matching request, in arrival order, so a
 * sequential test sees the same faults every run. Malformed documents are chosen by a hash of the document id, so a
 * test can predict exactly which documents are corrupted (`malformation`).
 */
import { hash32, hashUnit } from './generator/prng.ts';

export interface Faults {
  /** Added delay before answering, ms. */
  latencyMs: number;
  /** Extra random delay in [0, jitter), ms. */
  latencyJitterMs: number;
  /** Share of requests answered with a 5xx status (from errorStatuses). */
  errorRate: number;
  errorStatuses: number[];
  /** Share of requests never answered (the socket stays open). */
  hangRate: number;
  /** Share of requests whose socket is destroyed without an answer. */
  dropRate: number;
  /** The next N requests get 429 with Retry-After = burstRetryAfterSeconds. */
  burst429: number;
  burstRetryAfterSeconds: number;
  /** After this many requests with a token, that token answers 401 until a token is set through the admin API; null: never. */
  tokenExpiresAfter: number | null;
  /**
   * Share of served documents that are corrupted (deterministic by document id and malformedSeed), in answers to
   * requests that `match` selects. A store with its own setting (`RuntimeStore.malformed`) uses that instead.
   */
  malformedRate: number;
  malformedSeed: string;
  /**
   * Listings page in a circle: documents A → B → A (the page after a cursor points on, the next one back to it),
   * the store and device lists to themselves (`next_cursor` that names the same page).
   */
  pagingLoop: boolean;
  /** Every 200 says `X-RateLimit-Remaining: <remaining>` and `X-RateLimit-Reset: <resetSeconds>`; null: the real headers. */
  rateLimitHeaders: { remaining: number; resetSeconds: number } | null;
  /** Share of 200 answers whose body is replaced by `badBody`. */
  badBodyRate: number;
  /** 'html': a web page (a proxy's or a login page); 'text': not JSON; 'truncated': half the JSON, then the connection is cut. */
  badBody: BadBody;
  /** Only requests whose "METHOD /path" matches this regular expression get faults; null: all API requests. */
  match: string | null;
  /** Seed of the fault PRNG (reset whenever faults are set). */
  seed: string;
}

export const DEFAULT_FAULTS: Faults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  errorStatuses: [500, 502, 503],
  hangRate: 0,
  dropRate: 0,
  burst429: 0,
  burstRetryAfterSeconds: 1,
  tokenExpiresAfter: null,
  malformedRate: 0,
  malformedSeed: 'malformed',
  pagingLoop: false,
  rateLimitHeaders: null,
  badBodyRate: 0,
  badBody: 'html',
  match: null,
  seed: 'faults',
};

export const BAD_BODIES = ['html', 'text', 'truncated'] as const;
export type BadBody = (typeof BAD_BODIES)[number];

export class FaultsError extends Error {}

const share = (v: unknown, name: string): number => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new FaultsError(`${name} must be a number in [0, 1]`);
  return n;
};
const nonNegative = (v: unknown, name: string): number => {
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= 0)) throw new FaultsError(`${name} must be a non-negative number`);
  return n;
};

/** Merges a partial update into faults, validating every field. */
export function mergeFaults(base: Faults, update: Record<string, unknown>): Faults {
  const out: Faults = { ...base };
  for (const [key, value] of Object.entries(update)) {
    switch (key) {
      case 'latencyMs':
      case 'latencyJitterMs':
      case 'burstRetryAfterSeconds':
        out[key] = nonNegative(value, key);
        break;
      case 'burst429':
        out.burst429 = Math.floor(nonNegative(value, key));
        break;
      case 'errorRate':
      case 'hangRate':
      case 'dropRate':
      case 'malformedRate':
      case 'badBodyRate':
        out[key] = share(value, key);
        break;
      case 'pagingLoop':
        if (typeof value !== 'boolean') throw new FaultsError('pagingLoop must be true or false');
        out.pagingLoop = value;
        break;
      case 'rateLimitHeaders': {
        if (value === null) {
          out.rateLimitHeaders = null;
          break;
        }
        const v = value as { remaining?: unknown; resetSeconds?: unknown } | undefined;
        if (!v || typeof v !== 'object') throw new FaultsError('rateLimitHeaders must be {remaining, resetSeconds} or null');
        out.rateLimitHeaders = { remaining: Math.floor(nonNegative(v.remaining, 'rateLimitHeaders.remaining')), resetSeconds: nonNegative(v.resetSeconds, 'rateLimitHeaders.resetSeconds') };
        break;
      }
      case 'badBody':
        if (!BAD_BODIES.includes(value as BadBody)) throw new FaultsError(`badBody must be one of ${BAD_BODIES.join(', ')}`);
        out.badBody = value as BadBody;
        break;
      case 'errorStatuses':
        if (!Array.isArray(value) || value.length === 0 || !value.every((s) => Number.isInteger(s) && s >= 500 && s <= 599))
          throw new FaultsError('errorStatuses must be a non-empty array of 5xx statuses');
        out.errorStatuses = value as number[];
        break;
      case 'tokenExpiresAfter':
        out.tokenExpiresAfter = value === null ? null : Math.floor(nonNegative(value, key));
        break;
      case 'malformedSeed':
      case 'seed':
        out[key] = String(value);
        break;
      case 'match':
        if (value !== null) {
          try {
            new RegExp(String(value));
          } catch {
            throw new FaultsError('match must be a valid regular expression');
          }
        }
        out.match = value === null ? null : String(value);
        break;
      default:
        throw new FaultsError(`unknown fault option: ${key}`);
    }
  }
  return out;
}

/** The malformed-documents setting of one store (admin `PUT /__emulator/stores/{id}`, or `StoreSpec`). */
export type MalformedSettings = Pick<Faults, 'malformedRate' | 'malformedSeed'>;

/**
 * Applies `{malformedRate?, malformedSeed?}` to a store's own setting (null: the store follows the global fault).
 * `malformedRate: null` clears it; a seed alone needs a setting to change. Validated before anything changes.
 */
export function mergeStoreMalformed(current: MalformedSettings | null, update: { malformedRate?: unknown; malformedSeed?: unknown }): MalformedSettings | null {
  const { malformedRate: rate, malformedSeed: seed } = update;
  if (rate === null) {
    if (seed !== undefined && seed !== null) throw new FaultsError('malformedSeed cannot be set together with malformedRate: null');
    return null;
  }
  if (seed !== undefined && (typeof seed !== 'string' || seed === '')) throw new FaultsError('malformedSeed must be a non-empty string');
  if (rate === undefined) {
    if (seed === undefined) return current;
    if (!current) throw new FaultsError('malformedSeed needs malformedRate (this store has no malformed setting of its own)');
    return { ...current, malformedSeed: seed as string };
  }
  return {
    malformedRate: typeof rate === 'number' ? share(rate, 'malformedRate') : share(NaN, 'malformedRate'),
    malformedSeed: (seed as string | undefined) ?? current?.malformedSeed ?? DEFAULT_FAULTS.malformedSeed,
  };
}

export const MALFORMATIONS = [
  'quantity-text',
  'quantity-null',
  'quantity-precision',
  'missing-id',
  'bad-close-date',
  'missing-type',
  'positions-not-array',
] as const;
export type Malformation = (typeof MALFORMATIONS)[number];

/** Which corruption a document gets under these faults (null: served intact). Exported so tests can predict it. */
export function malformation(documentId: string, faults: Pick<Faults, 'malformedRate' | 'malformedSeed'>): Malformation | null {
  if (faults.malformedRate <= 0) return null;
  const key = `${faults.malformedSeed}|${documentId.toLowerCase()}`;
  if (hashUnit(key) >= faults.malformedRate) return null;
  return MALFORMATIONS[hash32(`${key}|kind`) % MALFORMATIONS.length]!;
}

type Json = Record<string, unknown>;

function firstPosition(doc: Json, v1: boolean): Json | null {
  if (v1) {
    const tx = (doc.transactions as Json[] | undefined)?.find((t) => t.type === 'REGISTER_POSITION' || t.type === 'INVENTORY');
    return tx ?? null;
  }
  const body = doc.body as Json | undefined;
  const positions = body?.positions as Json[] | undefined;
  return positions && positions.length > 0 && positions[0]!.quantity !== undefined ? positions[0]! : null;
}

/** Corrupts a serialised document in place (V2 or V1 shape). Kinds that need a position fall back to missing-id. */
export function corrupt(doc: Json, kind: Malformation, v1 = false): Json {
  const idKey = v1 ? 'uuid' : 'id';
  const dateKey = v1 ? 'closeDate' : 'close_date';
  const position = firstPosition(doc, v1);
  switch (kind) {
    case 'quantity-text':
      if (position) position.quantity = '1,5 шт';
      else delete doc[idKey];
      break;
    case 'quantity-null':
      if (position) position.quantity = null;
      else delete doc[idKey];
      break;
    case 'quantity-precision':
      if (position) position.quantity = 1.23456;
      else delete doc[idKey];
      break;
    case 'missing-id':
      delete doc[idKey];
      break;
    case 'bad-close-date':
      doc[dateKey] = '31.02.2024 25:61';
      break;
    case 'missing-type':
      delete doc.type;
      break;
    case 'positions-not-array':
      if (v1) doc.transactions = 'not an array';
      else if (doc.body && typeof doc.body === 'object') (doc.body as Json).positions = { broken: true };
      else delete doc[idKey];
      break;
  }
  return doc;
}
