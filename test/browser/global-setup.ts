/**
 * Browser tests' global setup (Node side): starts the Evotor Cloud emulator in-process on 127.0.0.1 (random free
 * port) and a cross-origin proxy, and provides their addresses to the tests (keys documented in README.md).
 */
import type { TestProject } from 'vitest/node';
import { startEmulator } from '../../src/emulator/server.ts';
import { startCrossOriginProxy } from './cross-origin-proxy.ts';
import { startMalformingProxy } from './malforming-proxy.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the emulator, e.g. http://127.0.0.1:41234 (no trailing slash). */
    emulatorUrl: string;
    /** The token the emulator accepts (every scope). */
    emulatorToken: string;
    /** Id of the small default store generated at start (seed 1, 3 months, 60 products). */
    emulatorStoreId: string;
    /** Documents (and products) per page the emulator serves. */
    emulatorPageSize: number;
    /** Another origin (127.0.0.1, another port) that proxies to a target the test sets: for cross-origin tests. */
    crossOriginProxyUrl: string;
    /**
     * The emulator behind a proxy that corrupts the documents of stores registered with POST /__malform
     * {storeId, malformedRate, malformedSeed} (the emulator's own rules, but for that store only).
     */
    malformingProxyUrl: string;
    /** A second emulator with the default page size (1000), no rate limit and no stores: for pull-bench.test.ts. */
    benchEmulatorUrl: string;
  }
}

export const BROWSER_TEST_TOKEN = 'browser-test-token';
/** Small pages so small stores still have many of them (paging, resume and early-stop tests need that). */
export const PAGE_SIZE = 50;

export default async function setup(project: TestProject) {
  const emulator = await startEmulator({
    port: 0,
    token: BROWSER_TEST_TOKEN,
    pageSize: PAGE_SIZE,
    productPageSize: PAGE_SIZE,
    // Test files run in parallel and share this log: keep plenty, filter by store path.
    logLimit: 500_000,
  });
  const bench = await startEmulator({ port: 0, token: BROWSER_TEST_TOKEN, stores: 0, rateLimit: null });
  const proxy = await startCrossOriginProxy();
  const malforming = await startMalformingProxy(emulator.url);
  const [store] = emulator.state.stores.keys();
  project.provide('emulatorUrl', emulator.url);
  project.provide('emulatorToken', emulator.token);
  project.provide('emulatorStoreId', store ?? '');
  project.provide('emulatorPageSize', PAGE_SIZE);
  project.provide('crossOriginProxyUrl', proxy.url);
  project.provide('malformingProxyUrl', malforming.url);
  project.provide('benchEmulatorUrl', bench.url);
  return async () => {
    await proxy.close();
    await malforming.close();
    await emulator.close();
    await bench.close();
  };
}
