/**
 * What the benchmark and the fault suite share on the Node side: a production build of the harness page (the real
 * app code: src/sync, src/pull, src/local, src/api, src/writeback, src/ui), a static server for it, and Debian's
 * Chromium through playwright-core with an on-disk profile (a fresh temporary one per run: IndexedDB on disk, as
 * a merchant's browser has it, not the in-memory IndexedDB of an incognito context).
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { listenOnLoopback } from '../../lib/listen.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The harness page inside the build output (Vite keeps the path of the HTML input relative to the root). */
export const HARNESS_PAGE = 'test/bench/harness/index.html';

/** Chromium flags and path from vite.config.ts (the same as the browser tests), with a fallback when it cannot load. */
export async function chromiumSettings(): Promise<{ executablePath: string; args: string[] }> {
  const config = (await import('../../../vite.config.ts')) as { chromiumArgs: string[]; chromiumPath: string };
  if (!existsSync(config.chromiumPath)) {
    throw new Error(`Chromium was not found at ${config.chromiumPath} (sudo apt-get install -y chromium, or set CHROMIUM_PATH). No browser is ever downloaded.`);
  }
  return { executablePath: config.chromiumPath, args: config.chromiumArgs };
}

export interface BuiltHarness {
  dir: string;
  ms: number;
  remove(): void;
}

/** `vite build` of the harness page with the app's own Vite config (preact preset, module worker chunks). */
export async function buildHarness(options: { minify?: boolean } = {}): Promise<BuiltHarness> {
  const { build } = await import('vite');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evotor-bench-build-'));
  const began = performance.now();
  await build({
    configFile: path.join(REPO, 'vite.config.ts'),
    root: REPO,
    logLevel: 'error',
    mode: 'production',
    build: {
      outDir: dir,
      emptyOutDir: true,
      minify: options.minify ?? true,
      reportCompressedSize: false,
      sourcemap: false,
      rolldownOptions: { input: { harness: path.join(REPO, HARNESS_PAGE) } },
    },
  });
  return { dir, ms: performance.now() - began, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.wasm': 'application/wasm',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
  /** Where `/evotor/…` is passed through to (the same-origin path a deployment has, deploy/); null: nowhere (502). */
  passThroughTo(target: string | null): void;
}

/** The same-origin pass-through prefix of a deployment (deploy/README.md). */
export const PASS_THROUGH = '/evotor';

/**
 * A plain static server on 127.0.0.1 for the build output (the app's origin; the emulator is another origin), with the
 * deployment's same-origin pass-through `/evotor/…` to an emulator when one is set: calls through it send no preflight.
 */
export async function serveStatic(dir: string): Promise<StaticServer> {
  let target: string | null = null;
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith(`${PASS_THROUGH}/`)) {
      if (!target) {
        res.writeHead(502).end('no pass-through target');
        return;
      }
      const upstream = http.request(`${target}${req.url.slice(PASS_THROUGH.length)}`, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, pathname === '/' ? HARNESS_PAGE : pathname);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return { ...(await listenOnLoopback(server)), passThroughTo: (url) => void (target = url) };
}

export interface HarnessBrowser {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  profile: string;
  /**
   * JS heap of the page and of each dedicated worker (bytes), from CDP Runtime.getHeapUsage: what is allocated, garbage
   * not yet collected included. With `collectGarbage`, a full GC runs first (HeapProfiler.collectGarbage): what is retained.
   */
  heap(options?: { collectGarbage?: boolean }): Promise<{ page: number; workers: { url: string; used: number }[] }>;
  /**
   * CPU profiles (CDP Profiler, sampled every 0.2 ms) of the page and of every dedicated worker, those started while
   * profiling included; `stop` returns them as .cpuprofile objects (a worker already gone is missing).
   */
  cpuProfile: { start(): Promise<void>; stop(): Promise<{ page: unknown; workers: { url: string; profile: unknown }[] }> };
  /** Chromium's renderer and browser process ids are not needed: everything is read through CDP. */
  close(): Promise<void>;
}

/**
 * Chromium with a fresh on-disk profile, one page on the harness. Workers are auto-attached on a CDP session of
 * the page (not flattened) so their heaps can be read with Target.sendMessageToTarget.
 */
export async function launchHarnessBrowser(appUrl: string, options: { onEvent?: (event: unknown) => void; log?: (line: string) => void } = {}): Promise<HarnessBrowser> {
  const { executablePath, args } = await chromiumSettings();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'evotor-bench-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, args, headless: true, viewport: { width: 1024, height: 768 } });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => options.log?.(`[page error] ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if ((message.type() === 'error' || message.type() === 'warning') && !text.startsWith('Failed to load resource')) options.log?.(`[page ${message.type()}] ${text}`);
  });
  await page.exposeBinding('harnessEvent', (_source, event: unknown) => options.onEvent?.(event));
  const cdp = await context.newCDPSession(page);
  const workers = new Map<string, string>();
  const pending = new Map<number, (message: { result?: { usedSize?: number; profile?: unknown } }) => void>();
  let nextId = 1;
  let profiling = false;
  cdp.on('Target.attachedToTarget', (event) => {
    if (event.targetInfo.type !== 'worker') return;
    workers.set(event.sessionId, event.targetInfo.url);
    if (profiling) void startProfiler(event.sessionId);
  });
  cdp.on('Target.detachedFromTarget', (event) => {
    workers.delete(event.sessionId);
  });
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const message = JSON.parse(event.message) as { id?: number; result?: { usedSize?: number; profile?: unknown } };
    if (message.id !== undefined) {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    }
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await page.goto(`${appUrl}/${HARNESS_PAGE}`);
  await page.waitForFunction(() => (window as unknown as { harness?: unknown }).harness !== undefined);

  /** One CDP command to a worker; null when it does not answer within `timeoutMs`. */
  const toWorker = (sessionId: string, method: string, timeoutMs = 2000, params?: object): Promise<{ result?: { usedSize?: number; profile?: unknown } } | null> =>
    new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(null);
      }, timeoutMs);
      pending.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(() => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(null);
      });
    });
  const workerHeap = async (sessionId: string, collectGarbage: boolean): Promise<number> => {
    if (collectGarbage) await toWorker(sessionId, 'HeapProfiler.collectGarbage', 30_000);
    return (await toWorker(sessionId, 'Runtime.getHeapUsage'))?.result?.usedSize ?? 0;
  };
  /** Starts the Profiler through `send` (the page's session, or a worker's through toWorker), sampling every 0.2 ms. */
  async function startProfiling(send: (method: string, params?: object) => Promise<unknown>): Promise<void> {
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: 200 });
    await send('Profiler.start');
  }
  const startProfiler = (sessionId: string) => startProfiling((method, params) => toWorker(sessionId, method, 2000, params));

  return {
    context, page, cdp, profile,
    async heap(options = {}) {
      const collectGarbage = options.collectGarbage === true;
      if (collectGarbage) await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
      const own = (await cdp.send('Runtime.getHeapUsage').catch(() => ({ usedSize: 0 }))) as { usedSize: number };
      const list = await Promise.all([...workers].map(async ([sessionId, url]) => ({ url, used: await workerHeap(sessionId, collectGarbage) })));
      return { page: own.usedSize, workers: list };
    },
    cpuProfile: {
      async start() {
        profiling = true;
        // CDPSession.send is typed per method; these three are generic.
        await startProfiling((method, params) => (cdp.send as (m: string, p?: object) => Promise<unknown>).call(cdp, method, params));
        await Promise.all([...workers.keys()].map(startProfiler));
      },
      async stop() {
        profiling = false;
        const page = (await cdp.send('Profiler.stop')).profile;
        const list = await Promise.all([...workers].map(async ([sessionId, url]) => ({ url, profile: (await toWorker(sessionId, 'Profiler.stop', 30_000))?.result?.profile })));
        return { page, workers: list.filter((w) => w.profile !== undefined) };
      },
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Bytes on disk of the profile's IndexedDB folders (every origin's LevelDB and blob files). */
export function indexedDbDiskBytes(profile: string): number {
  const root = path.join(profile, 'Default', 'IndexedDB');
  const walk = (dir: string): number => {
    if (!existsSync(dir)) return 0;
    let sum = 0;
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      const st = statSync(full);
      sum += st.isDirectory() ? walk(full) : st.size;
    }
    return sum;
  };
  return walk(root);
}

/**
 * Samples the heap of page + app workers (not the bench's own raw worker) every `everyMs` until stopped, with the
 * peak of each phase named by `phase()`.
 */
export function heapSampler(browser: HarnessBrowser, everyMs = 500) {
  let peak = 0;
  let peakPage = 0;
  let peakWorker = 0;
  let samples = 0;
  let running = true;
  let current = 'start';
  const byPhase: Record<string, { peakMB: number; pageMB: number; workerMB: number }> = {};
  const loop = (async () => {
    while (running) {
      const h = await browser.heap().catch(() => null);
      if (h) {
        const app = h.workers.filter((w) => !w.url.includes('raw-worker')).reduce((sum, w) => sum + w.used, 0);
        peak = Math.max(peak, h.page + app);
        peakPage = Math.max(peakPage, h.page);
        peakWorker = Math.max(peakWorker, app);
        const p = (byPhase[current] ??= { peakMB: 0, pageMB: 0, workerMB: 0 });
        const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
        if (mb(h.page + app) > p.peakMB) Object.assign(p, { peakMB: mb(h.page + app), pageMB: mb(h.page), workerMB: mb(app) });
        samples++;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    phase(name: string) {
      current = name;
    },
    async stop() {
      running = false;
      await loop;
      return { peakBytes: peak, peakPageBytes: peakPage, peakWorkerBytes: peakWorker, samples, byPhase };
    },
  };
}

/** 1-minute load average and the cores, to note beside every figure (the machine is shared). */
export function machineLoad(): { load1: number; load5: number; cores: number } {
  const [load1 = 0, load5 = 0] = os.loadavg();
  return { load1: Math.round(load1 * 100) / 100, load5: Math.round(load5 * 100) / 100, cores: os.cpus().length };
}
