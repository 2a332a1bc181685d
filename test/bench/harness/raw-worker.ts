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
 * Only the fetch + parse time counts for the ceiling; the other stages are timed around their own calls.
 */
import { normaliseProduct } from '../../../src/model/normalise.ts';
import type { ApiVersion, CatalogueProduct } from '../../../src/model/types.ts';
import { documentRows } from '../../../src/pull/engine.ts';
import { buildCatalogue, computeStock, createStockAccumulator } from '../../../src/stock/index.ts';

export interface RawRequest {
  api: ApiVersion;
  headers: Record<string, string>;
  productUrls: string[];
  documentUrls: string[];
  /** Documents kept in memory for computeStock (the newest pages first); 0 skips it. */
  computeDocs: number;
  /** Feed every page to the accumulator. */
  accumulate: boolean;
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
    computeProducts: 0, errors: [],
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
    const { items } = await getJson(url, request.headers, figures);
    figures.pages += 1;
    figures.documents += items.length;
    let pageLines = 0;
    for (const doc of items) pageLines += linesOf(doc);
    figures.lines += pageLines;

    const v0 = performance.now();
    const rows = documentRows(items, { storeId: 'bench', month: 'bench', page: figures.pages, api: request.api, catalogue, at: 0 });
    figures.validateMs += performance.now() - v0;
    figures.rows += rows.events.length;

    if (accumulator) {
      const a0 = performance.now();
      accumulator.addDocuments(items);
      figures.accumulatorMs! += performance.now() - a0;
      figures.accumulatorLines += pageLines;
    }
    if (kept.length < request.computeDocs) {
      for (const doc of items) {
        if (kept.length >= request.computeDocs) break;
        kept.push(doc);
        keptLines += linesOf(doc);
      }
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
  return figures;
}

self.onmessage = (event: MessageEvent<RawRequest>) => {
  run(event.data).then(
    (figures) => self.postMessage({ ok: true, figures }),
    (error: unknown) => self.postMessage({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error) }),
  );
};
