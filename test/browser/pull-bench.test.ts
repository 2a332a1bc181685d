/**
 * Figures of the pull in the real worker on a larger generated store, at the emulator's default page size (1000).
 * Skipped unless asked for:  VITE_PULL_BENCH=1 npx vitest run --project browser test/browser/pull-bench.test.ts
 * Store size: VITE_PULL_BENCH_DOCS_PER_DAY (default 300), VITE_PULL_BENCH_MONTHS (12), VITE_PULL_BENCH_PRODUCTS (2000).
 */
import { describe, expect, inject, it } from 'vitest';
import { createSyncBridge } from '../../src/sync/page/bridge.ts';
import { emulatorAdmin } from '../lib/emulator-admin.ts';
import { progressUntil, uniqueDb } from './helpers.ts';

const env = import.meta.env as Record<string, string | undefined>;
const BENCH = inject('benchEmulatorUrl');
const TOKEN = inject('emulatorToken');

describe.skipIf(!env.VITE_PULL_BENCH)('pull benchmark', () => {
  it('pulls and computes a generated store', { timeout: 30 * 60_000 }, async () => {
    const options = {
      seed: 'bench-1', products: Number(env.VITE_PULL_BENCH_PRODUCTS ?? 2000), months: Number(env.VITE_PULL_BENCH_MONTHS ?? 12),
      docsPerDay: Number(env.VITE_PULL_BENCH_DOCS_PER_DAY ?? 300), terminals: 1, endTime: 'now',
    };
    const created = performance.now();
    const store = await emulatorAdmin(BENCH).createStore(options);
    const generated = (performance.now() - created) / 1000;

    for (const fullPeriod of [true, false]) {
      const bridge = createSyncBridge();
      const dbName = uniqueDb('bench');
      await bridge.configure({ api: 'v2', token: TOKEN, baseUrl: BENCH, dbName });
      let firstResult: number | null = null;
      let finishing: number | null = null;
      const started = performance.now();
      bridge.onProgress((p) => {
        if (p.resultReady && firstResult === null) firstResult = performance.now();
        if (p.phase === 'finishing' && finishing === null) finishing = performance.now();
      });
      await bridge.startPull(store.storeId, { fullPeriod });
      const done = await progressUntil(bridge, store.storeId, (p) => p.status === 'done', 30 * 60_000);
      const total = (performance.now() - started) / 1000;
      const t0 = performance.now();
      const result = await bridge.getResult(store.storeId);
      const read = (performance.now() - t0) / 1000;
      const fetchEnd = finishing ?? performance.now();
      console.log(
        `[bench] ${fullPeriod ? 'whole period' : 'early stop  '}: ${store.documentCount} documents in store (generated in ${generated.toFixed(1)} s), ` +
        `${done.documents} fetched in ${done.pages} pages + ${done.productPages} product pages; ${total.toFixed(1)} s total = ` +
        `${(done.documents / ((fetchEnd - started) / 1000)).toFixed(0)} documents/s while fetching; final fold ${((performance.now() - fetchEnd - read * 1000) / 1000).toFixed(1)} s; ` +
        `result offered after ${firstResult === null ? '-' : ((firstResult - started) / 1000).toFixed(1)} s; getResult (${result.counts.products} products) in ${read.toFixed(2)} s; ` +
        `months ${done.monthsDone}/${done.monthsTotal}, stop: ${done.stopReason}`,
      );
      expect(done.productsDecided).toBe(done.productsTracked);
      bridge.terminate();
      // What a reload does: a fresh worker folds every product again from the page records.
      const reopened = createSyncBridge();
      await reopened.configure({ api: 'v2', token: TOKEN, baseUrl: BENCH, dbName });
      const r0 = performance.now();
      const again = await reopened.getResult(store.storeId);
      console.log(`[bench] ${fullPeriod ? 'whole period' : 'early stop  '}: a fresh worker folded ${again.counts.products} products from IndexedDB in ${((performance.now() - r0) / 1000).toFixed(2)} s`);
      reopened.terminate();
    }
  });
});
