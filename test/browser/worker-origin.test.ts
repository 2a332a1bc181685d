import { afterEach, describe, expect, inject, it } from 'vitest';
import { createSyncBridge, type SyncBridge } from '../../src/worker/bridge.ts';
import { defaultWorkerUrl } from '../../src/worker/spawn.ts';

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
    expect(await bridge.listProgress()).toEqual([]);
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
    expect(await bridge.listProgress()).toEqual([]);
  });

  it('reports a worker script that cannot load instead of hanging', async () => {
    const bridge = createSyncBridge({ scriptUrl: new URL('/does-not-exist.js', inject('crossOriginProxyUrl')) });
    bridges.push(bridge);
    await expect(bridge.ready).rejects.toThrow(/worker/);
    await expect(bridge.listProgress()).rejects.toThrow(/worker/);
  });
});
