/**
 * Malformed documents are scoped: the global fault only to requests that `match` selects, and a store may have its
 * own setting (admin PUT /__emulator/stores/{id}) that replaces the global one for its documents only, so tests
 * running in parallel on other stores of the same emulator are not affected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { malformation } from '../../../src/emulator/faults.ts';
import { evotorDate } from '../../../src/emulator/generator/format.ts';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { admin, allPages, call, FIXED_END, type Json } from './helpers.ts';

const DAY = 86_400_000;

describe('emulator malformed documents: match and per-store settings', () => {
  let emu: RunningEmulator;
  let a: string;
  let b: string;
  const clean = new Map<string, Json[]>();
  const cleanV1 = new Map<string, Json[]>();

  const list = async (store: string) => (await allPages(emu, `/stores/${store}/documents`)).items;
  const v1List = async (store: string) => {
    const path = `/api/v1/inventories/stores/${store}/documents?gtCloseDate=${encodeURIComponent(evotorDate(FIXED_END - 20 * DAY))}&ltCloseDate=${encodeURIComponent(evotorDate(FIXED_END + DAY))}`;
    const r = await call(emu, path, { token: null, headers: { 'X-Authorization': 'm' } });
    expect(r.status).toBe(200);
    return r.json as Json[];
  };
  /** Checks every served document against its clean twin: corrupted exactly when `malformation` says so. */
  const expectCorruption = (served: Json[], intact: Json[], settings: { malformedRate: number; malformedSeed: string } | null, idKey = 'id') => {
    expect(served.length).toBe(intact.length);
    let corrupted = 0;
    intact.forEach((doc, i) => {
      const kind = settings ? malformation(doc[idKey], settings) : null;
      if (kind) {
        corrupted++;
        expect(served[i]).not.toEqual(doc);
      } else expect(served[i]).toEqual(doc);
    });
    return corrupted;
  };
  const resetAll = async () => {
    await admin(emu, '/faults', 'PUT', { reset: true });
    for (const s of [a, b]) await admin(emu, `/stores/${s}`, 'PUT', { malformedRate: null });
  };

  beforeAll(async () => {
    emu = await startEmulator({
      token: 'm', rateLimit: null, clock: () => 1_000,
      stores: 2, store: { seed: 'malformed-scope', products: 20, days: 15, docsPerDay: 20, endTime: FIXED_END },
    });
    [a, b] = [...emu.state.stores.keys()] as [string, string];
    for (const s of [a, b]) {
      clean.set(s, await list(s));
      cleanV1.set(s, await v1List(s));
    }
  });
  afterAll(() => emu.close());

  it('the global malformedRate follows match: unmatched routes and other stores are served intact', async () => {
    const settings = { malformedRate: 0.25, malformedSeed: 'scoped' };
    await admin(emu, '/faults', 'PUT', { reset: true, ...settings, match: `^GET /stores/${a}/documents$` });
    try {
      const corrupted = expectCorruption(await list(a), clean.get(a)!, settings);
      expect(corrupted).toBeGreaterThan(0);
      expectCorruption(await list(b), clean.get(b)!, null);
      // the same store, on routes the regex does not select: by id and V1
      const victim = clean.get(a)!.find((d) => malformation(d.id, settings) === 'bad-close-date')!;
      expect((await call(emu, `/stores/${a}/documents/${victim.id}`)).json).toEqual(victim);
      expectCorruption(await v1List(a), cleanV1.get(a)!, null, 'uuid');
      // no match: every route of every store
      await admin(emu, '/faults', 'PUT', { match: null });
      expect((await call(emu, `/stores/${a}/documents/${victim.id}`)).json.close_date).toBe('31.02.2024 25:61');
      expect(expectCorruption(await list(b), clean.get(b)!, settings)).toBeGreaterThan(0);
      expect(expectCorruption(await v1List(a), cleanV1.get(a)!, settings, 'uuid')).toBeGreaterThan(0);
    } finally {
      await resetAll();
    }
  });

  it("a store's own setting corrupts its documents only, on every route, whatever the global match", async () => {
    const own = { malformedRate: 0.3, malformedSeed: 'store-a' };
    const put = await admin(emu, `/stores/${a}`, 'PUT', own);
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject(own);
    expect((await admin(emu, `/stores/${b}`)).json).toMatchObject({ malformedRate: null, malformedSeed: null });
    // a global fault scoped elsewhere does not switch the store's own setting off
    await admin(emu, '/faults', 'PUT', { reset: true, errorRate: 1, match: '^PATCH ' });
    try {
      expect(expectCorruption(await list(a), clean.get(a)!, own)).toBeGreaterThan(0);
      expect(expectCorruption(await v1List(a), cleanV1.get(a)!, own, 'uuid')).toBeGreaterThan(0);
      const victim = clean.get(a)!.find((d) => malformation(d.id, own) === 'missing-type')!;
      expect((await call(emu, `/stores/${a}/documents/${victim.id}`)).json.type).toBeUndefined();
      expectCorruption(await list(b), clean.get(b)!, null);
      expectCorruption(await v1List(b), cleanV1.get(b)!, null, 'uuid');
      // the seed alone can be changed; the rate is kept
      const reseeded = await admin(emu, `/stores/${a}`, 'PUT', { malformedSeed: 'store-a2' });
      expect(reseeded.json).toMatchObject({ malformedRate: 0.3, malformedSeed: 'store-a2' });
      expectCorruption(await list(a), clean.get(a)!, { malformedRate: 0.3, malformedSeed: 'store-a2' });
    } finally {
      await resetAll();
    }
  });

  it('a store setting of 0 keeps that store clean under a global fault; null returns it to the global fault', async () => {
    const global = { malformedRate: 0.2, malformedSeed: 'everyone' };
    await admin(emu, '/faults', 'PUT', { reset: true, ...global });
    try {
      expect((await admin(emu, `/stores/${b}`, 'PUT', { malformedRate: 0 })).json).toMatchObject({ malformedRate: 0, malformedSeed: 'malformed' });
      expectCorruption(await list(b), clean.get(b)!, null);
      expect(expectCorruption(await list(a), clean.get(a)!, global)).toBeGreaterThan(0);
      expect((await admin(emu, `/stores/${b}`, 'PUT', { malformedRate: null })).json.malformedRate).toBeNull();
      expect(expectCorruption(await list(b), clean.get(b)!, global)).toBeGreaterThan(0);
    } finally {
      await resetAll();
    }
  });

  it('refuses invalid store settings and changes nothing', async () => {
    for (const body of [{ malformedRate: 2 }, { malformedRate: '0.5' }, { malformedSeed: 'x' }, { malformedSeed: '', malformedRate: 0.1 }, { malformedrate: 0.1 }, { paid: 'no' }, { paid: false, malformedRate: -1 }]) {
      const r = await admin(emu, `/stores/${a}`, 'PUT', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin(emu, `/stores/${a}`)).json).toMatchObject({ paid: true, malformedRate: null });
  });

  it('a store can start with its own setting (StoreSpec, POST /__emulator/stores) and reset restores it', async () => {
    const own = { malformedRate: 0.5, malformedSeed: 'at-start' };
    const spec = { seed: 'malformed-start', products: 10, days: 5, docsPerDay: 15, endTime: FIXED_END };
    const started = await startEmulator({ token: 't', rateLimit: null, storeList: [{ ...spec, ...own }, spec] });
    try {
      const [s1, s2] = [...started.state.stores.keys()] as [string, string];
      const served = (await allPages(started, `/stores/${s1}/documents`)).items;
      expect(served.length).toBeGreaterThan(0);
      await admin(started, `/stores/${s1}`, 'PUT', { malformedRate: 0 });
      const intact = (await allPages(started, `/stores/${s1}/documents`)).items;
      await admin(started, '/reset', 'POST');
      expect((await admin(started, `/stores/${s1}`)).json).toMatchObject(own);
      expect((await allPages(started, `/stores/${s1}/documents`)).items).toEqual(served);
      expectCorruption(served, intact, own);
      expect((await admin(started, `/stores/${s2}`)).json.malformedRate).toBeNull();
      const created = await admin(started, '/stores', 'POST', { ...spec, seed: 'created', malformedRate: 0.1 });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ malformedRate: 0.1, malformedSeed: 'malformed' });
      expect((await admin(started, '/stores', 'POST', { ...spec, malformedRate: 7 })).status).toBe(400);
    } finally {
      await started.close();
    }
  });
});
