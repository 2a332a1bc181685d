/**
 * The fast path: the zod schemas' rules checked by hand for the common payload, without zod's copies. normalise.ts
 * tries it first.
 *
 * Each fastX returns the same value the zod path would, or null whenever it is not sure the zod path would accept
 * the payload (then the zod path runs and decides). Rules mirrored from schemas-v2.ts / schemas-v1.ts:
 *   looseObject  typeof 'object', not null, not an array; every enumerable property is read (touchAll), as zod's
 *                catch-all copy reads them, so a throwing accessor still ends in the zod path's quarantine
 *   z.string()   typeof 'string' (idSchema and document type: non-empty after trim, and trimmed)
 *   looseNumber  a finite number or a string;  quantity: whatever parseQuantity accepts (it throws otherwise)
 *   nullish      undefined or null also pass
 * A change to a schema must be made here too; the property test in test/unit/model/fast-path.test.ts compares
 * both paths on random and mutated payloads.
 */
import { parseQuantity, readCommonQuantity, type Milli } from './quantity.ts';
import { readMeasurePrecision } from './precision.ts';
import { parseCloseDate, parseTimeZoneOffset } from './time.ts';
import type { SettlementMethodValue } from './schemas-v2.ts';
import type { DocumentLine, NormalisedDocument } from './types.ts';
import {
  catalogueEntry, cleanId, documentMeta, isFreePrice, isObject, NEEDS_QUANTITY, settlementText,
  type MetaFields, type NormaliseProductResult,
} from './normalise-shared.ts';

type Loose = Record<string, unknown>;

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

export function fastV2Document(raw: unknown): NormalisedDocument | null {
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

export function fastV1Document(raw: unknown): NormalisedDocument | null {
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

export function fastV2Product(raw: unknown): NormaliseProductResult | null {
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

export function fastV1Product(raw: unknown): NormaliseProductResult | null {
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
