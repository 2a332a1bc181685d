/**
 * The fault suite's trials (issue 7 §2), shared by `npm run test:faults` (run.ts) and the small CI run
 * (test/node/faults-small.test.ts). Everything runs for real: the harness page (test/bench/harness) with the app's
 * sync worker and write-back in Chromium, the emulator in process, the fault proxy (proxy.ts) in between.
 *
 * Each trial makes its own store, runs an uninterrupted reference, then the same work under faults, and checks:
 * - the final state equals the reference's: the computed result (pull trials), the cloud's quantities (write trials);
 * - no page is fetched again after its checkpoint: from the emulator's request log and the checkpoints read from
 *   IndexedDB at each kill (a page the worker had not committed may come again; a committed one never);
 * - no write is lost or doubled: every product planned ends at its target, and none is sent two different values;
 * - malformed documents are quarantined and reported: exactly the corrupted ones, their products flagged, every
 *   other product as in the reference.
 * "Data lost" counts documents, products and writes the faulted run lost against the reference; it must be 0.
 *
 * Issue 12's kinds of one browser profile: `two-tabs` (two harness pages plan and apply one store at once: one run
 * writes, the other takes its result; every product written once), `second-account` (another token, whose account
 * does not have the store, on the same databases: sees no pull, result, run or report; the first account then finds
 * everything where it was), `write-sales` (sales closed at the terminals during the write: none may be erased; the
 * cloud must end at the reference less what was sold; a sale made between the last new-sales check and a product's
 * PATCH is caught by the write-back's check after the write, src/writeback/writer.ts settleAfterWrite).
 */
import type { Page } from 'playwright-core';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { CompactRow } from '../bench/harness/main.ts';
import { buildHarness, launchHarnessBrowser, serveStatic, type HarnessBrowser } from '../bench/lib/infra.ts';
import { fnv1a } from '../../src/model/hash.ts';
import { formatQuantity, type Milli } from '../../src/model/quantity.ts';
import { rngFrom } from '../bench/lib/random.ts';
import { startFaultProxy, type CorruptedDocument, type FaultProxy } from './proxy.ts';
import {
  MISBEHAVING_KINDS, checkMisbehaving, checkTruth, isMisbehaving, misbehave, misbehavingPlan, truthOf, type CloudFault,
} from './misbehaving.ts';

export const TRIAL_KINDS = [
  'pull-kill', 'pull-reload', 'pull-storm', 'pull-token', 'malformed', 'write-reload', 'write-kill', 'write-storm', 'write-token',
  ...MISBEHAVING_KINDS, 'two-tabs', 'write-sales', 'second-account',
] as const;
export type TrialKind = (typeof TRIAL_KINDS)[number];

export type TrialSize = 'small' | 'medium' | 'large';

export interface SuiteOptions {
  seed: number;
  trials: number;
  size: TrialSize;
  /** Fuzzed malformed documents in a malformed trial (issue 7: 1,000). */
  malformed: number;
  kinds?: readonly TrialKind[];
  /** Re-run exactly these trials (kind and trial seed, as a trial's line prints them) instead of random ones. */
  replay?: readonly { kind: TrialKind; seed: number }[];
  log?: (line: string) => void;
  /** Per trial. */
  timeoutMs?: number;
}

export interface TrialResult {
  index: number;
  kind: TrialKind;
  seed: number;
  store: { id: string; documents: number; products: number };
  faults: Record<string, number>;
  checks: string[];
  violations: string[];
  dataLost: number;
  ms: number;
}

export interface SuiteResult {
  seed: number;
  size: TrialSize;
  trials: TrialResult[];
  faults: Record<string, number>;
  dataLost: number;
  violations: number;
  ms: number;
}

const TOKEN_PREFIX = 'faults-token';
const PAGE_SIZE: Record<TrialSize, number> = { small: 50, medium: 100, large: 200 };

function storeShape(size: TrialSize, random: () => number) {
  const between = (a: number, b: number) => Math.round(a + random() * (b - a));
  if (size === 'small') return { products: between(40, 80), months: between(2, 3), docsPerDay: between(25, 40), terminals: between(1, 2) };
  if (size === 'medium') return { products: between(200, 400), months: between(4, 8), docsPerDay: between(60, 120), terminals: between(1, 3) };
  return { products: between(1000, 3000), months: between(8, 14), docsPerDay: between(150, 300), terminals: 3 };
}

// ---------------------------------------------------------------------------------------------------------------
// The environment: harness build, static server, emulator, proxy, browser
// ---------------------------------------------------------------------------------------------------------------

export interface Env {
  emu: RunningEmulator;
  proxy: FaultProxy;
  browser: HarnessBrowser;
  page: Page;
  token: string;
  tokens: number;
  /** Increases with every trial: a storm's clean-up that outlives its trial must not touch the next one's faults. */
  trial: number;
  /** A misbehaving cloud is on (misbehaving.ts): a resumed pull meets it again, so recovering does not clear it. */
  cloudFault: boolean;
  events: Set<(event: HarnessEvent) => void>;
  log: (line: string) => void;
}

export interface HarnessEvent {
  kind: 'pull' | 'write';
  storeId?: string;
  status?: string;
  phase?: string | null;
  pages?: number;
  productPages?: number;
  documents?: number;
  error?: { code?: string; name?: string; message?: string } | null;
  runId?: string;
  done?: number;
  total?: number;
}

export async function runFaultSuite(options: SuiteOptions): Promise<SuiteResult> {
  const log = options.log ?? (() => undefined);
  const began = performance.now();
  const built = await buildHarness({ minify: false });
  const server = await serveStatic(built.dir);
  const emu = await startEmulator({
    token: `${TOKEN_PREFIX}-0`, stores: 0, rateLimit: null, pageSize: PAGE_SIZE[options.size], productPageSize: PAGE_SIZE[options.size], logLimit: 5_000_000,
  });
  const proxy = await startFaultProxy(emu.url);
  const events = new Set<(event: HarnessEvent) => void>();
  const browser = await launchHarnessBrowser(server.url, {
    log: (line) => log(line),
    onEvent: (event) => {
      for (const listener of [...events]) listener(event as HarnessEvent);
    },
  });
  const env: Env = { emu, proxy, browser, page: browser.page, token: `${TOKEN_PREFIX}-0`, tokens: 0, trial: 0, cloudFault: false, events, log };
  const results: TrialResult[] = [];
  const kinds = options.kinds && options.kinds.length > 0 ? options.kinds : TRIAL_KINDS;
  const master = rngFrom(options.seed);
  try {
    const count = options.replay ? options.replay.length : options.trials;
    for (let i = 0; i < count; i++) {
      const kind = options.replay ? options.replay[i]!.kind : i < kinds.length ? kinds[i]! : kinds[Math.floor(master() * kinds.length)]!;
      const seed = options.replay ? options.replay[i]!.seed : Math.floor(master() * 2 ** 31);
      const t0 = performance.now();
      env.trial = i;
      let result: TrialResult;
      try {
        result = await withTimeout(runTrial(env, kind, i, seed, options), options.timeoutMs ?? 10 * 60_000, `trial ${i} (${kind})`);
      } catch (error) {
        result = {
          index: i, kind, seed, store: { id: '?', documents: 0, products: 0 }, faults: {}, checks: [],
          violations: [`the trial could not finish: ${(error as Error).message}`], dataLost: 0, ms: 0,
        };
        await recoverPage(env).catch(() => undefined);
      }
      result.ms = Math.round(performance.now() - t0);
      results.push(result);
      log(`trial ${i + 1}/${count} ${kind} (seed ${seed}): ${result.violations.length === 0 ? 'ok' : `${result.violations.length} violation(s)`}, ` +
        `faults ${fmtFaults(result.faults)}, data lost ${result.dataLost}, ${(result.ms / 1000).toFixed(1)} s` +
        (result.violations.length > 0 ? `\n    ${result.violations.slice(0, 8).join('\n    ')}` : ''));
    }
  } finally {
    await browser.close();
    await proxy.close();
    await emu.close();
    await server.close();
    built.remove();
  }
  const faults: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v;
  return {
    seed: options.seed, size: options.size, trials: results, faults,
    dataLost: results.reduce((n, r) => n + r.dataLost, 0),
    violations: results.reduce((n, r) => n + r.violations.length, 0),
    ms: Math.round(performance.now() - began),
  };
}

export const fmtFaults = (f: Record<string, number>) =>
  Object.entries(f).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function recoverPage(env: Env): Promise<void> {
  env.emu.state.setFaults({}, true);
  env.proxy.onPatch = null;
  await reloadPage(env);
}

async function reloadPage(env: Env): Promise<void> {
  await env.page.reload();
  await env.page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);
}

/** Resolves with the first harness event that satisfies `predicate`. */
function waitEvent(env: Env, predicate: (e: HarnessEvent) => boolean, timeoutMs: number, what: string): Promise<HarnessEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      env.events.delete(listener);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const listener = (e: HarnessEvent) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      env.events.delete(listener);
      resolve(e);
    };
    env.events.add(listener);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Pulls
// ---------------------------------------------------------------------------------------------------------------

const harnessConfig = (env: Env, dbName: string, fast = false, journalName?: string) => ({
  api: 'v2' as const, token: env.token, baseUrl: env.proxy.url, dbName, ...(journalName ? { journalName } : {}),
  // Storms resolve in seconds rather than minutes; a hung request is given up after 1.5 s.
  ...(fast ? { timeoutMs: 1500, retry: { baseDelayMs: 30, maxDelayMs: 400, maxRetries: 12, maxNetworkRetries: 12 } } : {}),
});

/** An uninterrupted pull; returns the pages it fetched (documents + products) and the documents it kept. */
async function pullToEnd(env: Env, storeId: string, dbName: string, fullPeriod: boolean): Promise<{ pages: number; documents: number }> {
  await env.page.evaluate((c) => window.harness.configure(c), harnessConfig(env, dbName));
  await env.page.evaluate(([id, f]) => window.harness.start(id, { fullPeriod: f }), [storeId, fullPeriod] as const);
  const t = await env.page.evaluate((id) => window.harness.waitPull(id, 5 * 60_000), storeId);
  if (t.timedOut || t.last?.status !== 'done') throw new Error(`reference pull did not finish: ${JSON.stringify(t.last?.error ?? t.last?.status)}`);
  return { pages: t.last.pages + t.last.productPages, documents: t.last.documents };
}

async function resultOf(env: Env, storeId: string) {
  return env.page.evaluate((id) => window.harness.result(id, true), storeId);
}

/** A page of the request log, identified independently of how the client spells its query. */
interface PageKey {
  group: string;
  order: number;
  key: string;
}

function decodeCursor(text: string): { k?: string; o?: number; f?: { since: number; until: number | null } } | null {
  try {
    return JSON.parse(Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    return null;
  }
}

function pageKey(path: string, query: string): PageKey | null {
  const params = new URLSearchParams(query);
  const cursor = params.get('cursor');
  if (path.endsWith('/products')) {
    const o = cursor ? decodeCursor(cursor)?.o ?? -2 : 0;
    return { group: 'products', order: o, key: `products:${o}` };
  }
  if (!path.endsWith('/documents')) return null;
  if (cursor) {
    const c = decodeCursor(cursor);
    if (!c?.f || typeof c.o !== 'number') return null;
    return { group: `${c.f.since}:${c.f.until}`, order: c.o, key: `${c.f.since}:${c.f.until}:${c.o}` };
  }
  const since = params.get('since');
  const until = params.get('until');
  return { group: `${since}:${until}`, order: -1, key: `${since}:${until}:window` };
}

interface Checkpoint {
  month: string;
  cursor: string | null;
  done: boolean;
  pages: number;
  since: number;
  until: number;
}

/**
 * Pages committed at a kill: per month, those before the checkpoint's cursor (all of them once it is done), among
 * the pages fetched (200) before the kill.
 */
function committedPages(fetched: { key: PageKey }[], checkpoints: Checkpoint[]): Set<string> {
  const committed = new Set<string>();
  const groups = new Map<string, PageKey[]>();
  for (const { key } of fetched) groups.set(key.group, [...(groups.get(key.group) ?? []), key]);
  for (const cp of checkpoints) {
    let group: string | null = null;
    let limit = -Infinity;
    if (cp.month === 'products') {
      group = 'products';
      limit = cp.done ? Infinity : cp.cursor ? decodeCursor(cp.cursor)?.o ?? -Infinity : -Infinity;
    } else if (cp.cursor) {
      const c = decodeCursor(cp.cursor);
      if (c?.f && typeof c.o === 'number') {
        group = `${c.f.since}:${c.f.until}`;
        limit = c.o;
      }
    } else if (cp.done) {
      // The month's group: the window whose since falls in the month.
      for (const g of groups.keys()) {
        const since = Number(g.split(':')[0]);
        if (g !== 'products' && since >= cp.since - 1 && since <= cp.until) group = g;
      }
      limit = Infinity;
    }
    if (group === null) continue;
    for (const key of groups.get(group) ?? []) if (key.order < limit) committed.add(key.key);
  }
  return committed;
}

interface KillRecord {
  seq: number;
  committed: Set<string>;
}

/** Successful page GETs of a store in the log, in order, with their identity. */
function pageFetches(env: Env, storeId: string, sinceSeq: number) {
  return env.emu.state.log
    .filter((e) => e.seq > sinceSeq && e.method === 'GET' && e.status === 200 && e.path.includes(storeId))
    .map((e) => ({ seq: e.seq, key: pageKey(e.path, e.query) }))
    .filter((e): e is { seq: number; key: PageKey } => e.key !== null);
}

function checkRefetch(env: Env, storeId: string, sinceSeq: number, kills: KillRecord[], violations: string[], faults: Record<string, number>): void {
  const fetched = pageFetches(env, storeId, sinceSeq);
  let uncommittedAgain = 0;
  const seen = new Map<string, number>();
  for (const f of fetched) {
    const before = kills.filter((k) => k.seq < f.seq);
    const committedBefore = before.some((k) => k.committed.has(f.key.key));
    if (committedBefore && (seen.get(f.key.key) ?? 0) > 0) {
      violations.push(`page ${f.key.key} fetched again (log seq ${f.seq}) after a checkpoint had committed it`);
    } else if ((seen.get(f.key.key) ?? 0) > 0) {
      uncommittedAgain++;
    }
    seen.set(f.key.key, (seen.get(f.key.key) ?? 0) + 1);
  }
  faults['pages in flight fetched again'] = (faults['pages in flight fetched again'] ?? 0) + uncommittedAgain;
}

/** Kills the worker (or reloads the page) and records what was committed at that moment. */
async function killPull(env: Env, storeId: string, dbName: string, sinceSeq: number, how: 'kill' | 'reload', kills: KillRecord[]): Promise<void> {
  if (how === 'kill') await env.page.evaluate(() => window.harness.kill());
  else await reloadPage(env);
  const seq = env.emu.state.logSeq;
  const checkpoints = await env.page.evaluate(([db, id]) => window.harness.checkpoints(db, id), [dbName, storeId] as const);
  kills.push({ seq, committed: committedPages(pageFetches(env, storeId, sinceSeq), checkpoints) });
}

/** The fault counted when a warning differs only because the runs kept different months (see compareRows). */
const OTHER_DEPTH = 'warnings from documents only one run read (early stop, other depth)';

/**
 * Compares the faulted run's rows with the reference's. `sameDocuments` is false when an early-stopping pull (not
 * the whole period) kept a different number of documents than the reference: months are fetched side by side, so
 * when every product is decided, how many older months were already in flight, and committed, depends on timing.
 * The documents only one run read may carry warnings (a set's header line, a precision note), so then warnings are
 * not compared (the differences are counted in `faults`); quantity, status and the deciding document still must be
 * equal.
 */
function compareRows(
  reference: CompactRow[], actual: CompactRow[], skip: Set<string>, violations: string[],
  sameDocuments = true, faults: Record<string, number> = {},
): number {
  const byId = new Map(actual.map((r) => [r.productId, r]));
  let lost = 0;
  for (const ref of reference) {
    if (skip.has(ref.productId)) continue;
    const got = byId.get(ref.productId);
    const decidedAlike = got && got.quantity === ref.quantity && got.status === ref.status && got.decidedBy === ref.decidedBy;
    const warnedAlike = got && got.warnings.join(',') === ref.warnings.join(',');
    if (decidedAlike && !warnedAlike && !sameDocuments) {
      faults[OTHER_DEPTH] = (faults[OTHER_DEPTH] ?? 0) + 1;
      continue;
    }
    if (!decidedAlike || !warnedAlike) {
      lost++;
      if (lost <= 5) violations.push(`product ${ref.productId}: ${JSON.stringify(got ? { q: got.quantity, s: got.status, by: got.decidedBy, w: got.warnings } : null)} instead of ${JSON.stringify({ q: ref.quantity, s: ref.status, by: ref.decidedBy, w: ref.warnings })}`);
    }
  }
  if (actual.length !== reference.length) violations.push(`${actual.length} result rows instead of ${reference.length}`);
  return lost;
}

interface PullFaults {
  kills: { how: 'kill' | 'reload'; atPage: number | 'finishing' }[];
  storm: { atPage: number; requests: number; errorRate: number; hangRate: number; dropRate: number; burst429: number } | null;
  tokenExpiry: { atPage: number; after: number } | null;
  cloud: CloudFault | null;
}

/**
 * One faulted pull to its end. Returns the last progress. A pull that fails on a fault that may pass (retries
 * exhausted in a storm, a 401 from an expired token) is continued as the user would: with a fresh token for the
 * 401, with "resume" otherwise.
 */
async function faultedPull(env: Env, storeId: string, dbName: string, fullPeriod: boolean, plan: PullFaults, faults: Record<string, number>, violations: string[]) {
  const sinceSeq = env.emu.state.logSeq;
  const kills: KillRecord[] = [];
  const fast = plan.storm !== null;
  const configure = () => env.page.evaluate((c) => window.harness.configure(c), harnessConfig(env, dbName, fast));
  let latest: HarnessEvent | null = null;
  const track = (e: HarnessEvent) => {
    if (e.kind === 'pull' && e.storeId === storeId) latest = e;
  };
  env.events.add(track);
  const reach = (predicate: (e: HarnessEvent) => boolean, what: string): Promise<HarnessEvent> =>
    latest !== null && predicate(latest) ? Promise.resolve(latest) : waitEvent(env, predicate, 5 * 60_000, what);
  await configure();
  await env.page.evaluate(([id, f]) => window.harness.start(id, { fullPeriod: f }), [storeId, fullPeriod] as const);

  type Step = { at: number | 'finishing'; run: () => Promise<void> };
  /** The pull was found done after a kill or reload (a reloaded page has no events of it to wait for). */
  let finished = false;
  const steps: Step[] = [];
  for (const k of plan.kills) {
    steps.push({
      at: k.atPage,
      run: async () => {
        await killPull(env, storeId, dbName, sinceSeq, k.how, kills);
        faults[k.how === 'kill' ? 'worker killed (pull)' : 'page reloaded (pull)'] = (faults[k.how === 'kill' ? 'worker killed (pull)' : 'page reloaded (pull)'] ?? 0) + 1;
        await configure();
        const [p] = (await env.page.evaluate(() => window.harness.listProgress())).filter((x) => x.storeId === storeId);
        if (p && p.status !== 'done') await env.page.evaluate((id) => window.harness.resume(id), storeId);
        // It ended before the kill (the pull runs ahead of the harness): nothing will come to wait for.
        else if (p) finished = true;
      },
    });
  }
  if (plan.storm) {
    const s = plan.storm;
    steps.push({
      at: s.atPage,
      run: async () => {
        const from = env.emu.state.logSeq;
        env.emu.state.setFaults({ seed: `storm-${storeId}`, errorRate: s.errorRate, errorStatuses: [500, 502, 503, 504], hangRate: s.hangRate, dropRate: s.dropRate, burst429: s.burst429, burstRetryAfterSeconds: 1 }, true);
        // The storm lasts `requests` API requests, then clears (a storm the client cannot outlast is resumed below).
        const trial = env.trial;
        const clear = async () => {
          const deadline = Date.now() + 60_000;
          while (env.emu.state.logSeq - from < s.requests && Date.now() < deadline && env.trial === trial) await new Promise((r) => setTimeout(r, 20));
          if (env.trial === trial) env.emu.state.setFaults({}, true);
        };
        void clear();
      },
    });
  }
  if (plan.tokenExpiry) {
    const t = plan.tokenExpiry;
    steps.push({ at: t.atPage, run: async () => { env.emu.state.setFaults({ tokenExpiresAfter: t.after }); } });
  }
  const cloud = plan.cloud ? misbehave(env, storeId, plan.cloud, violations) : null;
  if (plan.cloud && cloud) steps.push({ at: plan.cloud.atPage, run: async () => cloud.start() });
  steps.sort((a, b) => (a.at === 'finishing' ? Infinity : a.at) - (b.at === 'finishing' ? Infinity : b.at));

  try {
    for (const step of steps) {
      if (finished) break;
      const reached = await reach((e) => e.kind === 'pull' && e.storeId === storeId && (
        e.status === 'done' || e.status === 'failed' ||
        (step.at === 'finishing' ? e.phase === 'finishing' : (e.pages ?? 0) + (e.productPages ?? 0) >= step.at)), `page ${step.at}`);
      latest = null;
      if (reached.status === 'done') break;
      if (reached.status === 'failed') await recoverFailure(env, storeId, reached, faults, configure);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 30)));
      await step.run();
    }
    // To the end, continuing after failures a user could continue from.
    for (let attempt = 0; attempt < 20 && !finished; attempt++) {
      const t = await env.page.evaluate((id) => window.harness.waitPull(id, 60_000), storeId);
      if (t.last?.status === 'done') break;
      if (t.timedOut) throw new Error(`faulted pull timed out; last progress ${JSON.stringify(t.last && { status: t.last.status, phase: t.last.phase, pages: t.last.pages, error: t.last.error })}; ${JSON.stringify(await env.page.evaluate(() => window.harness.listProgress()).then((l) => l.map((p) => ({ s: p.status, ph: p.phase, pages: p.pages }))).catch((e: Error) => e.message))}`);
      await recoverFailure(env, storeId, { kind: 'pull', status: t.last?.status, error: t.last?.error as HarnessEvent['error'] }, faults, configure);
    }
  } finally {
    env.events.delete(track);
    cloud?.stop();
    env.emu.state.setFaults({}, true);
  }
  checkRefetch(env, storeId, sinceSeq, kills, violations, faults);
  countInjected(env, storeId, sinceSeq, 'pull', faults);
  const progress = (await env.page.evaluate(() => window.harness.listProgress())).find((p) => p.storeId === storeId);
  return { progress: progress ?? null, cloud: cloud?.outcome ?? null };
}

/** Faults the emulator injected on this store's requests (its log tags them), and the 401s of an expired token. */
function countInjected(env: Env, storeId: string, sinceSeq: number, what: 'pull' | 'write', faults: Record<string, number>): void {
  const names: Record<string, string> = {
    '5xx': '5xx', burst429: '429', hung: 'timeout (hung request)', dropped: 'dropped connection',
    'bad-body:html': 'malformed 200 body (HTML)', 'bad-body:text': 'malformed 200 body (text)', 'bad-body:truncated': 'malformed 200 body (cut short)',
  };
  for (const e of env.emu.state.log) {
    if (e.seq <= sinceSeq || !e.path.includes(storeId)) continue;
    const label = e.fault ? names[e.fault] ?? e.fault : e.status === 401 ? '401 (token expired)' : null;
    if (label) faults[`${what} ${label}`] = (faults[`${what} ${label}`] ?? 0) + 1;
  }
}

/** A failed pull continued as the user would: a fresh token after a 401, "resume" after a passing failure. */
async function recoverFailure(env: Env, storeId: string, failed: HarnessEvent, faults: Record<string, number>, configure: () => Promise<void>): Promise<void> {
  if (failed.error?.code === 'unauthorized') {
    await freshToken(env);
    faults['fresh token after expiry'] = (faults['fresh token after expiry'] ?? 0) + 1;
    await configure();
  } else {
    faults['pull failed after retries, resumed'] = (faults['pull failed after retries, resumed'] ?? 0) + 1;
  }
  if (!env.cloudFault) env.emu.state.setFaults({}, true);
  await env.page.evaluate((id) => window.harness.resume(id), storeId);
}

/** The old token stays dead; a new one (as from the personal account after re-opening the app) is used from now. */
async function freshToken(env: Env): Promise<void> {
  env.emu.state.tokens.delete(env.token);
  env.tokens += 1;
  env.token = `${TOKEN_PREFIX}-${env.tokens}`;
  env.emu.state.setToken({ token: env.token });
  env.emu.state.setFaults({ tokenExpiresAfter: null });
}

// ---------------------------------------------------------------------------------------------------------------
// Trials
// ---------------------------------------------------------------------------------------------------------------

async function runTrial(env: Env, kind: TrialKind, index: number, seed: number, options: SuiteOptions): Promise<TrialResult> {
  const random = rngFrom(seed);
  const shape = storeShape(options.size, random);
  const malformedTrial = kind === 'malformed';
  const months = malformedTrial ? Math.max(shape.months, 3) : shape.months;
  const docsPerDay = malformedTrial ? Math.max(shape.docsPerDay, Math.ceil((options.malformed * 4) / (months * 30))) : shape.docsPerDay;
  const store = env.emu.state.createStore({
    seed: `faults-${seed}`, products: shape.products, terminals: shape.terminals, months, docsPerDay, endTime: 'now',
    settlementStyle: 'mixed', cloudQuantities: 'zeroed',
  });
  const storeId = store.id;
  const faults: Record<string, number> = {};
  const checks: string[] = [];
  const violations: string[] = [];
  let dataLost = 0;
  const stamp = `${index}-${seed}`;
  const fullPeriod = kind.startsWith('write') || kind === 'two-tabs' || kind === 'second-account' || malformedTrial ? true : random() < 0.7;

  // The uninterrupted reference, clean.
  const refDb = `faults-ref-${stamp}`;
  const { pages: referencePages, documents: referenceDocuments } = await pullToEnd(env, storeId, refDb, fullPeriod);
  const reference = await resultOf(env, storeId);
  // A fault at a random page of the pull (as many pages as the reference fetched).
  const pageAt = () => 1 + Math.floor(random() * Math.max(1, referencePages - 1));

  checkTruth(env, storeId, reference.rows ?? [], violations, checks);

  if (kind.startsWith('pull') || malformedTrial || isMisbehaving(kind)) {
    const plan: PullFaults = { kills: [], storm: null, tokenExpiry: null, cloud: null };
    // In the first 40 % of the pages: the pull runs ahead of the harness, and the fault must meet requests.
    if (isMisbehaving(kind)) plan.cloud = misbehavingPlan(kind, storeId, () => 1 + Math.floor(random() * Math.max(1, referencePages * 0.4)), random);
    if (kind === 'pull-kill' || kind === 'pull-reload' || malformedTrial) {
      const n = malformedTrial ? 1 : 1 + Math.floor(random() * 3);
      for (let i = 0; i < n; i++) {
        plan.kills.push({ how: kind === 'pull-reload' || (malformedTrial && random() < 0.5) ? 'reload' : 'kill', atPage: random() < 0.15 ? 'finishing' : pageAt() });
      }
    }
    if (kind === 'pull-storm') {
      const mix = random();
      const small = options.size === 'small';
      plan.storm = {
        atPage: pageAt(), requests: small ? 10 + Math.floor(random() * 15) : 20 + Math.floor(random() * 40),
        errorRate: mix < 0.4 ? 0.5 : 0.15, hangRate: mix >= 0.4 && mix < 0.7 ? (small ? 0.2 : 0.3) : 0.03, dropRate: 0.05,
        burst429: mix >= 0.7 ? 5 + Math.floor(random() * 10) : 2,
      };
      if (random() < 0.5) plan.kills.push({ how: 'kill', atPage: pageAt() });
    }
    // Early enough that requests remain after it (the 401 must come).
    if (kind === 'pull-token') plan.tokenExpiry = { atPage: 1 + Math.floor(random() * Math.max(1, referencePages * 0.6)), after: Math.floor(random() * 2) };

    let corrupted = new Map<string, CorruptedDocument>();
    if (malformedTrial) {
      const ids: string[] = [];
      store.scan(0, { since: 0, until: null, types: null, device: null }, (doc) => (ids.push(doc.id), true));
      const count = Math.min(options.malformed, ids.length);
      // Exactly `count` documents: the ones with the smallest hash under this trial's seed.
      const chosen = new Set(ids.map((id) => ({ id, h: fnv1a(`${seed}|pick|${id}`) })).sort((a, b) => a.h - b.h).slice(0, count).map((x) => x.id));
      env.proxy.fuzz(storeId, { seed: `fuzz-${seed}`, rate: 1, ids: chosen });
      faults['malformed documents (fuzzed)'] = count;
    }

    const db = `faults-${kind}-${stamp}`;
    const { progress, cloud } = await faultedPull(env, storeId, db, fullPeriod, plan, faults, violations);
    if (plan.cloud && cloud) checkMisbehaving(env, storeId, plan.cloud, cloud, faults, violations, checks);
    const actual = await resultOf(env, storeId);
    if (malformedTrial) corrupted = env.proxy.corrupted(storeId);

    // The final state equals the reference's.
    const skip = new Set<string>();
    for (const c of corrupted.values()) for (const id of c.productIds) skip.add(id);
    const sameDocuments = fullPeriod || progress?.documents === referenceDocuments;
    dataLost += compareRows(reference.rows ?? [], actual.rows ?? [], skip, violations, sameDocuments, faults);
    checks.push(`result equals the uninterrupted run's (${(reference.rows ?? []).length - skip.size} products compared)`);
    // Every document is in exactly once (a whole-period pull): committed documents = served documents.
    if (fullPeriod && progress) {
      const missing = store.documentCount - progress.documents;
      if (missing !== 0) {
        violations.push(`${progress.documents} documents committed instead of ${store.documentCount}`);
        dataLost += Math.max(0, missing);
      }
      checks.push('every document committed once');
    }
    checks.push('no committed page fetched again');

    if (malformedTrial) {
      const quarantinedIds = new Set(actual.quarantined.map((q) => q.documentId).filter((x): x is string => x !== null));
      const expected = [...corrupted.values()];
      const expectedIds = new Set(expected.map((c) => c.quarantineId).filter((x): x is string => x !== null));
      const notQuarantined = expected.filter((c) => c.quarantineId !== null && !quarantinedIds.has(c.quarantineId));
      if (actual.quarantined.length !== expected.length) violations.push(`${actual.quarantined.length} documents quarantined instead of ${expected.length}`);
      if ((progress?.quarantined ?? -1) !== expected.length) violations.push(`progress reports ${progress?.quarantined} quarantined instead of ${expected.length}`);
      if (notQuarantined.length > 0) violations.push(`${notQuarantined.length} corrupted documents were not quarantined (e.g. ${notQuarantined[0]!.id}, ${notQuarantined[0]!.kind})`);
      dataLost += Math.max(0, expected.length - actual.quarantined.length);
      const wrongly = [...quarantinedIds].filter((id) => !expectedIds.has(id));
      if (wrongly.length > 0) violations.push(`${wrongly.length} intact documents quarantined (e.g. ${wrongly[0]})`);
      // Products a corrupted document still names are flagged (when the corruption left its positions readable).
      const rows = new Map((actual.rows ?? []).map((r) => [r.productId, r]));
      let unflagged = 0;
      for (const c of expected) {
        if (c.kind === 'not-object' || c.kind === 'positions-not-array') continue;
        for (const id of c.productIds) {
          const row = rows.get(id);
          if (row && row.status !== 'not_tracked' && !row.warnings.includes('QUARANTINED_DOCUMENT')) unflagged++;
        }
      }
      if (unflagged > 0) violations.push(`${unflagged} products named by quarantined documents are not flagged`);
      const kinds: Record<string, number> = {};
      for (const c of expected) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
      checks.push(`${expected.length} malformed documents quarantined and reported (${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}), their products flagged`);
    } else if (actual.quarantined.length > 0) {
      violations.push(`${actual.quarantined.length} documents quarantined in a trial without malformed documents`);
    }
    await env.page.evaluate(() => window.harness.kill());
    await env.page.evaluate((n) => window.harness.deleteDb(n), db);
  } else if (kind === 'two-tabs') {
    dataLost += await twoTabsTrial(env, storeId, refDb, reference.rows ?? [], random, faults, violations, checks);
  } else if (kind === 'second-account') {
    dataLost += await secondAccountTrial(env, storeId, refDb, reference.rows ?? [], random, faults, violations, checks);
  } else if (kind === 'write-sales') {
    dataLost += await salesTrial(env, storeId, refDb, reference.rows ?? [], random, faults, violations, checks);
  } else {
    const r = await writeTrial(env, kind, storeId, refDb, reference.rows ?? [], random, faults, violations, checks);
    dataLost += r;
  }
  await env.page.evaluate(() => window.harness.kill());
  await env.page.evaluate((n) => window.harness.deleteDb(n), refDb);
  env.emu.state.stores.delete(storeId);
  return {
    index, kind, seed, store: { id: storeId, documents: store.documentCount, products: store.gen.catalogue.products.length },
    faults, checks, violations, dataLost, ms: 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------------------------

function cloudOf(env: Env, storeId: string): Map<string, number | null> {
  const store = env.emu.state.store(storeId)!;
  return new Map(store.products.filter((p) => !p.group).map((p) => [p.id, p.quantity as number | null]));
}

function setCloud(env: Env, storeId: string, quantities: Map<string, number | null>): void {
  const store = env.emu.state.store(storeId)!;
  for (const p of store.products) if (quantities.has(p.id)) p.quantity = quantities.get(p.id) as typeof p.quantity;
}

/**
 * A cloud that differs from the result in varied ways (zero, other values, negative, fractional, none), then the
 * uninterrupted reference write from it, checked against the ground truth: the cloud it leaves and how many writes
 * it planned. The cloud is set back to the scrambled start for the trial.
 */
async function referenceWrite(env: Env, storeId: string, refDb: string, refRows: CompactRow[], random: () => number, violations: string[], checks: string[]) {
  const page = env.page;
  const start = cloudOf(env, storeId);
  const scrambled = [0, 7000, -3000, 12_500, 1000, null, 250];
  for (const id of start.keys()) if (random() < 0.8) start.set(id, scrambled[Math.floor(random() * scrambled.length)]!);
  setCloud(env, storeId, start);

  // The uninterrupted reference: plan and apply in the sync worker, as the app does.
  const refJournal = `faults-journal-ref-${storeId}`;
  await page.evaluate((c) => window.harness.configure(c), harnessConfig(env, refDb, false, refJournal));
  const refPlan = await page.evaluate((id) => window.harness.wPlan(id), storeId);
  const refApply = await page.evaluate((runId) => window.harness.wApply(runId), refPlan.report.runId);
  if (refApply.report?.status !== 'completed') throw new Error(`reference write did not complete: ${refApply.error ?? JSON.stringify(refApply.report?.statusReason)}`);
  const expected = cloudOf(env, storeId);
  const planned = refPlan.report.counts.pending ?? 0;
  // The uninterrupted write put the ground truth in the cloud for every product the documents decide without a warning.
  const truth = truthOf(env, storeId);
  const resolved = refRows.filter((r) => r.status === 'resolved' && r.warnings.length === 0 && truth[r.productId] !== undefined);
  const offTruth = resolved.filter((r) => { const q = expected.get(r.productId); return q == null || formatQuantity(q as Milli) !== truth[r.productId]; });
  for (const r of offTruth.slice(0, 5)) violations.push(`uninterrupted write: product ${r.productId} has ${expected.get(r.productId)} in the cloud, the emulator's ground truth is ${truth[r.productId]}`);
  checks.push(`the uninterrupted write left the ground truth in the cloud (${resolved.length} products)`);
  await page.evaluate(() => window.harness.kill());
  await page.evaluate((n) => window.harness.deleteDb(n), refJournal);
  setCloud(env, storeId, start);
  return { start, expected, planned };
}

async function writeTrial(env: Env, kind: TrialKind, storeId: string, refDb: string, refRows: CompactRow[], random: () => number, faults: Record<string, number>, violations: string[], checks: string[]): Promise<number> {
  const page = env.page;
  const { start, expected, planned } = await referenceWrite(env, storeId, refDb, refRows, random, violations, checks);

  // The same plan again from the same cloud, under faults.
  const journal = `faults-journal-${kind}-${storeId}`;
  const configure = () => page.evaluate((c) => window.harness.configure(c), harnessConfig(env, refDb, true, journal));
  await configure();
  const plan = await page.evaluate((id) => window.harness.wPlan(id), storeId);
  const runId = plan.report.runId;
  const firstPatch = env.proxy.patches.length;
  const writeSeq = env.emu.state.logSeq;

  // Faults: the worker killed or the page reloaded at random writes (the journal stays), a storm, or an expiry.
  const interruptAt: number[] = [];
  if (kind === 'write-reload' || kind === 'write-kill') {
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) interruptAt.push(1 + Math.floor(random() * Math.max(1, planned - 1)));
    interruptAt.sort((a, b) => a - b);
  }
  let stormAt = kind === 'write-storm' ? 1 + Math.floor(random() * Math.max(1, planned / 2)) : -1;
  let expireAt = kind === 'write-token' ? 1 + Math.floor(random() * Math.max(1, planned - 1)) : -1;
  let interrupted: Promise<void> | null = null;
  // Interruptions come only while the app is writing (an apply or a resume in progress). A PATCH the killed worker
  // had in flight reaches the proxy a moment after the kill, while the harness configures a fresh worker; it used
  // to trigger the next kill right then, so configure() failed with «The sync worker was terminated» and the trial
  // was aborted before its checks (write-kill:425723474 did so every time).
  let armed = false;
  const writing = async <T>(call: () => Promise<T>): Promise<T | null> => {
    armed = true;
    try {
      return await call();
    } catch {
      return null; // the worker or the page went away under it
    } finally {
      armed = false;
    }
  };
  env.proxy.onPatch = (count) => {
    const n = count - firstPatch;
    if (armed && interruptAt.length > 0 && n >= interruptAt[0]! && interrupted === null) {
      interruptAt.shift();
      interrupted = (async () => {
        // A few ms later: the PATCH may or may not reach the cloud, its answer may or may not reach the journal.
        await new Promise((r) => setTimeout(r, Math.floor(random() * 15)));
        if (kind === 'write-kill') await page.evaluate(() => window.harness.kill());
        else await reloadPage(env);
        const label = kind === 'write-kill' ? 'worker killed (write)' : 'page reloaded (write)';
        faults[label] = (faults[label] ?? 0) + 1;
      })();
    }
    if (stormAt > 0 && n >= stormAt) {
      stormAt = -1;
      const from = env.emu.state.logSeq;
      const mix = random();
      env.emu.state.setFaults({
        seed: `wstorm-${storeId}`, errorRate: mix < 0.5 ? 0.4 : 0.1, errorStatuses: [500, 502, 503, 504], hangRate: mix >= 0.5 ? 0.15 : 0.02,
        burst429: 3 + Math.floor(random() * 8), burstRetryAfterSeconds: 1,
      }, true);
      const trial = env.trial;
      void (async () => {
        const deadline = Date.now() + 60_000;
        while (env.emu.state.logSeq - from < 40 && Date.now() < deadline && env.trial === trial) await new Promise((r) => setTimeout(r, 20));
        if (env.trial === trial) env.emu.state.setFaults({}, true);
      })();
    }
    if (expireAt > 0 && n >= expireAt) {
      expireAt = -1;
      env.emu.state.setFaults({ tokenExpiresAfter: Math.floor(random() * 3) });
    }
  };

  type Outcome = { report: Awaited<ReturnType<typeof window.harness.wApply>>['report']; error: string | null };
  try {
    let outcome: Outcome | null = await writing(() => page.evaluate((id) => window.harness.wApply(id), runId));
    for (let round = 0; round < 25; round++) {
      if (interrupted) {
        await interrupted;
        interrupted = null;
        await configure();
        const resumed = await writing(() => page.evaluate(() => window.harness.wResume()));
        const mine = resumed?.reports.find((r) => r.runId === runId);
        outcome = resumed === null ? null : mine ? { report: mine, error: null } : resumed.error ? { report: null, error: resumed.error } : outcome;
        continue;
      }
      if (outcome?.report?.status === 'completed') break;
      const reason = (outcome?.report?.statusReason as { code?: string } | null)?.code;
      if (reason === 'unauthorized' || (outcome?.error ?? '').includes('unauthorized')) {
        await freshToken(env);
        faults['fresh token after expiry'] = (faults['fresh token after expiry'] ?? 0) + 1;
      } else if (outcome?.report) {
        faults['write run interrupted by failures, resumed'] = (faults['write run interrupted by failures, resumed'] ?? 0) + 1;
      }
      env.emu.state.setFaults({}, true);
      await configure();
      const report = await page.evaluate((id) => window.harness.wReport(id), runId);
      if (report.status === 'completed') {
        outcome = { report, error: null };
        break;
      }
      const resumed = await writing(() => page.evaluate(() => window.harness.wResume()));
      const mine = resumed?.reports.find((r) => r.runId === runId);
      outcome = resumed === null ? null : { report: mine ?? null, error: resumed.error ?? (mine ? null : 'the run was not resumed') };
    }
  } finally {
    env.proxy.onPatch = null;
    env.emu.state.setFaults({}, true);
    // A kill or reload still on its way must land in this trial, not in the next one's worker.
    if (interrupted) await (interrupted as Promise<void>).catch(() => undefined);
  }
  countInjected(env, storeId, writeSeq, 'write', faults);
  await configure(); // a fresh worker on the same databases (the last kill may have come after the end)
  const finalReport = await page.evaluate((id) => window.harness.wReport(id), runId);
  if (finalReport.status !== 'completed') violations.push(`the run ended ${finalReport.status} (${JSON.stringify(finalReport.statusReason)})`);
  const patches = env.proxy.patches.slice(firstPatch).filter((p) => p.storeId.toUpperCase() === storeId.toUpperCase());

  // Final cloud equals the reference's; nothing written twice with different values; nothing lost.
  const final = cloudOf(env, storeId);
  let lost = 0;
  for (const [id, q] of expected) {
    if (final.get(id) !== q) {
      lost++;
      if (lost <= 5) violations.push(`product ${id}: cloud ${final.get(id)} instead of ${q} (uninterrupted run)`);
    }
  }
  const values = new Map<string, Set<string>>();
  for (const p of patches) values.set(p.productId, (values.get(p.productId) ?? new Set()).add(p.quantity));
  const doubled = [...values].filter(([, v]) => v.size > 1);
  for (const [id, v] of doubled.slice(0, 5)) violations.push(`product ${id} was sent ${v.size} different values: ${[...v].join(', ')}`);
  const okCount = new Map<string, number>();
  for (const p of patches) if (p.status === 200) okCount.set(p.productId, (okCount.get(p.productId) ?? 0) + 1);
  const resent = [...okCount.values()].filter((n) => n > 1).length;
  faults['writes sent again after an interruption (same value)'] = (faults['writes sent again after an interruption (same value)'] ?? 0) + resent;
  const items = await page.evaluate(([j, id]) => window.harness.wItems(j, id), [journal, runId] as const);
  const unfinished = items.filter((i) => !['verified', 'unchanged', 'skipped'].includes(i.status));
  if (unfinished.length > 0) violations.push(`${unfinished.length} journal items not verified at the end (e.g. ${unfinished[0]!.productId}: ${unfinished[0]!.status})`);
  const verifiedNeverWritten = items.filter((i) => i.status === 'verified' && !okCount.has(i.productId) && final.get(i.productId) !== start.get(i.productId));
  if (verifiedNeverWritten.length > 0) violations.push(`${verifiedNeverWritten.length} verified products never got a 200 PATCH`);
  checks.push(`cloud equals the uninterrupted run's for ${expected.size} products (${planned} writes planned)`, 'no product sent two different values', 'every journal item verified');
  await page.evaluate(() => window.harness.kill());
  await page.evaluate((n) => window.harness.deleteDb(n), journal);
  return lost + doubled.length + unfinished.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Issue 12: two tabs writing one store, sales made during a write
// ---------------------------------------------------------------------------------------------------------------

/** Products whose final cloud differs from what it should be (at most 5 named), counted as data lost. */
function compareCloud(final: Map<string, number | null>, expected: Map<string, number | null>, violations: string[], why: string, detail: (id: string) => string = () => ''): number {
  let lost = 0;
  for (const [id, q] of expected) {
    if (final.get(id) === q) continue;
    lost++;
    if (lost <= 5) violations.push(`product ${id}: cloud ${final.get(id)} instead of ${q} (${why}) ${detail(id)}`.trimEnd());
  }
  return lost;
}

/** 200 PATCHes per product of this store since `from` (the proxy's log). */
function okPatches(env: Env, storeId: string, from: number): Map<string, number> {
  const ok = new Map<string, number>();
  for (const p of env.proxy.patches.slice(from)) {
    if (p.storeId.toUpperCase() === storeId.toUpperCase() && p.status === 200) ok.set(p.productId, (ok.get(p.productId) ?? 0) + 1);
  }
  return ok;
}

/**
 * Two tabs of one profile (two harness pages, each with its worker, one IndexedDB) plan the same store and apply
 * at once. One write run per store at a time: the second waits and takes the first one's result, so every product
 * is written once, and the cloud equals the reference's.
 */
async function twoTabsTrial(env: Env, storeId: string, refDb: string, refRows: CompactRow[], random: () => number, faults: Record<string, number>, violations: string[], checks: string[]): Promise<number> {
  const { expected, planned } = await referenceWrite(env, storeId, refDb, refRows, random, violations, checks);
  const other = await env.page.context().newPage();
  try {
    await other.goto(env.page.url());
    await other.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);
    const journal = `faults-journal-two-tabs-${storeId}`;
    const tabs = [env.page, other];
    for (const tab of tabs) await tab.evaluate((c) => window.harness.configure(c), harnessConfig(env, refDb, false, journal));
    const plans: string[] = [];
    for (const tab of tabs) plans.push((await tab.evaluate((id) => window.harness.wPlan(id), storeId)).report.runId);
    const from = env.proxy.patches.length;
    // Slow writes, so that the two applies overlap whichever starts first.
    env.emu.state.setFaults({ latencyMs: 5 + Math.floor(random() * 20), match: 'PATCH' }, true);
    const outcomes = await Promise.all(tabs.map((tab, i) => tab.evaluate((runId) => window.harness.wApply(runId), plans[i]!)));
    env.emu.state.setFaults({}, true);
    faults['two tabs applying one store at once'] = (faults['two tabs applying one store at once'] ?? 0) + 1;
    for (const [i, o] of outcomes.entries()) if (o.report?.status !== 'completed') violations.push(`tab ${i + 1}: the run ended ${o.report?.status ?? o.error}`);
    const reported = new Set(outcomes.map((o) => o.report?.runId));
    if (reported.size !== 1) violations.push(`the tabs report ${reported.size} different runs: one should have waited for the other's`);
    const ok = okPatches(env, storeId, from);
    const twice = [...ok].filter(([, n]) => n > 1);
    for (const [id, n] of twice.slice(0, 5)) violations.push(`product ${id} written ${n} times by two tabs`);
    faults['writes the second tab did not send again'] = (faults['writes the second tab did not send again'] ?? 0) + Math.max(0, planned - twice.length);
    const lost = compareCloud(cloudOf(env, storeId), expected, violations, 'uninterrupted run');
    checks.push(`two tabs: one write run for the store, every product written once, cloud equals the uninterrupted run's for ${expected.size} products`);
    for (const tab of tabs) await tab.evaluate(() => window.harness.kill());
    await env.page.evaluate((n) => window.harness.deleteDb(n), journal);
    return lost + twice.length;
  } finally {
    await other.close();
  }
}

/**
 * Sales made at the terminals while a write runs (the emulator closes them now, moving the cloud as a terminal
 * does). None may be erased: every product ends at the reference's value minus what was sold of it since, the
 * write-back's guard moving the targets not yet written (evotor-api.md §10: a sale lowers the cloud's quantity).
 */
async function salesTrial(env: Env, storeId: string, refDb: string, refRows: CompactRow[], random: () => number, faults: Record<string, number>, violations: string[], checks: string[]): Promise<number> {
  const page = env.page;
  const { expected, planned } = await referenceWrite(env, storeId, refDb, refRows, random, violations, checks);
  const journal = `faults-journal-sales-${storeId}`;
  await page.evaluate((c) => window.harness.configure(c), harnessConfig(env, refDb, false, journal));
  const plan = await page.evaluate((id) => window.harness.wPlan(id), storeId);
  const store = env.emu.state.store(storeId)!;
  const ids = store.gen.catalogue.products;
  const sold = new Map<string, number>();
  const firstPatch = env.proxy.patches.length;
  const at = new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => 1 + Math.floor(random() * Math.max(1, planned - 1))));
  env.proxy.onPatch = (count) => {
    if (!at.delete(count - firstPatch)) return;
    const doc = store.inject({});
    for (const line of doc.lines) {
      const id = ids[line.p]!.id;
      sold.set(id, (sold.get(id) ?? 0) + line.qty);
    }
    faults['sales made during the write'] = (faults['sales made during the write'] ?? 0) + 1;
  };
  let outcome;
  try {
    outcome = await page.evaluate((runId) => window.harness.wApply(runId), plan.report.runId);
  } finally {
    env.proxy.onPatch = null;
  }
  if (outcome.report?.status !== 'completed') violations.push(`the run ended ${outcome.report?.status ?? outcome.error}`);
  // Milli in the emulator's cloud (quantities are thousandths there too).
  const after = new Map([...expected].map(([id, q]) => [id, q === null || !sold.has(id) ? q : q - sold.get(id)!]));
  const items = new Map((await page.evaluate(([j, id]) => window.harness.wItems(j, id), [journal, plan.report.runId] as const)).map((i) => [i.productId, i]));
  const lost = compareCloud(cloudOf(env, storeId), after, violations, `uninterrupted run, less the ${sold.size} product(s) sold meanwhile`, (id) =>
    `sold ${sold.get(id) ?? 0}, journal ${JSON.stringify(items.get(id) ?? null)}`);
  checks.push(`sales during the write: none erased (${[...sold.values()].length} products sold meanwhile), cloud equals the uninterrupted run's less the sales`);
  await page.evaluate(() => window.harness.kill());
  await page.evaluate((n) => window.harness.deleteDb(n), journal);
  return lost;
}

/**
 * A second account in the same profile (another token, whose account lists other stores: the emulator answers 404
 * for this one). Opened on the same databases after a write of this store, it sees nothing of it: no progress, no
 * result, no run to resume, report or undo. Then the first account finds everything where it was: nothing deleted.
 */
async function secondAccountTrial(env: Env, storeId: string, refDb: string, refRows: CompactRow[], random: () => number, faults: Record<string, number>, violations: string[], checks: string[]): Promise<number> {
  const page = env.page;
  await referenceWrite(env, storeId, refDb, refRows, random, violations, checks);
  const journal = `faults-journal-account-${storeId}`;
  const mine = harnessConfig(env, refDb, false, journal);
  await page.evaluate((c) => window.harness.configure(c), mine);
  const plan = await page.evaluate((id) => window.harness.wPlan(id), storeId);
  const applied = await page.evaluate((runId) => window.harness.wApply(runId), plan.report.runId);
  if (applied.report?.status !== 'completed') throw new Error(`the first account's write did not complete: ${applied.error}`);
  const before = await resultOf(env, storeId);

  const other = `${TOKEN_PREFIX}-other-${storeId}`;
  env.emu.state.setToken({ token: other, stores: [] });
  faults['a second account opened the same profile'] = (faults['a second account opened the same profile'] ?? 0) + 1;
  await page.evaluate((c) => window.harness.configure(c), { ...mine, token: other });
  const progress = await page.evaluate(() => window.harness.listProgress());
  if (progress.length > 0) violations.push(`the second account sees ${progress.length} pull(s) of the first: ${progress.map((p) => p.storeId).join(', ')}`);
  const resumed = await page.evaluate(() => window.harness.wResume());
  if (resumed.pending.length > 0 || resumed.reports.length > 0) violations.push(`the second account is offered the first one's runs: ${[...resumed.pending, ...resumed.reports.map((r) => r.runId)].join(', ')}`);
  const shown = await page.evaluate((id) => window.harness.result(id, true).then(() => 'shown', () => 'refused'), storeId);
  if (shown !== 'refused') violations.push('the second account was shown the first one\'s result');
  const report = await page.evaluate((runId) => window.harness.wReport(runId).then(() => 'shown', () => 'refused'), plan.report.runId);
  if (report !== 'refused') violations.push('the second account was shown the first one\'s write report');
  checks.push('a second account in the same profile sees no pull, result, run or report of the first');

  await page.evaluate((c) => window.harness.configure(c), mine);
  const after = await resultOf(env, storeId);
  const lost = compareRows(before.rows ?? [], after.rows ?? [], new Set(), violations);
  const again = await page.evaluate((runId) => window.harness.wReport(runId), plan.report.runId);
  if (again.status !== 'completed') violations.push(`the first account's run is ${again.status} after the second account opened the profile`);
  checks.push(`the first account finds its result (${(after.rows ?? []).length} products) and its run where they were`);
  env.emu.state.tokens.delete(other);
  await page.evaluate(() => window.harness.kill());
  await page.evaluate((n) => window.harness.deleteDb(n), journal);
  return lost + (again.status === 'completed' ? 0 : 1);
}
