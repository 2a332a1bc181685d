/**
 * Truth over time: replays the generated documents (regenerated day by day, O(day) memory) on a fresh stock
 * array. Used for the truth at an instant and the per-document truth; the final truth comes from the forward pass.
 */
import type { Milli } from '../../model/quantity.ts';
import { forEachLine, type GenDoc } from './day.ts';
import { applyDocument, materialiseDay, type GeneratedStore } from './simulate.ts';

export function openingStock(store: GeneratedStore): Float64Array {
  const stock = new Float64Array(store.catalogue.products.length);
  if (store.options.initialStock === 'import') for (const p of store.catalogue.tracked) stock[p] = store.ctx.opening[p] as number;
  return stock;
}

export interface ReplayStep {
  doc: GenDoc;
  ordinal: number;
  /** Stock of every product after the document. */
  stock: Float64Array;
  /** Products named by the document's lines (tracked ones), in line order, without duplicates. */
  named: number[];
}

/**
 * Replays generated documents with close time <= until (all when until is undefined), calling onStep after each
 * document whose close time is >= since. Returns the stock after the last replayed document.
 */
export function replay(store: GeneratedStore, until?: number, onStep?: (step: ReplayStep) => void, since = -Infinity): Float64Array {
  const stock = openingStock(store);
  const listed = new Uint8Array(stock.length);
  const cat = store.catalogue;
  for (let d = 0; d < store.days; d++) {
    if (until !== undefined && store.start + d * 86_400_000 > until) break;
    const docs = materialiseDay(store, d);
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      if (until !== undefined && doc.time > until) return stock;
      applyDocument(doc, cat, stock, () => {}, listed);
      if (onStep && doc.time >= since) {
        const named: number[] = [];
        forEachLine(doc, (l) => {
          if (l.p >= 0 && cat.products[l.p]!.tracked && !named.includes(l.p)) named.push(l.p);
        });
        onStep({ doc, ordinal: (store.dayDocStart[d] as number) + i, stock, named });
      }
    }
  }
  return stock;
}

export type { Milli };
