import { afterEach, describe, expect, inject, it } from 'vitest';
import { ApiError } from '../../src/api/errors.ts';
import { createSyncBridge, type SyncBridge } from '../../src/sync/page/bridge.ts';
import { defaultWorkerUrl } from '../../src/sync/page/spawn.ts';

let bridges: SyncBridge[] = [];
afterEach(() => {
  for (const b of bridges) b.terminate();
  bridges = [];
});

describe('starting the sync worker', () => {
  it('runs as a module worker from the same origin', async () => {
    const bridge = createSyncBridge();
    bridges.push(bridge);
    await bridge.ready;
    await bridge.configure({ api: 'v2', token: 't', baseUrl: 'http://127.0.0.1:9/', dbName: `same-${Math.random()}` });
    expect(await bridge.pullProgress()).toEqual([]);
  });

  it('runs when the script comes from another origin (blob bootstrap importing it over CORS)', async () => {
    const proxy = inject('crossOriginProxyUrl');
    await fetch(`${proxy}/__proxy/target`, { method: 'POST', body: location.origin });
    const local = defaultWorkerUrl();
    const foreign = new URL(local.pathname + local.search, proxy);
    expect(foreign.origin).not.toBe(location.origin);
    // What the browser does with a plain cross-origin worker URL: refuse it.
    expect(() => new Worker(foreign, { type: 'module' })).toThrow();

    const bridge = createSyncBridge({ scriptUrl: foreign });
    bridges.push(bridge);
    await bridge.ready;
    await bridge.configure({ api: 'v2', token: 't', baseUrl: 'http://127.0.0.1:9/', dbName: `cross-${Math.random()}` });
    expect(await bridge.pullProgress()).toEqual([]);
  });

  it('reports a worker script that cannot load instead of hanging', async () => {
    const bridge = createSyncBridge({ scriptUrl: new URL('/does-not-exist.js', inject('crossOriginProxyUrl')) });
    bridges.push(bridge);
    await expect(bridge.ready).rejects.toThrow(/worker/);
    await expect(bridge.pullProgress()).rejects.toThrow(/worker/);
  });
});

describe('an API the browser may not call', () => {
  it('reports a CORS refusal as "blocked", naming the base URL and the proxy fix, without the token', async () => {
    const base = `${inject('crossOriginProxyUrl')}/__nocors/`;
    const bridge = createSyncBridge();
    bridges.push(bridge);
    await bridge.configure({ api: 'v2', token: 'secret-123', baseUrl: base, dbName: `nocors-${Math.random()}`, retry: { maxNetworkRetries: 1, baseDelayMs: 10 } });
    const error = await bridge.listStores().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'blocked', params: { baseUrl: base, origin: location.origin } });
    expect((error as ApiError).message).toMatch(/proxy/);
    expect(JSON.stringify(error)).not.toContain('secret-123');
  });
});
