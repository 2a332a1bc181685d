/**
 * The two sides of the store scenarios (test/bench/scenarios.ts, issue 15), both in the harness page:
 *
 * - `appPull`: the app as the merchant drives it — the UI's state (src/ui/state/) over the worker backend, all
 *   stores selected, one «Загрузить»; a store's review counts as shown when its rows have been read as the review
 *   reads them, after the worker offered its result.
 * - `naivePull`: what a straightforward client does — list the stores, then for every store at once its products
 *   and its whole period in one query (since the creation date in its id, every cursor page), computeStock on the
 *   main thread.
 *
 * Both clocks start at the merchant's click, with the store list in hand (the app cannot be clicked before its
 * store screen shows the list; the naive client gets its list before its clock starts too): times are ms from
 * then. `listMs` is the time from the token to the list (the app: starting the worker, opening the database,
 * GET /stores; the naive client: GET /stores), so the time from the token is `listMs` + a time. Requests are
 * counted by the emulator (Node side).
 */
import { effect } from '@preact/signals';
import { computeStock } from '../../../src/stock/compute.ts';
import { creationDateFromStoreId } from '../../../src/pull/windows.ts';
import { createAppState } from '../../../src/ui/state/index.ts';
import { createWorkerBackend } from '../../../src/ui/worker-backend.ts';
import { createSyncBridge } from '../../../src/sync/page/bridge.ts';

export interface StoreTimes {
  storeId: string;
  /** The store's review could be shown (result read). */
  reviewMs: number;
  /** Fetching over (project: the pull is done; naive: the same as the review). */
  doneMs: number;
  /** Product id -> computed quantity (decided products only), to compare both sides. */
  quantities: Record<string, string>;
  undecided: number;
}

export interface ScenarioRun {
  stores: StoreTimes[];
  totalMs: number;
  /** From the token to the store list (before the click). */
  listMs: number;
}

const V2_ACCEPT = 'application/vnd.evotor.v2+json';

/** Backends kept alive after their run (`keep`: a CPU profile of the worker is still to be read), until released. */
const kept: (() => void)[] = [];

export function releaseKept(): void {
  for (const dispose of kept.splice(0)) dispose();
}

export async function appPull(options: { apiBase: string; token: string; dbName: string; journalName: string; timeoutMs: number; keep?: boolean }): Promise<ScenarioRun> {
  const tToken = performance.now();
  const sync = createSyncBridge();
  const backend = createWorkerBackend({ sync, token: options.token, apiBase: options.apiBase, dbName: options.dbName, journalName: options.journalName });
  const state = createAppState(backend);
  const times = new Map<string, StoreTimes>();
  const reading = new Set<string>();
  let storeIds: string[] = [];
  let t0 = 0;
  try {
    await state.init();
    t0 = performance.now();
    state.selectAllStores(true);
    storeIds = [...state.selected.value];
    let stop: (() => void) | null = null;
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`app pull: not done within ${options.timeoutMs} ms`)), options.timeoutMs);
      const check = () => {
        const all = storeIds.every((id) => {
          const t = times.get(id);
          return t && t.doneMs > 0 && t.reviewMs > 0;
        });
        if (all) {
          clearTimeout(timer);
          resolve();
        }
      };
      stop = effect(() => {
        for (const [id, p] of state.progress.value) {
          if (p.phase === 'failed') reject(new Error(`app pull: store ${id} failed: ${JSON.stringify(p.error)}`));
          const t = times.get(id) ?? { storeId: id, reviewMs: 0, doneMs: 0, quantities: {}, undecided: 0 };
          times.set(id, t);
          if (p.phase === 'done' && t.doneMs === 0) t.doneMs = performance.now() - t0;
          if (p.resultReady && !reading.has(id)) {
            reading.add(id);
            // The review reads the rows when the store is offered (src/ui/state/review.ts loadRows does the same reader).
            void backend.reviewRows(id).then(() => {
              t.reviewMs = performance.now() - t0;
              check();
            }, reject);
          }
        }
        if (state.progress.value.size > 0) check();
      });
    });
    void finished.finally(() => stop?.()).catch(() => undefined);
    await state.startPull();
    await finished;
    // The final rows (after the background months), for the comparison with the naive client.
    for (const id of storeIds) {
      const result = await backend.reviewRows(id);
      const t = times.get(id)!;
      for (const row of result.rows) {
        if (row.stock.status === 'resolved' && row.stock.quantity !== null) t.quantities[row.stock.productId] = row.stock.quantity;
        else t.undecided++;
      }
    }
    return {
      stores: storeIds.map((id) => times.get(id)!), listMs: t0 - tToken,
      totalMs: Math.max(...[...times.values()].map((t) => Math.max(t.doneMs, t.reviewMs))),
    };
  } finally {
    state.dispose();
    if (options.keep) kept.push(() => backend.dispose());
    else backend.dispose();
  }
}

export async function naivePull(options: { apiBase: string; token: string }): Promise<ScenarioRun> {
  const tToken = performance.now();
  const headers = { Authorization: `Bearer ${options.token}`, Accept: V2_ACCEPT };
  const get = async (path: string, params: Record<string, string>) => {
    const url = new URL(`${options.apiBase}${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`naive: ${response.status} for ${path}`);
    return (await response.json()) as { items: unknown[]; paging?: { next_cursor?: string } };
  };
  const all = async (path: string, first: Record<string, string>) => {
    const items: unknown[] = [];
    let params = first;
    for (;;) {
      const page = await get(path, params);
      items.push(...page.items);
      const next = page.paging?.next_cursor;
      if (!next) return items;
      params = { cursor: next };
    }
  };
  const stores = (await get('/stores', {})).items as { id: string }[];
  const t0 = performance.now();
  const times = await Promise.all(stores.map(async ({ id }) => {
    const now = Date.now();
    const [products, documents] = await Promise.all([
      all(`/stores/${id}/products`, {}),
      all(`/stores/${id}/documents`, { since: String(creationDateFromStoreId(id, now) ?? now - 3 * 365 * 86_400_000), until: String(now + 1) }),
    ]);
    const result = computeStock({ api: 'v2', products, documents });
    const quantities: Record<string, string> = {};
    let undecided = 0;
    for (const row of result.products) {
      if (row.status === 'resolved' && row.quantity !== null) quantities[row.productId] = row.quantity;
      else undecided++;
    }
    const ms = performance.now() - t0;
    return { storeId: id, reviewMs: ms, doneMs: ms, quantities, undecided } satisfies StoreTimes;
  }));
  return { stores: times, listMs: t0 - tToken, totalMs: performance.now() - t0 };
}
