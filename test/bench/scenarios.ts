/**
 * The store scenarios of `npm run bench` (issue 15): the app as the UI drives it against a naive client, in the same
 * run, on a fresh emulator each (the default rate limit, documents served 100 per page), at 0 ms and at 100 ms per
 * request (the emulator's latency fault):
 *
 * - "many stores, sparse": 22 small stores created 34 months ago with a handful of documents each (their first days)
 *   and one store with ~7,200 documents over 6 months;
 * - "never-selling products": that big store alone; ~300 products, some of which no document ever names.
 *
 * Both clocks start at the merchant's click, with the store list in hand (harness/scenarios.ts); the time from the token
 * to the list is reported beside them.
 *
 * Each scenario runs `--runs` times (3) at each latency, each side once per run; every figure is the median of the runs.
 *
 * Requests are counted from the emulator's log (documents, all, OPTIONS preflights, GET /stores). CPU time is read
 * from /proc for Chromium's processes and this one (the emulator): with no network wait, both share 2 cores, so a
 * side's time is bounded by the CPU it takes as much as by its round trips. The floor of a pull
 * is the fewest document pages that decide every product a document can decide (from the generator's documents),
 * times the latency, divided by the concurrency the limits allow (the browser's 6 connections per origin; the
 * default rate limit, 1000 per URI and minute, is not reached by these pulls).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server.ts';
import type { RuntimeStore } from '../../src/emulator/store.ts';
import type { StoreSpec } from '../../src/emulator/server.ts';
import { forEachLine } from '../../src/emulator/generator/day.ts';
import { addMonthsUTC } from '../../src/pull/windows.ts';
import { PASS_THROUGH, type HarnessBrowser, type StaticServer } from './lib/infra.ts';
import type { ScenarioRun } from './harness/scenarios.ts';
import { cpuSince, sampleCpu, type CpuSample } from './lib/cpu.ts';

const TOKEN = 'bench-scenario-token';
const PAGE_SIZE = 100;
/** Chromium's HTTP/1.1 connections per origin: the most requests a page has in flight to the cloud. */
export const CONNECTIONS = 6;
const DAY = 86_400_000;
const DECIDING = new Set(['SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'ACCEPT', 'WRITE_OFF', 'RETURN', 'INVENTORY']);

export interface ScenarioSide {
  /** From the token to the store list (harness/scenarios.ts); every other time is from the click after it. */
  listMs: number;
  firstReviewMs: number;
  bigReviewMs: number;
  allReviewsMs: number;
  doneMs: number;
  documentRequests: number;
  requests: number;
  preflights: number;
  storeListRequests: number;
  deviceListRequests: number;
  /** CPU time of Chromium's processes (page, worker, browser, network) and of the emulator (this process), ms. */
  browserCpuMs: number;
  emulatorCpuMs: number;
  /** Products whose decided quantity differs from the other side's (app side only). */
  mismatches: number;
  undecided: number;
}

export interface ScenarioResult {
  scenario: string;
  latencyMs: number;
  /** Runs of the scenario at this latency: every figure is the median of theirs (perRun keeps each run's). */
  runs: number;
  perRun: Array<{ firstReviewMs: { app: number; naive: number }; bigReviewMs: { app: number; naive: number } }>;
  stores: number;
  documents: number;
  floorPages: number;
  floorMs: number | null;
  app: ScenarioSide;
  naive: ScenarioSide;
  /** The app through the same-origin pass-through (as deployed): what it pays without preflights. */
  sameOrigin: ScenarioSide;
  /** App time to all reviews over the floor. */
  floorRatio: number | null;
}

interface Scenario {
  /** For `--scenarios`. */
  id: string;
  name: string;
  specs(now: number): StoreSpec[];
}

const bigStore = (): StoreSpec => ({
  seed: 'scenario-big', products: 300, terminals: 1, months: 6, docsPerDay: 7_200 / (6 * 30.4), endTime: 'now',
  // Stock came in before any document (as after an import): goods never sold have no document at all.
  initialStock: 'import', completeInventoryEveryDays: 0, name: 'Большой магазин',
});

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'many',
    name: 'many stores, sparse',
    specs: (now) => [
      ...Array.from({ length: 22 }, (_, k): StoreSpec => ({
        seed: `scenario-small-${k}`, products: 6, terminals: 1, days: 2, docsPerDay: 3,
        endTime: addMonthsUTC(now, -34) + 2 * DAY, completeInventoryEveryDays: 0, name: `Киоск ${k + 1}`,
      })),
      bigStore(),
    ],
  },
  { id: 'never', name: 'never-selling products', specs: () => [bigStore()] },
];

export async function runScenarios(
  browser: HarnessBrowser, server: StaticServer,
  options: { latencies: number[]; runs?: number; log: (line: string) => void; only?: readonly string[]; traceDir?: string },
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS.filter((s) => !options.only || options.only.includes(s.id))) {
    for (const latencyMs of options.latencies) {
      const runs: ScenarioResult[] = [];
      for (let run = 0; run < (options.runs ?? 1); run++) {
        const trace = options.traceDir ? { dir: options.traceDir, name: `${scenario.id}-${latencyMs}ms-run${run + 1}` } : null;
        runs.push(await runScenario(browser, server, scenario, latencyMs, options.log, trace));
      }
      results.push(medianRun(runs));
    }
  }
  return results;
}

/**
 * The runs of one scenario at one latency as one result: each figure the median of the runs' (a first review is a
 * few round trips and a few commits on a machine the emulator shares, so one run alone says little).
 */
function medianRun(runs: readonly ScenarioResult[]): ScenarioResult {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
  };
  const side = (pick: (r: ScenarioResult) => ScenarioSide): ScenarioSide => {
    const sides = runs.map(pick);
    const out = { ...sides[0]! };
    for (const key of Object.keys(out) as (keyof ScenarioSide)[]) out[key] = median(sides.map((s) => s[key]));
    // Any run whose stock differs from the naive client's counts.
    out.mismatches = Math.max(...sides.map((s) => s.mismatches));
    return out;
  };
  const first = runs[0]!;
  const app = side((r) => r.app);
  return {
    ...first, runs: runs.length, app, naive: side((r) => r.naive), sameOrigin: side((r) => r.sameOrigin),
    perRun: runs.flatMap((r) => r.perRun),
    floorRatio: first.floorMs ? Math.round((app.allReviewsMs / first.floorMs) * 10) / 10 : null,
  };
}

type Side = 'naive' | 'app' | 'same-origin';

/**
 * `trace`: write, per side, `<name>-<side>.json` (the big store's id, the run's times, every request the emulator
 * logged, ms resolution) and, app and naive, `<name>-<side>-page.cpuprofile` and `-worker<i>.cpuprofile` (open them in
 * Chrome's DevTools, Performance panel).
 */
async function runScenario(
  browser: HarnessBrowser, server: StaticServer, scenario: Scenario, latencyMs: number, log: (line: string) => void,
  trace: { dir: string; name: string } | null,
): Promise<ScenarioResult> {
  const specs = scenario.specs(Date.now());
  const sides: Partial<Record<Side, { run: ScenarioRun; counts: ReturnType<typeof countRequests>; cpu: CpuSample }>> = {};
  let floorPages = 0;
  let documents = 0;
  let bigId = '';
  for (const side of ['naive', 'app', 'same-origin'] as const) {
    const emu = await startEmulator({ token: TOKEN, storeList: specs, pageSize: PAGE_SIZE, logLimit: 1_000_000, faults: { latencyMs } });
    // The app as deployed (deploy/): the cloud through the page's own origin, so no request needs a preflight.
    server.passThroughTo(side === 'same-origin' ? emu.url : null);
    try {
      const stores = [...emu.state.stores.values()];
      if (side === 'naive') {
        documents = stores.reduce((sum, s) => sum + s.documentCount, 0);
        floorPages = stores.reduce((sum, s) => sum + fewestPages(s), 0);
      }
      bigId = stores.reduce((a, b) => (b.documentCount > a.documentCount ? b : a)).id;
      const seq = emu.state.logSeq;
      const profiling = trace !== null && side !== 'same-origin';
      if (profiling) await browser.cpuProfile.start();
      const cpuBefore = sampleCpu();
      const stamp = `${Date.now()}`;
      const run = side !== 'naive'
        ? await browser.page.evaluate((o) => window.harness.appPull(o), {
          apiBase: side === 'app' ? emu.url : `${server.url}${PASS_THROUGH}`, token: TOKEN,
          dbName: `scenario-${stamp}`, journalName: `scenario-journal-${stamp}`, timeoutMs: 600_000, keep: profiling,
        })
        : await browser.page.evaluate((o) => window.harness.naivePull(o), { apiBase: emu.url, token: TOKEN });
      const cpu = cpuSince(cpuBefore);
      sides[side] = { run, counts: countRequests(emu, seq), cpu };
      if (trace) await writeTrace(browser, trace, side, profiling, { bigId, run, requests: emu.state.log.filter((e) => e.seq > seq) });
      const kinds = Object.entries(cpu).filter(([, ms]) => ms > 0).map(([kind, ms]) => `${kind} ${ms}`).join(', ');
      log(`[${scenario.name} @ ${latencyMs} ms] ${side}: all reviews in ${Math.round(run.totalMs)} ms, ${sides[side]!.counts.documents} document requests; CPU ms: ${kinds}`);
    } finally {
      await emu.close();
    }
  }
  server.passThroughTo(null);
  const naive = sides.naive!;
  const app = sides.app!;
  const sameOrigin = sides['same-origin']!;
  const byStore = new Map(naive.run.stores.map((s) => [s.storeId, s]));
  let mismatches = 0;
  for (const s of app.run.stores) {
    const other = byStore.get(s.storeId)?.quantities ?? {};
    for (const [id, q] of Object.entries(other)) if (s.quantities[id] !== q) mismatches++;
  }
  const side = (x: typeof app, withMismatches: boolean): ScenarioSide => ({
    listMs: Math.round(x.run.listMs),
    firstReviewMs: Math.round(Math.min(...x.run.stores.map((s) => s.reviewMs))),
    bigReviewMs: Math.round(x.run.stores.find((s) => s.storeId === bigId)?.reviewMs ?? NaN),
    allReviewsMs: Math.round(Math.max(...x.run.stores.map((s) => s.reviewMs))),
    doneMs: Math.round(Math.max(...x.run.stores.map((s) => s.doneMs))),
    documentRequests: x.counts.documents,
    requests: x.counts.requests,
    preflights: x.counts.preflights,
    storeListRequests: x.counts.storeList,
    deviceListRequests: x.counts.devices,
    browserCpuMs: Object.entries(x.cpu).reduce((sum, [kind, ms]) => (kind === 'emulator' ? sum : sum + ms), 0),
    emulatorCpuMs: x.cpu.emulator ?? 0,
    mismatches: withMismatches ? mismatches : 0,
    undecided: x.run.stores.reduce((sum, s) => sum + s.undecided, 0),
  });
  const floorMs = latencyMs > 0 ? Math.round((floorPages * latencyMs) / CONNECTIONS) : null;
  const appSide = side(app, true);
  const naiveSide = side(naive, false);
  return {
    scenario: scenario.name, latencyMs, stores: specs.length, documents, floorPages, floorMs, runs: 1,
    perRun: [{
      firstReviewMs: { app: appSide.firstReviewMs, naive: naiveSide.firstReviewMs },
      bigReviewMs: { app: appSide.bigReviewMs, naive: naiveSide.bigReviewMs },
    }],
    app: appSide, naive: naiveSide, sameOrigin: side(sameOrigin, false),
    floorRatio: floorMs ? Math.round((appSide.allReviewsMs / floorMs) * 10) / 10 : null,
  };
}

async function writeTrace(browser: HarnessBrowser, trace: { dir: string; name: string }, side: Side, profiled: boolean, data: object): Promise<void> {
  mkdirSync(trace.dir, { recursive: true });
  const file = (suffix: string) => path.join(trace.dir, `${trace.name}-${side}${suffix}`);
  writeFileSync(file('.json'), JSON.stringify(data));
  if (!profiled) return;
  const profiles = await browser.cpuProfile.stop();
  await browser.page.evaluate(() => window.harness.releaseKept());
  writeFileSync(file('-page.cpuprofile'), JSON.stringify(profiles.page));
  profiles.workers.forEach((w, i) => writeFileSync(file(`-worker${i}.cpuprofile`), JSON.stringify(w.profile)));
}

function countRequests(emu: RunningEmulator, since: number) {
  const entries = emu.state.log.filter((e) => e.seq > since);
  const api = entries.filter((e) => e.method !== 'OPTIONS');
  return {
    requests: api.length,
    preflights: entries.length - api.length,
    documents: api.filter((e) => /\/documents$/.test(e.path)).length,
    storeList: api.filter((e) => e.method === 'GET' && e.path === '/stores').length,
    devices: api.filter((e) => /\/devices$/.test(e.path)).length,
  };
}

/**
 * The fewest document pages that decide every product some document decides: the documents from the oldest of those
 * products' newest deciding documents to the end, at PAGE_SIZE per page (at least one page: an empty store is read).
 */
function fewestPages(store: RuntimeStore): number {
  const products = store.gen.catalogue.products;
  const newest = new Map<string, number>();
  let completeAt = -Infinity;
  store.scan(0, { since: 0, until: Number.MAX_SAFE_INTEGER, types: null, device: null }, (doc) => {
    if (!DECIDING.has(doc.type)) return true;
    if (doc.type === 'INVENTORY' && doc.complete) completeAt = doc.time;
    forEachLine(doc, (line) => {
      const product = line.p >= 0 ? products[line.p] : undefined;
      if (product?.tracked) newest.set(product.id, doc.time);
    });
    return true;
  });
  const since = Math.min(...[...newest.values()].map((t) => Math.max(t, completeAt)));
  let count = 0;
  store.scan(0, { since: Number.isFinite(since) ? since : 0, until: Number.MAX_SAFE_INTEGER, types: null, device: null }, () => {
    count++;
    return true;
  });
  return Math.max(1, Math.ceil(count / PAGE_SIZE));
}

export function scenarioTable(results: readonly ScenarioResult[]): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const head = ['scenario', 'latency', 'runs', 'first review (app / naive)', 'token to store list (app / naive)', 'big store review', 'all reviews', 'document requests', 'all requests', 'preflights (app / same-origin app / naive)', 'all reviews, same-origin app', 'GET /stores', 'CPU: browser / emulator (app; naive)', 'floor ratio', 'mismatches'];
  const rows = results.map((r) => [
    `${r.scenario} (${r.stores} stores, ${r.documents} docs)`, `${r.latencyMs} ms`, `${r.runs}`,
    `${s(r.app.firstReviewMs)} / ${s(r.naive.firstReviewMs)}`,
    `${s(r.app.listMs)} / ${s(r.naive.listMs)}`,
    `${s(r.app.bigReviewMs)} / ${s(r.naive.bigReviewMs)}`,
    `${s(r.app.allReviewsMs)} / ${s(r.naive.allReviewsMs)}`,
    `${r.app.documentRequests} / ${r.naive.documentRequests}`,
    `${r.app.requests} / ${r.naive.requests}`,
    `${r.app.preflights} / ${r.sameOrigin.preflights} / ${r.naive.preflights}`,
    s(r.sameOrigin.allReviewsMs),
    `${r.app.storeListRequests} / ${r.naive.storeListRequests}`,
    `${s(r.app.browserCpuMs)} / ${s(r.app.emulatorCpuMs)}; ${s(r.naive.browserCpuMs)} / ${s(r.naive.emulatorCpuMs)}`,
    r.floorRatio === null ? '—' : `${r.floorRatio} (floor ${r.floorPages} pages, ${s(r.floorMs!)})`,
    `${r.app.mismatches}`,
  ]);
  return [head, ...rows].map((cells) => `| ${cells.join(' | ')} |`).flatMap((line, i) => (i === 0 ? [line, `|${head.map(() => ' --- ').join('|')}|`] : [line]));
}

export interface ScenarioTarget {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

export function scenarioTargets(results: readonly ScenarioResult[]): ScenarioTarget[] {
  const targets: ScenarioTarget[] = [];
  for (const r of results) {
    const at = `${r.scenario} @ ${r.latencyMs} ms`;
    if (r.scenario === 'many stores, sparse') {
      const each = (pick: (run: ScenarioResult['perRun'][number]) => { app: number; naive: number }) =>
        r.runs > 1 ? ` (medians; runs ${r.perRun.map((run) => `${pick(run).app}/${pick(run).naive}`).join(', ')})` : '';
      targets.push({
        name: `${at}: first review`, target: '≤ naive', met: r.app.firstReviewMs <= r.naive.firstReviewMs,
        value: `${r.app.firstReviewMs} vs ${r.naive.firstReviewMs} ms${each((run) => run.firstReviewMs)}`,
      });
      targets.push({
        name: `${at}: big store's review`, target: '≤ naive', met: r.app.bigReviewMs <= r.naive.bigReviewMs,
        value: `${r.app.bigReviewMs} vs ${r.naive.bigReviewMs} ms${each((run) => run.bigReviewMs)}`,
      });
    }
    if (r.scenario === 'never-selling products' && r.latencyMs >= 100) {
      targets.push({ name: `${at}: review`, target: '≤ 0.5 × naive', value: `${r.app.allReviewsMs} vs ${r.naive.allReviewsMs} ms`, met: r.app.allReviewsMs <= 0.5 * r.naive.allReviewsMs });
    }
    targets.push({ name: `${at}: document requests`, target: '≤ 1.5 × naive', value: `${r.app.documentRequests} vs ${r.naive.documentRequests}`, met: r.app.documentRequests <= 1.5 * r.naive.documentRequests });
    targets.push({ name: `${at}: store-list requests`, target: '≤ 1 per start', value: `${r.app.storeListRequests}`, met: r.app.storeListRequests <= 1 });
    targets.push({ name: `${at}: preflights through the same-origin path`, target: '0', value: `${r.sameOrigin.preflights}`, met: r.sameOrigin.preflights === 0 });
    targets.push({ name: `${at}: same stock as naive`, target: '0 products differ', value: `${r.app.mismatches}`, met: r.app.mismatches === 0 });
  }
  return targets;
}
