/** src/model and src/stock run on partners' Node servers: they may import only zod and each other. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const FOLDERS = ['src/model', 'src/stock'].map((f) => resolve(ROOT, f));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const files = FOLDERS.flatMap(sources);

describe('core boundaries', () => {
  it.each(files.map((f) => [relative(ROOT, f), f]))('%s imports only zod, src/model and src/stock', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
    for (const spec of specifiers) {
      if (spec === 'zod') continue;
      expect(spec.startsWith('.'), `${spec} in ${file}`).toBe(true);
      const target = resolve(dirname(file), spec);
      expect(FOLDERS.some((folder) => target.startsWith(folder + '/')), `${spec} in ${file}`).toBe(true);
    }
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s uses no browser or Vite globals and no float parsing', (_name, file) => {
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const banned of [/\bwindow\.[a-zA-Z]/, /\bdocument\.[a-zA-Z]/, /\bindexedDB\b/, /\blocalStorage\b/, /import\.meta\.env/, /\bparseFloat\(/, /\bfetch\(/]) {
      expect(code, `${banned} in ${file}`).not.toMatch(banned);
    }
  });
});
