/**
 * What the reference (zod) path and the fast path of normalise.ts build their results with, so that both give the
 * same value by construction: the result types, a document's meta, a catalogue entry, ids, settlement methods.
 */
import { tryParseQuantity } from './quantity.ts';
import { parseCloseDate } from './time.ts';
import type { SettlementMethodValue } from './schemas-v2.ts';
import {
  DOCUMENT_TYPES,
  FREE_PRICE_PRODUCT_ID,
  type CatalogueProduct,
  type DocumentMeta,
  type DocumentType,
  type NormalisedDocument,
  type QuarantinedDocument,
} from './types.ts';

/** Types whose positions carry quantities (JSDK body classes); a position without quantity there is malformed. */
const POSITION_DOCUMENT_TYPES: readonly DocumentType[] = [
  'SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'ACCEPT', 'RETURN', 'WRITE_OFF', 'INVENTORY', 'OPEN_TARE',
];

export type QuarantinedWithProducts = QuarantinedDocument & {
  /** Product ids found anywhere in the raw payload (sorted, unique, free-price id left out). */
  productIds: string[];
};

export type NormaliseDocumentResult =
  | { ok: true; doc: NormalisedDocument }
  | { ok: false; quarantined: QuarantinedWithProducts };

export type NormaliseProductResult =
  | { ok: true; product: CatalogueProduct; warnings: string[] }
  | { ok: false; id: string | null; reason: string };

/** Maps a type name to our DocumentType; anything the reference does not name becomes UNKNOWN. */
function toDocumentType(raw: string): DocumentType {
  if (KNOWN_TYPES.has(raw)) return raw as DocumentType; // the usual spelling: already trimmed and upper case
  const name = raw.trim().toUpperCase();
  return KNOWN_TYPES.has(name) ? (name as DocumentType) : 'UNKNOWN';
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(DOCUMENT_TYPES);

/** Types whose positions need a quantity (a stock document's position without one is malformed). */
export const NEEDS_QUANTITY: ReadonlySet<DocumentType> = new Set(POSITION_DOCUMENT_TYPES);

/** A loose object of a payload: an object, not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A catalogue entry from a product's fields (V2 or V1 names already read), on both paths. */
export function catalogueEntry(
  id: string, name: string | null | undefined, code: string | number | null | undefined, type: string | null | undefined,
  measureName: string | null | undefined, quantity: string | number | null | undefined, parentId: string | null | undefined,
  group: boolean, hasVariants: boolean, warnings: string[],
): CatalogueProduct {
  const cloudQuantity = tryParseQuantity(quantity);
  if (quantity != null && cloudQuantity === null) warnings.push(`cloud quantity ${JSON.stringify(quantity)} is not an exact quantity`);
  const isService = (type ?? '').trim().toUpperCase() === 'SERVICE';
  const product: CatalogueProduct = {
    id: id.trim(),
    name: name ?? '',
    code: code == null || code === '' ? null : String(code),
    type: type ?? null,
    measureName: measureName ?? null,
    quantity: cloudQuantity,
    parentId: cleanId(parentId),
    isGroup: group || hasVariants,
    tracked: !(group || hasVariants || isService),
  };
  if (hasVariants) product.notTrackedReason = 'has_modifications';
  else if (group) product.notTrackedReason = 'group';
  else if (isService) product.notTrackedReason = 'service';
  return product;
}

export function cleanId(value: string | null | undefined): string | null {
  const id = value?.trim() ?? '';
  return id === '' ? null : id;
}

/** A free-price line (позиция по свободной цене): no product id, or the reserved one (§4, §10). */
export function isFreePrice(productId: string | null): boolean {
  return productId === null || productId.toLowerCase() === FREE_PRICE_PRODUCT_ID;
}

/** Whether a payment of the body is an ADVANCE («По предоплате», §10), flat or wrapped as {"payment": {...}}. */
function paidByAdvance(payments: readonly unknown[] | null | undefined): boolean {
  if (!payments) return false;
  for (let i = 0; i < payments.length; i++) {
    const item = payments[i];
    if (!isObject(item)) continue;
    const payment = isObject(item['payment']) ? item['payment'] : item;
    const type = payment['type'];
    if (typeof type === 'string' && type.trim().toUpperCase() === 'ADVANCE') return true;
  }
  return false;
}

/** What both versions, on both paths, read into a document's meta. */
export interface MetaFields {
  id: string;
  rawType: string;
  closeTime: number;
  timeZoneOffset: number | null;
  deviceId: string | null | undefined;
  number: string | number | null | undefined;
  storeId: string | null | undefined;
  complete: boolean | 'true' | 'false' | null | undefined;
  baseDocumentId?: string | null | undefined;
  /** V2 created_at as sent (any value: unreadable is left out). */
  createdAt?: unknown;
  payments?: readonly unknown[] | null | undefined;
}

/** The one place a document's meta is built: ids trimmed, completeness kept only on an inventory. */
export function documentMeta(f: MetaFields): DocumentMeta {
  const type = toDocumentType(f.rawType);
  const meta: DocumentMeta = {
    id: f.id, type, rawType: f.rawType, closeTime: f.closeTime, timeZoneOffset: f.timeZoneOffset,
    deviceId: f.deviceId?.trim() ?? '', number: parseDocNumber(f.number), storeId: f.storeId?.trim() ?? '',
  };
  const complete = parseBooleanFlag(f.complete);
  if (type === 'INVENTORY' && complete !== undefined) meta.completeInventory = complete;
  if (f.baseDocumentId) meta.baseDocumentId = f.baseDocumentId;
  const created = typeof f.createdAt === 'string' || typeof f.createdAt === 'number' ? parseCloseDate(f.createdAt) : null;
  if (created !== null) meta.createdTime = created;
  if (paidByAdvance(f.payments)) meta.paidByAdvance = true;
  return meta;
}

function parseDocNumber(value: string | number | null | undefined): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return null;
}

function parseBooleanFlag(value: boolean | 'true' | 'false' | null | undefined): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/** The settlement method's type as text ("FULL_PREPAYMENT", "4"); null when absent. Interpretation lives in src/stock. */
export function settlementText(value: SettlementMethodValue | null | undefined): string | null {
  if (value == null) return null;
  const type = typeof value === 'object' ? value.type : value;
  if (type == null) return null;
  const text = String(type).trim();
  return text === '' ? null : text;
}
