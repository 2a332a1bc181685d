/**
 * The boundary: raw V2 / V1 payloads in, the internal model (types.ts) out. Nothing here throws on bad input:
 * a document that fails validation is returned as quarantined with a readable reason and the product ids we could
 * still find in it, so the computation can flag those products instead of silently trusting other documents.
 */
import type { z } from 'zod';
import { parseQuantity, readCommonQuantity, tryParseQuantity, type Milli } from './quantity.ts';
import { readMeasurePrecision } from './precision.ts';
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
  if (KNOWN_TYPES.has(raw)) return raw as DocumentType; // the usual spelling: already trimmed and upper case
  const name = raw.trim().toUpperCase();
  return KNOWN_TYPES.has(name) ? (name as DocumentType) : 'UNKNOWN';
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(DOCUMENT_TYPES);
const NEEDS_QUANTITY: ReadonlySet<DocumentType> = new Set(POSITION_DOCUMENT_TYPES);

/**
 * Validates and normalises one raw document. Payloads are first checked by hand (the fast path below: field by field
 * the zod schemas' rules, about 20× cheaper); anything the hand check does not accept, for whatever reason, goes
 * through the zod schemas, which decide and word the quarantine reason. So the result is always exactly
 * normaliseDocumentWithZod's; test/unit/model/fast-path.test.ts checks that on random and mutated payloads.
 */
export function normaliseDocument(raw: unknown, api: ApiVersion): NormaliseDocumentResult {
  let doc: NormalisedDocument | null;
  try {
    doc = api === 'v2' ? fastV2Document(raw) : fastV1Document(raw);
  } catch {
    doc = null; // a payload whose fields throw: the zod path reads it again and reports it
  }
  return doc !== null ? { ok: true, doc } : normaliseDocumentWithZod(raw, api);
}

/** The reference path: zod schemas, then the internal model. Slower; says why a document is malformed. */
export function normaliseDocumentWithZod(raw: unknown, api: ApiVersion): NormaliseDocumentResult {
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
  const meta = documentMeta({
    id: d.id.trim(), rawType: d.type, closeTime: parseCloseDate(d.close_date)!, timeZoneOffset: parseTimeZoneOffset(d.time_zone_offset),
    deviceId: d.device_id, number: d.number, storeId: d.store_id, complete: d.body?.complete_inventory, baseDocumentId: d.body?.base_document_id,
    createdAt: d.created_at, payments: d.body?.payments,
  });
  const type = meta.type;

  const needsQuantity = NEEDS_QUANTITY.has(type);
  const lines: DocumentLine[] = [];
  const problems: string[] = [];
  const walk = (item: V2Position, itemPath: string, parentIndex: number | undefined, inherited: string | null) => {
    // The documentation's wrapped form {"position": {...}} (§10): the wrapped position counts.
    const position = item.position ?? item;
    const path = item.position ? `${itemPath}.position` : itemPath;
    const index = lines.length;
    const productId = cleanId(position.product_id);
    if (position.quantity == null && needsQuantity && !isFreePrice(productId)) problems.push(`${path}.quantity: missing`);
    const settlement = settlementText(position.settlement_method) ?? inherited;
    const subs = position.sub_positions ?? [];
    const quantity = position.quantity == null ? (0 as Milli) : parseQuantity(position.quantity);
    const line: DocumentLine = {
      index,
      productId,
      productType: position.product_type ?? null,
      quantity,
      stockBefore: position.initial_quantity == null ? null : parseQuantity(position.initial_quantity),
      settlementMethod: settlement,
    };
    if (parentIndex !== undefined) line.parentIndex = parentIndex;
    if (subs.length > 0) line.hasSubPositions = true;
    if (position.product_name) line.productName = position.product_name;
    if (position.code != null && position.code !== '') line.code = String(position.code);
    if (position.measure_name) line.measureName = position.measure_name;
    const precision = readMeasurePrecision(position.measure_precision);
    if (precision !== undefined) line.measurePrecision = precision;
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
  // V1 documents carry no time zone (DOCAPI `document`); the UI falls back to a store-wide setting.
  const meta = documentMeta({
    id: d.uuid.trim(), rawType: d.type, closeTime: parseCloseDate(d.closeDate)!, timeZoneOffset: null,
    deviceId: d.deviceUuid, number: d.number, storeId: d.storeUuid, complete: d.completeInventory,
  });

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
    const fast = api === 'v2' ? fastV2Product(raw) : fastV1Product(raw);
    if (fast !== null) return fast;
  } catch {
    // a payload whose fields throw: the zod path below reads it again and reports it
  }
  return normaliseProductWithZod(raw, api);
}

/** The reference path for products: zod schemas, then the catalogue entry. */
export function normaliseProductWithZod(raw: unknown, api: ApiVersion): NormaliseProductResult {
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
// Fast path: the zod schemas' rules checked by hand for the common case
// ---------------------------------------------------------------------------------------------------------------
//
// Each fastX returns the same value the zod path would, or null whenever it is not sure the zod path would accept
// the payload (then the zod path runs and decides). Rules mirrored from schemas-v2.ts / schemas-v1.ts:
//   looseObject  typeof 'object', not null, not an array; every enumerable property is read (touchAll), as zod's
//                catch-all copy reads them, so a throwing accessor still ends in the zod path's quarantine
//   z.string()   typeof 'string' (idSchema and document type: non-empty after trim, and trimmed)
//   looseNumber  a finite number or a string;  quantity: whatever parseQuantity accepts (it throws otherwise)
//   nullish      undefined or null also pass
// A change to a schema must be made here too; the property test in test/unit/model/fast-path.test.ts compares
// both paths on random and mutated payloads.

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads every enumerable property, as zod's loose objects do (getters run; a throw sends us to the zod path). */
function touchAll(object: Loose): void {
  for (const key in object) void object[key];
}

const optString = (v: unknown): v is string | null | undefined => v === undefined || v === null || typeof v === 'string';
const optBoolean = (v: unknown): boolean => v === undefined || v === null || typeof v === 'boolean';
const optLooseNumber = (v: unknown): v is string | number | null | undefined =>
  v === undefined || v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const optFlag = (v: unknown): v is boolean | 'true' | 'false' | null | undefined =>
  v === undefined || v === null || typeof v === 'boolean' || v === 'true' || v === 'false';
const optArray = (v: unknown): v is unknown[] | null | undefined => v === undefined || v === null || Array.isArray(v);

/** settlementMethodSchema.nullish(): { type?: string | number, amount?: looseNumber } | string | number. */
function optSettlement(v: unknown): v is SettlementMethodValue | null | undefined {
  if (v === undefined || v === null || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (!isObject(v)) return false;
  const type = v['type'];
  if (!(type === undefined || type === null || typeof type === 'string' || (typeof type === 'number' && Number.isFinite(type)))) return false;
  if (!optLooseNumber(v['amount'])) return false;
  touchAll(v);
  return true;
}

/** idSchema / the type schema: a string, non-empty once trimmed; the trimmed text ('' when it does not pass). */
function trimmedId(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** parseQuantity, trying the allocation-free reader first. */
function quantityOf(value: unknown): Milli {
  const milli = readCommonQuantity(value);
  return milli === milli ? (milli as Milli) : parseQuantity(value);
}

/**
 * A DocumentLine with its optional fields in the order the zod path adds them (index … settlementMethod, parentIndex,
 * hasSubPositions, productName, code, measureName, measurePrecision), so JSON.stringify gives the same text. The usual
 * combinations are written as one literal: V8 then keeps every field inside the object instead of growing a side store
 * per line.
 */
function newLine(
  index: number, productId: string | null, productType: string | null, quantity: Milli, stockBefore: Milli | null,
  settlementMethod: string | null, parentIndex: number, hasSubPositions: boolean,
  productName: string | null | undefined, code: string | number | null | undefined, measureName: string | null | undefined,
  measurePrecision: number | undefined,
): DocumentLine {
  const hasCode = code != null && code !== '';
  if (parentIndex < 0 && !hasSubPositions) {
    if (productName && measureName) {
      if (measurePrecision !== undefined) {
        if (hasCode) {
          return { index, productId, productType, quantity, stockBefore, settlementMethod, productName, code: String(code), measureName, measurePrecision };
        }
        return { index, productId, productType, quantity, stockBefore, settlementMethod, productName, measureName, measurePrecision };
      }
      if (hasCode) {
        return { index, productId, productType, quantity, stockBefore, settlementMethod, productName, code: String(code), measureName };
      }
      return { index, productId, productType, quantity, stockBefore, settlementMethod, productName, measureName };
    }
    if (!productName && !hasCode && !measureName && measurePrecision === undefined) {
      return { index, productId, productType, quantity, stockBefore, settlementMethod };
    }
  }
  const line: DocumentLine = { index, productId, productType, quantity, stockBefore, settlementMethod };
  if (parentIndex >= 0) line.parentIndex = parentIndex;
  if (hasSubPositions) line.hasSubPositions = true;
  if (productName) line.productName = productName;
  if (hasCode) line.code = String(code);
  if (measureName) line.measureName = measureName;
  if (measurePrecision !== undefined) line.measurePrecision = measurePrecision;
  return line;
}

function fastV2Document(raw: unknown): NormalisedDocument | null {
  if (!isObject(raw)) return null;
  const head = fastHead(raw, 'id', 'close_date');
  if (!head) return null;
  const number = raw['number'];
  const deviceId = raw['device_id'];
  const storeId = raw['store_id'];
  const body = raw['body'];
  if (!optLooseNumber(number) || !optString(deviceId) || !optString(storeId)) return null;
  if (!optString(raw['session_id']) || !optLooseNumber(raw['session_number']) || !optString(raw['close_user_id'])
    || !optString(raw['user_id']) || !optString(raw['version'])) return null;
  let positions: unknown[] | null | undefined;
  let payments: unknown[] | null | undefined;
  let complete: boolean | 'true' | 'false' | null | undefined;
  let baseDocumentId: string | null | undefined;
  if (body !== undefined && body !== null) {
    if (!isObject(body)) return null;
    const p = body['positions'];
    const c = body['complete_inventory'];
    const b = body['base_document_id'];
    if (!optArray(p) || !optFlag(c) || !optString(b) || !optLooseNumber(body['base_document_number']) || !optArray(body['payments'])) return null;
    positions = p;
    payments = body['payments'] as unknown[] | null | undefined;
    complete = c;
    baseDocumentId = b;
    touchAll(body);
  }
  touchAll(raw);

  // Fields spelled out: spreading `head` into this literal made the whole fast path 20× slower in V8.
  const meta = documentMeta({
    id: head.id, rawType: head.rawType, closeTime: head.closeTime, timeZoneOffset: parseTimeZoneOffset(raw['time_zone_offset']),
    deviceId, number, storeId, complete, baseDocumentId, createdAt: raw['created_at'], payments,
  });
  const type = meta.type;

  // Sized up front: most documents keep their lines until the computation ends, and an array grown by push keeps
  // room for 17 (a third of a document's memory).
  const lines: DocumentLine[] = positions ? new Array<DocumentLine>(countPositions(positions)) : [];
  if (positions) {
    const needsQuantity = NEEDS_QUANTITY.has(type);
    let at = 0;
    for (let i = 0; i < positions.length && at >= 0; i++) at = fastV2Position(positions[i], lines, at, -1, null, needsQuantity);
    if (at !== lines.length) return null; // not sure (or a payload that changed while read): zod decides
  }
  return { meta, lines };
}

/** Positions and their sub-positions, at every depth (what fastV2Position will write). */
function countPositions(positions: readonly unknown[]): number {
  let n = positions.length;
  for (let i = 0; i < positions.length; i++) {
    const item = positions[i];
    const position = isObject(item) && isObject(item['position']) ? item['position'] : item;
    if (isObject(position)) {
      const subs = position['sub_positions'];
      if (Array.isArray(subs)) n += countPositions(subs);
    }
  }
  return n;
}

/**
 * One v2PositionSchema and its sub-positions, depth first, as normaliseV2Document's walk, written from lines[at].
 * The index after the last line written, or -1 when not sure (then zod decides).
 */
function fastV2Position(
  item: unknown, lines: DocumentLine[], at: number, parentIndex: number, inherited: string | null, needsQuantity: boolean,
): number {
  const position = unwrapped(item);
  if (position === null) return -1;
  const rawProductId = position['product_id'];
  const quantity = position['quantity'];
  const initial = position['initial_quantity'];
  const productType = position['product_type'];
  const productName = position['product_name'];
  const code = position['code'];
  const measureName = position['measure_name'];
  const settlementMethod = position['settlement_method'];
  const subs = position['sub_positions'];
  const precision = position['measure_precision'];
  if (!optString(rawProductId) || !optString(productType) || !optString(productName) || !optLooseNumber(code)
    || !optString(measureName) || !optLooseNumber(precision) || !optSettlement(settlementMethod)
    || !optArray(subs)) return -1;
  const productId = cleanId(rawProductId);
  if (quantity == null && needsQuantity && !isFreePrice(productId)) return -1; // "quantity: missing": zod path words it
  touchAll(position);
  const index = at;
  const settlement = settlementText(settlementMethod) ?? inherited;
  // quantityValueSchema fails exactly when parseQuantity throws; the caller's catch then sends the payload to zod.
  const milli = quantity == null ? (0 as Milli) : quantityOf(quantity);
  const line = newLine(
    index, productId, productType ?? null, milli,
    initial == null ? null : quantityOf(initial),
    settlement, parentIndex, subs != null && subs.length > 0, productName, code, measureName, readMeasurePrecision(precision),
  );
  if (index >= lines.length) return -1;
  lines[index] = line;
  let next = index + 1;
  if (subs) {
    for (let i = 0; i < subs.length && next >= 0; i++) next = fastV2Position(subs[i], lines, next, index, settlement, needsQuantity);
  }
  return next;
}

function fastV1Document(raw: unknown): NormalisedDocument | null {
  if (!isObject(raw)) return null;
  const head = fastHead(raw, 'uuid', 'closeDate');
  if (!head) return null;
  const number = raw['number'];
  const deviceId = raw['deviceUuid'];
  const storeId = raw['storeUuid'];
  const complete = raw['completeInventory'];
  const transactions = raw['transactions'];
  if (!optLooseNumber(number) || !optString(deviceId) || !optString(storeId) || !optFlag(complete) || !optArray(transactions)) return null;
  if (!optString(raw['openDate']) || !optString(raw['sessionUUID']) || !optLooseNumber(raw['sessionNumber'])) return null;
  touchAll(raw);

  const meta = documentMeta({ id: head.id, rawType: head.rawType, closeTime: head.closeTime, timeZoneOffset: null, deviceId, number, storeId, complete });

  // Sized up front, as for V2.
  const lines: DocumentLine[] = transactions ? new Array<DocumentLine>(countV1Lines(transactions)) : [];
  let at = 0;
  if (transactions) {
    for (let i = 0; i < transactions.length; i++) {
      const t = transactions[i];
      if (!isObject(t)) return null;
      const transactionType = t['type'];
      if (!optString(transactionType)) return null;
      touchAll(t);
      if (transactionType !== 'REGISTER_POSITION' && transactionType !== 'INVENTORY') continue;
      if (at >= lines.length) return null;
      const rawProductId = t['commodityUuid'];
      const productType = t['commodityType'];
      const productName = t['commodityName'];
      const code = t['commodityCode'];
      const balance = t['balanceQuantity'];
      const measureName = t['measureName'];
      const settlementMethod = t['settlementMethod'];
      if (!optString(rawProductId) || !optString(productType) || !optString(productName) || !optLooseNumber(code)
        || !optString(measureName) || !optSettlement(settlementMethod)) return null;
      lines[at] = newLine(
        at, cleanId(rawProductId), productType ?? null,
        quantityOf(t['quantity']), // required: throws (so zod decides) when absent or malformed
        balance == null ? null : quantityOf(balance),
        settlementText(settlementMethod), -1, false, productName, code, measureName, undefined,
      );
      at++;
    }
  }
  if (at !== lines.length) return null;
  return { meta, lines };
}

/** V1 transactions that carry a product line. */
function countV1Lines(transactions: readonly unknown[]): number {
  let n = 0;
  for (let i = 0; i < transactions.length; i++) {
    const t = transactions[i];
    if (isObject(t) && (t['type'] === 'REGISTER_POSITION' || t['type'] === 'INVENTORY')) n++;
  }
  return n;
}

function fastV2Product(raw: unknown): NormaliseProductResult | null {
  if (!isObject(raw)) return null;
  const id = trimmedId(raw['id']);
  const name = raw['name'];
  const code = raw['code'];
  const type = raw['type'];
  const quantity = raw['quantity'];
  const measureName = raw['measure_name'];
  const parentId = raw['parent_id'];
  const group = raw['group'];
  const hasVariants = raw['has_variants'];
  if (id === '' || !optString(name) || !optLooseNumber(code) || !optString(type) || !optLooseNumber(quantity)
    || !optString(measureName) || !optString(parentId) || !optBoolean(group) || !optBoolean(hasVariants)
    || !optLooseNumber(raw['price']) || !optLooseNumber(raw['cost_price']) || !optBoolean(raw['allow_to_sell'])
    || !optArray(raw['barcodes']) || !optString(raw['store_id']) || !optString(raw['created_at'])
    || !optString(raw['updated_at'])) return null;
  touchAll(raw);
  const warnings: string[] = [];
  const product = catalogueEntry(id, name, code, type, measureName, quantity, parentId, group === true, hasVariants === true, warnings);
  return { ok: true, product, warnings };
}

function fastV1Product(raw: unknown): NormaliseProductResult | null {
  if (!isObject(raw)) return null;
  const id = trimmedId(raw['uuid']);
  const name = raw['name'];
  const code = raw['code'];
  const type = raw['type'];
  const quantity = raw['quantity'];
  const measureName = raw['measureName'];
  const parentId = raw['parentUuid'];
  const group = raw['group'];
  const hasVariants = raw['hasVariants'];
  if (id === '' || !optString(name) || !optLooseNumber(code) || !optString(type) || !optLooseNumber(quantity)
    || !optString(measureName) || !optString(parentId) || !optBoolean(group) || !optBoolean(hasVariants)
    || !optLooseNumber(raw['price']) || !optLooseNumber(raw['costPrice']) || !optBoolean(raw['allowToSell'])
    || !optArray(raw['barCodes']) || !optArray(raw['alcoCodes']) || !optString(raw['tax'])
    || !optString(raw['description']) || !optString(raw['articleNumber'])) return null;
  touchAll(raw);
  const warnings: string[] = [];
  const product = catalogueEntry(id, name, code, type, measureName, quantity, parentId, group === true, hasVariants === true, warnings);
  return { ok: true, product, warnings };
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

function cleanId(value: string | null | undefined): string | null {
  const id = value?.trim() ?? '';
  return id === '' ? null : id;
}

/** A free-price line (позиция по свободной цене): no product id, or the reserved one (§4, §10). */
function isFreePrice(productId: string | null): boolean {
  return productId === null || productId.toLowerCase() === FREE_PRICE_PRODUCT_ID;
}

/**
 * The position an item of `positions` / `sub_positions` stands for, on the fast path: the item itself (real JSON is
 * flat) or, for the documentation's `{"position": {...}}`, the wrapped one when the wrapper holds nothing else
 * (anything less plain, and null: the zod path decides).
 */
function unwrapped(item: unknown): Loose | null {
  if (!isObject(item)) return null;
  const inner = item['position'];
  if (inner === undefined || inner === null) return item;
  if (!isObject(inner) || (inner['position'] !== undefined && inner['position'] !== null)) return null;
  for (const key in item) if (key !== 'position') return null;
  return inner;
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
interface MetaFields {
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
function documentMeta(f: MetaFields): DocumentMeta {
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

/** The fast paths' id, type and close time (null: not sure, zod decides). */
function fastHead(raw: Loose, idField: string, closeField: string): Pick<MetaFields, 'id' | 'rawType' | 'closeTime'> | null {
  const id = trimmedId(raw[idField]);
  const rawType = trimmedId(raw['type']);
  if (id === '' || rawType === '') return null;
  const closeDate = raw[closeField];
  if (typeof closeDate !== 'string' && typeof closeDate !== 'number') return null;
  const closeTime = parseCloseDate(closeDate);
  return closeTime === null ? null : { id, rawType, closeTime };
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
