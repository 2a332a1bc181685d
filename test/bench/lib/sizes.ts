/** The generated stores of the benchmark (issue 7): small, 100,000 and 1,000,000 documents. */
import type { GeneratorOptions } from '../../../src/emulator/generator/options.ts';

export interface BenchSize {
  name: string;
  label: string;
  store: Partial<GeneratorOptions>;
}

/** docsPerDay for about `documents` over `months` (the emulator counts a month as 30.4 days, as its own bench). */
const perDay = (documents: number, months: number) => documents / (months * 30.4);

export const SIZES: readonly BenchSize[] = [
  {
    name: 'small', label: 'small (~10k docs, 1,000 products, 1 terminal, 6 months)',
    store: { seed: 'bench-small', products: 1_000, terminals: 1, months: 6, docsPerDay: perDay(10_000, 6), endTime: 'now' },
  },
  {
    name: '100k', label: '100k docs (20,000 products, 3 terminals, 24 months)',
    store: { seed: 'bench-100k', products: 20_000, terminals: 3, months: 24, docsPerDay: perDay(100_000, 24), endTime: 'now' },
  },
  {
    name: '1m', label: '1M docs (20,000 products, 3 terminals, 24 months)',
    store: { seed: 'bench-1m', products: 20_000, terminals: 3, months: 24, docsPerDay: perDay(1_000_000, 24), endTime: 'now' },
  },
];

export function pickSizes(list: string | undefined): BenchSize[] {
  if (!list) return [...SIZES];
  if (list.trim().toLowerCase() === 'none') return [];
  const names = list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((n) => !SIZES.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown size(s) ${unknown.join(', ')}; known: ${SIZES.map((s) => s.name).join(', ')}`);
  return SIZES.filter((s) => names.includes(s.name));
}
