/**
 * The one order of documents in time. Newest = last. Ties on close time are broken by device id, then number,
 * then document id, so the result never depends on the order the API (or the pull) delivered documents in.
 */
import type { DocumentMeta } from '../model/types.ts';
import type { DocRef, ProductEvent } from './types.ts';

/** Ascending: negative when a is older than b. */
export function compareDocs(a: DocRef, b: DocRef): number {
  return (
    a.closeTime - b.closeTime ||
    cmpText(a.deviceId, b.deviceId) ||
    (a.number ?? -1) - (b.number ?? -1) ||
    cmpText(a.id, b.id)
  );
}

/** Ascending by document (oldest first). Two events of one document compare equal. */
export function compareEvents(a: ProductEvent, b: ProductEvent): number {
  return compareDocs(a.doc, b.doc);
}

/** Ids compared case-insensitively: store and device ids come uppercase from some clients (evotor-api.md §2). */
function cmpText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Catalogue and document product ids are matched case-insensitively and without surrounding spaces. */
export function productKey(id: string): string {
  return id.trim().toLowerCase();
}

export function docRef(meta: DocumentMeta): DocRef {
  const ref: DocRef = {
    id: meta.id,
    type: meta.type,
    rawType: meta.rawType,
    number: meta.number,
    closeTime: meta.closeTime,
    deviceId: meta.deviceId,
    timeZoneOffset: meta.timeZoneOffset,
  };
  if (meta.type === 'INVENTORY') ref.completeInventory = meta.completeInventory ?? null;
  return ref;
}
