/**
 * Sizes of what a merchant's browser downloads: the app's initial JS (the entry script of index.html and the
 * chunks it preloads, i.e. everything before the first screen; not the worker, not lazy chunks) and the embed
 * script, gzip-compressed at level 9. Built with the app's own Vite config into a temporary folder (dist/ is
 * left alone: other builds and tests use it).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO } from './infra.ts';

export interface FileSize {
  file: string;
  bytes: number;
  gzip: number;
}

export interface BundleSizes {
  initialJs: { files: FileSize[]; bytes: number; gzip: number };
  css: { bytes: number; gzip: number };
  /** Every JS file the app build emits (worker and lazy chunks included). */
  allJs: FileSize[];
  embed: (FileSize & { note: string }) | null;
  notes: string[];
  buildMs: number;
}

const gz = (buffer: Buffer) => gzipSync(buffer, { level: 9 }).length;

function sizeOf(dir: string, file: string): FileSize {
  const buffer = readFileSync(path.join(dir, file));
  return { file, bytes: buffer.length, gzip: gz(buffer) };
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, base));
    else out.push(path.relative(base, full));
  }
  return out;
}

export async function bundleSizes(): Promise<BundleSizes> {
  const { build } = await import('vite');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evotor-bench-app-'));
  const notes: string[] = [];
  const began = performance.now();
  try {
    await build({ configFile: path.join(REPO, 'vite.config.ts'), root: REPO, logLevel: 'error', mode: 'production', build: { outDir: dir, emptyOutDir: true } });
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    const refs = new Set<string>();
    for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) refs.add(m[1]!);
    for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) refs.add(m[1]!);
    const initial = [...refs].map((r) => sizeOf(dir, r.replace(/^\//, '')));
    const cssFiles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => sizeOf(dir, m[1]!.replace(/^\//, '')));
    const allJs = listFiles(dir).filter((f) => f.endsWith('.js')).map((f) => sizeOf(dir, f)).sort((a, b) => b.gzip - a.gzip);

    let embed: BundleSizes['embed'] = null;
    try {
      await build({ configFile: path.join(REPO, 'vite.config.ts'), root: REPO, logLevel: 'error', mode: 'embed', build: { outDir: dir, emptyOutDir: false } });
      const file = listFiles(dir).find((f) => f.endsWith('evotor-stock-sync.js'));
      if (file) embed = { ...sizeOf(dir, file), note: '`vite build --mode embed` (one classic script, worker and styles inside)' };
      else notes.push('the embed build ran but wrote no evotor-stock-sync.js');
    } catch (error) {
      notes.push(`embed script not measured: \`vite build --mode embed\` failed (${(error as Error).message.split('\n')[0]})`);
    }
    return {
      initialJs: { files: initial, bytes: initial.reduce((s, f) => s + f.bytes, 0), gzip: initial.reduce((s, f) => s + f.gzip, 0) },
      css: { bytes: cssFiles.reduce((s, f) => s + f.bytes, 0), gzip: cssFiles.reduce((s, f) => s + f.gzip, 0) },
      allJs,
      embed,
      notes,
      buildMs: Math.round(performance.now() - began),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
