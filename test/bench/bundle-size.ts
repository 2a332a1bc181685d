/**
 * Gzip sizes of what a merchant's browser downloads (issue 7: the app's initial JS under 60 kB gzip):
 *
 * - initial JS: the module script of index.html and everything it imports statically (the `<link rel=modulepreload>`
 *   chunks and the static `import … from "./x.js"` of those files, transitively): what runs before the first screen,
 *   before any dynamic `import()`;
 * - the sync worker's chunk (loaded after start by `new Worker`, not initial);
 * - any other JS chunk (loaded by a dynamic import);
 * - the embed script dist/evotor-stock-sync.js (one classic script, styles and worker inside).
 *
 * Sizes are gzip level 9 of node:zlib (as test/bench/lib/bundle.ts; GNU `gzip -9` comes out ~1 % smaller). A build done here also lists the packages and src/ modules inside
 * the initial JS and flags worker-only code there (zod, ky, idb, the schemas, the pull, the write-back…).
 *
 *   npx tsx test/bench/bundle-size.ts               # builds app + embed into a temporary folder (dist/ untouched)
 *   npx tsx test/bench/bundle-size.ts --dist        # measures an existing build in dist/ (npm run build)
 *   npx tsx test/bench/bundle-size.ts --dist DIR    # … or in DIR
 *   npx tsx test/bench/bundle-size.ts --json        # the report as JSON
 *   npx tsx test/bench/bundle-size.ts --check       # exit 1 when over a budget or worker-only code is initial (npm test)
 *
 * From the harness: `const report = await measureBundleSizes(); console.log(formatBundleSizes(report));`
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Issue 7's target for the initial JS, in bytes of gzip (kB = 1,000 bytes: the stricter reading). */
export const INITIAL_JS_LIMIT = 60_000;

/**
 * What `--check` (run by `npm test`) allows, in bytes of gzip. The initial JS has issue 7's target; the others are
 * what they measured when the budgets were set (issue 13: worker 79.5 kB, embed 152.6 kB, CSS 3.9 kB) plus about
 * a tenth, so that a new dependency or a module pulled in by mistake fails the tests instead of passing unseen.
 * Raise one on purpose, with the reason in the commit.
 */
export const BUDGETS = {
  'initial JS': INITIAL_JS_LIMIT,
  'initial CSS': 4_500,
  worker: 88_000,
  embed: 168_000,
} as const;

/** The embed script's name (vite.config.ts EMBED_FILE, manifest.json `embed.script`). */
const EMBED_FILE = 'evotor-stock-sync.js';

/**
 * Code that belongs in the sync worker only; found in the initial JS it means an import drags it into the page
 * (as src/api/errors.ts once did with zod through the schemas). Matched against module ids of a build.
 */
const WORKER_ONLY: readonly { name: string; test: RegExp }[] = [
  { name: 'zod', test: /\/node_modules\/zod\// },
  { name: 'ky', test: /\/node_modules\/ky\// },
  { name: 'idb', test: /\/node_modules\/idb\// },
  { name: 'src/model schemas and normalisation', test: /\/src\/model\/(schemas-[^/]*|normalise(-[a-z]+)?)\.ts$/ },
  { name: 'src/api client (transport, retries, parsing of error bodies)', test: /\/src\/api\/(client|transport|retry|pacing|errors)\.ts$/ },
  { name: 'src/local (IndexedDB)', test: /\/src\/local\// },
  { name: 'src/pull engine and computation', test: /\/src\/pull\/(engine|computation)\.ts$/ },
  { name: 'src/writeback', test: /\/src\/writeback\/(?!types\.ts$)/ },
  { name: 'src/sync/worker (the worker side)', test: /\/src\/sync\/worker\// },
  { name: 'src/stock computation', test: /\/src\/stock\/(compute|accumulator|events|catalogue|rules|tally)\.ts$/ },
];

export interface FileSize {
  /** Path relative to the build folder. */
  file: string;
  bytes: number;
  gzip: number;
}

export interface FileGroup {
  files: FileSize[];
  bytes: number;
  gzip: number;
}

export interface BundleSizeReport {
  /** The build folder measured. */
  dir: string;
  /** True when this run built the app (and the embed) itself; false when it read an existing build. */
  built: boolean;
  buildMs: number | null;
  initialJs: FileGroup & {
    limit: number;
    met: boolean;
    /** With a build: what is inside, biggest first (bytes as rendered into the chunk, before minification). */
    contents: { name: string; bytes: number }[] | null;
    /** With a build: worker-only code found in the initial JS (empty is right); null when not known. */
    workerOnly: string[] | null;
  };
  css: FileGroup;
  worker: FileSize | null;
  /** JS chunks reached only by a dynamic import (not the worker). */
  lazyJs: FileSize[];
  embed: FileSize | null;
  /** Each budget of BUDGETS against what was measured (null: nothing of that kind was found). */
  budgets: { name: keyof typeof BUDGETS; gzip: number | null; limit: number; met: boolean }[];
  notes: string[];
}

export interface MeasureOptions {
  /** Read this existing build (e.g. 'dist' after `npm run build`) instead of building. */
  dir?: string;
  /** When building: keep the temporary folder (its path is in the report). */
  keep?: boolean;
}

const gzip = (buffer: Buffer) => gzipSync(buffer, { level: 9 }).length;

function sizeOf(dir: string, file: string): FileSize {
  const buffer = readFileSync(path.join(dir, file));
  return { file, bytes: buffer.length, gzip: gzip(buffer) };
}

function group(files: FileSize[]): FileGroup {
  return { files, bytes: files.reduce((s, f) => s + f.bytes, 0), gzip: files.reduce((s, f) => s + f.gzip, 0) };
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** A URL of index.html (`/assets/x.js`, `./assets/x.js`, `assets/x.js`) as a path in the build folder. */
function fromHtml(ref: string): string {
  return path.posix.normalize(ref.replace(/^\.?\//, ''));
}

/**
 * Static imports of a built chunk: `import{a}from"./x.js"`, `import"./x.js"`, `export{a}from"./x.js"`, `export*from…`.
 * A dynamic `import("./x.js")` has a parenthesis and is not matched.
 */
function staticImports(code: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|[;}\s])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']/g;
  for (const m of code.matchAll(pattern)) found.push(m[1]!);
  return found;
}

/** What index.html loads before any dynamic import: its module script(s), the modulepreloads, their static imports. */
function initialFiles(dir: string): { js: string[]; css: string[] } {
  const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const queue: string[] = [];
  for (const m of html.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="([^"]+)"/g)) queue.push(fromHtml(m[1]!));
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) queue.push(fromHtml(m[1]!));
  const css = [...html.matchAll(/<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"/g)].map((m) => fromHtml(m[1]!));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file) || !file.endsWith('.js') || !existsSync(path.join(dir, file))) continue;
    seen.add(file);
    const code = readFileSync(path.join(dir, file), 'utf8');
    for (const spec of staticImports(code)) {
      if (/^[a-z]+:/i.test(spec)) continue; // an absolute URL: not ours
      queue.push(spec.startsWith('/') ? fromHtml(spec) : path.posix.join(path.posix.dirname(file), spec));
    }
  }
  return { js: [...seen], css };
}

interface BuiltChunk {
  type: string;
  fileName: string;
  modules?: Record<string, { renderedLength: number }>;
}

function chunksOf(result: unknown): BuiltChunk[] {
  const outputs = (Array.isArray(result) ? result : [result]) as { output?: BuiltChunk[] }[];
  return outputs.flatMap((o) => o.output ?? []).filter((o) => o.type === 'chunk');
}

/** A module id as a short name: the npm package, or the path inside the repository. */
function moduleName(id: string): string {
  const clean = id.replace(/^\0/, '').replace(/\?.*$/, '');
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(clean);
  if (pkg) return pkg[1]!;
  return clean.startsWith(REPO) ? path.relative(REPO, clean).split(path.sep).join('/') : clean;
}

/**
 * Measures the app's initial JS, the worker, lazy chunks and the embed script. Without `dir` it builds both (the
 * app's own vite.config.ts, `vite build` then `vite build --mode embed`) into a temporary folder and removes it.
 */
export async function measureBundleSizes(options: MeasureOptions = {}): Promise<BundleSizeReport> {
  const notes: string[] = [];
  let dir: string;
  let built = false;
  let buildMs: number | null = null;
  let chunks: BuiltChunk[] | null = null;
  if (options.dir) {
    dir = path.resolve(REPO, options.dir);
    if (!existsSync(path.join(dir, 'index.html'))) throw new Error(`${dir} has no index.html: run npm run build first, or omit --dist to build here`);
  } else {
    const { build } = await import('vite');
    dir = mkdtempSync(path.join(os.tmpdir(), 'evotor-bundle-size-'));
    built = true;
    const began = performance.now();
    const configFile = path.join(REPO, 'vite.config.ts');
    chunks = chunksOf(await build({ configFile, root: REPO, mode: 'production', logLevel: 'error', build: { outDir: dir, emptyOutDir: true } }));
    try {
      await build({ configFile, root: REPO, mode: 'embed', logLevel: 'error', build: { outDir: dir, emptyOutDir: false } });
    } catch (error) {
      notes.push(`the embed build failed: ${(error as Error).message.split('\n')[0]}`);
    }
    buildMs = Math.round(performance.now() - began);
  }
  try {
    const initial = initialFiles(dir);
    const initialSet = new Set(initial.js);
    const allJs = listFiles(dir).filter((f) => f.endsWith('.js') && f !== EMBED_FILE);
    const workerFiles = allJs.filter((f) => !initialSet.has(f) && /(^|\/)worker-[^/]*\.js$/.test(f));
    if (workerFiles.length !== 1) notes.push(`expected one worker chunk (assets/worker-*.js), found ${workerFiles.length}`);
    const lazy = allJs.filter((f) => !initialSet.has(f) && !workerFiles.includes(f));
    const embedPath = listFiles(dir).find((f) => f === EMBED_FILE);
    if (!embedPath) notes.push(`no ${EMBED_FILE} in ${dir} (the embed build did not run?)`);

    let contents: { name: string; bytes: number }[] | null = null;
    let workerOnly: string[] | null = null;
    if (chunks) {
      const byName = new Map<string, number>();
      const found = new Set<string>();
      for (const chunk of chunks.filter((c) => initialSet.has(c.fileName))) {
        for (const [id, info] of Object.entries(chunk.modules ?? {})) {
          const name = moduleName(id);
          byName.set(name, (byName.get(name) ?? 0) + info.renderedLength);
          // `worker.ts?worker&url` is only the worker's URL (a string), not its code.
          if (info.renderedLength === 0 || /\?(.*&)?url\b/.test(id)) continue;
          for (const rule of WORKER_ONLY) if (rule.test.test(id.replace(/\?.*$/, ''))) found.add(`${rule.name} (${name})`);
        }
      }
      contents = [...byName].map(([name, bytes]) => ({ name, bytes })).filter((c) => c.bytes > 0).sort((a, b) => b.bytes - a.bytes);
      workerOnly = [...found].sort();
    }

    const initialJs = group(initial.js.map((f) => sizeOf(dir, f)));
    const css = group(initial.css.filter((f) => existsSync(path.join(dir, f))).map((f) => sizeOf(dir, f)));
    const worker = workerFiles.length > 0 ? sizeOf(dir, workerFiles[0]!) : null;
    const embed = embedPath ? sizeOf(dir, embedPath) : null;
    const measured: Record<keyof typeof BUDGETS, number | null> = {
      'initial JS': initialJs.gzip,
      'initial CSS': css.files.length > 0 ? css.gzip : null,
      worker: worker?.gzip ?? null,
      embed: embed?.gzip ?? null,
    };
    const budgets = (Object.keys(BUDGETS) as (keyof typeof BUDGETS)[]).map((name) => {
      const gzip = measured[name];
      return { name, gzip, limit: BUDGETS[name], met: gzip !== null && gzip <= BUDGETS[name] };
    });
    return {
      dir,
      built,
      buildMs,
      initialJs: { ...initialJs, limit: INITIAL_JS_LIMIT, met: initialJs.gzip < INITIAL_JS_LIMIT, contents, workerOnly },
      css,
      worker,
      lazyJs: lazy.map((f) => sizeOf(dir, f)).sort((a, b) => b.gzip - a.gzip),
      embed,
      budgets,
      notes,
    };
  } finally {
    if (built && !options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;

/** The report as a small table (plus what is inside the initial JS when known). */
export function formatBundleSizes(report: BundleSizeReport, options: { contents?: number } = {}): string {
  const rows: [string, number, number][] = [];
  for (const f of report.initialJs.files) rows.push([`initial JS  ${f.file}`, f.bytes, f.gzip]);
  if (report.initialJs.files.length > 1) rows.push(['initial JS  (total)', report.initialJs.bytes, report.initialJs.gzip]);
  for (const f of report.css.files) rows.push([`initial CSS ${f.file}`, f.bytes, f.gzip]);
  if (report.worker) rows.push([`worker      ${report.worker.file}`, report.worker.bytes, report.worker.gzip]);
  for (const f of report.lazyJs) rows.push([`lazy JS     ${f.file}`, f.bytes, f.gzip]);
  if (report.embed) rows.push([`embed       ${report.embed.file}`, report.embed.bytes, report.embed.gzip]);
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = [`${'file'.padEnd(width)}  ${'raw'.padStart(10)}  ${'gzip -9'.padStart(10)}`];
  for (const [name, bytes, gz] of rows) lines.push(`${name.padEnd(width)}  ${kb(bytes).padStart(10)}  ${kb(gz).padStart(10)}`);
  const i = report.initialJs;
  lines.push('');
  lines.push(`initial JS ${i.gzip.toLocaleString('en')} B gzip, target < ${i.limit.toLocaleString('en')} B: ${i.met ? 'met' : 'NOT met'}`);
  for (const b of report.budgets) {
    const size = b.gzip === null ? 'not found' : `${b.gzip.toLocaleString('en')} B`;
    lines.push(`budget ${b.name}: ${size} of ${b.limit.toLocaleString('en')} B gzip: ${b.met ? 'within' : 'OVER'}`);
  }
  if (i.workerOnly) lines.push(i.workerOnly.length === 0 ? 'worker-only code in the initial JS: none' : `worker-only code in the initial JS: ${i.workerOnly.join('; ')}`);
  const top = options.contents ?? 12;
  if (i.contents && top > 0) {
    lines.push(`inside the initial JS (before minification), the ${Math.min(top, i.contents.length)} biggest of ${i.contents.length}:`);
    for (const c of i.contents.slice(0, top)) lines.push(`  ${c.bytes.toLocaleString('en').padStart(8)}  ${c.name}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(report.built ? `built into a temporary folder in ${report.buildMs} ms` : `measured ${path.relative(REPO, report.dir) || report.dir}`);
  return lines.join('\n');
}

/** `--check`: every budget met, no worker-only code in the initial JS, nothing odd about the build (its notes). */
export function checkPasses(report: BundleSizeReport): boolean {
  return report.initialJs.met && report.budgets.every((b) => b.met) && (report.initialJs.workerOnly?.length ?? 0) === 0 && report.notes.length === 0;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dist: { type: 'boolean' },
      json: { type: 'boolean' },
      check: { type: 'boolean' },
      keep: { type: 'boolean' },
      contents: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log('usage: npx tsx test/bench/bundle-size.ts [--dist [DIR]] [--json] [--check] [--keep] [--contents N]');
    return;
  }
  const dir = values.dist ? (positionals[0] ?? 'dist') : undefined;
  const report = await measureBundleSizes({ ...(dir ? { dir } : {}), keep: values.keep === true });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatBundleSizes(report, { contents: values.contents ? Number(values.contents) : 12 }));
  if (values.check && !checkPasses(report)) {
    console.error('bundle-size --check: over a budget, worker-only code in the initial JS, or a build note above');
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
