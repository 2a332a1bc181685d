/** A page of raw documents -> the rows the local store keeps (pure: normalising and the core's events). */
import type { EvotorClient } from '../api/client.ts';
import type { PageRow } from '../local/page-rows.ts';
import type { InventoryRecord, QuarantineRecord, UnknownProductRecord } from '../local/schema.ts';
import { normaliseDocument } from '../model/normalise.ts';
import type { Catalogue } from '../stock/catalogue.ts';
import { addSkipCounts, emptySkipCounts, toProductEvents } from '../stock/events.ts';
import { productKey } from '../stock/order.ts';
import type { SkipCounts } from '../stock/types.ts';

export interface RowContext {
  storeId: string;
  month: string;
  page: number;
  api: EvotorClient['api'];
  catalogue: Catalogue;
  at: number;
}

export interface PageRows {
  /** One per (document, product), for the page record and the computation. */
  rows: PageRow[];
  inventories: InventoryRecord[];
  quarantine: QuarantineRecord[];
  unknownProducts: UnknownProductRecord[];
  skipped: SkipCounts;
}

/** A page of raw documents -> the rows to store. Each document is normalised on its own: a bad one is quarantined. */
export function documentRows(items: readonly unknown[], ctx: RowContext): PageRows {
  const rows: PageRows = { rows: [], inventories: [], quarantine: [], unknownProducts: [], skipped: emptySkipCounts() };
  const unknown = new Map<string, UnknownProductRecord>();
  items.forEach((raw, index) => {
    const result = normaliseDocument(raw, ctx.api);
    if (!result.ok) {
      const q = result.quarantined;
      rows.quarantine.push({
        storeId: ctx.storeId, key: q.id ?? `${ctx.month}#${ctx.page}#${index}`, documentId: q.id, type: q.type,
        closeTime: q.closeTime, reason: q.reason, productIds: q.productIds, month: ctx.month, at: ctx.at,
      });
      return;
    }
    const out = toProductEvents(result.doc, ctx.catalogue);
    for (const event of out.events) rows.rows.push({ pk: productKey(event.productId), event });
    if (out.inventory) rows.inventories.push({ ...out.inventory, storeId: ctx.storeId, month: ctx.month });
    addSkipCounts(rows.skipped, out.skipped);
    // Merged per page: the commit adds each page's figures to what is stored.
    for (const u of out.unknownProducts) {
      const seen = unknown.get(u.productId);
      unknown.set(u.productId, seen
        ? { ...seen, name: u.name ?? seen.name, code: u.code ?? seen.code, lines: seen.lines + u.lines, documents: seen.documents + u.documents }
        : { ...u, storeId: ctx.storeId });
    }
  });
  rows.unknownProducts = [...unknown.values()];
  return rows;
}

export function sumSkips(a: SkipCounts, b: SkipCounts): SkipCounts {
  const sum = { ...a };
  addSkipCounts(sum, b);
  return sum;
}
