/**
 * The cloud's front door, in the order a request meets it: CORS, injected faults (the network and a misbehaving
 * cloud), the rate limit, authentication, then the checks every route makes (scope, the account's stores, payment).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BadBody, Faults } from './faults.ts';
import { HttpError, sendError, sendJson } from './http.ts';
import type { EmulatorState, TokenState } from './state.ts';
import type { RuntimeStore } from './store.ts';

const EXPOSED_HEADERS = [
  'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'X-Products-Violations-Count', 'X-Products-Violations', 'Location',
];

/** Every answer, API and admin: readable from any origin (the app runs in a browser on another origin). */
export function allowCors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
  res.setHeader('Vary', 'Origin');
}

/** An OPTIONS preflight: 204 with the methods and headers the API takes (private network access allowed). */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, X-Authorization, Content-Type, Accept');
  res.setHeader('Access-Control-Max-Age', '600');
  if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
  res.statusCode = 204;
  res.end();
}

/** The faults drawn for one request: `answered` names the fault that already answered it (or cut it off). */
export interface FaultDraw {
  /** The request matches `faults.match` (or there is none). */
  faulted: boolean;
  /** Its 200 answer is to be sent as a bad body (faults.badBody). */
  badBody: boolean;
  answered: { status: number; fault: string } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Faults first: they model the network and the cloud's front door. The fault PRNG is drawn in a fixed order per
 * matching request, so a sequential test sees the same faults each run.
 */
export async function injectFaults(state: EmulatorState, f: Faults, req: IncomingMessage, res: ServerResponse, what: { method: string; path: string; v1: boolean; contentType: string }): Promise<FaultDraw> {
  const faulted = f.match === null || new RegExp(f.match).test(`${what.method} ${what.path}`);
  if (!faulted) return { faulted, badBody: false, answered: null };
  const rng = state.faultRng;
  const delay = f.latencyMs + (f.latencyJitterMs > 0 ? rng.float() * f.latencyJitterMs : 0);
  const drop = f.dropRate > 0 && rng.chance(f.dropRate);
  const hang = !drop && f.hangRate > 0 && rng.chance(f.hangRate);
  const error = !drop && !hang && f.errorRate > 0 && rng.chance(f.errorRate);
  const status = error ? f.errorStatuses[rng.int(f.errorStatuses.length)]! : 0;
  const badBody = !drop && !hang && !error && f.badBodyRate > 0 && rng.chance(f.badBodyRate);
  if (delay > 0) await sleep(delay);
  if (drop) {
    req.socket.destroy();
    return { faulted, badBody, answered: { status: 0, fault: 'dropped' } };
  }
  // Never answered; closed when the client gives up or the emulator closes.
  if (hang) return { faulted, badBody, answered: { status: 0, fault: 'hung' } };
  if (f.burst429 > 0) {
    f.burst429 -= 1;
    const retry = String(Math.ceil(f.burstRetryAfterSeconds));
    const limit = state.rateLimit?.limit ?? 1000;
    sendError(res, what.v1, new HttpError(429, 'TOO_MANY_REQUESTS', 'Too many requests', [], {
      'Retry-After': retry, 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': retry,
    }), what.contentType);
    return { faulted, badBody, answered: { status: 429, fault: 'burst429' } };
  }
  if (error) {
    sendJson(res, status, { code: 'INTERNAL_ERROR', message: 'Injected server error' }, what.contentType);
    return { faulted, badBody, answered: { status, fault: '5xx' } };
  }
  return { faulted, badBody, answered: null };
}

/** A 200 whose body cannot be read as JSON (faults.badBody): what a proxy, a login page or a cut connection gives. */
export function sendBadBody(res: ServerResponse, kind: BadBody, body: unknown, contentType: string): void {
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

/**
 * The rate limit, then authentication: sets the X-RateLimit-* headers and returns the request's token, or throws
 * 429, 401 (no, unknown or expired token) or 402 (token not paid). The limit comes first, so requests with no
 * token share the counter `-`.
 */
export function admit(state: EmulatorState, f: Faults, faulted: boolean, req: IncomingMessage, res: ServerResponse, path: string): TokenState {
  const token = tokenOf(req);
  // Per token and URI (or per token: scope 'token').
  const rate = countRequest(state, state.rateLimit?.scope === 'token' ? `${token ?? '-'}` : `${token ?? '-'} ${path}`);
  for (const [k, v] of Object.entries(rate.headers)) res.setHeader(k, v);
  if (faulted && f.rateLimitHeaders) {
    res.setHeader('X-RateLimit-Remaining', String(f.rateLimitHeaders.remaining));
    res.setHeader('X-RateLimit-Reset', String(f.rateLimitHeaders.resetSeconds));
  }
  if (rate.exceeded) throw new HttpError(429, 'TOO_MANY_REQUESTS', 'Rate limit exceeded', [], { 'Retry-After': rate.headers['X-RateLimit-Reset']! });
  const ts = token === null ? undefined : state.tokens.get(token);
  if (!ts) throw new HttpError(401, 'UNAUTHORIZED', token === null ? 'Authorization required' : 'Invalid token');
  ts.requests += 1;
  if (state.faults.tokenExpiresAfter !== null && ts.requests > state.faults.tokenExpiresAfter) {
    throw new HttpError(401, 'UNAUTHORIZED', 'Token expired');
  }
  if (!ts.spec.paid) throw new HttpError(402, 'PAYMENT_REQUIRED', 'Payment required: the application subscription is not active');
  return ts;
}

/** `Authorization: Bearer <t>`, `Authorization: <t>` or `X-Authorization: <t>`, on both versions. */
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

/** One more request on a counter; the window starts at the counter's first request (the injected clock drives it). */
function countRequest(state: EmulatorState, key: string): { exceeded: boolean; headers: Record<string, string> } {
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

export function requireScope(ts: TokenState, scope: string): void {
  if (!ts.spec.scopes.includes(scope)) {
    throw new HttpError(403, 'FORBIDDEN', `Insufficient rights: scope ${scope} is required`, [{ subject: 'scope', reason: scope }]);
  }
}

/** Whether the token's account has this store. */
function ownsStore(ts: TokenState, id: string): boolean {
  return ts.spec.stores === null || ts.spec.stores.some((s) => s.toLowerCase() === id.toLowerCase());
}

/** The token's stores, as the store lists give them. */
export function storesOf(state: EmulatorState, ts: TokenState): RuntimeStore[] {
  return [...state.stores.values()].filter((s) => ownsStore(ts, s.id));
}

/** The store of the path: 404 when it is not the token's account's, 402 when it is not paid. */
export function storeOr404(state: EmulatorState, id: string, ts: TokenState): RuntimeStore {
  const store = state.store(id);
  if (!store || !ownsStore(ts, store.id)) throw new HttpError(404, 'NOT_FOUND', `Store ${id} not found`);
  if (!store.paid) throw new HttpError(402, 'PAYMENT_REQUIRED', 'Payment required: the store has no active subscription');
  return store;
}
