// @vitest-environment node
// Node's own fetch/Request/AbortSignal: jsdom's AbortSignal is rejected by Node's Request.
import { describe, expect, it } from 'vitest';
import { createEvotorClient, formatV1Date, splitWindow, type ClientOptions } from '../../../src/api/client.ts';
import { ApiError } from '../../../src/api/errors.ts';
import { milli } from '../../../src/model/quantity.ts';

const TOKEN = 'secret-token-123';
interface Call { method: string; url: URL; headers: Headers; body: string }

/** A fetch that answers from a script and records what it was asked. */
function scripted(...answers: Array<Response | Error | 'hang' | ((call: Call) => Response)>) {
  const calls: Call[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const call = { method: request.method, url: new URL(request.url), headers: request.headers, body: await request.text() };
    calls.push(call);
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    if (answer === 'hang') {
      return new Promise((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
    }
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'function') return answer(call);
    return answer.clone();
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const fast = { baseDelayMs: 1, maxDelayMs: 2 };
function client(fetch: typeof globalThis.fetch, extra: Partial<ClientOptions> = {}) {
  return createEvotorClient({ api: 'v2', token: TOKEN, baseUrl: 'http://127.0.0.1:9/', fetch, retry: fast, ...extra });
}
const signal = () => new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e.message).not.toContain(TOKEN);
    expect(JSON.stringify(e)).not.toContain(TOKEN);
    return e;
  }
  throw new Error('expected a failure');
}

describe('V2 client', () => {
  it('sends Bearer auth and the V2 media type; the first document page carries the window, the next only the cursor', async () => {
    const { fetch, calls } = scripted(
      json({ items: [{ id: 'd1' }], paging: { next_cursor: 'c2' } }),
      json({ items: [{ id: 'd2' }], paging: {} }),
    );
    const c = client(fetch);
    const first = await c.documentPage('S1', { window: { since: 100, until: 200 } }, signal());
    expect(first).toEqual({ items: [{ id: 'd1' }], nextCursor: 'c2' });
    const second = await c.documentPage('S1', { cursor: 'c2' }, signal());
    expect(second.nextCursor).toBeNull();
    expect(calls[0]!.url.pathname).toBe('/stores/S1/documents');
    // evotor-api.md §10 (DOCSRC rest_documents): since inclusive, until exclusive; the window is sent as it is.
    expect(Object.fromEntries(calls[0]!.url.searchParams)).toEqual({ since: '100', until: '200' });
    expect(Object.fromEntries(calls[1]!.url.searchParams)).toEqual({ cursor: 'c2' });
    expect(calls[0]!.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(calls[0]!.headers.get('accept')).toBe('application/vnd.evotor.v2+json');
  });

  it('keeps malformed items for the caller: the page envelope is validated, its items are not', async () => {
    const { fetch } = scripted(json({ items: [42, null, { nope: true }] }));
    expect(await client(fetch).documentPage('S', { window: { since: 0, until: 1 } }, signal())).toEqual({ items: [42, null, { nope: true }], nextCursor: null });
  });

  it('rejects an answer that is not a page envelope with a typed error', async () => {
    const { fetch } = scripted(json([1, 2]));
    const e = await failure(client(fetch).productPage('S', null, signal()));
    expect(e.code).toBe('invalid-response');
  });

  it('lists stores across pages', async () => {
    const { fetch, calls } = scripted(
      json({ items: [{ id: '20170222-5A12-403A-80F6-75C361356826', name: 'Центральный' }], paging: { next_cursor: 'x' } }),
      json({ items: [{ id: 'B' }] }),
    );
    const stores = await client(fetch).listStores(signal());
    expect(stores).toEqual([
      { id: '20170222-5A12-403A-80F6-75C361356826', name: 'Центральный', address: null },
      { id: 'B', name: 'B', address: null },
    ]);
    expect(calls[1]!.url.search).toBe('?cursor=x');
  });

  it('PATCHes only the quantity, as a JSON number of the exact decimal', async () => {
    const { fetch, calls } = scripted(json({ id: 'p1', quantity: 0.875 }));
    await client(fetch).setQuantities('S', [{ productId: 'p1', quantity: milli(875) }], signal());
    expect(calls[0]!.method).toBe('PATCH');
    expect(calls[0]!.url.pathname).toBe('/stores/S/products/p1');
    expect(calls[0]!.body).toBe('{"quantity":0.875}');
    expect(calls[0]!.headers.get('content-type')).toBe('application/vnd.evotor.v2+json');
  });

  it.each([
    [401, {}, 'unauthorized', {}],
    [402, {}, 'payment-required', {}],
    [403, {}, 'missing-scope', { scope: 'document:read' }],
    [403, { message: 'scope product.quantity:read required' }, 'missing-scope', { scope: 'product.quantity:read' }],
    [404, {}, 'not-found', { resource: 'store S' }],
    [400, { code: 2003, message: 'bad', violations: [{ reason: 'too old', subject: 'since' }] }, 'bad-request', { violations: 'since: too old' }],
  ])('turns %i into a typed error', async (status, body, code, params) => {
    const { fetch, calls } = scripted(json(body, status));
    const e = await failure(client(fetch).documentPage('S', { window: { since: 0, until: 1 } }, signal()));
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(e.params).toMatchObject(params);
    expect(calls).toHaveLength(1); // no retries for these
  });

  it('retries 5xx and 429 (honouring Retry-After) and succeeds', async () => {
    const waits: string[] = [];
    const { fetch, calls } = scripted(
      json({}, 500),
      json({}, 429, { 'retry-after': '0' }),
      json({}, 503),
      json({ items: [] }),
    );
    const page = await client(fetch, { onWait: (w) => waits.push(`${w.reason}:${w.status}`) }).productPage('S', null, signal());
    expect(page.items).toEqual([]);
    expect(calls).toHaveLength(4);
    expect(waits).toEqual(['server:500', 'rate-limit:429', 'server:503']);
  });

  it('gives up after the retry budget with server-error', async () => {
    const { fetch, calls } = scripted(json({}, 502));
    const e = await failure(client(fetch, { retry: { ...fast, maxRetries: 2 } }).productPage('S', null, signal()));
    expect(e.code).toBe('server-error');
    expect(calls).toHaveLength(3);
  });

  it('retries a timeout, including a body that never ends, then reports timeout', async () => {
    const { fetch, calls } = scripted('hang');
    const e = await failure(client(fetch, { timeoutMs: 20, retry: { ...fast, maxRetries: 1 } }).productPage('S', null, signal()));
    expect(e.code).toBe('timeout');
    expect(calls).toHaveLength(2);

    const stalled = () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"items":')); } }));
    const s = scripted(stalled, json({ items: [1] }));
    expect((await client(s.fetch, { timeoutMs: 50 }).productPage('S', null, signal())).items).toEqual([1]);
  });

  it('reports a request with no response (CORS or network) as blocked, with the base URL, after a few tries', async () => {
    const { fetch, calls } = scripted(new TypeError('Failed to fetch'));
    const e = await failure(client(fetch).listStores(signal()));
    expect(e.code).toBe('blocked');
    expect(e.params.baseUrl).toBe('http://127.0.0.1:9/');
    expect(e.message).toMatch(/proxy/);
    expect(calls).toHaveLength(4);
  });

  it('stops at once when the signal aborts, even while waiting to retry', async () => {
    const controller = new AbortController();
    const { fetch } = scripted(json({}, 500));
    const pending = client(fetch, { retry: { baseDelayMs: 10_000, maxDelayMs: 10_000 } }).productPage('S', null, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('paces from X-RateLimit-Remaining', async () => {
    const { fetch } = scripted(json({ items: [] }, 200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0.05' }), json({ items: [] }));
    const waits: number[] = [];
    const c = client(fetch, { onWait: (w) => w.reason === 'pacing' && waits.push(w.delayMs) });
    await c.productPage('S', null, signal());
    await c.productPage('S', null, signal());
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
  });
});

describe('V1 client', () => {
  it('uses X-Authorization and strict gt/lt close dates in Evotor format for [since, until), in half-month requests', async () => {
    const { fetch, calls } = scripted(json([{ uuid: 'd1' }]), json([{ uuid: 'd2' }]));
    const c = createEvotorClient({ api: 'v1', token: TOKEN, baseUrl: 'http://127.0.0.1:9', fetch, retry: fast });
    const since = Date.UTC(2025, 0, 1);
    const page = await c.documentPage('S', { window: { since, until: Date.UTC(2025, 1, 1) } }, signal());
    expect(page).toEqual({ items: [{ uuid: 'd1' }, { uuid: 'd2' }], nextCursor: null });
    expect(calls).toHaveLength(2);
    expect(calls[0]!.url.pathname).toBe('/api/v1/inventories/stores/S/documents');
    expect(calls[0]!.url.searchParams.get('gtCloseDate')).toBe('2024-12-31T23:59:59.999+0000');
    expect(calls[0]!.url.searchParams.get('ltCloseDate')).toBe('2025-01-17T00:00:00.000+0000');
    expect(calls[1]!.url.searchParams.get('gtCloseDate')).toBe('2025-01-16T23:59:59.999+0000');
    expect(calls[1]!.url.searchParams.get('ltCloseDate')).toBe('2025-02-01T00:00:00.000+0000');
    expect(calls[0]!.headers.get('x-authorization')).toBe(TOKEN);
    expect(calls[0]!.headers.get('authorization')).toBeNull();
    expect(formatV1Date(0)).toBe('1970-01-01T00:00:00.000+0000');
  });

  it('splits a window into contiguous parts of at most the span', () => {
    expect(splitWindow({ since: 0, until: 10 }, 4)).toEqual([{ since: 0, until: 4 }, { since: 4, until: 8 }, { since: 8, until: 10 }]);
    expect(splitWindow({ since: 5, until: 6 }, 4)).toEqual([{ since: 5, until: 6 }]);
    expect(splitWindow({ since: 5, until: 5 }, 4)).toEqual([]);
  });

  it('writes quantities by posting the full products back with only quantity changed', async () => {
    const products = [
      { uuid: 'a', name: 'A', price: 10, quantity: 1, barCodes: ['1'] },
      { uuid: 'b', name: 'B', quantity: 2 },
    ];
    const { fetch, calls } = scripted(json(products), new Response(null, { status: 200, headers: { 'x-products-violations-count': '0' } }));
    const c = createEvotorClient({ api: 'v1', token: TOKEN, baseUrl: 'http://127.0.0.1:9', fetch, retry: fast });
    const result = await c.setQuantities('S', [{ productId: 'A', quantity: milli(1500) }], signal());
    expect(calls[1]!.method).toBe('POST');
    expect(JSON.parse(calls[1]!.body)).toEqual([{ uuid: 'a', name: 'A', price: 10, quantity: 1.5, barCodes: ['1'] }]);
    expect(result.violations).toEqual([]);
  });
});

describe('device lists (terminal names)', () => {
  it('V2: GET /stores/{id}/devices across pages, validated; a device without a name keeps its id', async () => {
    const { fetch, calls } = scripted(
      json({ items: [{ id: 'DEV-1', name: 'Касса у входа', store_id: 'S1' }], paging: { next_cursor: 'n' } }),
      json({ items: [{ id: 'DEV-2', name: '  ' }, { id: 'DEV-3', extra: true }], paging: {} }),
    );
    const devices = await client(fetch).listDevices!('S1', signal());
    expect(devices).toEqual([{ id: 'DEV-1', name: 'Касса у входа' }, { id: 'DEV-2', name: null }, { id: 'DEV-3', name: null }]);
    expect(calls[0]!.url.pathname).toBe('/stores/S1/devices');
    expect(calls[0]!.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(calls[1]!.url.search).toBe('?cursor=n');
  });

  it('V2: a device without an id is an invalid answer; 403 names the scope, 404 is not-found', async () => {
    expect((await failure(client(scripted(json({ items: [{ name: 'x' }] })).fetch).listDevices!('S1', signal())))).toMatchObject({ code: 'invalid-response', operation: 'listDevices' });
    const forbidden = await failure(client(scripted(json({ code: 'FORBIDDEN' }, 403)).fetch).listDevices!('S1', signal()));
    expect(forbidden).toMatchObject({ code: 'missing-scope', params: { scope: 'store:read' }, status: 403 });
    const missing = await failure(client(scripted(json({ code: 'NOT_FOUND' }, 404)).fetch).listDevices!('S1', signal()));
    expect(missing).toMatchObject({ code: 'not-found', status: 404 });
  });

  it('V1: devices/search filtered by the store (case-insensitively)', async () => {
    const { fetch, calls } = scripted(json([
      { uuid: 'D1', name: 'Эвотор 7.2', storeUuid: 's-a' },
      { uuid: 'D2', name: 'Другая', storeUuid: 'S-B' },
      { uuid: 'D3', name: 'Без магазина' },
    ]));
    const c = createEvotorClient({ api: 'v1', token: TOKEN, baseUrl: 'http://127.0.0.1:9', fetch, retry: fast });
    expect(await c.listDevices!('S-A', signal())).toEqual([{ id: 'D1', name: 'Эвотор 7.2' }, { id: 'D3', name: 'Без магазина' }]);
    expect(calls[0]!.url.pathname).toBe('/api/v1/inventories/devices/search');
    expect(calls[0]!.headers.get('x-authorization')).toBe(TOKEN);
  });
});
