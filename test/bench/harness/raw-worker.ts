/// <reference lib="webworker" />
/**
 * The benchmark's own module worker (not the app's): the ceiling and the computation figures, in the same browser
 * and the same kind of context (a dedicated worker) as the app's pull.
 *
 * - raw: the same document pages the pull fetched (URLs replayed from the emulator's request log), one at a time,
 *   fetch + text + JSON.parse only: the rate no pipeline over this network, server and browser can beat.
 * - validate: src/pull's own `documentRows` on each parsed page (normalise + rows), timed apart: the pull's
 *   validation cost without IndexedDB.
 * - accumulator: src/stock's createStockAccumulator fed every page (O(products) memory), timed apart.
 * - computeStock: src/stock's computeStock on the raw products and up to `computeDocs` raw documents in memory.
 * - offline pull: src/pull's own pullStore (validate, IndexedDB commits with checkpoints, folding) over the same
 *   `computeDocs` documents served from memory by a client double, into a scratch database: the pipeline without
 *   the network, with the time of the IndexedDB commits and of the folds measured around the real methods.
 * Only the fetch + parse time counts for the ceiling; the other stages are timed around their own calls.
 */
import type { DocumentPageRequest, EvotorClient, RawPage } from '../../../src/api/client.ts';
import { openLocalStore } from '../../../src/local/db.ts';
import { normaliseProduct } from '../../../src/model/normalise.ts';
import { parseCloseDate } from '../../../src/model/time.ts';
import type { ApiVersion, CatalogueProduct } from '../../../src/model/types.ts';
import { StoreComputation } from '../../../src/pull/computation.ts';
import { pullStore } from '../../../src/pull/engine.ts';
import { documentRows } from '../../../src/pull/rows.ts';
import { buildCatalogue, computeStock, createStockAccumulator } from '../../../src/stock/index.ts';

export interface RawRequest {
  api: ApiVersion;
  headers: Record<string, string>;
  productUrls: string[];
  documentUrls: string[];
  /**
   * 0: the ceiling mode (every page fetched, parsed, validated and fed to the accumulator, nothing kept).
   * n > 0: the in-memory mode: the first pages (the newest months) until n documents are held, then computeStock
   * on them and the offline pull; the two modes run in separate workers so neither pays the other's garbage.
   */
  computeDocs: number;
  /** Feed every page to the accumulator. */
  accumulate: boolean;
  /** Run the offline pull over the kept documents under this store id (its id gives the horizon). */
  offlinePull?: { storeId: string; pageSize: number } | null;
}

export interface OfflinePull {
  documents: number;
  pages: number;
  totalMs: number;
  /** commitProductPage + commitDocumentPage (IndexedDB transactions, rows + checkpoint + job). */
  commitMs: number;
  /** StoreComputation afterPage/flush/load/finish (reads from IndexedDB and foldProduct). */
  foldMs: number;
  finishMs: number;
  rows: number;
}

export interface RawFigures {
  pages: number;
  documents: number;
  /** Document lines: V2 positions and sub-positions (V1 transactions of positions and inventory). */
  lines: number;
  bytes: number;
  fetchMs: number;
  parseMs: number;
  validateMs: number;
  /** Rows documentRows made (one per document and product). */
  rows: number;
  accumulatorMs: number | null;
  accumulatorLines: number;
  computeMs: number | null;
  computeDocs: number;
  computeLines: number;
  computeProducts: number;
  offline: OfflinePull | null;
  errors: string[];
}

function linesOf(doc: unknown): number {
  const d = doc as { body?: { positions?: unknown }; transactions?: unknown };
  if (Array.isArray(d?.body?.positions)) {
    let n = 0;
    for (const p of d.body.positions as { sub_positions?: unknown }[]) {
      n += 1;
      if (Array.isArray(p?.sub_positions)) n += p.sub_positions.length;
    }
    return n;
  }
  if (Array.isArray(d?.transactions)) {
    return (d.transactions as { type?: string }[]).filter((t) => t?.type === 'REGISTER_POSITION' || t?.type === 'INVENTORY').length;
  }
  return 0;
}

async function getJson(url: string, headers: Record<string, string>, figures: RawFigures): Promise<{ items: unknown[] }> {
  const t0 = performance.now();
  const response = await fetch(url, { headers });
  const text = await response.text();
  const t1 = performance.now();
  const parsed = JSON.parse(text) as { items?: unknown[] } | unknown[];
  const t2 = performance.now();
  if (!response.ok) figures.errors.push(`${response.status} ${url.slice(0, 120)}`);
  figures.fetchMs += t1 - t0;
  figures.parseMs += t2 - t1;
  figures.bytes += text.length;
  return { items: Array.isArray(parsed) ? parsed : (parsed.items ?? []) };
}

async function run(request: RawRequest): Promise<RawFigures> {
  const figures: RawFigures = {
    pages: 0, documents: 0, lines: 0, bytes: 0, fetchMs: 0, parseMs: 0, validateMs: 0, rows: 0,
    accumulatorMs: request.accumulate ? 0 : null, accumulatorLines: 0, computeMs: null, computeDocs: 0, computeLines: 0,
    computeProducts: 0, offline: null, errors: [],
  };
  const rawProducts: unknown[] = [];
  for (const url of request.productUrls) rawProducts.push(...(await getJson(url, request.headers, { ...figures, errors: figures.errors })).items);
  const normalised: CatalogueProduct[] = [];
  for (const raw of rawProducts) {
    const r = normaliseProduct(raw, request.api);
    if (r.ok) normalised.push(r.product);
  }
  const { catalogue } = buildCatalogue(normalised);
  const accumulator = request.accumulate ? createStockAccumulator({ api: request.api, products: rawProducts }) : null;
  const kept: unknown[] = [];
  let keptLines = 0;

  for (const url of request.documentUrls) {
    if (request.computeDocs > 0 && kept.length >= request.computeDocs) break;
    const { items } = await getJson(url, request.headers, figures);
    figures.pages += 1;
    figures.documents += items.length;
    let pageLines = 0;
    for (const doc of items) pageLines += linesOf(doc);
    figures.lines += pageLines;
    if (request.computeDocs > 0) {
      // The in-memory mode: keep the documents (newest first), nothing else is timed.
      for (const doc of items) {
        if (kept.length >= request.computeDocs) break;
        kept.push(doc);
        keptLines += linesOf(doc);
      }
      continue;
    }
    const v0 = performance.now();
    const rows = documentRows(items, { storeId: 'bench', month: 'bench', page: figures.pages, api: request.api, catalogue, at: 0 });
    figures.validateMs += performance.now() - v0;
    figures.rows += rows.rows.length;
    if (accumulator) {
      const a0 = performance.now();
      accumulator.addDocuments(items);
      figures.accumulatorMs! += performance.now() - a0;
      figures.accumulatorLines += pageLines;
    }
  }
  if (accumulator) {
    const a0 = performance.now();
    accumulator.result();
    figures.accumulatorMs! += performance.now() - a0;
  }
  if (kept.length > 0) {
    const c0 = performance.now();
    const result = computeStock({ api: request.api, products: rawProducts, documents: kept });
    figures.computeMs = performance.now() - c0;
    figures.computeDocs = kept.length;
    figures.computeLines = keptLines;
    figures.computeProducts = result.products.length;
  }
  if (kept.length > 0 && request.offlinePull) figures.offline = await offlinePull(request.offlinePull, request.api, rawProducts, kept);
  return figures;
}

/** Serves documents and products from memory with the emulator's paging rules (windows, then cursors). */
function memoryClient(api: ApiVersion, products: unknown[], documents: unknown[], pageSize: number): EvotorClient {
  const times = documents.map((d) => parseCloseDate((d as { close_date?: unknown }).close_date) ?? 0);
  const order = documents.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
  const cursors = new Map<string, { list: number[]; from: number }>();
  let next = 0;
  const pageOf = (list: number[], from: number): RawPage => {
    const items = list.slice(from, from + pageSize).map((i) => documents[i]);
    let nextCursor: string | null = null;
    if (from + pageSize < list.length) {
      nextCursor = `c${next++}`;
      cursors.set(nextCursor, { list, from: from + pageSize });
    }
    return { items, nextCursor };
  };
  const unsupported = () => Promise.reject(new Error('not served by the memory client'));
  return {
    api, baseUrl: 'memory:',
    listStores: unsupported,
    productPage: async (_storeId, cursor) => {
      const from = cursor === null ? 0 : Number(cursor);
      const items = products.slice(from, from + 1000);
      return { items, nextCursor: from + 1000 < products.length ? String(from + 1000) : null };
    },
    documentPage: async (_storeId, request: DocumentPageRequest) => {
      if (request.cursor !== undefined) {
        const c = cursors.get(request.cursor);
        if (!c) throw new Error('unknown cursor');
        cursors.delete(request.cursor);
        return pageOf(c.list, c.from);
      }
      const { since, until } = request.window;
      return pageOf(order.filter((i) => times[i]! >= since && times[i]! <= until), 0);
    },
    getDocument: unsupported,
    setQuantities: unsupported,
  };
}

async function offlinePull(options: { storeId: string; pageSize: number }, api: ApiVersion, products: unknown[], documents: unknown[]): Promise<OfflinePull> {
  const name = `bench-offline-${Date.now()}`;
  const local = await openLocalStore({ name });
  // Nested calls are counted once, at the outermost.
  let depth = 0;
  const timed = <A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, add: (ms: number) => void) => async (...args: A): Promise<R> => {
    const t0 = performance.now();
    depth++;
    try {
      return await fn(...args);
    } finally {
      depth--;
      if (depth === 0) add(performance.now() - t0);
    }
  };
  const out: OfflinePull = { documents: 0, pages: 0, totalMs: 0, commitMs: 0, foldMs: 0, finishMs: 0, rows: 0 };
  local.commitDocumentPage = timed(local.commitDocumentPage.bind(local), (ms) => (out.commitMs += ms));
  local.commitProductPage = timed(local.commitProductPage.bind(local), (ms) => (out.commitMs += ms));
  const computation = new StoreComputation(local, options.storeId, api);
  computation.afterPage = timed(computation.afterPage.bind(computation), (ms) => (out.foldMs += ms));
  computation.load = timed(computation.load.bind(computation), (ms) => (out.foldMs += ms));
  computation.finish = timed(computation.finish.bind(computation), (ms) => (out.finishMs += ms));
  const client = memoryClient(api, products, documents, options.pageSize);
  const t0 = performance.now();
  const job = await pullStore({ storeId: options.storeId, storeName: 'offline', options: { fullPeriod: true } }, { local, client, computation }, new AbortController().signal);
  out.totalMs = performance.now() - t0;
  out.documents = job.documents;
  out.pages = job.pages;
  out.rows = job.lines;
  local.close();
  await new Promise<void>((resolve) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = r.onerror = r.onblocked = () => resolve();
  });
  return out;
}

self.onmessage = (event: MessageEvent<RawRequest>) => {
  run(event.data).then(
    (figures) => self.postMessage({ ok: true, figures }),
    (error: unknown) => self.postMessage({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error) }),
  );
};
