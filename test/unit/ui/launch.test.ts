import { parseApiChoice } from '../../../src/ui/launch.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_API_BASE,
  SESSION_KEY,
  buildApiBase,
  embeddedSession,
  forgetSession,
  launch,
  normaliseApiBase,
  readUrlCredentials,
  startDemo,
} from '../../../src/ui/launch.ts';

const TOKEN = '6f1c2d3e-aaaa-bbbb-cccc-0123456789ab';

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, String(v)),
  };
}

function fakeHistory() {
  return { state: { keep: 1 }, replaceState: vi.fn() };
}

describe('readUrlCredentials', () => {
  it('reads the token and user_id from the query (the docs template) and removes them, keeping other params', () => {
    const r = readUrlCredentials(`https://app.example/path/?lang=ru&token=${TOKEN}&user_id=01-42&x=1#/review`);
    expect(r.token).toBe(TOKEN);
    expect(r.uid).toBe('01-42');
    expect(r.cleanedUrl).toBe('https://app.example/path/?lang=ru&x=1#/review');
  });

  it('reads #/?uid=…&token=… (the authorization doc form) and keeps the hash route', () => {
    const r = readUrlCredentials(`https://partner.org/#/?uid=01-7&token=${TOKEN}&tab=2`);
    expect(r.token).toBe(TOKEN);
    expect(r.uid).toBe('01-7');
    expect(r.cleanedUrl).toBe('https://partner.org/#/?tab=2');
  });

  it('reads the recommended frame URL #/?token=…&user_id=… (manifest.json: the token never reaches a server)', () => {
    const r = readUrlCredentials(`https://stock.example/#/?token=${TOKEN}&user_id=01-42`);
    expect(r.token).toBe(TOKEN);
    expect(r.uid).toBe('01-42');
    expect(r.cleanedUrl).toBe('https://stock.example/#/');
  });

  it('reads a bare hash #token=…&uid=… and leaves no hash behind', () => {
    const r = readUrlCredentials(`https://partner.org/app#token=${TOKEN}&uid=9`);
    expect(r.token).toBe(TOKEN);
    expect(r.uid).toBe('9');
    expect(r.cleanedUrl).toBe('https://partner.org/app');
  });

  it('prefers the query over the hash and cleans both', () => {
    const other = 'ffffffff-1111-2222-3333-444444444444';
    const r = readUrlCredentials(`https://a.example/?token=${TOKEN}#/?token=${other}`);
    expect(r.token).toBe(TOKEN);
    expect(r.cleanedUrl).toBe('https://a.example/#/');
  });

  it('refuses an implausible token but still removes it from the address bar', () => {
    const r = readUrlCredentials('https://a.example/?token=%3Cscript%3E%20x&uid=1');
    expect(r.token).toBeNull();
    expect(r.uid).toBeNull();
    expect(r.invalidToken).toBe(true);
    expect(r.cleanedUrl).toBe('https://a.example/');
  });

  it('changes nothing when there is no credential', () => {
    const r = readUrlCredentials('https://a.example/?lang=en#/x');
    expect(r).toEqual({ token: null, uid: null, cleanedUrl: null, invalidToken: false });
  });
});

describe('launch', () => {
  let local: ReturnType<typeof vi.spyOn>;
  const logs: unknown[][] = [];

  beforeEach(() => {
    local = vi.spyOn(Storage.prototype, 'setItem');
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logs.push(args));
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    logs.length = 0;
  });

  it('takes the token from the URL, cleans the address bar at once and keeps the token in sessionStorage only', () => {
    const history = fakeHistory();
    const session = memoryStorage();
    const result = launch({ href: `https://app.example/?token=${TOKEN}&uid=u1&lang=ru`, history, sessionStorage: session, env: {} });
    expect(result.kind).toBe('session');
    if (result.kind !== 'session') return;
    // The API is the pass-through on the app's own origin (deploy/): same origin, so no CORS preflight.
    expect(result.session).toMatchObject({ token: TOKEN, uid: 'u1', apiBase: 'https://app.example/evotor', demo: false, source: 'url' });
    expect(history.replaceState).toHaveBeenCalledTimes(1);
    expect(history.replaceState).toHaveBeenCalledWith({ keep: 1 }, '', 'https://app.example/?lang=ru');
    expect(JSON.parse(session.getItem(SESSION_KEY)!)).toEqual({ token: TOKEN, uid: 'u1' });
    // Never the real localStorage (jsdom's Storage.prototype.setItem is what localStorage and sessionStorage use).
    expect(local).not.toHaveBeenCalled();
    expect(window.localStorage.length).toBe(0);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('a reload of the same tab (clean URL) finds the token in sessionStorage', () => {
    const session = memoryStorage();
    launch({ href: `https://app.example/#/?uid=u1&token=${TOKEN}`, history: fakeHistory(), sessionStorage: session, env: {} });
    const again = launch({ href: 'https://app.example/#/', history: fakeHistory(), sessionStorage: session, env: {} });
    expect(again.kind === 'session' && again.session.token).toBe(TOKEN);
    expect(again.kind === 'session' && again.session.source).toBe('session');
  });

  it('never takes the API base from the URL: a crafted link cannot send the token elsewhere', () => {
    const href = `https://app.example/?token=${TOKEN}&api-base=https://evil.example&apiBase=https://evil.example&baseUrl=https://evil.example#/?api_base=https://evil.example`;
    const result = launch({ href, history: fakeHistory(), sessionStorage: memoryStorage(), env: { VITE_EVOTOR_API_BASE: 'https://proxy.partner.example/evotor/' } });
    expect(result.kind === 'session' && result.session.apiBase).toBe('https://proxy.partner.example/evotor');
    expect(JSON.stringify(result)).not.toContain('evil');
  });

  it('without a token offers the demo only when the build configured the emulator', () => {
    const none = launch({ href: 'https://app.example/', history: fakeHistory(), sessionStorage: memoryStorage(), env: {} });
    expect(none).toEqual({ kind: 'no-token', demoAvailable: false, invalidToken: false });
    const env = { VITE_DEMO_API_BASE: 'http://127.0.0.1:8787', VITE_DEMO_TOKEN: 'demo-token-0001' };
    const withDemo = launch({ href: 'https://app.example/', history: fakeHistory(), sessionStorage: memoryStorage(), env });
    expect(withDemo).toEqual({ kind: 'no-token', demoAvailable: true, invalidToken: false });
  });

  it('the demo session uses the build emulator, remembers only a flag in this tab, and survives a reload', () => {
    const session = memoryStorage();
    const env = { VITE_DEMO_API_BASE: 'http://127.0.0.1:8787/', VITE_DEMO_TOKEN: 'demo-token-0001' };
    const demo = startDemo(env, session);
    expect(demo).toMatchObject({ token: 'demo-token-0001', apiBase: 'http://127.0.0.1:8787', demo: true });
    expect(session.getItem(SESSION_KEY)).toBe('{"demo":true}');
    const reload = launch({ href: 'https://app.example/', history: fakeHistory(), sessionStorage: session, env });
    expect(reload.kind === 'session' && reload.session.demo).toBe(true);
    // A real token in the URL replaces the demo, against the production base.
    const real = launch({ href: `https://app.example/?token=${TOKEN}`, history: fakeHistory(), sessionStorage: session, env });
    expect(real.kind === 'session' && real.session).toMatchObject({ demo: false, apiBase: 'https://app.example/evotor' });
  });

  it('keeps working when storage throws (blocked third-party storage) and forgets the token on request', () => {
    const throwing = memoryStorage();
    throwing.setItem = () => {
      throw new DOMException('blocked', 'SecurityError');
    };
    const result = launch({ href: `https://app.example/?token=${TOKEN}`, history: fakeHistory(), sessionStorage: throwing, env: {} });
    expect(result.kind).toBe('session');
    const session = memoryStorage();
    launch({ href: `https://app.example/?token=${TOKEN}`, history: fakeHistory(), sessionStorage: session, env: {} });
    forgetSession(session);
    expect(launch({ href: 'https://app.example/', history: fakeHistory(), sessionStorage: session, env: {} }).kind).toBe('no-token');
  });

  it('reports a bad token in the link so the start screen can say so', () => {
    const result = launch({ href: 'https://app.example/?token=bad', history: fakeHistory(), sessionStorage: memoryStorage(), env: {} });
    expect(result).toEqual({ kind: 'no-token', demoAvailable: false, invalidToken: true });
  });
});

describe('API base rules', () => {
  it('accepts https and loopback http only, without credentials, query or hash', () => {
    expect(normaliseApiBase('https://api.evotor.ru/')).toBe('https://api.evotor.ru');
    expect(normaliseApiBase('http://localhost:8787/api/')).toBe('http://localhost:8787/api');
    expect(normaliseApiBase('http://proxy.example')).toBeNull();
    expect(normaliseApiBase('https://user:pw@proxy.example')).toBeNull();
    expect(normaliseApiBase('https://proxy.example/?x=1')).toBeNull();
    expect(normaliseApiBase('javascript:alert(1)')).toBeNull();
    expect(normaliseApiBase('')).toBeNull();
  });

  it('defaults to the pass-through on the page\'s origin; a direct build names the cloud; a file page can only go direct', () => {
    expect(buildApiBase({}, 'https://stock.example')).toBe('https://stock.example/evotor');
    expect(buildApiBase({ VITE_EVOTOR_API_BASE: 'ftp://x' }, 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/evotor');
    expect(buildApiBase({ VITE_EVOTOR_API_BASE: 'https://api.evotor.ru/' }, 'https://stock.example')).toBe(DEFAULT_API_BASE);
    expect(buildApiBase({}, 'null')).toBe(DEFAULT_API_BASE);
  });

  it('an embedding page may choose the base (validated), else the pass-through on its own origin; nothing is stored', () => {
    const portal = 'https://portal.partner.example';
    expect(embeddedSession(TOKEN, 'https://proxy.partner.example', {}, portal)).toMatchObject({ apiBase: 'https://proxy.partner.example', source: 'embed' });
    expect(embeddedSession(TOKEN, 'http://evil.example', {}, portal)).toBeNull();
    expect(embeddedSession(TOKEN, null, {}, portal)?.apiBase).toBe(`${portal}/evotor`);
    expect(embeddedSession(TOKEN, null, { VITE_EVOTOR_API_BASE: DEFAULT_API_BASE }, portal)?.apiBase).toBe(DEFAULT_API_BASE);
    expect(embeddedSession('x', null, {}, portal)).toBeNull();
  });
});

describe('the API per store (issue 16 item 23)', () => {
  it('parses the integrator\'s choice: v2, v1 for all, or v1 for named stores; anything else is V2', () => {
    expect(parseApiChoice(undefined)).toEqual({});
    expect(parseApiChoice('v2')).toEqual({});
    expect(parseApiChoice('V1')).toEqual({ v1Stores: 'all' });
    expect(parseApiChoice('v1: 20180417-2396-4075-808C-50046017B78F , 20180417-AAAA ')).toEqual({ v1Stores: ['20180417-2396-4075-808C-50046017B78F', '20180417-AAAA'] });
    expect(parseApiChoice('v1:<script>')).toEqual({});
    expect(parseApiChoice('v3')).toEqual({});
  });

  it('the embed\'s `api` attribute, else the build\'s VITE_EVOTOR_API, goes with the session', () => {
    const env = { VITE_EVOTOR_API: 'v1:S-BUILD' };
    expect(embeddedSession('token-1234567890', null, env, 'https://portal.example', 'v1:S-1')?.v1Stores).toEqual(['S-1']);
    expect(embeddedSession('token-1234567890', null, env, 'https://portal.example')?.v1Stores).toEqual(['S-BUILD']);
    expect(embeddedSession('token-1234567890', null, {}, 'https://portal.example')?.v1Stores).toBeUndefined();
  });
});
