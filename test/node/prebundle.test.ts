/**
 * The first click after `npm ci && npm start` must not be followed by a Vite reload ("optimized dependencies
 * changed", issue 16 item 24): every package the browser code imports at run time is pre-bundled when the dev server
 * starts (vite.config.ts PREBUNDLED). The worker's ky, zod and idb are imported only once a pull starts, which is
 * when Vite would otherwise find them and reload the page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PREBUNDLED } from '../../vite.config.ts';

/** Source files that run in the browser (the emulator runs on Node). */
function browserSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path.endsWith(join('src', 'emulator')) ? [] : browserSources(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

describe('dependencies pre-bundled for the dev server', () => {
  it('include every package the browser code imports at run time', () => {
    const imported = new Set<string>();
    for (const file of browserSources('src')) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import (?!type )[^'"]*?from '([^.'][^']*)'/gm)) imported.add(m[1]!);
      for (const m of text.matchAll(/^import '([^.'][^']*)'/gm)) imported.add(m[1]!);
    }
    expect([...imported].filter((p) => !p.startsWith('node:'))).not.toHaveLength(0);
    for (const pkg of imported) expect(PREBUNDLED, `${pkg} is imported by the browser code`).toContain(pkg);
    // The JSX runtime the preset compiles to, in dev and in builds.
    expect(PREBUNDLED).toEqual(expect.arrayContaining(['preact/jsx-runtime', 'preact/jsx-dev-runtime']));
  });

  it('npm settles esbuild\'s install script (npm 11 allowScripts): esbuild runs from its platform package', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(pkg.allowScripts).toEqual({ esbuild: false });
  });
});
