/**
 * The boundary: raw V2 / V1 payloads in, the internal model (types.ts) out. Nothing here throws on bad input:
 * a document that fails validation is returned as quarantined with a readable reason and the product ids we could
 * still find in it, so the computation can flag those products instead of silently trusting other documents.
 */
import type { z } from 'zod';
import { parseQuantity, tryParseQuantity, type Milli } from './quantity.ts';
import { parseCloseDate, parseTimeZoneOffset } from './time.ts';
import { v2DocumentSchema, v2ProductSchema, type SettlementMethodValue, type V2Position } from './schemas-v2.ts';
import { v1DocumentSchema, v1ProductSchema, V1_POSITION_TRANSACTION_TYPES, type V1PositionTransaction } from './schemas-v1.ts';
import {
  DOCUMENT_TYPES,
  FREE_PRICE_PRODUCT_ID,
  type ApiVersion,
  type CatalogueProduct,
  type DocumentLine,
  type DocumentMeta,
  type DocumentType,
  type NormalisedDocument,
  type QuarantinedDocument,
} from './types.ts';

/** Types whose positions carry quantities (JSDK body classes); a position without quantity there is malformed. */
export const POSITION_DOCUMENT_TYPES: readonly DocumentType[] = [
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
export function toDocumentType(raw: string): DocumentType {
  const name = raw.trim().toUpperCase();
  return (DOCUMENT_TYPES as readonly string[]).includes(name) ? (name as DocumentType) : 'UNKNOWN';
}

export function normaliseDocument(raw: unknown, api: ApiVersion): NormaliseDocumentResult {
  try {
    return api === 'v2' ? normaliseV2Document(raw) : normaliseV1Document(raw);
  } catch (error) {
    // Defensive: a bug or an exotic payload (getters, cycles) must still end in quarantine, not in a throw.
    return quarantine(raw, `could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function normaliseV2Document(raw: unknown): NormaliseDocumentResult {
  const parsed = v2DocumentSchema.safeParse(raw);
  if (!parsed.success) return quarantine(raw, describeIssues(parsed.error));
  const d = parsed.data;
  const type = toDocumentType(d.type);
  const meta: DocumentMeta = {
    id: d.id.trim(),
    type,
    rawType: d.type,
    closeTime: parseCloseDate(d.close_date)!,
    timeZoneOffset: parseTimeZoneOffset(d.time_zone_offset),
    deviceId: d.device_id?.trim() ?? '',
    number: parseDocNumber(d.number),
    storeId: d.store_id?.trim() ?? '',
  };
  const complete = parseBooleanFlag(d.body?.complete_inventory);
  if (type === 'INVENTORY' && complete !== undefined) meta.completeInventory = complete;
  if (d.body?.base_document_id) meta.baseDocumentId = d.body.base_document_id;

  const needsQuantity = POSITION_DOCUMENT_TYPES.includes(type);
  const lines: DocumentLine[] = [];
  const problems: string[] = [];
  const walk = (position: V2Position, path: string, parentIndex: number | undefined, inherited: string | null) => {
    const index = lines.length;
    const productId = cleanId(position.product_id);
    if (position.quantity == null && needsQuantity && productId !== null) problems.push(`${path}.quantity: missing`);
    const settlement = settlementText(position.settlement_method) ?? inherited;
    const subs = position.sub_positions ?? [];
    const line: DocumentLine = {
      index,
      productId,
      productType: position.product_type ?? null,
      quantity: position.quantity == null ? (0 as Milli) : parseQuantity(position.quantity),
      stockBefore: position.initial_quantity == null ? null : parseQuantity(position.initial_quantity),
      settlementMethod: settlement,
    };
    if (parentIndex !== undefined) line.parentIndex = parentIndex;
    if (subs.length > 0) line.hasSubPositions = true;
    if (position.product_name) line.productName = position.product_name;
    if (position.code != null && position.code !== '') line.code = String(position.code);
    if (position.measure_name) line.measureName = position.measure_name;
    lines.push(line);
    // A component inherits the set's settlement method: a prepaid set hands over none of its components.
    subs.forEach((sub, i) => walk(sub, `${path}.sub_positions[${i}]`, index, settlement));
  };
  (d.body?.positions ?? []).forEach((position, i) => walk(position, `body.positions[${i}]`, undefined, null));
  if (problems.length > 0) return quarantine(raw, joinProblems(problems));
  return { ok: true, doc: { meta, lines } };
}

function normaliseV1Document(raw: unknown): NormaliseDocumentResult {
  const parsed = v1DocumentSchema.safeParse(raw);
  if (!parsed.success) return quarantine(raw, describeIssues(parsed.error));
  const d = parsed.data;
  const type = toDocumentType(d.type);
  const meta: DocumentMeta = {
    id: d.uuid.trim(),
    type,
    rawType: d.type,
    closeTime: parseCloseDate(d.closeDate)!,
    // V1 documents carry no time zone (DOCAPI `document`); the UI falls back to a store-wide setting.
    timeZoneOffset: null,
    deviceId: d.deviceUuid?.trim() ?? '',
    number: parseDocNumber(d.number),
    storeId: d.storeUuid?.trim() ?? '',
  };
  const complete = parseBooleanFlag(d.completeInventory);
  if (type === 'INVENTORY' && complete !== undefined) meta.completeInventory = complete;

  const lines: DocumentLine[] = [];
  for (const transaction of d.transactions ?? []) {
    // Payments, discounts, taxes, open/close markers: no product line (their amounts are money, not stock).
    if (!(V1_POSITION_TRANSACTION_TYPES as readonly unknown[]).includes(transaction.type)) continue;
    const t = transaction as V1PositionTransaction; // checked by v1DocumentSchema's refinement
    const line: DocumentLine = {
      index: lines.length,
      productId: cleanId(t.commodityUuid),
      productType: t.commodityType ?? null,
      quantity: parseQuantity(t.quantity),
      stockBefore: t.balanceQuantity == null ? null : parseQuantity(t.balanceQuantity),
      settlementMethod: settlementText(t.settlementMethod),
    };
    if (t.commodityName) line.productName = t.commodityName;
    if (t.commodityCode != null && t.commodityCode !== '') line.code = String(t.commodityCode);
    if (t.measureName) line.measureName = t.measureName;
    lines.push(line);
  }
  return { ok: true, doc: { meta, lines } };
}

export function normaliseProduct(raw: unknown, api: ApiVersion): NormaliseProductResult {
  try {
    return readProduct(raw, api);
  } catch (error) {
    return { ok: false, id: null, reason: `could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function readProduct(raw: unknown, api: ApiVersion): NormaliseProductResult {
  const warnings: string[] = [];
  if (api === 'v2') {
    const parsed = v2ProductSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, id: findString(raw, ['id']), reason: describeIssues(parsed.error) };
    const p = parsed.data;
    // V2: groups come as `group: true` (JSDK ProductGroup); has_variants is the V1 name, accepted if ever sent.
    const product = catalogueEntry(p.id, p.name, p.code, p.type, p.measure_name, p.quantity, p.parent_id, p.group === true, p.has_variants === true, warnings);
    return { ok: true, product, warnings };
  }
  const parsed = v1ProductSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, id: findString(raw, ['uuid']), reason: describeIssues(parsed.error) };
  const p = parsed.data;
  const product = catalogueEntry(p.uuid, p.name, p.code, p.type, p.measureName, p.quantity, p.parentUuid, p.group === true, p.hasVariants === true, warnings);
  return { ok: true, product, warnings };
}

function catalogueEntry(
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

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

function cleanId(value: string | null | undefined): string | null {
  const id = value?.trim() ?? '';
  return id === '' ? null : id;
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
function settlementText(value: SettlementMethodValue | null | undefined): string | null {
  if (value == null) return null;
  const type = typeof value === 'object' ? value.type : value;
  if (type == null) return null;
  const text = String(type).trim();
  return text === '' ? null : text;
}

function quarantine(raw: unknown, reason: string): NormaliseDocumentResult {
  // Whatever can still be read; a payload whose very fields throw (a hostile getter or proxy) gives nulls.
  const read = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch {
      return fallback;
    }
  };
  return {
    ok: false,
    quarantined: {
      id: read(() => findString(raw, ['id', 'uuid']), null),
      type: read(() => findString(raw, ['type']), null),
      closeTime: read(() => parseCloseDate(isRecord(raw) ? (raw['close_date'] ?? raw['closeDate']) : undefined), null),
      reason,
      productIds: extractProductIds(raw),
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function findString(raw: unknown, keys: string[]): string | null {
  if (!isRecord(raw)) return null;
  for (const key of keys) {
    const value = raw[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return null;
}

const PRODUCT_ID_KEYS = new Set(['product_id', 'productId', 'commodityUuid', 'commodity_uuid', 'productUuid']);

/**
 * Every product id we can find in a payload, however broken, so products touched by a quarantined document are
 * flagged. Walks the whole value (bounded depth and size: a hostile payload must not hang the computation).
 */
export function extractProductIds(raw: unknown): string[] {
  const found = new Set<string>();
  let budget = 100_000;
  const visit = (value: unknown, depth: number) => {
    if (depth > 12 || budget-- <= 0 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      if (PRODUCT_ID_KEYS.has(key) && typeof child === 'string') {
        const id = child.trim();
        if (id !== '' && id.toLowerCase() !== FREE_PRICE_PRODUCT_ID) found.add(id);
      } else {
        visit(child, depth + 1);
      }
    }
  };
  try {
    visit(raw, 0);
  } catch {
    // A throwing getter: keep what was found so far.
  }
  return [...found].sort();
}

/** "body.positions[2].quantity: Invalid quantity "abc": not a decimal number" (at most three issues). */
export function describeIssues(error: z.ZodError): string {
  const texts = error.issues.map((issue) => {
    const path = formatPath(issue.path);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return joinProblems(texts);
}

function joinProblems(texts: string[]): string {
  const shown = texts.slice(0, 3).join('; ');
  return texts.length > 3 ? `${shown}; and ${texts.length - 3} more` : shown;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
