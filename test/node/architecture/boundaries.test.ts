/**
 * Each folder of src/ says in its README which src folders and packages its files may import, on one line:
 *
 *   May import: `src/model` (quantities), `src/stock/types.ts`, `zod`. Then prose, without backticks.
 *
 * A backticked name is a src folder (everything under it), a src file, a package of package.json, or a Node built-in
 * (`node:http`, or `node:*` for all of them). A file belongs to the nearest folder above it with a README; within that folder it imports freely.
 * This test reads every such line and fails on an import the line does not list (checked by the compiler's own
 * parse, so comments and strings do not count), and on a line that names what does not exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importsOf, readSources, REPO, type Source } from '../../lib/sources.ts';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const PACKAGES = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);

/** src/main.tsx (the page's entry) is the only file in src/ itself; it belongs to no folder and is not checked. */
const ROOT_FILES = ['src/main.tsx'];

interface Rules {
  readme: string;
  allowed: string[];
}

function folders(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => [`${dir}/${entry.name}`, ...folders(`${dir}/${entry.name}`)]);
}

/** The README's `May import:` line as its backticked names; null when the README has no such line. */
function readRules(folder: string): Rules | null {
  const readme = `${folder}/README.md`;
  const line = readFileSync(join(REPO, readme), 'utf8').split('\n').find((l) => l.startsWith('May import:'));
  if (line === undefined) return null;
  return { readme, allowed: [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) };
}

const withReadme = folders('src').filter((folder) => existsSync(join(REPO, folder, 'README.md')));

/** The folder whose README rules a path: the nearest one above it with a README. */
function ownerOf(path: string): string | null {
  for (let dir = posix.dirname(path); dir !== 'src' && dir !== '.'; dir = posix.dirname(dir)) {
    if (withReadme.includes(dir)) return dir;
  }
  return null;
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** What an import reaches: a path in the repository (`src/model/quantity.ts`) or a package name. */
function targetOf(file: string, specifier: string): { path: string } | { package: string } {
  const clean = specifier.replace(/\?.*$/, ''); // Vite's `./worker.ts?worker&url`
  if (clean.startsWith('.')) return { path: posix.normalize(posix.join(posix.dirname(file), clean)) };
  return { package: clean.startsWith('node:') ? clean : packageOf(clean) };
}

const covers = (name: string, path: string) => path === name || path.startsWith(`${name}/`);

let sources: Source[] = [];
beforeAll(() => {
  sources = readSources();
});

describe('folder boundaries (the README `May import:` lines)', () => {
  it('every folder directly under src/ has a README with a May import line', () => {
    const top = folders('src').filter((folder) => posix.dirname(folder) === 'src');
    expect(top.length).toBeGreaterThan(5);
    for (const folder of top) expect(readRules(folder), `${folder}/README.md: no line starting with "May import:"`).not.toBeNull();
  });

  it.each(withReadme)('%s/README.md names only folders, files and packages that exist', (folder) => {
    const rules = readRules(folder);
    expect(rules, `${folder}/README.md: no line starting with "May import:"`).not.toBeNull();
    for (const name of rules!.allowed) {
      const known = name.startsWith('src/')
        ? existsSync(join(REPO, name))
        : name.startsWith('node:')
          ? name === 'node:*' || builtinModules.includes(name.slice(5))
          : PACKAGES.has(name);
      expect(known, `${rules!.readme} names \`${name}\`: not a src folder or file, a package of package.json or a node: module`).toBe(true);
    }
  });

  it('every file of src/ imports only what its folder README allows', () => {
    expect(sources.length).toBeGreaterThan(50);
    const broken: string[] = [];
    for (const source of sources) {
      const owner = ownerOf(source.path);
      if (owner === null) {
        expect(ROOT_FILES, `${source.path} is in no folder with a README`).toContain(source.path);
        continue;
      }
      const rules = readRules(owner);
      if (rules === null) {
        broken.push(`${source.path}: ${owner}/README.md has no line starting with "May import:"`);
        continue;
      }
      for (const specifier of importsOf(source)) {
        const target = targetOf(source.path, specifier);
        if ('path' in target) {
          if (!target.path.startsWith('src/')) broken.push(`${source.path} imports ${specifier}: outside src/`);
          else if (ownerOf(target.path) !== owner && !rules.allowed.some((name) => name.startsWith('src/') && covers(name, target.path))) {
            broken.push(`${source.path} imports ${specifier}: ${ownerOf(target.path) ?? 'src'} is not in ${rules.readme}'s May import line`);
          }
        } else if (!rules.allowed.includes(target.package) && !(target.package.startsWith('node:') && rules.allowed.includes('node:*'))) {
          broken.push(`${source.path} imports ${specifier}: the package ${target.package} is not in ${rules.readme}'s May import line`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('core boundaries', () => {
  const core = () => sources.filter((s) => s.path.startsWith('src/model/') || s.path.startsWith('src/stock/'));

  it('src/model and src/stock import only zod, src/model and src/stock (they run on partners\' Node servers too)', () => {
    expect(core().length).toBeGreaterThan(10);
    for (const source of core()) {
      for (const specifier of importsOf(source)) {
        const target = targetOf(source.path, specifier);
        if ('package' in target) expect(target.package, `${specifier} in ${source.path}`).toBe('zod');
        else expect(covers('src/model', target.path) || covers('src/stock', target.path), `${specifier} in ${source.path}`).toBe(true);
      }
    }
  });

  it('src/model and src/stock use no browser or Vite globals and no float parsing', () => {
    for (const source of core()) {
      const code = readFileSync(join(REPO, source.path), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const banned of [/\bwindow\.[a-zA-Z]/, /\bdocument\.[a-zA-Z]/, /\bindexedDB\b/, /\blocalStorage\b/, /import\.meta\.env/, /\bparseFloat\(/, /\bfetch\(/]) {
        expect(code, `${banned} in ${source.path}`).not.toMatch(banned);
      }
    }
  });
});
