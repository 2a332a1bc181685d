// Cancelling a call (src/sync/shared/api.ts): the page's bridge and the worker's dispatch joined by a MessageChannel,
// the real SyncService behind them over an in-memory cloud. Aborting a call's signal rejects it at once and aborts
// the signal the worker gave the method: a write stops in the worker (and stays resumable), not only on the page.
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncBridge, type SyncBridge } from '../../../src/sync/page/bridge.ts';
import type { StoreProgress } from '../../../src/sync/shared/types.ts';
import { serve, type Endpoint } from '../../../src/sync/worker/serve.ts';
import { SyncService } from '../../../src/sync/worker/service.ts';
import { FakeCloud, STORE, p } from '../../lib/fake-cloud.ts';

const NOW = Date.UTC(2024, 5, 15, 12);
const ports: MessagePort[] = [];

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
});
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

/** Twelve products the pull decides (sold to 1…12), all at 0 in the cloud: a plan writes twelve. */
function twelve(): FakeCloud {
  const cloud = new FakeCloud('v2');
  for (let n = 1; n <= 12; n++) {
    cloud.addProduct(p(n), 0);
    cloud.addDocument('SELL', Date.UTC(2024, 4, n, 10), [{ productId: p(n), quantity: 1, stockBefore: n + 1 }]);
  }
  return cloud;
}

/** A bridge whose worker is a SyncService served on the other end of a MessageChannel. */
async function connected(cloud: FakeCloud): Promise<SyncBridge> {
  const channel = new MessageChannel();
  ports.push(channel.port1, channel.port2);
  const workerSide = channel.port2;
  const events: StoreProgress[] = [];
  serve(workerSide as unknown as Endpoint, new SyncService({
    emit: (progress) => {
      events.push(progress);
      workerSide.postMessage({ type: 'progress', progress });
    },
    createClient: () => cloud.client(),
    now: () => NOW,
    progressIntervalMs: 0,
  }));
  const pageSide = channel.port1;
  const worker = { postMessage: (m: unknown) => pageSide.postMessage(m), addEventListener: pageSide.addEventListener.bind(pageSide), terminate: () => pageSide.close() };
  const bridge = createSyncBridge({ worker: worker as never });
  pageSide.start();
  workerSide.start();
  await bridge.configure({ api: 'v2', token: 'token', dbName: 'abort', journalName: 'abort-journal' });
  const done = new Promise<void>((resolve) => bridge.onProgress((e) => e.status === 'done' && resolve()));
  await bridge.startPull(STORE, { fullPeriod: true });
  await done;
  return bridge;
}

/** Waits until the worker has left the run's apply (its report no longer says 'applying'). */
async function settled(bridge: SyncBridge, runId: string): Promise<string> {
  for (;;) {
    const { status } = await bridge.runReport(runId);
    if (status !== 'applying') return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('an aborted call', () => {
  it('stops a write in the worker: fewer than all products are written, the run stays resumable and completes later', async () => {
    const cloud = twelve();
    const bridge = await connected(cloud);
    const { report } = await bridge.planWrite([STORE]);
    const controller = new AbortController();
    cloud.beforeWrite = async () => {
      if (cloud.writes.length === 1) controller.abort();
      // Each write takes a moment, so the abort reaches the worker while products remain.
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await expect(bridge.runWrite(report.runId, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await settled(bridge, report.runId)).not.toBe('completed');
    const written = cloud.writes.length;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(12);
    expect((await bridge.pendingRuns()).map((r) => r.runId)).toEqual([report.runId]);

    cloud.beforeWrite = null;
    expect((await bridge.runWrite(report.runId)).report.status).toBe('completed');
    for (let n = 1; n <= 12; n++) expect(cloud.quantity(p(n))).toBe(n);
  });

  it('already aborted is refused on the page: the worker never hears of it', async () => {
    const cloud = twelve();
    const bridge = await connected(cloud);
    const reads = cloud.productReads;
    const controller = new AbortController();
    controller.abort();
    await expect(bridge.planWrite([STORE], controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await bridge.listRuns()).toEqual([]);
    expect(cloud.productReads).toBe(reads);
  });

  it('stops a plan reading the cloud; nothing is journaled as planned, and a plan without a signal still works', async () => {
    const cloud = twelve();
    const bridge = await connected(cloud);
    const controller = new AbortController();
    const planning = bridge.planWrite([STORE], controller.signal);
    controller.abort();
    await expect(planning).rejects.toMatchObject({ name: 'AbortError' });
    const plan = await bridge.planWrite([STORE]);
    expect(plan.report.status).toBe('planned');
    expect((await bridge.listRuns()).filter((r) => r.status === 'planned').map((r) => r.runId)).toEqual([plan.report.runId]);
  });
});
