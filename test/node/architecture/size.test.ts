/**
 * Sizes a newcomer can read (issue 13): no file of src/ longer than 500 lines (the message catalogues aside), no
 * function longer than 150. Lines of a function run from its first token to its closing brace (its doc comment left
 * out), as the compiler parses it; an inner function counts in its outer one too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Node } from 'typescript/unstable/ast';
import { isFunctionLikeDeclaration } from 'typescript/unstable/ast/is';
import { lineOf, readSources, REPO, type Source } from '../../lib/sources.ts';

const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 150;

/** The UI's texts in Russian and English: long by nature, one key per line. */
const CATALOGUE = /(^|\/)messages\.[a-z]+\.ts$/;

interface Long {
  where: string;
  lines: number;
}

function lineCount(path: string): number {
  const text = readFileSync(join(REPO, path), 'utf8');
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

function nameOf(node: Node): string {
  const named = node as Node & { name?: { text?: string } };
  if (named.name?.text) return named.name.text;
  const parent = node.parent as Node & { name?: { text?: string } };
  return parent?.name?.text ?? '(anonymous)';
}

/** Every function, method, accessor and arrow function of a file with more lines than allowed. */
function longFunctions(source: Source, limit = MAX_FUNCTION_LINES): Long[] {
  const found: Long[] = [];
  const visit = (node: Node): void => {
    if (isFunctionLikeDeclaration(node) && (node as Node & { body?: Node }).body) {
      const first = lineOf(source, node.getStart(source.file));
      const lines = lineOf(source, node.getEnd()) - first + 1;
      if (lines > limit) found.push({ where: `${source.path}:${first} ${nameOf(node)}`, lines });
    }
    node.forEachChild(visit);
  };
  visit(source.file);
  return found;
}

let sources: Source[] = [];
beforeAll(() => {
  sources = readSources();
});

describe('sizes of src/', () => {
  it(`no file is longer than ${MAX_FILE_LINES} lines (the message catalogues aside)`, () => {
    expect(sources.length).toBeGreaterThan(50);
    const long = sources
      .map((s) => ({ where: s.path, lines: lineCount(s.path) }))
      .filter((f) => f.lines > MAX_FILE_LINES && !CATALOGUE.test(f.where));
    expect(long).toEqual([]);
  });

  it(`no function is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const long = sources.flatMap((s) => longFunctions(s));
    expect(long).toEqual([]);
  });

  it('measures functions for real: the check finds functions over a lower limit', () => {
    // Guards the checks above against passing on nothing (a parse that yields no functions).
    expect(sources.flatMap((s) => longFunctions(s, 40)).length).toBeGreaterThan(5);
  });
});
