/**
 * The reference path: a payload validated by the zod schemas (schemas-v2.ts, schemas-v1.ts), then read into the
 * internal model. Slower than the fast path, and the one that says why a payload is malformed. Whatever the fast path
 * is not sure of comes here, so this path decides every result (normalise.ts).
 */
import type { z } from 'zod';
import { parseQuantity, type Milli } from './quantity.ts';
import { readMeasurePrecision } from './precision.ts';
import { parseCloseDate, parseTimeZoneOffset } from './time.ts';
import { v2DocumentSchema, v2ProductSchema, type V2Position } from './schemas-v2.ts';
import { v1DocumentSchema, v1ProductSchema, V1_POSITION_TRANSACTION_TYPES, type V1PositionTransaction } from './schemas-v1.ts';
import { FREE_PRICE_PRODUCT_ID, type ApiVersion, type DocumentLine } from './types.ts';
import {
  catalogueEntry, cleanId, documentMeta, isFreePrice, isObject, NEEDS_QUANTITY, settlementText,
  type NormaliseDocumentResult, type NormaliseProductResult,
} from './normalise-shared.ts';

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
      closeTime: read(() => parseCloseDate(isObject(raw) ? (raw['close_date'] ?? raw['closeDate']) : undefined), null),
      reason,
      productIds: extractProductIds(raw),
    },
  };
}

function findString(raw: unknown, keys: string[]): string | null {
  if (!isObject(raw)) return null;
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
function extractProductIds(raw: unknown): string[] {
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
function describeIssues(error: z.ZodError): string {
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
