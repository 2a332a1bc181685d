/**
 * Benchmark of the stock computation core (src/model + src/stock), stage by stage, on deterministic synthetic stores.
 *
 *   npx tsx test/bench/compute.bench.ts                      # all scenarios, 3 repetitions each
 *   npx tsx test/bench/compute.bench.ts --only=medium,sell   # some scenarios (names below)
 *   npx tsx test/bench/compute.bench.ts --reps=5 --json=out.json
 *
 * "lines" are the document lines of the input (V2 positions and sub-positions, V1 REGISTER_POSITION / INVENTORY
 * transactions), so every stage is reported in the unit of issue 7's target (1,000,000 lines/s computed).
 * Stages:
 *   JSON.parse    the same documents as page texts of 100, parsed (the ceiling the pull's validation is compared with)
 *   normalise     normaliseDocument on every raw document (validation at the boundary)
 *   events        toProductEvents on every normalised document, with the catalogue
 *   fold          foldProduct for every catalogue product over pre-built, pre-grouped events
 *   computeStock  end to end from raw products and raw documents
 *   accumulator   createStockAccumulator fed pages of 100, newest first, with setCoverage after each page, then result()
 * Each stage runs --reps times in this one process; the median is reported (and the best run, since other processes
 * share the machine), ratios are between the medians of stages of the same run.
 * cpu ms is the process's CPU time (main thread plus GC helpers), steadier than wall time on a shared machine.
 * heap is heapUsed after a full GC with the stage's output still referenced; Δheap is what that output retains.
 * One full GC runs before a stage's timed runs and none between them (a forced GC shrinks the young generation).
 * Nothing here asserts on time: it prints figures (and JSON with --json) for the report.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import v8 from 'node:v8';
import { normaliseDocument, normaliseProduct } from '../../src/model/normalise.ts';
import { rngFrom } from './lib/random.ts';
import type { ApiVersion, CatalogueProduct, NormalisedDocument } from '../../src/model/types.ts';
import {
  buildCatalogue,
  computeStock,
  createStockAccumulator,
  foldProduct,
  productKey,
  toProductEvents,
  type CompleteInventoryRecord,
  type ProductEvent,
} from '../../src/stock/index.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

// ---------------------------------------------------------------------------------------------------------------
// Deterministic synthetic stores
// ---------------------------------------------------------------------------------------------------------------

export interface Scenario {
  name: string;
  api: ApiVersion;
  products: number;
  documents: number;
  /** 'mixed': every document type, weighted goods, prepayments, sets, inventories; 'sell': SELL × 3 lines only. */
  mix: 'mixed' | 'sell';
  terminals: number;
}

export const SCENARIOS: Scenario[] = [
  { name: 'small', api: 'v2', products: 2_000, documents: 10_000, mix: 'mixed', terminals: 2 },
  { name: 'sell', api: 'v2', products: 5_000, documents: 50_000, mix: 'sell', terminals: 1 },
  { name: 'medium', api: 'v2', products: 5_000, documents: 50_000, mix: 'mixed', terminals: 3 },
  { name: 'medium-v1', api: 'v1', products: 5_000, documents: 50_000, mix: 'mixed', terminals: 3 },
  { name: 'large', api: 'v2', products: 20_000, documents: 200_000, mix: 'mixed', terminals: 3 },
];

const uuid = (prefix: number, i: number) => `${String(prefix).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const FREE_PRICE = '390067bf-e8d3-4fcc-8c30-fbfd77a0a70d';
const START = Date.UTC(2024, 0, 1);
const evotorDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
const decimal = (milli: number) => {
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  const frac = abs % 1000;
  return sign + String(Math.floor(abs / 1000)) + (frac ? '.' + String(frac).padStart(3, '0').replace(/0+$/, '') : '');
};

/** Document types and their weights in the mixed store (roughly a grocery shop's month). */
const MIXED_TYPES: [string, number][] = [
  ['SELL', 780], ['PAYBACK', 30], ['BUY', 5], ['BUYBACK', 5], ['ACCEPT', 50], ['WRITE_OFF', 20], ['RETURN', 10],
  ['INVENTORY', 1.5], ['REVALUATION', 10], ['OPEN_SESSION', 20], ['CLOSE_SESSION', 20], ['Z_REPORT', 20], ['CASH_INCOME', 6],
  ['OPEN_TARE', 2], ['CORRECTION', 1],
];
/** As the real cloud writes them (evotor-api.md §10): Evotor's names on nearly every line, a few other spellings. */
const SETTLEMENTS: [unknown, number][] = [
  [{ type: 'CHECKOUT_FULL', amount: null }, 900], [undefined, 40], [{ type: 'PREPAYMENT_FULL', amount: null }, 25],
  [{ type: 'ADVANCE', amount: null }, 10], [{ type: 'FULL_PREPAYMENT', amount: 0 }, 10], [{ type: 'CREDIT_CHECKOUT', amount: null }, 10], [{ type: 4 }, 5],
];

function pick<T>(table: [T, number][], r: number): T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [value, weight] of table) {
    x -= weight;
    if (x < 0) return value;
  }
  return table[table.length - 1]![0];
}

export interface Store {
  products: unknown[];
  documents: unknown[];
  lines: number;
}

interface RawLine { product: string; quantity: number; before: number | null; weighted: boolean; settlement: unknown; free: boolean; sub?: RawLine[] }

export function generate(s: Scenario): Store {
  const random = rngFrom(s.products * 7919 + s.documents + (s.mix === 'sell' ? 1 : 0) + (s.api === 'v1' ? 2 : 0));
  const int = (n: number) => Math.floor(random() * n);
  const ids = Array.from({ length: s.products }, (_, i) => uuid(1, i));
  const weighted = ids.map((_, i) => s.mix === 'mixed' && i % 20 === 7);
  const service = ids.map((_, i) => s.mix === 'mixed' && i % 100 === 13);
  const group = ids.map((_, i) => s.mix === 'mixed' && i % 250 === 42);
  const products = ids.map((id, i) => {
    const type = service[i] ? 'SERVICE' : 'NORMAL';
    const measure = weighted[i] ? 'кг' : 'шт';
    return s.api === 'v2'
      ? { id, name: `Товар ${i}`, code: String(i), type, quantity: 0, measure_name: measure, price: 100, cost_price: 50, store_id: 'STORE', ...(group[i] ? { group: true, type: undefined } : {}) }
      : { uuid: id, name: `Товар ${i}`, code: String(i), type, quantity: 0, measureName: measure, price: 100, costPrice: 50, group: group[i], parentUuid: null, barCodes: [], alcoCodes: [] };
  });
  // True stock per product, in thousandths, so initial_quantity tells the truth (chains intact, as on one terminal).
  const stock = ids.map((_, i) => (weighted[i] ? 50_000 + int(50_000) : 1000 * (20 + int(200))));
  const devices = Array.from({ length: s.terminals }, (_, i) => uuid(9, i));
  const numbers = devices.map(() => 0);
  const documents: unknown[] = [];
  let lines = 0;
  let time = START;

  const quantityFor = (p: number) => (weighted[p] ? 1 + int(3000) : 1000 * (1 + int(3)));
  const lineFor = (p: number, milli: number, before: number | null, settlement: unknown): RawLine => ({
    product: ids[p]!, quantity: milli, before, weighted: weighted[p]!, settlement, free: false,
  });
  const hot = Math.max(1, Math.floor(s.products / 5));
  const productIndex = () => (random() < 0.7 ? int(hot) : int(s.products)); // 20% of products sell 70% of lines

  for (let d = 0; d < s.documents; d++) {
    time += 1000 + int(120_000);
    const device = int(s.terminals);
    const type = s.mix === 'sell' ? 'SELL' : pick(MIXED_TYPES, random());
    const docLines: RawLine[] = [];
    let complete: boolean | undefined;
    const down = type === 'SELL' || type === 'BUYBACK' || type === 'WRITE_OFF' || type === 'RETURN';
    const up = type === 'PAYBACK' || type === 'BUY' || type === 'ACCEPT';
    if (s.mix === 'sell') {
      for (let k = 0; k < 3; k++) {
        const p = (d * 3 + k) % s.products;
        docLines.push(lineFor(p, 1000, 100_000, undefined));
      }
    } else if (down || up || type === 'OPEN_TARE' || type === 'CORRECTION' || type === 'REVALUATION') {
      const n = type === 'ACCEPT' ? 5 + int(15) : 1 + int(5);
      const settlement = type === 'SELL' || type === 'PAYBACK' ? pick(SETTLEMENTS, random()) : undefined;
      // No goods handed over: prepayments, advances and credit payments (the goods went earlier).
      const prepaid = /PREPAY|ADVANCE|CREDIT_CHECKOUT/.test(JSON.stringify(settlement ?? ''));
      for (let k = 0; k < n; k++) {
        const p = productIndex();
        const milli = quantityFor(p);
        const line = lineFor(p, milli, stock[p]!, settlement);
        if ((down || up) && !prepaid && !service[p] && !group[p]) stock[p]! += down ? -milli : milli;
        docLines.push(line);
      }
      if (type === 'SELL' && random() < 0.01) docLines.push({ ...lineFor(0, 1000, null, settlement), product: FREE_PRICE, free: true });
      if (type === 'SELL' && random() < 0.005) {
        // A set: the header moves nothing, its components carry the stock.
        const a = productIndex();
        const b = productIndex();
        const header = lineFor(int(s.products), 1000, 0, settlement);
        header.sub = [lineFor(a, 1000, stock[a]!, undefined), lineFor(b, 1000, b === a ? stock[a]! - 1000 : stock[b]!, undefined)];
        if (!prepaid && !service[a] && !group[a]) stock[a]! -= 1000;
        if (!prepaid && !service[b] && !group[b]) stock[b]! -= 1000;
        docLines.push(header);
      }
    } else if (type === 'INVENTORY') {
      const r = random();
      complete = r < 0.34 ? true : r < 0.67 ? false : undefined;
      const n = 20 + int(180);
      const seen = new Set<number>();
      for (let k = 0; k < n; k++) {
        const p = int(s.products);
        if (seen.has(p)) continue;
        seen.add(p);
        const counted = Math.max(0, stock[p]! + (random() < 0.1 ? 1000 * (int(5) - 2) : 0));
        docLines.push(lineFor(p, counted, stock[p]!, undefined));
      }
      for (const p of seen) stock[p] = docLines.find((l) => l.product === ids[p])!.quantity;
      if (complete === true) for (let p = 0; p < s.products; p++) if (!seen.has(p)) stock[p] = 0;
    }
    const malformed = s.mix === 'mixed' && docLines.length > 0 && random() < 0.0005;
    numbers[device]! += 1;
    lines += docLines.reduce((n, l) => n + 1 + (l.sub?.length ?? 0), 0);
    documents.push(
      s.api === 'v2'
        ? v2Document(`${uuid(2, d)}`, type, evotorDate(time), devices[device]!, numbers[device]!, docLines, complete, malformed, random)
        : v1Document(`${uuid(2, d)}`, type, evotorDate(time), devices[device]!, numbers[device]!, docLines, complete, malformed),
    );
  }
  // As the pull receives them: pages of 100 through JSON (flat strings, shared hidden classes), not the objects built here.
  const received: unknown[] = [];
  for (let i = 0; i < documents.length; i += 100) {
    const page = JSON.parse(JSON.stringify({ items: documents.slice(i, i + 100), paging: {} })) as { items: unknown[] };
    for (const item of page.items) received.push(item);
  }
  return { products: JSON.parse(JSON.stringify(products)) as unknown[], documents: received, lines };
}

/** Weighted quantities go out as JSON numbers (0.375) or strings ("0.375"), half and half, as dialects differ. */
function quantityValue(l: RawLine, milli: number, random: () => number): number | string {
  if (!l.weighted) return milli / 1000;
  return random() < 0.5 ? Number(decimal(milli)) : decimal(milli);
}

function v2Position(l: RawLine, random: () => number): Record<string, unknown> {
  const position: Record<string, unknown> = {
    product_id: l.product, product_type: 'NORMAL', product_name: 'Товар', code: '1', measure_name: l.weighted ? 'кг' : 'шт',
    measure_precision: l.weighted ? 3 : 0, quantity: quantityValue(l, l.quantity, random), price: 100, sum: 100,
    tax: { type: 'NO_VAT', sum: 0 }, result_sum: 100,
  };
  if (l.before !== null) position.initial_quantity = quantityValue(l, l.before, random);
  if (l.settlement !== undefined) position.settlement_method = l.settlement;
  if (l.sub) position.sub_positions = l.sub.map((x) => v2Position(x, random));
  return position;
}

function v2Document(
  id: string, type: string, closeDate: string, device: string, number: number, lines: RawLine[], complete: boolean | undefined,
  malformed: boolean, random: () => number,
): unknown {
  const positions = lines.map((l) => v2Position(l, random));
  if (malformed) positions[0]!.quantity = 'abc';
  const body: Record<string, unknown> = { positions, sum: 100, result_sum: 100, payments: [{ type: 'CASH', sum: 100 }] };
  if (complete !== undefined) body.complete_inventory = complete;
  return {
    type, id, extras: {}, number, close_date: closeDate, time_zone_offset: 10_800_000, session_id: 'S1', session_number: 1,
    close_user_id: 'U1', device_id: device, store_id: 'STORE', user_id: '01-000000000000001', version: 'V2', body,
  };
}

function v1Document(
  uuidText: string, type: string, closeDate: string, device: string, number: number, lines: RawLine[], complete: boolean | undefined,
  malformed: boolean,
): unknown {
  const negative = type === 'PAYBACK' || type === 'BUY';
  const flat = lines.flatMap((l) => [l, ...(l.sub ?? [])]);
  const transactions: Record<string, unknown>[] = [{ id: '1', type: 'DOCUMENT_OPEN', uuid: null, creationDate: closeDate }];
  flat.forEach((l, i) => {
    const settlement = typeof l.settlement === 'object' && l.settlement !== null ? (l.settlement as { type: unknown }).type : l.settlement;
    transactions.push({
      id: String(i + 2), type: type === 'INVENTORY' ? 'INVENTORY' : 'REGISTER_POSITION', uuid: null,
      quantity: malformed && i === 0 ? 'abc' : (negative ? -l.quantity : l.quantity) / 1000,
      balanceQuantity: l.before === null ? null : l.before / 1000, commodityUuid: l.product, commodityType: 'NORMAL',
      commodityCode: '1', commodityName: 'Товар', measureName: l.weighted ? 'кг' : 'шт', price: 10, sum: 10, creationDate: closeDate,
      ...(settlement !== undefined ? { settlementMethod: settlement } : {}),
    });
  });
  transactions.push({ id: '90', type: 'PAYMENT', sum: 10, paymentType: 'CASH', creationDate: closeDate });
  transactions.push({ id: '99', type: 'DOCUMENT_CLOSE', quantity: 1, sum: 10, creationDate: closeDate });
  const doc: Record<string, unknown> = {
    type, uuid: uuidText, extras: {}, number, closeSum: '0', openDate: closeDate, closeDate, deviceUuid: device, sessionUUID: 'S1',
    openUserUuid: 'U1', transactions, closeUserUuid: 'U1', sessionNumber: '1', closeResultSum: '0', storeUuid: 'STORE',
  };
  if (complete !== undefined) doc.completeInventory = complete;
  return doc;
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------------------

interface StageResult { stage: string; ms: number; cpuMs: number; runsMs: number[]; linesPerSecond: number; bestLinesPerSecond: number; heapMB: number; retainedMB: number }

const mb = (bytes: number) => bytes / 1024 / 1024;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function measure<T>(stage: string, lines: number, reps: number, run: () => T): { result: StageResult; output: T } {
  const runs: number[] = [];
  const cpu: number[] = [];
  let output: T | undefined;
  // One full GC before the timed runs, none between them: a forced GC shrinks the young generation, and the run
  // after it would pay for growing it again, which no real caller does. Each run's output replaces the previous one.
  const before = heapAfterGc();
  for (let i = 0; i < reps; i++) {
    output = undefined;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    output = run();
    runs.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  const heap = heapAfterGc();
  const sorted = [...runs].sort((a, b) => a - b);
  const ms = sorted[Math.floor(sorted.length / 2)]!;
  return {
    result: {
      stage, ms, cpuMs: [...cpu].sort((a, b) => a - b)[Math.floor(cpu.length / 2)]!, runsMs: runs, linesPerSecond: (lines / ms) * 1000,
      bestLinesPerSecond: (lines / sorted[0]!) * 1000, heapMB: mb(heap), retainedMB: mb(heap - before),
    },
    output: output as T,
  };
}

function runScenario(s: Scenario, reps: number) {
  const t0 = performance.now();
  const store = generate(s);
  const generateMs = performance.now() - t0;
  const { products, documents, lines } = store;
  const stages: StageResult[] = [];

  // The pull's ceiling: page texts of 100 documents, parsed.
  const pages: string[] = [];
  for (let i = 0; i < documents.length; i += 100) pages.push(JSON.stringify({ items: documents.slice(i, i + 100), paging: {} }));
  const jsonBytes = pages.reduce((n, p) => n + p.length, 0);
  stages.push(measure('JSON.parse', lines, reps, () => pages.map((p) => JSON.parse(p) as unknown)).result);
  pages.length = 0;

  const normalised = measure('normalise', lines, reps, () => {
    const out: NormalisedDocument[] = [];
    for (const raw of documents) {
      const r = normaliseDocument(raw, s.api);
      if (r.ok) out.push(r.doc);
    }
    return out;
  });
  stages.push(normalised.result);

  const catalogueEntries: CatalogueProduct[] = [];
  for (const raw of products) {
    const r = normaliseProduct(raw, s.api);
    if (r.ok) catalogueEntries.push(r.product);
  }
  const { catalogue } = buildCatalogue(catalogueEntries);
  const events = measure('events', lines, reps, () => normalised.output.map((doc) => toProductEvents(doc, catalogue)));
  stages.push(events.result);

  // Rows grouped per product as the pull stores them, and the store's inventories; then fold every product.
  const byProduct = new Map<string, ProductEvent[]>();
  const inventories: CompleteInventoryRecord[] = [];
  let eventCount = 0;
  for (const de of events.output) {
    for (const e of de.events) {
      const key = productKey(e.productId);
      const list = byProduct.get(key);
      if (list) list.push(e);
      else byProduct.set(key, [e]);
      eventCount += 1;
    }
    if (de.inventory) inventories.push(de.inventory);
  }
  const catalogueList = [...catalogue.values()];
  stages.push(
    measure('fold', lines, reps, () => catalogueList.map((p) => foldProduct(p, byProduct.get(productKey(p.id)) ?? [], inventories))).result,
  );
  byProduct.clear();
  normalised.output.length = 0;
  events.output.length = 0;

  const computed = measure('computeStock', lines, reps, () => computeStock({ api: s.api, products, documents }));
  stages.push(computed.result);

  // Pages of 100, newest first, as the pull feeds it (documents are generated oldest first).
  const newestFirst = [...documents].reverse();
  const accumulated = measure('accumulator', lines, reps, () => {
    const acc = createStockAccumulator({ api: s.api, products });
    for (let i = 0; i < newestFirst.length; i += 100) {
      const page = newestFirst.slice(i, i + 100);
      acc.addDocuments(page);
      acc.setCoverage(Date.parse(closeDateOf(page[page.length - 1], s.api).replace('+0000', 'Z')));
    }
    acc.decidedProductIds();
    return acc.result();
  });
  stages.push(accumulated.result);

  // Both must agree on every quantity (the accumulator is the guide result only).
  const mismatches = computed.output.products.filter((p, i) => p.quantity !== accumulated.output.products[i]?.quantity).length;
  return {
    scenario: s, lines, events: eventCount, inventories: inventories.length, generateMs, jsonMB: mb(jsonBytes), stages, mismatches,
    resolved: computed.output.counts.resolved, quarantined: computed.output.counts.quarantinedDocuments,
  };
}

function closeDateOf(raw: unknown, api: ApiVersion): string {
  const doc = raw as Record<string, string>;
  return api === 'v2' ? doc.close_date! : doc.closeDate!;
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

/** Runs when invoked as a script (the generator is also imported by profiling scripts). */
function main(): void {
  const args = new Map(process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }));
  const reps = Number(args.get('reps') ?? 3);
  const only = args.get('only')?.split(',');
  const chosen = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const TARGET = 1_000_000;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

  console.log(`node ${process.version}, ${reps} repetitions per stage (median), lines = document lines of the input`);
  const all = [];
  for (const s of chosen) {
    const r = runScenario(s, reps);
    all.push(r);
    const compute = r.stages.find((x) => x.stage === 'computeStock')!;
    const parse = r.stages.find((x) => x.stage === 'JSON.parse')!;
    console.log(
      `\n## ${s.name}: ${s.api}, ${fmt(s.documents)} documents (${s.mix}), ${fmt(r.lines)} lines, ${fmt(r.events)} product rows, ` +
        `${fmt(s.products)} products, ${r.inventories} complete/unstated inventories, ${r.jsonMB.toFixed(1)} MB JSON` +
        ` (generated in ${r.generateMs.toFixed(0)} ms)`,
    );
    console.log(`${'stage'.padEnd(13)} ${'ms'.padStart(9)} ${'cpu ms'.padStart(9)} ${'lines/s'.padStart(12)} ${'best lines/s'.padStart(12)} ${'÷compute'.padStart(9)} ${'÷parse'.padStart(7)} ${'heap MB'.padStart(8)} ${'Δheap MB'.padStart(9)}  runs ms`);
    for (const st of r.stages) {
      console.log(
        `${st.stage.padEnd(13)} ${st.ms.toFixed(1).padStart(9)} ${st.cpuMs.toFixed(1).padStart(9)} ${fmt(st.linesPerSecond).padStart(12)} ${fmt(st.bestLinesPerSecond).padStart(12)} ` +
          `${(st.linesPerSecond / compute.linesPerSecond).toFixed(2).padStart(9)} ${(st.linesPerSecond / parse.linesPerSecond).toFixed(2).padStart(7)} ` +
          `${st.heapMB.toFixed(0).padStart(8)} ${st.retainedMB.toFixed(1).padStart(9)}  ${st.runsMs.map((x) => x.toFixed(0)).join(' ')}`,
      );
    }
    console.log(
      `computeStock ${fmt(compute.linesPerSecond)} lines/s: target ${fmt(TARGET)} ${compute.linesPerSecond >= TARGET ? 'MET' : 'NOT MET'}; ` +
        `resolved ${fmt(r.resolved)}, quarantined ${r.quarantined}; accumulator and computeStock differ on ${r.mismatches} products`,
    );
  }
  const jsonPath = args.get('json');
  if (jsonPath) {
    writeFileSync(jsonPath, JSON.stringify({ node: process.version, reps, results: all }, null, 2));
    console.log(`\nwrote ${jsonPath}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
