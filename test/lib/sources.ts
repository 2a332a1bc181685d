/**
 * The source files of src/ as the TypeScript compiler parses them (its API, over the project of tsconfig.json), for
 * the architecture tests: which modules a file imports, how long its functions are. One compiler process per call.
 */
import { resolve, relative, sep } from 'node:path';
import { API } from 'typescript/unstable/sync';
import type { Node, SourceFile } from 'typescript/unstable/ast';

export const REPO = resolve(import.meta.dirname, '../..');

export interface Source {
  /** Path from the repository root, with forward slashes: `src/stock/fold.ts`. */
  path: string;
  file: SourceFile;
}

/** Every .ts/.tsx file under src/ that the project reaches (all of them: tsconfig.json includes src). */
export function readSources(): Source[] {
  const api = new API({ cwd: REPO });
  try {
    const project = api.updateSnapshot({ openProjects: [resolve(REPO, 'tsconfig.json')] }).getProjects()[0];
    if (!project) throw new Error('the TypeScript API opened no project for tsconfig.json');
    const src = resolve(REPO, 'src') + sep;
    return project.program
      .getSourceFileNames()
      .filter((name) => resolve(name).startsWith(src) && !name.endsWith('.d.ts'))
      .map((name) => ({ path: relative(REPO, name).split(sep).join('/'), file: project.program.getSourceFile(name)! }))
      .sort((a, b) => a.path.localeCompare(b.path));
  } finally {
    api.close();
  }
}

/** The module specifiers a file imports or re-exports, static and dynamic (`import('./x.ts')`), as written. */
export function importsOf(source: Source): string[] {
  return source.file.imports.map((node) => (node as Node & { text: string }).text);
}

/** Line (1-based) where a node starts, its leading comments left out. */
export function lineOf(source: Source, position: number): number {
  return source.file.getLineAndCharacterOfPosition(position).line + 1;
}
