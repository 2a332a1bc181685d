/**
 * Restocking, as a shop does it: an acceptance brings the products with the fewest days of stock left, each ordered
 * up to its target level (src/emulator/README.md, "Counting and ordering"). The simulation decides both from the
 * stock, so they are kept in its records (simulate.ts) and read back when a day is served again.
 */
import type { Milli } from '../../model/quantity.ts';
import type { Catalogue, GenProduct } from './catalogue.ts';
import type { DayContext, GenDoc } from './day.ts';

/**
 * The quantity an acceptance orders: up to the target level (scaled by factor/1000), at least one piece or 100 g.
 * Not a share of the target on top: a product accepted every few hours then grew to months of stock (issue 16).
 */
export function orderUpTo(ctx: DayContext, p: GenProduct, stockBefore: number, factor: number): Milli {
  const target = (ctx.target[p.index] as number) * (factor / 1000);
  const want = Math.max(0, target - Math.max(0, stockBefore));
  if (p.precision === 3) return Math.max(100, Math.round(want / 10) * 10) as Milli;
  return (Math.max(1, Math.ceil(want / 1000)) * 1000) as Milli;
}

/** Whether a document is a restocking acceptance (its products are chosen by the simulation: restockWith). */
export function isRestock(doc: GenDoc): boolean {
  return doc.type === 'ACCEPT' && doc.lines.length > 0 && doc.lines[0]!.restock;
}

/** Puts the chosen products on a restocking acceptance's lines, at their cost price; lines beyond them go. */
export function restockWith(doc: GenDoc, cat: Catalogue, products: readonly number[]): void {
  if (products.length < doc.lines.length) doc.lines = doc.lines.slice(0, products.length);
  doc.lines.forEach((l, k) => {
    l.p = products[k]!;
    l.price = cat.products[l.p]!.costPrice;
  });
}

/**
 * The at most n products with the fewest days of physical stock left (stock ÷ expected sales a day), fewest first,
 * ties in catalogue order: what a shop orders. Products that do not sell are never among them.
 */
export function neediest(ctx: DayContext, truth: Float64Array, n: number): number[] {
  const chosen: number[] = [];
  const left: number[] = [];
  for (const p of ctx.restockable) {
    const days = Math.max(0, truth[p] as number) / (ctx.demand[p] as number);
    const full = chosen.length === n;
    if (n === 0 || (full && days >= (left[n - 1] as number))) continue;
    let j = full ? n - 1 : chosen.length;
    for (; j > 0 && (left[j - 1] as number) > days; j--) {
      left[j] = left[j - 1]!;
      chosen[j] = chosen[j - 1]!;
    }
    left[j] = days;
    chosen[j] = p;
  }
  return chosen;
}
