/**
 * `npm run bench` (issue 7 §1): the real app code in headless Chromium against the emulator (in process), on
 * generated stores, with a printed table and bench-results/latest.json. Targets are reported as met or not; nothing
 * here asserts.
 *
 *   npm run bench                                  # small, 100k and 1m stores, writes, bundle sizes
 *   npm run bench -- --sizes small,100k            # skip the 1,000,000-document store
 *   npm run bench -- --sizes small --no-writes --no-bundle
 *   npm run bench -- --help
 *
 * Per store size: an early-stop pull and a whole-period pull in the app's sync worker (each into a fresh IndexedDB
 * database on disk), then the same document pages fetched raw (fetch + JSON.parse) in a worker of the same browser
 * as the ceiling, the computation (stored rows folded by a fresh worker; computeStock on raw documents), the fewest
 * pages that decide the same products (from the emulator's ground truth), long tasks, heaps and IndexedDB bytes.
 * Writes: the write-back against an emulator whose rate limit is shared by every request of the token.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { bundleSizes, type BundleSizes } from './lib/bundle.ts';
import {
  REPO, buildHarness, heapSampler, indexedDbDiskBytes, launchHarnessBrowser, machineLoad, serveStatic, type HarnessBrowser,
} from './lib/infra.ts';
import { minimumPages } from './lib/minimum.ts';
import { pickSizes, type BenchSize } from './lib/sizes.ts';
import { runScenarios, scenarioTable, scenarioTargets, type ScenarioResult } from './scenarios.ts';

const TOKEN = 'bench-token';
const V2_ACCEPT = 'application/vnd.evotor.v2+json';
const MB = 2 ** 20;

const HELP = `npm run bench -- [options]
  --sizes small,100k,1m     store sizes to run (default: all three; none: only the store scenarios)
  --latencies 0,100         ms per request for the store scenarios (default 0,100)
  --runs <n>                runs of each store scenario and latency, the medians reported (default 3)
  --no-scenarios            skip the store scenarios (many sparse stores, never-selling products; vs a naive client)
  --scenarios many,never    which store scenarios (default both)
  --out <file>              JSON output (default bench-results/latest.json)
  --compute-docs <n>        raw documents held in memory for computeStock (default 100000)
  --write-products <n>      products of the write store (default 2600: over two complete windows of writes)
  --write-limit <n>/<s>     emulator limit, shared by every request of the token (default 1000/60, the emulator's own)
  --no-writes               skip the write benchmark
  --no-bundle               skip the gzip sizes
  --verbose                 progress lines while pulling
  --trace <dir>             store scenarios: write each side's request log (emulator times) and, of the page and its
                            workers, a CPU profile (.cpuprofile) per run into <dir>; the harness is built unminified`;

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const rate = (count: number, ms: number) => (ms > 0 ? count / (ms / 1000) : 0);

interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
  note?: string;
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      out: { type: 'string', default: 'bench-results/latest.json' },
      'compute-docs': { type: 'string', default: '100000' },
      'write-products': { type: 'string', default: '2600' },
      'write-limit': { type: 'string', default: '1000/60' },
      'no-writes': { type: 'boolean', default: false },
      'no-bundle': { type: 'boolean', default: false },
      'no-scenarios': { type: 'boolean', default: false },
      scenarios: { type: 'string', default: 'many,never' },
      latencies: { type: 'string', default: '0,100' },
      runs: { type: 'string', default: '3' },
      verbose: { type: 'boolean', default: false },
      trace: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const sizes = pickSizes(values.sizes);
  const computeDocs = Number(values['compute-docs']);
  const [limitText, windowText] = String(values['write-limit']).split('/');
  const writeLimit = { limit: Number(limitText), windowSeconds: Number(windowText ?? 60) };
  if (!(writeLimit.limit > 0 && writeLimit.windowSeconds > 0)) throw new Error('--write-limit must look like 200/5');

  const began = performance.now();
  const loadAtStart = machineLoad();
  log(`machine: ${loadAtStart.cores} cores, load ${loadAtStart.load1} (1 min) ${loadAtStart.load5} (5 min)`);
  // Traced, the functions of a CPU profile keep their names.
  const built = await buildHarness(values.trace ? { minify: false } : {});
  log(`harness built in ${round(built.ms / 1000, 1)} s`);
  const server = await serveStatic(built.dir);
  const emu = await startEmulator({ token: TOKEN, stores: 0, rateLimit: null, logLimit: 5_000_000 });
  let progressLine = '';
  const browser = await launchHarnessBrowser(server.url, {
    log,
    onEvent: (e) => {
      const p = e as { kind: string; documents?: number; pages?: number; status?: string; done?: number; total?: number };
      const line = p.kind === 'pull' ? `pull ${p.status} ${p.pages} pages ${p.documents} docs` : `write ${p.done}/${p.total}`;
      if (values.verbose && line !== progressLine) log(line);
      progressLine = line;
    },
  });
  const longTaskSupported = await browser.page.evaluate(() => window.harness.longTaskSupported());

  const results: SizeResult[] = [];
  let writes: WriteResult | null = null;
  let bundle: BundleSizes | null = null;
  let scenarios: ScenarioResult[] = [];
  try {
    if (!values['no-scenarios']) {
      const latencies = String(values.latencies).split(',').map(Number);
      if (!latencies.every((n) => Number.isFinite(n) && n >= 0)) throw new Error('--latencies must look like 0,100');
      const runs = Number(values.runs);
      if (!(Number.isInteger(runs) && runs >= 1)) throw new Error('--runs must be a positive integer');
      scenarios = await runScenarios(browser, server, {
        latencies, runs, log, only: String(values.scenarios).split(','), ...(values.trace ? { traceDir: path.resolve(values.trace) } : {}),
      });
    }
    for (const size of sizes) results.push(await benchSize(size, { emu, browser, computeDocs }));
    if (!values['no-writes']) writes = await benchWrites(browser, Number(values['write-products']), writeLimit);
  } finally {
    await browser.close();
    await emu.close();
    await server.close();
    built.remove();
  }
  if (!values['no-bundle']) {
    log('building the app and the embed script for their sizes');
    bundle = await bundleSizes();
  }

  const targets = [...evaluateTargets(results, writes, bundle, longTaskSupported), ...scenarioTargets(scenarios)];
  const report = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: { ...loadAtStart, loadAtEnd: machineLoad(), node: process.version, chromium: await chromiumVersion() },
    durationSeconds: round((performance.now() - began) / 1000),
    sizes: results,
    scenarios,
    writes,
    bundle,
    targets,
  };
  const out = path.resolve(REPO, String(values.out));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (scenarios.length > 0) console.log(`\nStore scenarios (app / naive):\n${scenarioTable(scenarios).join('\n')}`);
  printTable(results, writes, bundle, targets);
  console.log(`\nJSON: ${path.relative(REPO, out)}; ${report.durationSeconds} s; load ${loadAtStart.load1} at start, ${report.machine.loadAtEnd.load1} at end (${loadAtStart.cores} cores)`);
}

// ---------------------------------------------------------------------------------------------------------------
// One store size
// ---------------------------------------------------------------------------------------------------------------

interface SizeResult {
  size: string;
  label: string;
  store: { documents: number; products: number; trackedProducts: number; generationMs: number };
  load: { start: number; end: number };
  pull: {
    documents: number; pages: number; productPages: number; fetchMs: number; finalFoldMs: number; totalMs: number;
    documentsPerSecond: number; requests: number; retries: number;
  };
  raw: {
    pages: number; documents: number; lines: number; megabytes: number; fetchMs: number; parseMs: number;
    documentsPerSecond: number; validateMs: number; validateDocumentsPerSecond: number;
  };
  pullToRawRatio: number;
  /** src/pull's pullStore over the newest `computeDocs` documents served from memory: the pipeline without the network. */
  offlinePull: { documents: number; documentsPerSecond: number; commitShare: number; foldShare: number; finishMs: number; commitMsPerPage: number; rowsPerDocument: number } | null;
  compute: {
    storedRows: number; refoldMs: number; refoldRowsPerSecond: number; finalFoldRowsPerSecond: number;
    computeStockDocs: number; computeStockLines: number; computeStockMs: number | null; computeStockLinesPerSecond: number | null;
    accumulatorLines: number; accumulatorMs: number | null; accumulatorLinesPerSecond: number | null;
    getResultMs: number;
    /** The result as JSON (what getResult carries to the page) and its heaviest row field. */
    resultMB: number;
    heaviestField: string | null;
  };
  earlyStop: {
    pages: number; requests: number; productPages: number; monthsDone: number; monthsTotal: number; stopReason: string | null;
    resultOfferedMs: number | null; totalMs: number; wholePeriodPages: number; minimumPages: number; minimumMonths: number;
    decidedProducts: number; truthNotFound: number; decidedByDiffers: number;
  };
  mainThread: { longTasks: number; longestMs: number; byPhase: Record<string, { count: number; longestMs: number }> };
  heap: {
    peakMB: number; peakPageMB: number; peakWorkerMB: number; samples: number; byPhase: Record<string, { peakMB: number; pageMB: number; workerMB: number }>;
    /** After the refold, with the result read, after a full GC of page and worker. */
    retainedPageMB: number; retainedWorkerMB: number;
  };
  /** navigator.storage.estimate() before/after the whole-period pull, and the IndexedDB folder on disk. */
  storage: { bytes: number; bytesPerLine: number; bytesPerDocument: number; diskBytes: number; diskBytesPerLine: number };
}

async function benchSize(size: BenchSize, ctx: { emu: RunningEmulator; browser: HarnessBrowser; computeDocs: number }): Promise<SizeResult> {
  const { emu, browser, computeDocs } = ctx;
  const page = browser.page;
  const loadStart = machineLoad().load1;
  log(`[${size.name}] generating ${size.label}`);
  const g0 = performance.now();
  const store = emu.state.createStore(size.store);
  const generationMs = performance.now() - g0;
  const storeId = store.id;
  const tracked = store.gen.catalogue.products.filter((p) => p.tracked).length;
  log(`[${size.name}] ${store.documentCount} documents, ${store.gen.catalogue.products.length} products (${tracked} tracked) in ${round(generationMs / 1000, 1)} s`);
  const config = (dbName: string) => ({ api: 'v2' as const, token: TOKEN, baseUrl: emu.url, dbName });
  const stamp = Date.now();
  const esDb = `bench-${size.name}-early-${stamp}`;
  const fullDb = `bench-${size.name}-full-${stamp}`;
  const timeout = 3 * 3600_000;
  const phases: Record<string, { from: number; to: number }> = {};
  const heap = heapSampler(browser);

  // 1. Early stop (the default): pages and the time to the result.
  heap.phase('early-stop pull');
  await page.evaluate((c) => window.harness.configure(c), config(esDb));
  let seq = emu.state.logSeq;
  let from = await page.evaluate(() => window.harness.now());
  await page.evaluate((id) => window.harness.start(id, { fullPeriod: false }), storeId);
  const es = await page.evaluate(([id, t]) => window.harness.waitPull(id, t), [storeId, timeout] as const);
  if (es.timedOut || es.last?.status !== 'done') throw new Error(`[${size.name}] early-stop pull did not finish: ${JSON.stringify(es.last)}`);
  const esResult = await page.evaluate((id) => window.harness.result(id, true), storeId);
  phases['early-stop pull'] = { from, to: await page.evaluate(() => window.harness.now()) };
  const esLog = emu.state.log.filter((e) => e.seq > seq && e.path.includes(storeId) && e.method === 'GET');
  log(`[${size.name}] early stop: ${es.last.pages} pages, ${es.last.monthsDone}/${es.last.monthsTotal} months, ${round((es.doneAt! - es.startedAt) / 1000, 1)} s`);
  await page.evaluate(() => window.harness.kill());
  await page.evaluate((n) => window.harness.deleteDb(n), esDb);
  await new Promise((r) => setTimeout(r, 2000));

  // 2. The whole period: the pipeline's rate, storage, heap, long tasks.
  heap.phase('whole-period pull');
  const before = await page.evaluate(() => window.harness.estimate());
  const diskBefore = indexedDbDiskBytes(browser.profile);
  await page.evaluate((c) => window.harness.configure(c), config(fullDb));
  seq = emu.state.logSeq;
  from = await page.evaluate(() => window.harness.now());
  await page.evaluate((id) => window.harness.start(id, { fullPeriod: true }), storeId);
  const full = await page.evaluate(([id, t]) => window.harness.waitPull(id, t), [storeId, timeout] as const);
  if (full.timedOut || full.last?.status !== 'done') throw new Error(`[${size.name}] whole-period pull did not finish: ${JSON.stringify(full.last)}`);
  phases['whole-period pull'] = { from, to: await page.evaluate(() => window.harness.now()) };
  const fullLog = emu.state.log.filter((e) => e.seq > seq && e.path.includes(storeId) && e.method === 'GET');
  await page.evaluate(() => window.harness.kill());
  await new Promise((r) => setTimeout(r, 2000)); // let Chromium account the last writes
  const after = await page.evaluate(() => window.harness.estimate());
  const diskAfter = indexedDbDiskBytes(browser.profile);
  const storedRows = await page.evaluate(([db, id]) => window.harness.countRows(db, id), [fullDb, storeId] as const);
  const checkpoints = await page.evaluate(([db, id]) => window.harness.checkpoints(db, id), [fullDb, storeId] as const);
  const pullFetchMs = (full.finishingAt ?? full.doneAt!) - full.startedAt;
  const finalFoldMs = full.finishingAt !== null ? full.doneAt! - full.finishingAt : 0;
  log(`[${size.name}] whole period: ${full.last.documents} documents in ${round(pullFetchMs / 1000, 1)} s + final fold ${round(finalFoldMs / 1000, 1)} s`);

  // 3. Refold from disk in a fresh worker (what a reload does), and the result's transfer to the page.
  heap.phase('refold + getResult');
  await page.evaluate((c) => window.harness.configure(c), config(fullDb));
  from = await page.evaluate(() => window.harness.now());
  const refold = await page.evaluate((id) => window.harness.result(id, false), storeId);
  phases['refold + getResult'] = { from, to: await page.evaluate(() => window.harness.now()) };
  const again = await page.evaluate((id) => window.harness.result(id, false), storeId);
  // What stays after a full GC with the result on screen: the peaks above include garbage not yet collected.
  const retained = await browser.heap({ collectGarbage: true });
  const retainedWorker = retained.workers.filter((w) => !w.url.includes('raw-worker')).reduce((sum, w) => sum + w.used, 0);
  await page.evaluate(() => window.harness.kill());
  log(`[${size.name}] refold of ${storedRows} rows + getResult: ${round(refold.ms / 1000, 2)} s; getResult alone ${round(again.ms / 1000, 2)} s`);
  const heapPeak = await heap.stop();

  // 4. The ceiling: the same pages, raw; and the computation on raw documents.
  const docGets = fullLog.filter((e) => e.status === 200 && /\/documents$/.test(e.path));
  const productGets = fullLog.filter((e) => e.status === 200 && /\/products$/.test(e.path));
  const urlOf = (e: { path: string; query: string }) => `${emu.url}${e.path}${e.query ? `?${e.query}` : ''}`;
  log(`[${size.name}] raw pass over ${docGets.length} pages`);
  const headers = { authorization: `Bearer ${TOKEN}`, accept: V2_ACCEPT };
  const raw = await page.evaluate((r) => window.harness.raw(r), {
    api: 'v2' as const, headers, productUrls: productGets.map(urlOf), documentUrls: docGets.map(urlOf), computeDocs: 0, accumulate: true,
  });
  log(`[${size.name}] computeStock and the pull without network on the newest ${computeDocs} documents`);
  const memory = await page.evaluate((r) => window.harness.raw(r), {
    api: 'v2' as const, headers, productUrls: productGets.map(urlOf), documentUrls: docGets.map(urlOf), computeDocs, accumulate: false,
    offlinePull: { storeId, pageSize: 1000 },
  });
  raw.computeDocs = memory.computeDocs;
  raw.computeLines = memory.computeLines;
  raw.computeMs = memory.computeMs;
  raw.offline = memory.offline;
  raw.errors.push(...memory.errors);
  if (raw.errors.length > 0) log(`[${size.name}] raw pass errors: ${raw.errors.slice(0, 3).join('; ')}`);
  const rawMs = raw.fetchMs + raw.parseMs;

  // 5. The fewest pages that decide the same products, from the ground truth.
  const decided = new Map<string, string | null>();
  for (const r of esResult.rows ?? []) if (r.decidedBy !== null && r.status === 'resolved') decided.set(r.productId, r.decidedBy);
  const minimum = minimumPages(store, decided, checkpoints.filter((c) => c.month !== 'products'));
  await page.evaluate((n) => window.harness.deleteDb(n), fullDb);
  emu.state.stores.delete(storeId);

  // Long tasks by phase.
  const byPhase: Record<string, { count: number; longestMs: number }> = {};
  let count = 0;
  let longest = 0;
  for (const [name, w] of Object.entries(phases)) {
    const tasks = await page.evaluate(([a, b]) => window.harness.longTasks(a, b), [w.from, w.to] as const);
    const l = tasks.reduce((m, t) => Math.max(m, t.duration), 0);
    byPhase[name] = { count: tasks.length, longestMs: round(l) };
    count += tasks.length;
    longest = Math.max(longest, l);
  }

  const pullDocs = full.last.documents;
  const pullRate = rate(pullDocs, pullFetchMs);
  const rawRate = rate(raw.documents, rawMs);
  const docRequests = fullLog.filter((e) => /\/documents$/.test(e.path));
  return {
    size: size.name,
    label: size.label,
    store: { documents: store.documentCount, products: store.gen.catalogue.products.length, trackedProducts: tracked, generationMs: round(generationMs) },
    load: { start: loadStart, end: machineLoad().load1 },
    pull: {
      documents: pullDocs, pages: full.last.pages, productPages: full.last.productPages, fetchMs: round(pullFetchMs),
      finalFoldMs: round(finalFoldMs), totalMs: round(full.doneAt! - full.startedAt), documentsPerSecond: round(pullRate),
      requests: docRequests.length, retries: docRequests.length - docGets.length,
    },
    raw: {
      pages: raw.pages, documents: raw.documents, lines: raw.lines, megabytes: round(raw.bytes / MB, 1), fetchMs: round(raw.fetchMs),
      parseMs: round(raw.parseMs), documentsPerSecond: round(rawRate), validateMs: round(raw.validateMs),
      validateDocumentsPerSecond: round(rate(raw.documents, raw.validateMs)),
    },
    pullToRawRatio: round(rawRate > 0 ? pullRate / rawRate : 0, 3),
    offlinePull: raw.offline ? {
      documents: raw.offline.documents,
      documentsPerSecond: round(rate(raw.offline.documents, raw.offline.totalMs - raw.offline.finishMs)),
      commitShare: round(raw.offline.commitMs / (raw.offline.totalMs - raw.offline.finishMs), 3),
      foldShare: round(raw.offline.foldMs / (raw.offline.totalMs - raw.offline.finishMs), 3),
      finishMs: round(raw.offline.finishMs),
      commitMsPerPage: round(raw.offline.commitMs / Math.max(1, raw.offline.pages), 1),
      rowsPerDocument: round(raw.offline.rows / Math.max(1, raw.offline.documents), 2),
    } : null,
    compute: {
      storedRows, refoldMs: round(refold.ms), refoldRowsPerSecond: round(rate(storedRows, refold.ms)),
      finalFoldRowsPerSecond: round(rate(storedRows, finalFoldMs)),
      computeStockDocs: raw.computeDocs, computeStockLines: raw.computeLines, computeStockMs: raw.computeMs === null ? null : round(raw.computeMs),
      computeStockLinesPerSecond: raw.computeMs === null ? null : round(rate(raw.computeLines, raw.computeMs)),
      accumulatorLines: raw.accumulatorLines, accumulatorMs: raw.accumulatorMs === null ? null : round(raw.accumulatorMs),
      accumulatorLinesPerSecond: raw.accumulatorMs === null ? null : round(rate(raw.accumulatorLines, raw.accumulatorMs)),
      getResultMs: round(again.ms),
      resultMB: round(esResult.jsonBytes / MB, 1),
      heaviestField: esResult.heaviestField ? `${esResult.heaviestField.name} (${round(esResult.heaviestField.bytes / MB, 1)} MB)` : null,
    },
    earlyStop: {
      pages: es.last.pages, requests: esLog.filter((e) => /\/documents$/.test(e.path)).length, productPages: es.last.productPages, monthsDone: es.last.monthsDone, monthsTotal: es.last.monthsTotal,
      stopReason: es.last.stopReason, resultOfferedMs: es.resultReadyAt === null ? null : round(es.resultReadyAt - es.startedAt),
      totalMs: round(es.doneAt! - es.startedAt), wholePeriodPages: full.last.pages, minimumPages: minimum.pages,
      minimumMonths: minimum.months, decidedProducts: decided.size, truthNotFound: minimum.notFound, decidedByDiffers: minimum.decidedByDiffers,
    },
    mainThread: { longTasks: count, longestMs: round(longest), byPhase },
    heap: {
      peakMB: round(heapPeak.peakBytes / MB, 1), peakPageMB: round(heapPeak.peakPageBytes / MB, 1),
      peakWorkerMB: round(heapPeak.peakWorkerBytes / MB, 1), samples: heapPeak.samples, byPhase: heapPeak.byPhase,
      retainedPageMB: round(retained.page / MB, 1), retainedWorkerMB: round(retainedWorker / MB, 1),
    },
    storage: {
      bytes: after.usage - before.usage,
      bytesPerLine: round((after.usage - before.usage) / Math.max(1, raw.lines), 1),
      bytesPerDocument: round((after.usage - before.usage) / Math.max(1, pullDocs), 1),
      diskBytes: diskAfter - diskBefore,
      diskBytesPerLine: round((diskAfter - diskBefore) / Math.max(1, raw.lines), 1),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------------------------

interface WriteResult {
  products: number;
  planned: number;
  limit: { limit: number; windowSeconds: number; scope: string };
  path: string;
  applyMs: number;
  requests: number;
  patches: number;
  requestsPerSecond: number;
  patchesPerSecond: number;
  limitPerSecond: number;
  /** Steady rate (complete windows) / limit. */
  ratio: number;
  /** All requests / the whole apply time / limit (flattered by the last partial window). */
  overallRatio: number;
  steadyRequestsPerSecond: number;
  /** Requests per emulator window, in order. */
  windows: number[];
  rateLimited: number;
  per1000: number;
  status: string;
  verified: number;
  cloudEqualsPlan: boolean;
  longTasks: number;
  longestTaskMs: number;
  load: { start: number; end: number };
}

async function benchWrites(browser: HarnessBrowser, products: number, limit: { limit: number; windowSeconds: number }): Promise<WriteResult> {
  const page = browser.page;
  const loadStart = machineLoad().load1;
  const emu = await startEmulator({ token: TOKEN, stores: 0, rateLimit: { ...limit, scope: 'token' }, logLimit: 1_000_000 });
  try {
    const scope = (emu.state.rateLimit as { scope?: string } | null)?.scope ?? 'token+uri';
    const store = emu.state.createStore({ seed: 'bench-writes', products, terminals: 1, months: 2, docsPerDay: 60, endTime: 'now', cloudQuantities: 'zeroed' });
    log(`[writes] store: ${store.documentCount} documents, ${products} products; limit ${limit.limit} per ${limit.windowSeconds} s (scope ${scope})`);
    const stamp = Date.now();
    const journal = `bench-journal-${stamp}`;
    await page.evaluate((c) => window.harness.configure(c), { api: 'v2' as const, token: TOKEN, baseUrl: emu.url, dbName: `bench-writes-${stamp}`, journalName: journal });
    await page.evaluate((id) => window.harness.start(id, { fullPeriod: true }), store.id);
    const pulled = await page.evaluate((id) => window.harness.waitPull(id, 3600_000), store.id);
    if (pulled.last?.status !== 'done') throw new Error(`[writes] pull failed: ${JSON.stringify(pulled.last)}`);
    const plan = await page.evaluate((id) => window.harness.wPlan(id), store.id);
    const planned = plan.report.counts.pending ?? 0;
    // Start on a fresh window, so the apply has the limit to itself from its first request.
    await new Promise((r) => setTimeout(r, limit.windowSeconds * 1000 + 200));
    const seq = emu.state.logSeq;
    const from = await page.evaluate(() => window.harness.now());
    log(`[writes] applying ${planned} writes`);
    const applied = await page.evaluate((runId) => window.harness.wApply(runId), plan.report.runId);
    const to = await page.evaluate(() => window.harness.now());
    if (!applied.report) throw new Error(`[writes] apply failed: ${applied.error}`);
    const entries = emu.state.log.filter((e) => e.seq > seq && e.method !== 'OPTIONS');
    const patches = entries.filter((e) => e.method === 'PATCH');
    const rateLimited = entries.filter((e) => e.status === 429).length;
    const tasks = await page.evaluate(([a, b]) => window.harness.longTasks(a, b), [from, to] as const);
    const items = await page.evaluate(([j, runId]) => window.harness.wItems(j, runId), [journal, plan.report.runId] as const);
    const cloud = store.products;
    const cloudEqualsPlan = items.filter((i) => i.status === 'verified').every((i) => {
      const p = cloud.find((c) => c.id === i.productId);
      return p !== undefined && p.quantity === i.target;
    });
    await page.evaluate(() => window.harness.kill());
    const applyMs = applied.ms;
    const requestsPerSecond = rate(entries.length, applyMs);
    const limitPerSecond = limit.limit / limit.windowSeconds;
    // The emulator's fixed windows, rebuilt from the arrival times (a window opens at the first request after the
    // previous one ended). Steady rate = requests of every window but the last / time from the first window's start
    // to the last one's: what the controller achieves per window, including the time it loses at each reset. The
    // overall rate is flattered by the last, partial window (a burst at full speed) and is shown too.
    const windowMs = limit.windowSeconds * 1000;
    const windows: { start: number; count: number }[] = [];
    for (const e of entries) {
      const t = Date.parse(e.time);
      const w = windows.at(-1);
      if (!w || t - w.start >= windowMs) windows.push({ start: t, count: 1 });
      else w.count++;
    }
    const steady = windows.length >= 2
      ? rate(windows.slice(0, -1).reduce((n, w) => n + w.count, 0), windows.at(-1)!.start - windows[0]!.start)
      : requestsPerSecond;
    log(`[writes] ${entries.length} requests (${patches.length} PATCH) in ${round(applyMs / 1000, 1)} s = ${round(requestsPerSecond, 1)}/s vs limit ${round(limitPerSecond, 1)}/s; ${rateLimited} 429s`);
    return {
      products, planned, limit: { ...limit, scope },
      path: 'write-back in the sync worker (bridge planWrite/applyRun, as src/ui/create-backend.ts)',
      applyMs: round(applyMs), requests: entries.length, patches: patches.length,
      requestsPerSecond: round(requestsPerSecond, 1), patchesPerSecond: round(rate(patches.length, applyMs), 1),
      limitPerSecond: round(limitPerSecond, 2), ratio: round(steady / limitPerSecond, 3),
      overallRatio: round(requestsPerSecond / limitPerSecond, 3), steadyRequestsPerSecond: round(steady, 1),
      windows: windows.map((w) => w.count),
      rateLimited, per1000: round((rateLimited / Math.max(1, entries.length)) * 1000, 2),
      status: applied.report.status, verified: applied.report.counts.verified ?? 0, cloudEqualsPlan,
      longTasks: tasks.length, longestTaskMs: round(tasks.reduce((m, t) => Math.max(m, t.duration), 0)),
      load: { start: loadStart, end: machineLoad().load1 },
    };
  } finally {
    await emu.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Targets and the table
// ---------------------------------------------------------------------------------------------------------------

function evaluateTargets(sizes: SizeResult[], writes: WriteResult | null, bundle: BundleSizes | null, longTaskSupported: boolean): Target[] {
  const targets: Target[] = [];
  for (const s of sizes) {
    targets.push({
      name: `[${s.size}] pull vs raw ceiling`, target: '≥ 0.5',
      value: `${s.pullToRawRatio} (${s.pull.documentsPerSecond} vs ${s.raw.documentsPerSecond} docs/s)`, met: s.pullToRawRatio >= 0.5,
    });
  }
  for (const s of sizes) {
    const cs = s.compute.computeStockLinesPerSecond;
    targets.push({ name: `[${s.size}] computeStock lines/s (raw documents)`, target: '≥ 1,000,000', value: cs === null ? 'n/a' : fmt(cs), met: cs === null ? null : cs >= 1e6 });
    targets.push({ name: `[${s.size}] stored rows folded/s (fresh worker, from IndexedDB)`, target: '≥ 1,000,000', value: fmt(s.compute.refoldRowsPerSecond), met: s.compute.refoldRowsPerSecond >= 1e6 });
  }
  const longest = Math.max(0, ...sizes.map((s) => s.mainThread.longestMs), writes?.longestTaskMs ?? 0);
  const longCount = sizes.reduce((n, s) => n + s.mainThread.longTasks, 0) + (writes?.longTasks ?? 0);
  targets.push({
    name: 'longest main-thread task', target: '≤ 50 ms',
    value: longTaskSupported ? (longCount === 0 ? 'none over 50 ms' : `${round(longest)} ms (${longCount} tasks over 50 ms)`) : 'not measured (no longtask API)',
    met: longTaskSupported ? longCount === 0 : null,
  });
  const big = sizes.find((s) => s.size === '1m');
  targets.push({
    name: 'peak JS heap (page + app worker) at 1,000,000 documents', target: '< 200 MB',
    value: big ? `${big.heap.peakMB} MB` : 'not run (--sizes without 1m)', met: big ? big.heap.peakMB < 200 : null,
  });
  if (writes) {
    targets.push({
      name: 'writes vs rate limit', target: '≥ 0.9 and ≤ 1 429 per 1,000',
      value: `${writes.ratio} (${writes.steadyRequestsPerSecond}/s over complete windows vs ${writes.limitPerSecond}/s; overall ${writes.overallRatio}), ${writes.per1000} 429s per 1,000`,
      met: writes.ratio >= 0.9 && writes.per1000 <= 1,
    });
  } else {
    targets.push({ name: 'writes vs rate limit', target: '≥ 0.9 and ≤ 1 429 per 1,000', value: 'not run', met: null });
  }
  targets.push({
    name: 'initial JS (gzip)', target: '< 60 kB',
    value: bundle ? `${round(bundle.initialJs.gzip / 1000, 1)} kB` : 'not run', met: bundle ? bundle.initialJs.gzip < 60_000 : null,
  });
  return targets;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : 'NOT MET');

function printTable(sizes: SizeResult[], writes: WriteResult | null, bundle: BundleSizes | null, targets: Target[]): void {
  const rows: [string, ...string[]][] = [];
  const add = (label: string, f: (s: SizeResult) => string) => rows.push([label, ...sizes.map(f)]);
  add('documents in store', (s) => fmt(s.store.documents));
  add('machine load (1 min) start → end', (s) => `${s.load.start} → ${s.load.end}`);
  add('pull docs/s (fetch+validate+store)', (s) => fmt(s.pull.documentsPerSecond));
  add('raw fetch+JSON.parse docs/s (ceiling)', (s) => fmt(s.raw.documentsPerSecond));
  add('pull / ceiling', (s) => String(s.pullToRawRatio));
  add('validation alone docs/s (documentRows)', (s) => fmt(s.raw.validateDocumentsPerSecond));
  add('pull without network docs/s (memory client)', (s) => (s.offlinePull ? `${fmt(s.offlinePull.documentsPerSecond)} (${fmt(s.offlinePull.documents)} docs)` : 'n/a'));
  add('  of which IndexedDB commits / folds', (s) => (s.offlinePull ? `${Math.round(s.offlinePull.commitShare * 100)} % / ${Math.round(s.offlinePull.foldShare * 100)} %` : 'n/a'));
  add('final fold in the pull (s)', (s) => String(round(s.pull.finalFoldMs / 1000, 1)));
  add('stored rows folded/s (fresh worker)', (s) => fmt(s.compute.refoldRowsPerSecond));
  add('computeStock lines/s (raw docs)', (s) => (s.compute.computeStockLinesPerSecond === null ? 'n/a' : `${fmt(s.compute.computeStockLinesPerSecond)} (${fmt(s.compute.computeStockDocs)} docs)`));
  add('accumulator lines/s (all pages)', (s) => (s.compute.accumulatorLinesPerSecond === null ? 'n/a' : fmt(s.compute.accumulatorLinesPerSecond)));
  add('getResult to the page (ms, MB as JSON)', (s) => `${fmt(s.compute.getResultMs)} (${s.compute.resultMB} MB)`);
  add('pages: early stop / whole / minimum', (s) => `${s.earlyStop.pages} / ${s.earlyStop.wholePeriodPages} / ${s.earlyStop.minimumPages}`);
  add('months: early stop / minimum / total', (s) => `${s.earlyStop.monthsDone} / ${s.earlyStop.minimumMonths} / ${s.earlyStop.monthsTotal}`);
  add('early stop: result offered / done (s)', (s) => `${s.earlyStop.resultOfferedMs === null ? '-' : round(s.earlyStop.resultOfferedMs / 1000, 1)} / ${round(s.earlyStop.totalMs / 1000, 1)}`);
  add('main-thread tasks > 50 ms (longest)', (s) => `${s.mainThread.longTasks} (${s.mainThread.longestMs} ms)`);
  add('peak heap MB page + worker', (s) => `${s.heap.peakMB} (${s.heap.peakPageMB} + ${s.heap.peakWorkerMB})`);
  add('heap MB retained after GC, result read', (s) => `${round(s.heap.retainedPageMB + s.heap.retainedWorkerMB, 1)} (${s.heap.retainedPageMB} + ${s.heap.retainedWorkerMB})`);
  add('IndexedDB bytes per line (estimate / disk)', (s) => `${s.storage.bytesPerLine} / ${s.storage.diskBytesPerLine}`);
  const widths = [0, ...sizes.map(() => 0)].map((_, i) => Math.max(i === 0 ? 6 : sizes[i - 1]!.size.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log('');
  if (sizes.length > 0) {
    console.log(line(['figure', ...sizes.map((s) => s.size)]));
    console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
    for (const r of rows) console.log(line(r));
  }
  if (writes) {
    console.log(`\nwrites: ${writes.requests} requests (${writes.patches} PATCH) in ${round(writes.applyMs / 1000, 1)} s = ${writes.requestsPerSecond}/s; limit ${writes.limit.limit}/${writes.limit.windowSeconds} s (${writes.limit.scope}) = ${writes.limitPerSecond}/s; ` +
      `steady ${writes.steadyRequestsPerSecond}/s over complete windows (requests per window: ${writes.windows.join(', ')}): ratio ${writes.ratio} (overall ${writes.overallRatio}); ` +
      `${writes.rateLimited} 429s (${writes.per1000} per 1,000); ${writes.status}, ${writes.verified} verified, cloud = plan: ${writes.cloudEqualsPlan}; main-thread tasks > 50 ms: ${writes.longTasks}`);
  }
  if (bundle) {
    console.log(`bundle: initial JS ${round(bundle.initialJs.bytes / 1000, 1)} kB, ${round(bundle.initialJs.gzip / 1000, 1)} kB gzip (${bundle.initialJs.files.map((f) => f.file).join(', ')}); CSS ${round(bundle.css.gzip / 1000, 1)} kB gzip; ` +
      `embed ${bundle.embed ? `${round(bundle.embed.bytes / 1000, 1)} kB, ${round(bundle.embed.gzip / 1000, 1)} kB gzip` : 'not measured'}${bundle.notes.length ? `; ${bundle.notes.join('; ')}` : ''}`);
  }
  console.log('\nTargets:');
  for (const t of targets) console.log(`  ${verdict(t.met).padEnd(7)} ${t.name}: ${t.value} (target ${t.target})`);
}

function gitCommit(): string | null {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (src/ has uncommitted changes)` : head;
  } catch {
    return null;
  }
}

async function chromiumVersion(): Promise<string | null> {
  try {
    const { chromiumSettings } = await import('./lib/infra.ts');
    const { executablePath } = await chromiumSettings();
    return execFileSync(executablePath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
