/**
 * The emulator's faults of a cloud that misbehaves on 200s (issue 12 §2, §3, §6) and the real client against them:
 * cursors in a circle (documents A → B → A, store and device lists pointing to themselves), rate-limit headers saying
 * "nothing left for 23 days", and bodies that are HTML, text or cut short. Evotor's documentation says nothing of
 * such answers (evotor-api.md §6 only names the headers); the emulator makes them so the client's guards are tested
 * over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvotorClient, type EvotorClient } from '../../../src/api/client.ts';
import { ApiError } from '../../../src/api/errors.ts';
import { fetchDocumentsSince } from '../../../src/writeback/guard.ts';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { admin, call } from './helpers.ts';

describe('a cloud that misbehaves on 200s', () => {
  let emu: RunningEmulator;
  let storeId: string;
  let client: EvotorClient;
  const signal = () => new AbortController().signal;
  const faults = (update: Record<string, unknown>) => admin(emu, '/faults', 'PUT', { reset: true, ...update });
  const failure = async (promise: Promise<unknown>): Promise<ApiError> => {
    const error = await promise.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  };
  const requests = async () => (await admin(emu, '/requests')).json.entries.filter((e: { path: string }) => !e.path.startsWith('/__emulator'));

  beforeAll(async () => {
    emu = await startEmulator({ token: 'm', rateLimit: null, pageSize: 20, store: { seed: 'misbehaving', products: 10, days: 10, docsPerDay: 20 } });
    storeId = [...emu.state.stores.keys()][0]!;
    client = createEvotorClient({ api: 'v2', token: 'm', baseUrl: emu.url, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  });
  afterAll(() => emu.close());

  it('pagingLoop: documents page A → B → A; the write guard\'s read fails with paging-loop after three pages', async () => {
    await faults({ pagingLoop: true });
    const first = await call(emu, `/stores/${storeId}/documents?since=0`);
    const a = first.json.paging.next_cursor as string;
    const b = (await call(emu, `/stores/${storeId}/documents?cursor=${a}`)).json.paging.next_cursor as string;
    expect(b).not.toBe(a);
    expect((await call(emu, `/stores/${storeId}/documents?cursor=${b}`)).json.paging.next_cursor).toBe(a);

    await admin(emu, '/requests', 'DELETE');
    const e = await failure(fetchDocumentsSince(client, storeId, 0, Date.now() + 86_400_000, signal()));
    expect(e).toMatchObject({ code: 'paging-loop', operation: 'listDocuments', params: { why: 'cycle', pages: 3 } });
    expect(await requests()).toHaveLength(3);
  });

  it('pagingLoop: the store and device lists point to themselves; both fail with paging-loop after two pages', async () => {
    await faults({ pagingLoop: true });
    expect(await failure(client.listStores(signal()))).toMatchObject({ code: 'paging-loop', operation: 'listStores' });
    expect(await failure(client.listDevices!(storeId, signal()))).toMatchObject({ code: 'paging-loop', operation: 'listDevices' });
    await faults({});
    expect((await client.listStores(signal())).map((s) => s.id)).toEqual([storeId]);
  });

  it('rateLimitHeaders: 0 left and a reset 23 days away on every 200 does not hold the next request', async () => {
    await faults({ rateLimitHeaders: { remaining: 0, resetSeconds: 23 * 86_400 } });
    const answer = await call(emu, `/stores/${storeId}/products`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(answer.headers.get('x-ratelimit-reset')).toBe(String(23 * 86_400));
    const waits: number[] = [];
    const paced = createEvotorClient({ api: 'v2', token: 'm', baseUrl: emu.url, onWait: (w) => waits.push(w.delayMs) });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await paced.productPage(storeId, null, signal());
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(waits.filter((ms) => ms > 5 * 60_000)).toEqual([]);
  });

  it.each([
    ['html', 'html', 1],
    ['text', 'not-json', 1],
    ['truncated', 'truncated', 2],
  ] as const)('badBody %s: the client fails with invalid-response (%s) after %i request(s)', async (kind, body, tries) => {
    await faults({ badBodyRate: 1, badBody: kind });
    await admin(emu, '/requests', 'DELETE');
    const e = await failure(client.documentPage(storeId, { window: { since: 0, until: Date.now() } }, signal()));
    expect(e).toMatchObject({ code: 'invalid-response', params: { body } });
    const log = await requests();
    expect(log).toHaveLength(tries);
    expect(log.every((r: { fault?: string }) => r.fault === `bad-body:${kind}`)).toBe(true);
  });

  it('rejects invalid settings of these faults', async () => {
    expect((await admin(emu, '/faults', 'PUT', { pagingLoop: 'yes' })).status).toBe(400);
    expect((await admin(emu, '/faults', 'PUT', { badBody: 'xml' })).status).toBe(400);
    expect((await admin(emu, '/faults', 'PUT', { rateLimitHeaders: { remaining: -1, resetSeconds: 1 } })).status).toBe(400);
    await faults({});
  });
});
