/**
 * How the app learns who it works for, and where the API is.
 *
 * The Evotor personal account opens a web app in an iframe with the cloud token and the user id in the URL,
 * in the query (`?token=…&user_id=…`) or in the hash (`#/?uid=…&token=…`), see shared/docs/evotor-api.md §7.
 * Rules (issue 6 §1):
 * - the token leaves the address bar at once (history.replaceState), other parameters stay;
 * - it lives in memory, and at most in sessionStorage so that a reload of the same tab keeps working;
 *   never localStorage, never IndexedDB, never logs;
 * - the API base URL never comes from the app's own URL (a crafted link must not send the token elsewhere):
 *   it is fixed by the build, or given by the page that embeds the app, or, in demo mode, by the build's demo emulator;
 *   by default it is the page's own origin + `/evotor`, the pass-through of deploy/ (no CORS, no preflight).
 *
 * Everything here is pure or takes its environment (URL, History, Storage) as arguments, so it is tested directly.
 */

/** Evotor Cloud itself (shared/docs/evotor-api.md §1). */
export const DEFAULT_API_BASE = 'https://api.evotor.ru';
/** Where deploy/site.conf.template forwards to the cloud, on the page's own origin. */
export const PASS_THROUGH_PATH = '/evotor';

/** Names in the URL the launch consumes and removes from the address bar. */
export const TOKEN_PARAMS = ['token'] as const;
export const UID_PARAMS = ['uid', 'user_id'] as const;
const CONSUMED = new Set<string>([...TOKEN_PARAMS, ...UID_PARAMS]);

/** sessionStorage key; holds `{ token, uid }` or `{ demo: true }`, nothing else. */
export const SESSION_KEY = 'evotor-stock-sync:session';

export interface Session {
  /** The Evotor cloud token. Pass it to the backend only; never log, store or export it. */
  readonly token: string;
  /** The Evotor user id, when the launch URL gave one. */
  readonly uid: string | null;
  /** API base URL without a trailing slash. */
  readonly apiBase: string;
  /** True when working against the built-in emulator (demo store). */
  readonly demo: boolean;
  /** Where the token came from, for the UI ("demo" shows a badge). */
  readonly source: 'url' | 'session' | 'embed' | 'demo';
  /** Stores that need API V1 ('all': the whole account is on V1); absent: V2 (parseApiChoice). */
  readonly v1Stores?: 'all' | readonly string[];
}

/**
 * The integrator's choice of API (the build's VITE_EVOTOR_API, the demo's VITE_DEMO_API, the embed's `api`
 * attribute): "v2" or nothing — V2; "v1" — every store on V1; "v1:<store id>,<store id>" — those stores on V1.
 * Anything else is ignored (V2). Never read from the page's URL.
 */
export function parseApiChoice(text: string | null | undefined): Pick<Session, 'v1Stores'> {
  const value = (text ?? '').trim();
  if (value.toLowerCase() === 'v1') return { v1Stores: 'all' };
  const m = /^v1:(.+)$/i.exec(value);
  if (!m) return {};
  const ids = m[1]!.split(',').map((id) => id.trim()).filter((id) => /^[\w-]{1,64}$/.test(id));
  return ids.length > 0 ? { v1Stores: ids } : {};
}

export type LaunchResult =
  | { kind: 'session'; session: Session }
  | { kind: 'no-token'; demoAvailable: boolean; invalidToken: boolean };

/** The build-time settings the launch reads (import.meta.env in the app). */
export interface LaunchEnv {
  VITE_EVOTOR_API_BASE?: string | undefined;
  VITE_DEMO_API_BASE?: string | undefined;
  VITE_DEMO_TOKEN?: string | undefined;
  /** parseApiChoice: stores of the account that need API V1 (the build's), and the demo's. */
  VITE_EVOTOR_API?: string | undefined;
  VITE_DEMO_API?: string | undefined;
}

export interface UrlCredentials {
  token: string | null;
  uid: string | null;
  /** The same URL without token/uid/user_id, or null when there was nothing to remove. */
  cleanedUrl: string | null;
  /** A token parameter was present but was not a plausible token. */
  invalidToken: boolean;
}

/** A token is opaque to us, but it is one printable word of sane length: anything else is not used. */
export function isPlausibleToken(value: string): boolean {
  return value.length >= 8 && value.length <= 1024 && /^[\x21-\x7e]+$/.test(value);
}

function isPlausibleUid(value: string): boolean {
  return value.length >= 1 && value.length <= 256 && /^[\x21-\x7e]+$/.test(value);
}

/**
 * Splits a hash into its route and its parameters: `#/?uid=1&token=2` → route `/`, params `uid=1&token=2`;
 * `#token=2&uid=1` → route ``, params `token=2&uid=1`; `#/review` → route `/review`, no params.
 */
function splitHash(hash: string): { route: string; params: URLSearchParams | null } {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = body.indexOf('?');
  if (q >= 0) return { route: body.slice(0, q), params: new URLSearchParams(body.slice(q + 1)) };
  if (body.includes('=') && !body.startsWith('/')) return { route: '', params: new URLSearchParams(body) };
  return { route: body, params: null };
}

function firstOf(params: URLSearchParams | null, names: readonly string[]): string | null {
  if (!params) return null;
  for (const name of names) {
    const value = params.get(name);
    if (value !== null && value.trim() !== '') return value.trim();
  }
  return null;
}

function removeConsumed(params: URLSearchParams): boolean {
  let removed = false;
  for (const name of [...params.keys()]) {
    if (CONSUMED.has(name)) {
      params.delete(name);
      removed = true;
    }
  }
  return removed;
}

/**
 * Reads token and uid from a URL (query first, then hash) and gives the URL with them removed.
 * Only `token`, `uid` and `user_id` are removed; every other parameter and the hash route are kept.
 */
export function readUrlCredentials(href: string): UrlCredentials {
  const url = new URL(href);
  const query = url.searchParams;
  const hash = splitHash(url.hash);

  const rawToken = firstOf(query, TOKEN_PARAMS) ?? firstOf(hash.params, TOKEN_PARAMS);
  const rawUid = firstOf(query, UID_PARAMS) ?? firstOf(hash.params, UID_PARAMS);

  const removedFromQuery = removeConsumed(query);
  const removedFromHash = hash.params ? removeConsumed(hash.params) : false;
  let cleanedUrl: string | null = null;
  if (removedFromQuery || removedFromHash) {
    const search = query.toString();
    let newHash = '';
    if (hash.params) {
      const rest = hash.params.toString();
      const joined = rest === '' ? hash.route : `${hash.route}?${rest}`;
      newHash = joined === '' ? '' : `#${joined}`;
    } else if (hash.route !== '') {
      newHash = `#${hash.route}`;
    }
    cleanedUrl = `${url.origin}${url.pathname}${search === '' ? '' : `?${search}`}${newHash}`;
  }

  const tokenOk = rawToken !== null && isPlausibleToken(rawToken);
  return {
    token: tokenOk ? rawToken : null,
    uid: tokenOk && rawUid !== null && isPlausibleUid(rawUid) ? rawUid : null,
    cleanedUrl,
    invalidToken: rawToken !== null && !tokenOk,
  };
}

/**
 * Normalises an API base URL from a trusted source (build or embedding page): absolute https
 * (http only for a loopback host, i.e. the local emulator), no credentials, no query or hash, no trailing slash.
 * Returns null when the value is not acceptable.
 */
export function normaliseApiBase(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return null;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * The production API base: the build's VITE_EVOTOR_API_BASE when valid (a direct build), else the pass-through on
 * the page's origin (`https://host/evotor`); a page without an http(s) origin (a file) can only call the cloud directly.
 */
export function buildApiBase(env: LaunchEnv, pageOrigin: string): string {
  const direct = normaliseApiBase(env.VITE_EVOTOR_API_BASE);
  if (direct !== null) return direct;
  return /^https?:\/\//.test(pageOrigin) ? `${pageOrigin}${PASS_THROUGH_PATH}` : DEFAULT_API_BASE;
}

/** The demo emulator, when the build configured one (`npm start`). */
export function demoConfig(env: LaunchEnv): { apiBase: string; token: string } | null {
  const apiBase = normaliseApiBase(env.VITE_DEMO_API_BASE);
  const token = env.VITE_DEMO_TOKEN?.trim() ?? '';
  return apiBase !== null && isPlausibleToken(token) ? { apiBase, token } : null;
}

type StoredSession = { token: string; uid: string | null } | { demo: true };

/** Storage may be missing or throw (blocked third-party storage in an iframe): every access is guarded. */
function readStored(storage: Storage | null): StoredSession | null {
  if (!storage) return null;
  try {
    const raw = storage.getItem(SESSION_KEY);
    if (raw === null) return null;
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const rec = parsed as Record<string, unknown>;
    if (rec['demo'] === true) return { demo: true };
    if (typeof rec['token'] === 'string' && isPlausibleToken(rec['token'])) {
      const uid = typeof rec['uid'] === 'string' && isPlausibleUid(rec['uid']) ? rec['uid'] : null;
      return { token: rec['token'], uid };
    }
    return null;
  } catch {
    return null;
  }
}

function writeStored(storage: Storage | null, value: StoredSession | null): void {
  if (!storage) return;
  try {
    if (value === null) storage.removeItem(SESSION_KEY);
    else storage.setItem(SESSION_KEY, JSON.stringify(value));
  } catch {
    // Storage blocked or full: the session then lasts as long as the page, which is acceptable.
  }
}

export interface LaunchInput {
  /** location.href */
  href: string;
  /** history, to remove the token from the address bar; null when there is none. */
  history: Pick<History, 'replaceState' | 'state'> | null;
  /** sessionStorage, or null when unavailable. Never pass localStorage. */
  sessionStorage: Storage | null;
  env: LaunchEnv;
}

/**
 * Starts the app: token from the URL (then removed from it) or from this tab's sessionStorage,
 * or a demo session chosen earlier in this tab; otherwise `no-token`.
 */
export function launch(input: LaunchInput): LaunchResult {
  const fromUrl = readUrlCredentials(input.href);
  if (fromUrl.cleanedUrl !== null && input.history) {
    try {
      input.history.replaceState(input.history.state, '', fromUrl.cleanedUrl);
    } catch {
      // A sandboxed frame may refuse; the token is still never shown or stored anywhere else.
    }
  }
  const apiBase = buildApiBase(input.env, new URL(input.href).origin);
  if (fromUrl.token !== null) {
    writeStored(input.sessionStorage, { token: fromUrl.token, uid: fromUrl.uid });
    return { kind: 'session', session: { token: fromUrl.token, uid: fromUrl.uid, apiBase, demo: false, source: 'url', ...parseApiChoice(input.env.VITE_EVOTOR_API) } };
  }
  const demo = demoConfig(input.env);
  const stored = readStored(input.sessionStorage);
  if (stored !== null && 'token' in stored) {
    return { kind: 'session', session: { token: stored.token, uid: stored.uid, apiBase, demo: false, source: 'session', ...parseApiChoice(input.env.VITE_EVOTOR_API) } };
  }
  if (stored !== null && demo !== null) {
    return { kind: 'session', session: { token: demo.token, uid: null, apiBase: demo.apiBase, demo: true, source: 'demo', ...parseApiChoice(input.env.VITE_DEMO_API) } };
  }
  return { kind: 'no-token', demoAvailable: demo !== null, invalidToken: fromUrl.invalidToken };
}

/** The user chose "Открыть демо-магазин": a session against the build's emulator, remembered for this tab only. */
export function startDemo(env: LaunchEnv, sessionStorage: Storage | null): Session | null {
  const demo = demoConfig(env);
  if (demo === null) return null;
  writeStored(sessionStorage, { demo: true });
  return { token: demo.token, uid: null, apiBase: demo.apiBase, demo: true, source: 'demo', ...parseApiChoice(env.VITE_DEMO_API) };
}

/**
 * A session given by an embedding page (custom element attributes `token`, `api-base` and `api`, parseApiChoice).
 * The page is trusted to choose the API base; it is still validated. Without one, the build's (by default the
 * pass-through on the embedding page's origin). Nothing is stored.
 */
export function embeddedSession(token: string | null, apiBaseAttr: string | null, env: LaunchEnv, pageOrigin: string, apiAttr: string | null = null): Session | null {
  if (token === null || !isPlausibleToken(token.trim())) return null;
  const apiBase = apiBaseAttr === null ? buildApiBase(env, pageOrigin) : normaliseApiBase(apiBaseAttr);
  if (apiBase === null) return null;
  return { token: token.trim(), uid: null, apiBase, demo: false, source: 'embed', ...parseApiChoice(apiAttr ?? env.VITE_EVOTOR_API) };
}

/** Forget the token in this tab (after a 401, or when the user leaves the demo). */
export function forgetSession(sessionStorage: Storage | null): void {
  writeStored(sessionStorage, null);
}
