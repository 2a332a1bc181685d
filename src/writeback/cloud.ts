/**
 * Reading what the cloud holds now, through src/api's client: every product page of a store, normalised by
 * src/model. Used when a plan is made (the quantities before), to verify V1 writes, and on resume.
 */
import type { EvotorClient } from '../api/client.ts';
import { CursorTrail } from '../api/paging.ts';
import { normaliseProduct } from '../model/normalise.ts';
import { productKey } from '../stock/index.ts';
import type { CloudCatalogue, CloudProduct } from './plan.ts';

export interface CloudRead {
  catalogue: CloudCatalogue;
  /** Products the cloud sent that do not pass the schema (left out, counted). */
  invalid: number;
  /** False when no product carried a quantity: the token probably lacks product.quantity:read. */
  hasQuantities: boolean;
}

export async function readCloud(client: EvotorClient, storeId: string, signal: AbortSignal): Promise<CloudRead> {
  const catalogue = new Map<string, CloudProduct>();
  let invalid = 0;
  let withQuantity = 0;
  let tracked = 0;
  const trail = new CursorTrail('listProducts');
  let cursor: string | null = null;
  do {
    const page = await client.productPage(storeId, cursor, signal);
    for (const raw of page.items) {
      const result = normaliseProduct(raw, client.api);
      if (!result.ok) {
        invalid += 1;
        continue;
      }
      catalogue.set(productKey(result.product.id), { product: result.product, raw });
      if (result.product.tracked) {
        tracked += 1;
        if (result.product.quantity !== null) withQuantity += 1;
      }
    }
    cursor = trail.next(page.nextCursor);
  } while (cursor);
  return { catalogue, invalid, hasQuantities: tracked === 0 || withQuantity > 0 };
}
