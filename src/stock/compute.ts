/**
 * computeStock: the whole store at once, from raw API items. Pure and synchronous: no DOM, no IndexedDB, no Vite,
 * so partners can run it on a server. Never throws on bad documents: they are quarantined and reported.
 */
import type { ApiVersion, CatalogueProduct, NormalisedDocument } from '../model/types.ts';
import { foldProduct } from './fold.ts';
import { compareDocs, productKey } from './order.ts';
import { StoreTally } from './tally.ts';
import type { CompleteInventoryRecord, ProductEvent, StockResult } from './types.ts';
import { makeWarning } from './warnings.ts';

export interface ComputeStockInput {
  api: ApiVersion;
  /** Raw catalogue items as GET products returns them (V2 or V1 shape), any order. */
  products: readonly unknown[];
  /** Raw documents as GET documents returns them, any order, any mix of types, duplicates allowed. */
  documents: readonly unknown[];
}

export function computeStock(input: ComputeStockInput): StockResult {
  const api: ApiVersion = input?.api === 'v1' ? 'v1' : 'v2';
  const tally = new StoreTally(api, asArray(input?.products));

  // One document per id: pages can overlap. Two different payloads with one id keep the smaller JSON (order-free).
  // The JSON is only made for ids seen twice: serialising every document cost as much as the whole computation.
  const byId = new Map<string, NormalisedDocument>();
  const jsonOf = new Map<NormalisedDocument, string>();
  const json = (doc: NormalisedDocument): string => {
    let text = jsonOf.get(doc);
    if (text === undefined) jsonOf.set(doc, (text = JSON.stringify(doc)));
    return text;
  };
  const documents = asArray(input?.documents);
  for (let i = 0; i < documents.length; i++) {
    const doc = tally.normalise(documents[i]);
    if (!doc) continue;
    const key = productKey(doc.meta.id);
    const seen = byId.get(key);
    if (seen === undefined) {
      byId.set(key, doc);
      continue;
    }
    tally.duplicateDocuments += 1;
    const text = json(doc);
    const seenText = json(seen);
    if (text === seenText) continue;
    tally.storeWarnings.add(makeWarning('DUPLICATE_DOCUMENT', null, doc.meta.id));
    // Flagged on every product either payload names: which one is right cannot be told (src/stock needsAttention).
    for (const id of new Set([...doc.lines, ...seen.lines].map((l) => l.productId))) {
      if (id !== null) tally.warnProduct(id, { ...makeWarning('DUPLICATE_DOCUMENT', null, doc.meta.id), documentId: doc.meta.id });
    }
    if (text < seenText) byId.set(key, doc);
  }
  jsonOf.clear();

  // compareDocs reads only the ordering fields, which a DocumentMeta has under the same names: no DocRef per comparison.
  const ordered = [...byId.values()];
  byId.clear();
  ordered.sort((a, b) => compareDocs(a.meta, b.meta));
  // Rows grouped by their catalogue entry (the catalogue holds one entry per productKey, and every row computeStock
  // keeps is of a catalogue product), which spares a productKey per row.
  const eventsByProduct = new Map<CatalogueProduct, ProductEvent[]>();
  const inventories: CompleteInventoryRecord[] = [];
  const entries: CatalogueProduct[] = [];
  for (let i = 0; i < ordered.length; i++) {
    entries.length = 0;
    const read = tally.readWithEntries(ordered[i]!, entries);
    const events = read.events;
    for (let j = 0; j < events.length; j++) {
      const entry = entries[j]!;
      const list = eventsByProduct.get(entry);
      if (list) list.push(events[j]!);
      else eventsByProduct.set(entry, [events[j]!]);
    }
    if (read.inventory) inventories.push(read.inventory);
  }

  const products = tally.products.map((product) =>
    foldProduct(product, eventsByProduct.get(product) ?? [], inventories, tally.extraWarnings(product.id)),
  );
  return tally.result(products, 'full');
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
