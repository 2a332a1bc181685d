// @vitest-environment node
/**
 * The write-back against an emulator of its own (in-process, Node), with network-like latency and injected faults
 * that would disturb the shared browser-test emulator: throughput, 429 bursts, 5xx and hung requests. IndexedDB is
 * fake-indexeddb (test/unit/setup.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvotorClient } from '../../../src/api/client.ts';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import type { ApiVersion } from '../../../src/model/types.ts';
import { computeStock } from '../../../src/stock/index.ts';
import { fetchDocumentsSince } from '../../../src/writeback/guard.ts';
import { createWriteback } from '../../../src/writeback/index.ts';
import type { CreatePlanStore } from '../../../src/writeback/types.ts';
import { freshName } from './fresh-name.ts';
import { emulatorAdmin } from '../../lib/emulator-admin.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: 'node-token', rateLimit: { limit: 1000, windowSeconds: 60 }, logLimit: 200_000 });
});
afterAll(async () => {
  await emulator?.close();
});

const admin = <T>(method: string, path: string, body?: unknown) => emulatorAdmin(emulator.url).admin<T>(method, path, body);

const client = (api: ApiVersion, extra: { fetch?: typeof fetch; timeoutMs?: number } = {}) =>
  createEvotorClient({ api, token: emulator.token, baseUrl: emulator.url, timeoutMs: extra.timeoutMs ?? 10_000, ...(extra.fetch ? { fetch: extra.fetch } : {}) });

async function newStore(options: Record<string, unknown>): Promise<string> {
  return (await admin<{ storeId: string }>('POST', '/stores', { terminals: 1, endTime: 'now', cloudQuantities: 'zeroed', ...options })).storeId;
}

async function compute(storeId: string): Promise<CreatePlanStore> {
  const c = client('v2');
  const signal = new AbortController().signal;
  const products: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page = await c.productPage(storeId, cursor, signal);
    products.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const documents = await fetchDocumentsSince(c, storeId, 0, Date.now() + 86_400_000, signal);
  const result = computeStock({ api: 'v2', products, documents });
  const cutoff = result.products.reduce((max, p) => Math.max(max, p.decidedBy?.closeTime ?? 0), 0);
  return { storeId, api: 'v2', cutoff, computed: result.products, approved: 'all-resolved' };
}

async function cloudEqualsTruth(storeId: string, plan: CreatePlanStore): Promise<void> {
  const { quantities } = await admin<{ quantities: Record<string, string | null> }>('GET', `/stores/${storeId}/cloud`);
  const { truth } = await admin<{ truth: Record<string, string> }>('GET', `/stores/${storeId}/truth`);
  const got: Record<string, unknown> = {};
  const want: Record<string, unknown> = {};
  for (const p of plan.computed) {
    if (p.status !== 'resolved' || !(p.productId in truth)) continue;
    got[p.productId] = quantities[p.productId];
    want[p.productId] = truth[p.productId];
  }
  expect(Object.keys(want).length).toBeGreaterThan(0);
  expect(got).toEqual(want);
}

/** PATCH values per product as they left. */
function recorder() {
  const values = new Map<string, Set<string>>();
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    if (request.method === 'PATCH') {
      const id = new URL(request.url).pathname.split('/').pop()!;
      const q = String((JSON.parse(await request.clone().text()) as { quantity: unknown }).quantity);
      values.set(id, (values.get(id) ?? new Set()).add(q));
    }
    return fetch(request);
  };
  return { values, fetch: recordingFetch };
}

describe('write-back against an emulator of its own', () => {
  it('throughput with 5–15 ms of latency per request: every write verified, no 429 (Evotor limits per URI)', async () => {
    const storeId = await newStore({ seed: 'wb-bench', products: 1200, months: 1, docsPerDay: 120 });
    const plan = await compute(storeId);
    await admin('PUT', '/faults', { reset: true, latencyMs: 5, latencyJitterMs: 10, match: `^PATCH /stores/${storeId}/` });
    const wb = await createWriteback({ client: (api, hooks) => client(api, hooks), journalName: freshName() });
    try {
      const { report: planned } = await wb.createPlan({ stores: [plan] });
      const started = performance.now();
      const { report } = await wb.applyPlan(planned.runId);
      const seconds = (performance.now() - started) / 1000;
      expect(report.status).toBe('completed');
      expect(report.counts.verified).toBe(planned.counts.pending);
      await cloudEqualsTruth(storeId, plan);
      console.info(`[figures] V2 apply, ${planned.counts.pending} products, 5–15 ms latency: ${(planned.counts.pending / seconds).toFixed(0)} writes/s, ` +
        `${report.requests} write requests, ${report.rateLimited} 429s; emulator limit 1000 per 60 s per token and URI`);
    } finally {
      wb.close();
      await admin('PUT', '/faults', { reset: true });
    }
  }, 120_000);

  it('429 bursts, 5xx and hung requests do not change the result, and no product gets two values', async () => {
    const storeId = await newStore({ seed: 'wb-faults', products: 300, months: 1, docsPerDay: 60 });
    const plan = await compute(storeId);
    await admin('PUT', '/faults', {
      reset: true, match: `^PATCH /stores/${storeId}/`, burst429: 8, burstRetryAfterSeconds: 1,
      errorRate: 0.05, hangRate: 0.01, latencyMs: 2,
    });
    const rec = recorder();
    const wb = await createWriteback({
      client: (api, hooks) => client(api, { ...hooks, timeoutMs: 1_500 }), journalName: freshName(), fetch: rec.fetch,
    });
    try {
      const { report: planned } = await wb.createPlan({ stores: [plan] });
      let { report } = await wb.applyPlan(planned.runId);
      // Hung requests end as "no answer" (sent): a second apply, as the user's "continue", settles them.
      for (let i = 0; i < 3 && report.status !== 'completed'; i++) ({ report } = await wb.applyPlan(planned.runId));
      expect(report.status).toBe('completed');
      expect(report.stores[0]!.failures).toEqual([]);
      expect(report.rateLimited).toBeGreaterThanOrEqual(8);
      await cloudEqualsTruth(storeId, plan);
      for (const [, values] of rec.values) expect(values.size).toBe(1);
      console.info(`[figures] faults run: ${report.requests} write requests for ${planned.counts.pending} products, ${report.rateLimited} 429s (a burst of 8 injected)`);
    } finally {
      wb.close();
      await admin('PUT', '/faults', { reset: true });
    }
  }, 120_000);
});
