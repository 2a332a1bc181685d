import { afterEach, describe, expect, inject, it } from 'vitest';
import { malformation } from '../../src/emulator/faults.ts';
import { DEFAULT_CONNECTIONS } from '../../src/pull/slots.ts';
import { createSyncBridge, type SyncBridge } from '../../src/sync/page/bridge.ts';
import type { LightResultRow } from '../../src/sync/shared/types.ts';
import {
  EMULATOR, TOKEN, createStore, documentIds, getFaults, progressUntil, requestsOf, resultWithRows, setFaults, truth, uniqueDb,
} from './helpers.ts';

let bridges: SyncBridge[] = [];
afterEach(() => {
  for (const b of bridges) b.terminate();
  bridges = [];
});

async function bridgeFor(dbName: string, api: 'v2' | 'v1' = 'v2', extra: Record<string, unknown> = {}): Promise<SyncBridge> {
  const bridge = createSyncBridge();
  bridges.push(bridge);
  await bridge.configure({ api, token: TOKEN, baseUrl: EMULATOR, dbName, ...extra });
  return bridge;
}

/**
 * Computed quantities of the products the emulator tracks. A set (комплект) is a NORMAL product in the catalogue;
 * the core sees it only as a set header in documents and flags it (SET_HEADER), while the truth leaves it out.
 */
function quantities(rows: LightResultRow[], truthIds: Record<string, unknown>): Record<string, string | null> {
  for (const r of rows) {
    if (r.status !== 'not_tracked' && !(r.productId in truthIds)) expect(r.warnings.map((w) => w.code)).toContain('SET_HEADER');
  }
  return Object.fromEntries(rows.filter((r) => r.productId in truthIds).map((r) => [r.productId, r.quantity]));
}

describe('pull and computation in the worker against the emulator', () => {
  it('a generated single-terminal store, pulled and computed, equals its ground truth', async () => {
    const store = await createStore({ seed: 'truth-1', products: 60, months: 3, docsPerDay: 40, terminals: 1, endTime: 'now', settlementStyle: 'mixed' });
    const bridge = await bridgeFor(uniqueDb('truth'));
    const started = performance.now();
    await bridge.startPull(store.storeId, { fullPeriod: true });
    const done = await progressUntil(bridge, store.storeId, (p) => p.status === 'done');
    const seconds = (performance.now() - started) / 1000;
    const result = await resultWithRows(bridge, store.storeId);
    const expected = await truth(store.storeId);
    expect(quantities(result.rows, expected)).toEqual(expected);
    expect(result.complete).toBe(true);
    expect(result.rows.every((r) => !r.provisional)).toBe(true);
    expect(done.documents).toBe(store.documentCount);
    expect(done.productsDecided).toBe(done.productsTracked);
    console.log(`[figures] truth store: ${store.documentCount} documents, ${done.pages} document pages, ${done.productPages} product pages in ${seconds.toFixed(1)} s = ${(store.documentCount / seconds).toFixed(0)} documents/s`);

    // A product's history, oldest first, for the detail view.
    const sold = result.rows.find((r) => r.status === 'resolved' && r.documents > 3)!;
    const history = await bridge.productHistory(store.storeId, sold.productId);
    const times = history.events.map((e) => e.doc.closeTime);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(history.row?.quantity).toBe(sold.quantity);
    // The original document can be fetched again on demand.
    const original = await bridge.getDocument(store.storeId, sold.decidedBy!.id) as { id: string };
    expect(original.id).toBe(sold.decidedBy!.id);
  });

  it('V1: a store pulled within the history limit equals its ground truth', async () => {
    const store = await createStore({ seed: 'truth-v1', apiVersion: 'v1', products: 40, months: 3, docsPerDay: 30, endTime: 'now' });
    const bridge = await bridgeFor(uniqueDb('v1'), 'v1');
    await bridge.startPull(store.storeId, { fullPeriod: true });
    await progressUntil(bridge, store.storeId, (p) => p.status === 'done');
    const result = await resultWithRows(bridge, store.storeId);
    const expected = await truth(store.storeId);
    expect(quantities(result.rows, expected)).toEqual(expected);
    // Half-month windows are accepted: no request refused for its period or its age.
    const v1 = (await requestsOf(store.storeId)).filter((e) => e.method === 'GET' && e.path.endsWith('/documents'));
    expect(v1.length).toBeGreaterThan(0);
    expect(v1.every((e) => e.status === 200)).toBe(true);
  });
});

// Faults are emulator-wide state (scoped here by `match` to the test's own store, and restored afterwards).
describe('resilience of the pull', () => {
  /** Successful API GETs of a store's document and product pages, by URL. */
  async function pageRequests(storeId: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const e of await requestsOf(storeId)) {
      if (e.method !== 'GET' || e.status !== 200 || !/\/(documents|products)$/.test(e.path)) continue;
      const key = `${e.path}?${e.query}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  it('a reload at random pages resumes at its checkpoint: no committed page is requested twice', async () => {
    const store = await createStore({ seed: 'resume-1', products: 60, months: 4, docsPerDay: 40, terminals: 1, endTime: 'now' });
    const db = uniqueDb('resume');
    const approxPages = Math.ceil(store.documentCount / inject('emulatorPageSize'));
    const seed = Math.floor(Math.random() * 1e9);
    let state = seed;
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    const targets = [1, 2, 3].map(() => 1 + Math.floor(random() * (approxPages - 2))).sort((a, b) => a - b);
    console.log(`[resume] seed ${seed}: closing the worker after pages ${targets.join(', ')} of ~${approxPages}`);

    let bridge = await bridgeFor(db);
    await bridge.startPull(store.storeId, { fullPeriod: true });
    let kills = 0;
    for (const target of targets) {
      const at = await progressUntil(bridge, store.storeId, (p) => p.pages >= target || p.status === 'done');
      if (at.status === 'done') break;
      // A closed tab: the worker dies wherever it is, mid-request or mid-transaction.
      bridge.terminate();
      kills++;
      bridge = await bridgeFor(db);
      const [interrupted] = await bridge.pullProgress();
      expect(interrupted).toMatchObject({ storeId: store.storeId, status: 'interrupted' });
      expect(interrupted!.pages).toBeGreaterThanOrEqual(at.pages);
      await bridge.resumePull(store.storeId);
    }
    await progressUntil(bridge, store.storeId, (p) => p.status === 'done');

    const expected = await truth(store.storeId);
    expect(quantities((await resultWithRows(bridge, store.storeId)).rows, expected)).toEqual(expected);
    // Only pages not yet committed when the worker died may come twice: per window in flight, the one being committed
    // and the next, fetched meanwhile; windows run side by side up to the connection budget (src/pull/slots.ts). So at
    // most two per window and kill; a committed page never (the fault suite checks that page by page).
    const counts = await pageRequests(store.storeId);
    const repeated = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(kills).toBeGreaterThan(0);
    expect(repeated).toBeLessThanOrEqual(2 * DEFAULT_CONNECTIONS * kills);
  });

  it('injected 5xx, 429, hung and dropped connections do not change the result', async () => {
    const store = await createStore({ seed: 'faults-1', products: 40, months: 3, docsPerDay: 30, terminals: 1, endTime: 'now' });
    const before = await getFaults();
    await setFaults({
      match: `/stores/${store.storeId}/`, seed: 'faults-1', errorRate: 0.15, errorStatuses: [500, 502, 503, 504],
      hangRate: 0.04, dropRate: 0.04, burst429: 3, burstRetryAfterSeconds: 1,
    });
    try {
      const bridge = await bridgeFor(uniqueDb('faults'), 'v2', {
        timeoutMs: 1000, retry: { baseDelayMs: 20, maxDelayMs: 200, maxRetries: 20, maxNetworkRetries: 20 },
      });
      const waits = new Set<string>();
      bridge.onProgress((p) => p.waiting && waits.add(p.waiting.reason));
      await bridge.startPull(store.storeId, { fullPeriod: true });
      await progressUntil(bridge, store.storeId, (p) => p.status === 'done');
      const expected = await truth(store.storeId);
      expect(quantities((await resultWithRows(bridge, store.storeId)).rows, expected)).toEqual(expected);

      const faults = new Set((await requestsOf(store.storeId)).map((e) => e.fault).filter(Boolean));
      expect([...faults].sort()).toEqual(['5xx', 'burst429', 'dropped', 'hung']);
      expect(waits.has('server') || waits.has('rate-limit')).toBe(true);
    } finally {
      await setFaults({ ...before, reset: true });
    }
  });

  it('malformed documents are quarantined, their products flagged, and no other quantity changes', async () => {
    const store = await createStore({ seed: 'malformed-1', products: 50, months: 3, docsPerDay: 30, terminals: 1, endTime: 'now' });
    const faults = { malformedRate: 0.03, malformedSeed: 'malformed-1' };
    const corrupted = (await documentIds(store.storeId)).filter((id) => malformation(id, faults) !== null);
    expect(corrupted.length).toBeGreaterThan(0);
    // Corrupted by a proxy for this store only (the emulator's malformedRate would hit every store at once).
    const proxy = inject('malformingProxyUrl');
    await fetch(`${proxy}/__malform`, { method: 'POST', body: JSON.stringify({ storeId: store.storeId, ...faults }) });
    const bridge = await bridgeFor(uniqueDb('malformed'), 'v2', { baseUrl: proxy });
    await bridge.startPull(store.storeId, { fullPeriod: true });
    const done = await progressUntil(bridge, store.storeId, (p) => p.status === 'done');
    expect(done.quarantined).toBe(corrupted.length);
    const result = await resultWithRows(bridge, store.storeId);
    expect(result.quarantined).toHaveLength(corrupted.length);
    const withId = result.quarantined.map((q) => q.documentId).filter((id): id is string => id !== null);
    for (const id of withId) expect(corrupted).toContain(id);
    // Products listed by a quarantined document carry the warning...
    const flagged = new Set(result.rows.filter((r) => r.warnings.some((w) => w.code === 'QUARANTINED_DOCUMENT')).map((r) => r.productId));
    for (const q of result.quarantined) for (const id of q.productIds) if (result.rows.some((r) => r.productId === id)) expect(flagged).toContain(id);
    expect(flagged.size).toBeGreaterThan(0);
    // ...and every other product still has its true stock.
    const expected = await truth(store.storeId);
    for (const row of result.rows) {
      if (row.productId in expected && !flagged.has(row.productId)) expect([row.productId, row.quantity]).toEqual([row.productId, expected[row.productId]]);
    }
  });

  it('early stop fetches fewer pages than the whole period when most products sell weekly', async () => {
    const store = await createStore({ seed: 'weekly-1', products: 30, months: 8, docsPerDay: 50, terminals: 1, endTime: 'now', completeInventoryEveryDays: 45 });
    const early = await bridgeFor(uniqueDb('early'));
    const offered: boolean[] = [];
    early.onProgress((p) => p.storeId === store.storeId && offered.push(p.resultReady));
    await early.startPull(store.storeId);
    const stopped = await progressUntil(early, store.storeId, (p) => p.status === 'done');
    expect(offered.at(-1)).toBe(true);
    expect(stopped.stopReason).toBe('all-decided');
    expect(stopped.monthsDone).toBeLessThan(stopped.monthsTotal);
    expect(stopped.productsDecided).toBe(stopped.productsTracked);
    const earlyPages = [...(await pageRequests(store.storeId)).values()].reduce((a, b) => a + b, 0);
    const expected = await truth(store.storeId);
    expect(quantities((await resultWithRows(early, store.storeId)).rows, expected)).toEqual(expected);

    const whole = await bridgeFor(uniqueDb('whole'));
    await whole.startPull(store.storeId, { fullPeriod: true });
    const full = await progressUntil(whole, store.storeId, (p) => p.status === 'done');
    const allPages = [...(await pageRequests(store.storeId)).values()].reduce((a, b) => a + b, 0) - earlyPages;
    console.log(`[figures] early stop: ${stopped.pages} document pages over ${stopped.monthsDone} of ${stopped.monthsTotal} months, vs ${full.pages} for the whole period`);
    expect(stopped.pages).toBeLessThan(full.pages);
    expect(earlyPages).toBeLessThan(allPages);
  });
});
