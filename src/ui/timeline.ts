/**
 * A product's history for its detail view: the documents oldest first, the stock reconstructed after each, and the
 * chain breaks marked. The rules were already applied by src/stock (each event's movement is signed and settlement-
 * aware, setTo is an inventory count); this only walks them in order, in exact thousandths.
 */
import { addQuantity, type Milli } from '../model/quantity.ts';
import { stockAfter } from '../stock/fold.ts';
import { compareEvents } from '../stock/order.ts';
import type { ChainBreak, ProductEvent, ProductStock } from '../stock/types.ts';

export interface TimelinePoint {
  event: ProductEvent;
  /** Stock after this document as reconstructed; null while no document has stated the stock yet. */
  after: Milli | null;
  /** The chain break found at this document (its stock before differs from the previous stock after). */
  chainBreak: ChainBreak | null;
  /** This document decides the computed quantity. */
  deciding: boolean;
}

/** `stock`: the product's full result (its history's), whose chain breaks and deciding document are marked. */
export function buildTimeline(events: readonly ProductEvent[], stock: Pick<ProductStock, 'chainBreaks' | 'decidedBy'>): TimelinePoint[] {
  const sorted = events.slice().sort(compareEvents);
  const breaks = new Map(stock.chainBreaks.map((b) => [b.next.id, b]));
  const decidingId = stock.decidedBy?.id ?? null;
  let after: Milli | null = null;
  return sorted.map((event) => {
    // The same walk as src/stock findChainBreaks: a stated stock wins, otherwise the movement is added.
    if (event.decides) after = stockAfter(event) ?? (after === null ? null : addQuantity(after, event.movement));
    return { event, after, chainBreak: breaks.get(event.doc.id) ?? null, deciding: event.doc.id === decidingId };
  });
}
