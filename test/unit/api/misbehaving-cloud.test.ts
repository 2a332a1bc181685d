// @vitest-environment node
// A cloud that misbehaves (issue 12 §2, §3, §6): listings whose cursors go in a circle, a 200 that says the limit is
// spent for 23 days, bodies that are HTML, not JSON, cut short or huge. Each must end soon with a typed error (or go
// on), never loop, wait for days or retry for a minute and a half.
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../src/api/body.ts';
import { createEvotorClient, type ClientOptions } from '../../../src/api/client.ts';
import { ApiError } from '../../../src/api/errors.ts';
import { CursorTrail } from '../../../src/api/paging.ts';
import type { WaitInfo } from '../../../src/api/transport.ts';

/** A fetch answering `answer(n)` to the n-th call (1-based); more than `max` calls is a runaway loop. */
function cloud(answer: (n: number, url: URL) => Response, max = 200) {
  const urls: URL[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    urls.push(url);
    if (urls.length > max) throw new Error(`runaway: more than ${max} requests`);
    return answer(urls.length, url);
  };
  return { fetch: fetch as typeof globalThis.fetch, urls };
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });

function client(fetch: typeof globalThis.fetch, extra: Partial<ClientOptions> = {}) {
  return createEvotorClient({ api: 'v2', token: 't', baseUrl: 'http://127.0.0.1:9/', fetch, retry: { baseDelayMs: 1, maxDelayMs: 2 }, ...extra });
}
const signal = () => new AbortController().signal;

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('listings that page in a circle (issue 12 §2)', () => {
  it('a store list whose next_cursor points to itself fails with paging-loop after two pages', async () => {
    const { fetch, urls } = cloud(() => json({ items: [{ id: 'S1', name: 'Магазин' }], paging: { next_cursor: 'self' } }));
    const e = await failure(client(fetch).listStores(signal()));
    expect(e).toMatchObject({ code: 'paging-loop', operation: 'listStores', params: { why: 'cycle', pages: 2 } });
    expect(urls).toHaveLength(2);
  });

  it('so does the device list', async () => {
    const { fetch, urls } = cloud(() => json({ items: [{ id: 'D1', name: 'Касса' }], paging: { next_cursor: 'self' } }));
    const e = await failure(client(fetch).listDevices!('S1', signal()));
    expect(e).toMatchObject({ code: 'paging-loop', operation: 'listDevices', params: { why: 'cycle' } });
    expect(urls).toHaveLength(2);
  });

  it('a listing that hands out new cursors without end stops at its page limit', async () => {
    const { fetch, urls } = cloud((n) => json({ items: [], paging: { next_cursor: `c${n}` } }), 5000);
    const e = await failure(client(fetch).listStores(signal()));
    expect(e).toMatchObject({ code: 'paging-loop', params: { why: 'limit', pages: 1000 } });
    expect(urls).toHaveLength(1000);
  });

  it('CursorTrail: A → B → A is a cycle; a resumed listing counts the pages before it', () => {
    const trail = new CursorTrail('listDocuments');
    expect(trail.next('A')).toBe('A');
    expect(trail.next('B')).toBe('B');
    expect(() => trail.next('A')).toThrow(expect.objectContaining({ code: 'paging-loop', params: { why: 'cycle', pages: 3 } }));
    const resumed = new CursorTrail('listDocuments', { seen: ['X'], pagesBefore: 99_999 });
    expect(() => new CursorTrail('listDocuments', { seen: ['W', 'X'] }).next('W')).toThrow(expect.objectContaining({ code: 'paging-loop' }));
    expect(() => resumed.next('Y')).toThrow(expect.objectContaining({ params: { why: 'limit', pages: 100_000 } }));
    expect(new CursorTrail('listDocuments').next(null)).toBeNull();
  });
});

describe('waits with no end (issue 12 §3)', () => {
  it('a 200 saying "0 left, reset in 23 days" does not hold the next request: it goes at once', async () => {
    const days23 = String(23 * 86_400);
    const { fetch, urls } = cloud(() => json({ items: [], paging: {} }, { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': days23 }));
    const waits: WaitInfo[] = [];
    const c = client(fetch, { onWait: (w) => waits.push(w) });
    await c.productPage('S', null, signal());
    const second = c.productPage('S', null, signal());
    const outcome = await Promise.race([second.then(() => 'answered'), new Promise((r) => setTimeout(() => r('still waiting'), 2000))]);
    expect(outcome).toBe('answered');
    expect(urls).toHaveLength(2);
    expect(waits.filter((w) => w.delayMs > 5 * 60_000)).toEqual([]);
  });

  it('a short window is still paced (the real wait is reported)', async () => {
    const { fetch } = cloud(() => json({ items: [], paging: {} }, { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0.2' }));
    const waits: WaitInfo[] = [];
    const c = client(fetch, { onWait: (w) => waits.push(w) });
    await c.productPage('S', null, signal());
    await c.productPage('S', null, signal());
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ reason: 'pacing' });
    expect(waits[0]!.delayMs).toBeGreaterThan(100);
  });
});

describe('bodies that are not JSON, cut short or huge (issue 12 §6)', () => {
  it('an HTML 200 fails at once, saying a web page came instead of JSON', async () => {
    const { fetch, urls } = cloud(() => new Response('<!doctype html><html><body>Вход</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    const e = await failure(client(fetch).productPage('S', null, signal()));
    expect(e).toMatchObject({ code: 'invalid-response', params: { body: 'html' } });
    expect(e.message).toMatch(/web page/);
    expect(urls).toHaveLength(1);
  });

  it('other text fails at once too', async () => {
    const { fetch, urls } = cloud(() => new Response('OK', { status: 200 }));
    expect(await failure(client(fetch).productPage('S', null, signal()))).toMatchObject({ code: 'invalid-response', params: { body: 'not-json' } });
    expect(urls).toHaveLength(1);
  });

  it('a body cut short is tried once more, then fails (and a second try that works is used)', async () => {
    const { fetch, urls } = cloud(() => new Response('{"items":[{"id":"p1"},{"id":', { status: 200 }));
    expect(await failure(client(fetch).productPage('S', null, signal()))).toMatchObject({ code: 'invalid-response', params: { body: 'truncated' } });
    expect(urls).toHaveLength(2);

    const dropped = cloud((n) => n === 1
      ? new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"items":[')); c.error(new TypeError('terminated')); } }))
      : json({ items: [{ id: 'p1' }] }));
    expect((await client(dropped.fetch).productPage('S', null, signal())).items).toEqual([{ id: 'p1' }]);
    expect(dropped.urls).toHaveLength(2);
  });

  it('a body over 32 MB is not read to its end and not retried', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const huge = () => new Response(new ReadableStream({
      pull(c) {
        sent += chunk.byteLength;
        if (sent > 200 * 1024 * 1024) c.close(); // a body without end, but for the test's sake
        else c.enqueue(chunk);
      },
    }), { status: 200 });
    const { fetch, urls } = cloud(huge);
    expect(await failure(client(fetch).productPage('S', null, signal()))).toMatchObject({ code: 'invalid-response', params: { body: 'too-large' } });
    expect(urls).toHaveLength(1);
    expect(sent).toBeLessThanOrEqual(MAX_BODY_BYTES + 4 * chunk.byteLength);

    const declared = cloud(() => new Response('{}', { status: 200, headers: { 'content-length': String(MAX_BODY_BYTES + 1) } }));
    expect(await failure(client(declared.fetch).productPage('S', null, signal()))).toMatchObject({ params: { body: 'too-large' } });
  });
});
