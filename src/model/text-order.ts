/**
 * How product names and codes are ordered for people: the Russian collator, numbers by value ("Вода 2" before
 * "Вода 10"), case and ё/е alike. One definition for the worker, which orders a result's rows, and the page, which
 * merges the orders of the stores it shows.
 */
const collator = new Intl.Collator('ru', { numeric: true, sensitivity: 'base' });

export const compareText = (a: string, b: string): number => collator.compare(a, b);

/** Code-unit order, the order IndexedDB gives string keys in (ids, product keys): for machines, not people. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Each text's position when the list is ordered (equal texts keep their order in the list). */
export function textRanks(texts: readonly string[]): number[] {
  const order = texts.map((_, i) => i).sort((a, b) => collator.compare(texts[a]!, texts[b]!) || a - b);
  const ranks = new Array<number>(texts.length);
  order.forEach((i, rank) => (ranks[i] = rank));
  return ranks;
}
