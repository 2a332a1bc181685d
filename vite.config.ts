/// <reference types="vitest/config" />
import { defineConfig, build, loadEnv, type Plugin } from 'vite';
import preact from '@preact/preset-vite';
import { playwright } from '@vitest/browser-playwright';
import { contentSecurityPolicy } from './deploy/csp.ts';

/** Flags that let Debian's Chromium run headless as root in a sandbox with no network (shared/docs/stack.md). */
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Dependencies pre-bundled when the dev server starts. The worker imports ky, zod and idb only once a pull starts:
 * found then, Vite would bundle them and reload the page under the first click (shared/docs/stack.md, pitfalls).
 */
export const PREBUNDLED = ['preact', 'preact/hooks', 'preact/jsx-runtime', 'preact/jsx-dev-runtime', 'preact/debug', '@preact/signals', 'ky', 'zod', 'idb'];

/** Where `npm run build` writes (both builds). The e2e tests build into a folder of their own with EVOTOR_OUT_DIR. */
const outDir = process.env.EVOTOR_OUT_DIR ?? 'dist';

/** The embed script's stable name (manifest.json `embed.script`). */
export const EMBED_FILE = 'evotor-stock-sync.js';

const WORKER_URL_SUFFIX = '?worker&url';
const INLINE_PREFIX = '\0evotor-inline-worker:';

/**
 * For the embed build only: `import url from './worker.ts?worker&url'` (src/sync/page/spawn.ts) becomes a blob URL of
 * the worker bundled into the embed script itself. The embed is then one file that a partner page loads with a plain
 * `<script src>` from any origin: no CORS on our host, no chunk next to it, and the blob has the page's origin, so
 * `new Worker(blobUrl)` is allowed (and the worker's IndexedDB is the page's, as with the blob bootstrap).
 * The worker is bundled by a nested Vite build into one ES module without imports.
 */
function inlineWorkerUrls(mode: string): Plugin {
  return {
    name: 'evotor:inline-worker-url',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!source.endsWith(WORKER_URL_SUFFIX)) return null;
      const resolved = await this.resolve(source.slice(0, -WORKER_URL_SUFFIX.length), importer, { skipSelf: true });
      return resolved ? INLINE_PREFIX + resolved.id : null;
    },
    async load(id) {
      if (!id.startsWith(INLINE_PREFIX)) return null;
      const entry = id.slice(INLINE_PREFIX.length);
      const out = await build({
        configFile: false,
        mode,
        logLevel: 'warn',
        publicDir: false,
        define: { 'process.env.NODE_ENV': JSON.stringify('production') },
        build: {
          write: false,
          minify: true,
          emptyOutDir: false,
          copyPublicDir: false,
          lib: { entry, formats: ['es'], fileName: () => 'worker.js' },
          rolldownOptions: { output: { codeSplitting: false } },
        },
      });
      const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
      const chunks = outputs.flatMap((o) => o.output).filter((o) => o.type === 'chunk');
      if (chunks.length !== 1) this.error(`the worker ${entry} did not bundle into one file (${chunks.length} chunks)`);
      const code = chunks[0]!.code!;
      return [
        `const source = ${JSON.stringify(code)};`,
        `export default URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));`,
      ].join('\n');
    },
  };
}

/**
 * The built index.html carries the policy nginx sends (deploy/csp.ts) as a meta tag, for hosts that send none. A direct
 * build may also connect to its API base. Build only: the dev server injects inline scripts and styles.
 */
function cspMeta(mode: string): Plugin {
  const env = loadEnv(mode, process.cwd(), 'VITE_');
  const direct = [env.VITE_EVOTOR_API_BASE, env.VITE_DEMO_API_BASE].flatMap((base) => {
    try {
      return base ? [new URL(base).origin] : [];
    } catch {
      return [];
    }
  });
  return {
    name: 'evotor:csp-meta',
    apply: 'build',
    // The app's page only: the benchmark's harness page (test/bench/harness) calls an emulator on another port.
    transformIndexHtml: (_html, ctx) => (ctx.path !== '/index.html' ? [] : [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ connect: direct }) }, injectTo: 'head-prepend' },
    ]),
  };
}

export default defineConfig(({ mode }) => {
  // `vite build --mode embed`: the custom element <evotor-stock-sync> as one classic script (dist/evotor-stock-sync.js),
  // styles and worker inside. It runs second and adds to the app's dist/.
  if (mode === 'embed') {
    return {
      plugins: [inlineWorkerUrls(mode), preact()],
      publicDir: false,
      define: {
        'process.env.NODE_ENV': JSON.stringify('production'),
        // spawn.ts resolves the worker URL against import.meta.url; the inlined URL is absolute (blob:), so the base
        // is never used. A classic script has no import.meta: say so instead of relying on the bundler's `{}`.
        'import.meta.url': 'undefined',
      },
      build: {
        outDir,
        emptyOutDir: false,
        copyPublicDir: false,
        lib: { entry: 'src/embed/index.ts', formats: ['iife'], name: 'EvotorStockSync', fileName: () => EMBED_FILE },
        rolldownOptions: { output: { codeSplitting: false } },
      },
    };
  }
  return {
    plugins: [preact(), cspMeta(mode)],
    worker: { format: 'es' },
    optimizeDeps: { include: PREBUNDLED },
    server: { host: '127.0.0.1' },
    preview: { host: '127.0.0.1' },
    build: {
      outDir,
      // The page is one chunk (the worker is fetched by `new Worker`, not preloaded): no <link rel=modulepreload> to
      // polyfill, so the polyfill (~0.3 kB gzip of the initial JS) is left out. Browsers without modulepreload would
      // only fetch a future shared chunk a little later, never fail.
      modulePreload: { polyfill: false },
    },
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            environment: 'jsdom',
            include: ['test/unit/**/*.test.{ts,tsx}'],
            setupFiles: ['test/unit/setup.ts'],
            // jsdom screens and property tests take a second or two, several on a shared machine under load (7-9 s
            // seen at load average 15-20 on 2 cores); the default 5 s timed them out there, not what they assert.
            testTimeout: 30_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'node',
            environment: 'node',
            include: ['test/node/**/*.test.ts'],
            // Whole emulator stores over HTTP, in documents of the real shape: seconds each, more on a shared,
            // loaded machine; the default 5 s timed them out there, not what they assert.
            testTimeout: 60_000,
          },
        },
        {
          extends: true,
          optimizeDeps: { include: PREBUNDLED },
          test: {
            name: 'browser',
            include: ['test/browser/**/*.test.{ts,tsx}'],
            globalSetup: ['test/browser/global-setup.ts'],
            testTimeout: 60_000,
            browser: {
              enabled: true,
              headless: true,
              screenshotFailures: false,
              provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
              instances: [{ browser: 'chromium' }],
            },
          },
        },
        {
          // The built app and embed script in Chromium (playwright-core in Node) against the emulator: test/e2e/README.md.
          extends: true,
          test: {
            name: 'e2e',
            environment: 'node',
            include: ['test/e2e/**/*.test.ts'],
            globalSetup: ['test/e2e/global-setup.ts'],
            testTimeout: 120_000,
            hookTimeout: 120_000,
            // One file at a time: each drives its own Chromium, and the stores list is then the same in every run.
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
