import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { malformation, MALFORMATIONS } from '../../../src/emulator/faults.ts';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { admin, allPages, call } from './helpers.ts';

describe('emulator fault injection', () => {
  let emu: RunningEmulator;
  let storeId: string;

  beforeAll(async () => {
    emu = await startEmulator({ token: 'f', rateLimit: null, store: { seed: 'srv-faults', products: 30, days: 20, docsPerDay: 30 } });
    storeId = [...emu.state.stores.keys()][0]!;
  });
  afterAll(() => emu.close());
  const reset = () => admin(emu, '/faults', 'PUT', { reset: true });

  it('latency with jitter delays answers', async () => {
    await admin(emu, '/faults', 'PUT', { latencyMs: 150, latencyJitterMs: 50 });
    const t0 = performance.now();
    expect((await call(emu, '/stores')).status).toBe(200);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(145);
    expect(took).toBeLessThan(1500);
    await reset();
  });

  it('a share of 5xx answers, reproducible for a given fault seed', async () => {
    const run = async () => {
      await admin(emu, '/faults', 'PUT', { reset: true, errorRate: 0.5, seed: 'five' });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await call(emu, `/stores/${storeId}`)).status);
      return statuses;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const errors = a.filter((s) => s >= 500);
    expect(errors.length).toBeGreaterThan(8);
    expect(errors.length).toBeLessThan(32);
    expect(new Set(errors).size).toBeGreaterThan(1);
    expect(errors.every((s) => [500, 502, 503].includes(s))).toBe(true);
    await reset();
  });

  it('hung connections are never answered', async () => {
    await admin(emu, '/faults', 'PUT', { hangRate: 1 });
    await expect(fetch(`${emu.url}/stores`, { headers: { Authorization: 'f' }, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    await reset();
    expect((await call(emu, '/stores')).status).toBe(200);
    const log = (await admin(emu, '/requests')).json.entries;
    expect(log.some((e: any) => e.fault === 'hung' && e.status === 0)).toBe(true);
  });

  it('dropped connections fail at the network level', async () => {
    await admin(emu, '/faults', 'PUT', { dropRate: 1 });
    await expect(fetch(`${emu.url}/stores`, { headers: { Authorization: 'f' } })).rejects.toThrow();
    await reset();
    expect((await call(emu, '/stores')).status).toBe(200);
  });

  it('429 bursts: the next N requests get 429 with Retry-After, then normal answers', async () => {
    await admin(emu, '/faults', 'PUT', { burst429: 3, burstRetryAfterSeconds: 2 });
    for (let i = 0; i < 3; i++) {
      const a = await call(emu, '/stores');
      expect(a.status).toBe(429);
      expect(a.headers.get('retry-after')).toBe('2');
      expect(a.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    expect((await call(emu, '/stores')).status).toBe(200);
    expect((await admin(emu, '/faults')).json.burst429).toBe(0);
  });

  it('faults can be limited to matching requests', async () => {
    await admin(emu, '/faults', 'PUT', { errorRate: 1, match: '^GET /stores/[^/]+/documents$' });
    expect((await call(emu, `/stores/${storeId}/documents`)).status).toBeGreaterThanOrEqual(500);
    expect((await call(emu, `/stores/${storeId}/products`)).status).toBe(200);
    await reset();
  });

  it('the token expires after N requests and answers 401 until a new token is set through admin', async () => {
    await admin(emu, '/faults', 'PUT', { tokenExpiresAfter: 3 });
    for (let i = 0; i < 3; i++) expect((await call(emu, '/stores')).status).toBe(200);
    const expired = await call(emu, '/stores');
    expect(expired.status).toBe(401);
    expect(expired.json.message).toMatch(/expired/i);
    expect((await call(emu, '/stores')).status).toBe(401);
    const set = await admin(emu, '/tokens', 'POST', { token: 'fresh' });
    expect(set.status).toBe(200);
    expect((await call(emu, '/stores', { token: 'fresh' })).status).toBe(200);
    await admin(emu, '/faults', 'PUT', { tokenExpiresAfter: null });
    await admin(emu, '/tokens', 'POST', { token: 'f' });
    expect((await call(emu, '/stores')).status).toBe(200);
  });

  it('malformed documents: a predictable share is corrupted, the rest are served intact', async () => {
    const clean = (await allPages(emu, `/stores/${storeId}/documents`)).items;
    await admin(emu, '/faults', 'PUT', { malformedRate: 0.2, malformedSeed: 'bad' });
    const served = (await allPages(emu, `/stores/${storeId}/documents`)).items;
    expect(served.length).toBe(clean.length);
    const kinds = new Set<string>();
    let corrupted = 0;
    clean.forEach((doc, i) => {
      const kind = malformation(doc.id, { malformedRate: 0.2, malformedSeed: 'bad' });
      const got = served[i]!;
      if (!kind) {
        expect(got).toEqual(doc);
        return;
      }
      corrupted++;
      kinds.add(kind);
      expect(got).not.toEqual(doc);
      if (kind === 'missing-id') expect(got.id).toBeUndefined();
      if (kind === 'bad-close-date') expect(got.close_date).toBe('31.02.2024 25:61');
      if (kind === 'missing-type') expect(got.type).toBeUndefined();
      if (kind === 'quantity-text' && doc.body.positions?.[0]?.quantity !== undefined) expect(got.body.positions[0].quantity).toBe('1,5 шт');
    });
    expect(corrupted).toBeGreaterThan(clean.length * 0.1);
    expect(corrupted).toBeLessThan(clean.length * 0.3);
    expect(kinds.size).toBe(MALFORMATIONS.length);
    // a single document is corrupted the same way
    const victim = clean.find((d) => malformation(d.id, { malformedRate: 0.2, malformedSeed: 'bad' }) === 'bad-close-date')!;
    expect((await call(emu, `/stores/${storeId}/documents/${victim.id}`)).json.close_date).toBe('31.02.2024 25:61');
    await reset();
    expect((await allPages(emu, `/stores/${storeId}/documents`)).items).toEqual(clean);
  });

  it('rejects unknown or invalid fault settings', async () => {
    expect((await admin(emu, '/faults', 'PUT', { errorRate: 2 })).status).toBe(400);
    expect((await admin(emu, '/faults', 'PUT', { nonsense: 1 })).status).toBe(400);
    expect((await admin(emu, '/faults', 'PUT', { match: '(' })).status).toBe(400);
  });

  it('faults set at start apply from the first request', async () => {
    const faulty = await startEmulator({ faults: { errorRate: 1, errorStatuses: [503] }, store: { seed: 'x', products: 5, days: 1, docsPerDay: 5 } });
    try {
      expect((await call(faulty, '/stores')).status).toBe(503);
      expect((await call(faulty.url, '/__emulator/faults', { token: null })).json.errorRate).toBe(1);
    } finally {
      await faulty.close();
    }
  });
});
