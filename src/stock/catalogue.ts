/** The catalogue as the core looks products up: by productKey(), with parents of modifications marked. */
import type { CatalogueProduct } from '../model/types.ts';
import { productKey } from './order.ts';

export type Catalogue = ReadonlyMap<string, CatalogueProduct>;

export interface BuiltCatalogue {
  catalogue: Catalogue;
  /** Ids that appeared more than once (one entry was kept). */
  duplicates: string[];
}

/**
 * Builds the lookup. A product that other products name as their parent keeps no stock: it is a group or a product
 * with modifications, and stock is kept per modification (evotor-api.md §9). Duplicate ids keep one entry chosen
 * by content, not by position, so the result does not depend on input order.
 */
export function buildCatalogue(products: readonly CatalogueProduct[]): BuiltCatalogue {
  const byKey = new Map<string, CatalogueProduct>();
  const duplicates = new Set<string>();
  for (const product of products) {
    const key = productKey(product.id);
    const seen = byKey.get(key);
    if (seen) {
      duplicates.add(product.id);
      if (JSON.stringify(product) < JSON.stringify(seen)) byKey.set(key, product);
    } else {
      byKey.set(key, product);
    }
  }
  const parents = new Set<string>();
  for (const product of byKey.values()) if (product.parentId) parents.add(productKey(product.parentId));
  for (const [key, product] of byKey) {
    if (parents.has(key) && product.tracked) {
      byKey.set(key, { ...product, tracked: false, notTrackedReason: 'has_modifications' });
    }
  }
  return { catalogue: byKey, duplicates: [...duplicates].sort() };
}
