/**
 * Products as the cloud keeps them at run time (mutable: PATCH, bulk, V1 POST), their V2 and V1 JSON, and the
 * validation of quantities and product objects.
 */
import type { Milli } from '../model/quantity.ts';
import type { GenProduct } from './generator/catalogue.ts';
import { evotorDate, money, quantityJson } from './generator/format.ts';

type Json = Record<string, unknown>;

export interface RtProduct {
  /** Catalogue index; -1 for a product created at run time. */
  index: number;
  id: string;
  group: boolean;
  /** The product's V2 wire fields other than id, quantity and the read-only ones. */
  fields: Json;
  /** Cloud quantity; null when absent (services, groups, or removed by a full replace). */
  quantity: Milli | null;
  createdAt: number;
  updatedAt: number;
}

export interface Violation {
  subject: string;
  reason: string;
}

const READ_ONLY = new Set(['id', 'quantity', 'store_id', 'user_id', 'created_at', 'updated_at']);
export const PRODUCT_TYPES = ['NORMAL', 'ALCOHOL_MARKED', 'ALCOHOL_NOT_MARKED', 'SERVICE'];
export const TAXES = ['NO_VAT', 'VAT_10', 'VAT_18', 'VAT_0', 'VAT_18_118', 'VAT_10_110', 'VAT_20', 'VAT_20_120'];
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);

/** Modifications of each parent, by catalogue index (built once per catalogue). */
const childrenOf = new WeakMap<GenProduct[], Map<number, GenProduct[]>>();
function children(catalogue: GenProduct[], parent: number): GenProduct[] {
  let map = childrenOf.get(catalogue);
  if (!map) {
    map = new Map();
    for (const c of catalogue) {
      if (!c.attribute) continue;
      const list = map.get(c.parentIndex);
      if (list) list.push(c);
      else map.set(c.parentIndex, [c]);
    }
    childrenOf.set(catalogue, map);
  }
  return map.get(parent) ?? [];
}

export function productFromCatalogue(p: GenProduct, catalogue: GenProduct[], createdAt: number): RtProduct {
  const parent = p.parentIndex >= 0 ? catalogue[p.parentIndex]! : null;
  const fields: Json = { name: p.name };
  if (p.group) {
    fields.group = true;
    if (p.hasVariants) fields.has_variants = true;
    if (parent) fields.parent_id = parent.id;
    if (p.hasVariants) {
      const mods = children(catalogue, p.index);
      const values = mods.map((c) => c.attribute!.value);
      const attrName = mods[0]?.attribute?.name ?? 'Вариант';
      fields.attributes = [{ name: attrName, choices: values.map((v) => ({ name: v })) }];
    }
    return { index: p.index, id: p.id, group: true, fields, quantity: null, createdAt, updatedAt: createdAt };
  }
  fields.type = p.type;
  if (parent) fields.parent_id = parent.id;
  fields.code = p.code;
  fields.barcodes = p.barcode ? [p.barcode] : [];
  fields.price = money(p.price);
  if (p.type !== 'SERVICE') fields.cost_price = money(p.costPrice);
  fields.measure_name = p.measureName;
  fields.tax = p.tax;
  fields.allow_to_sell = true;
  fields.description = p.kind === 'set' ? 'Комплект' : '';
  if (p.articleNumber) fields.article_number = p.articleNumber;
  if (p.alcoholByVolume !== undefined) {
    fields.alcohol_by_volume = quantityJson(p.alcoholByVolume, 0);
    fields.alcohol_product_kind_code = p.alcoholProductKindCode;
    fields.tare_volume = quantityJson(p.tareVolume ?? (0 as Milli), 0);
  }
  return { index: p.index, id: p.id, group: false, fields, quantity: p.type === 'SERVICE' ? null : (0 as Milli), createdAt, updatedAt: createdAt };
}

/** Whether the product's quantity is written as a string (one product in ten) rather than a JSON number. */
const stringQuantity = (p: RtProduct) => p.index >= 0 && p.index % 10 === 3;

export function v2Product(p: RtProduct, storeId: string, userId: string, withQuantity: boolean): Json {
  const out: Json = { id: p.id, ...p.fields };
  if (withQuantity && p.quantity !== null && !p.group) out.quantity = quantityJson(p.quantity, stringQuantity(p) ? 1 : 0);
  out.store_id = storeId;
  out.user_id = userId;
  out.created_at = evotorDate(p.createdAt);
  out.updated_at = evotorDate(p.updatedAt);
  return out;
}

const V1_FROM_V2: [string, string][] = [
  ['name', 'name'], ['code', 'code'], ['group', 'group'], ['parent_id', 'parentUuid'], ['has_variants', 'hasVariants'],
  ['type', 'type'], ['measure_name', 'measureName'], ['tax', 'tax'], ['price', 'price'], ['cost_price', 'costPrice'],
  ['allow_to_sell', 'allowToSell'], ['description', 'description'], ['article_number', 'articleNumber'],
  ['barcodes', 'barCodes'], ['alco_codes', 'alcoCodes'], ['alcohol_by_volume', 'alcoholByVolume'],
  ['alcohol_product_kind_code', 'alcoholProductKindCode'], ['tare_volume', 'tareVolume'], ['attributes', 'attributes'],
];

export function v1Product(p: RtProduct, withQuantity: boolean): Json {
  const out: Json = { uuid: p.id };
  for (const [v2, v1] of V1_FROM_V2) if (p.fields[v2] !== undefined) out[v1] = p.fields[v2];
  if (out.group === undefined) out.group = p.group;
  if (withQuantity && p.quantity !== null && !p.group) out.quantity = quantityJson(p.quantity, stringQuantity(p) ? 1 : 0);
  return out;
}

/** V1 product object → V2 fields (known fields only). */
export function fieldsFromV1(item: Json): Json {
  const fields: Json = {};
  for (const [v2, v1] of V1_FROM_V2) if (item[v1] !== undefined) fields[v2] = item[v1];
  return fields;
}

const QUANTITY_TEXT = /^(-?)(\d{1,7})(?:\.(\d{1,3}))?$/;

/** A quantity as the cloud accepts it (≤ 7 integer and ≤ 3 fraction digits, number or decimal string), or the reason it is refused. */
export function parseApiQuantity(value: unknown): { ok: true; value: Milli } | { ok: false; reason: string } {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'must be a finite number' };
    text = String(value);
  } else if (typeof value === 'string') text = value;
  else return { ok: false, reason: 'must be a number or a decimal string' };
  const m = QUANTITY_TEXT.exec(text);
  if (!m) return { ok: false, reason: 'numeric value out of bounds (<7 digits>.<3 digits> expected)' };
  const milli = Number(m[2]) * 1000 + Number((m[3] ?? '').padEnd(3, '0'));
  return { ok: true, value: (m[1] === '-' && milli !== 0 ? -milli : milli) as Milli };
}

const MONEY_TEXT = /^\d{1,7}(?:\.\d{1,2})?$/;

/** Checks a product object of a full replace (V2 bulk or V1 POST, already in V2 field names). */
export function validateProduct(fields: Json, quantity: unknown, prefix: string): Violation[] {
  const v: Violation[] = [];
  const name = fields.name;
  if (typeof name !== 'string' || name.trim() === '') v.push({ subject: `${prefix}name`, reason: 'must not be blank' });
  else if (name.length > 128) v.push({ subject: `${prefix}name`, reason: 'size must be between 0 and 128' });
  const group = fields.group === true;
  if (fields.group !== undefined && typeof fields.group !== 'boolean') v.push({ subject: `${prefix}group`, reason: 'must be a boolean' });
  if (!group) {
    if (!PRODUCT_TYPES.includes(fields.type as string)) v.push({ subject: `${prefix}type`, reason: `must be one of ${PRODUCT_TYPES.join(', ')}` });
    for (const key of ['price', 'cost_price']) {
      const value = fields[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !MONEY_TEXT.test(String(value))) v.push({ subject: `${prefix}${key}`, reason: 'must be between 0 and 9999999.99 with at most 2 decimals' });
    }
    if (fields.tax !== undefined && !TAXES.includes(fields.tax as string)) v.push({ subject: `${prefix}tax`, reason: `must be one of ${TAXES.join(', ')}` });
    if (quantity !== undefined && quantity !== null) {
      const q = parseApiQuantity(quantity);
      if (!q.ok) v.push({ subject: `${prefix}quantity`, reason: q.reason });
      else if (fields.type === 'SERVICE') v.push({ subject: `${prefix}quantity`, reason: 'quantity is not applicable to services' });
    }
  }
  if (fields.parent_id !== undefined && fields.parent_id !== null && !isUuid(fields.parent_id)) v.push({ subject: `${prefix}parent_id`, reason: 'must be a uuid' });
  return v;
}

/** Splits a V2 product object into its replaceable fields and its quantity. */
export function splitProductObject(item: Json): { fields: Json; quantity: unknown } {
  const fields: Json = {};
  for (const [k, value] of Object.entries(item)) if (!READ_ONLY.has(k)) fields[k] = value;
  return { fields, quantity: item.quantity };
}
