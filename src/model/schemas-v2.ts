/**
 * zod schemas for Evotor API V2 payloads (snake_case on the wire), plus the primitives V1 shares.
 * Field names and sources: shared/docs/evotor-api.md §2-§6 (JSDK models, DOCAPI definitions, DENAL classes).
 *
 * Conventions:
 * - Every object is loose: fields we do not know pass through untouched (the API grows; V1 write-back needs them).
 * - Only what we cannot work without is required (ids, document type, close date). Everything else is optional
 *   and nullable, because the reference marks most shapes [?] or [I].
 * - Quantities are a JSON number or a decimal string, exact to 0.001 (quantity.ts); anything else fails.
 * - These schemas validate; they do not transform. normalise.ts turns a valid payload into the internal model.
 */
import { z } from 'zod';
import { parseQuantity, QuantityError } from './quantity.ts';
import { parseCloseDate } from './time.ts';

// ---------------------------------------------------------------------------------------------------------------
// Shared primitives (V1 imports them too)
// ---------------------------------------------------------------------------------------------------------------

/** A non-empty id. Evotor ids are uuid-like, but we do not insist on the format (store ids are not uuid4). */
export const idSchema = z.string().trim().min(1, 'empty id');

/** A quantity as sent: JSON number or decimal string, at most 3 significant decimals ("1.0000" is fine, "0.0001" is not). */
export const quantityValueSchema = z.union([z.number(), z.string()]).superRefine((value, ctx) => {
  try {
    parseQuantity(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof QuantityError ? error.message : 'invalid quantity' });
  }
});

/** A close date: "2017-11-06T10:00:50.000+0000", ISO 8601 with Z or offset, or epoch milliseconds. */
export const closeDateSchema = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  if (parseCloseDate(value) === null) ctx.addIssue({ code: 'custom', message: `not a date: ${JSON.stringify(value)}` });
});

/** A money amount or other loose number: number or numeric-looking string. Not used for stock. */
const looseNumber = z.union([z.number(), z.string()]);

/**
 * Position settlement method (признак способа расчёта): `{ "type": "CHECKOUT_FULL", "amount": null }` on the position
 * (§10 real V2 documents; DENAL). A bare string or an FFD number (1..7) is accepted too; src/stock/settlement.ts reads
 * the value.
 */
export const settlementMethodSchema = z.union([
  z.looseObject({ type: z.union([z.string(), z.number()]).nullish(), amount: looseNumber.nullish() }),
  z.string(),
  z.number(),
]);
export type SettlementMethodValue = z.infer<typeof settlementMethodSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Paging and errors
// ---------------------------------------------------------------------------------------------------------------

/** Paging block: `{}` or a missing/null next_cursor means the last page (JSDK PageableIterator, PUBSDK). */
export const pagingSchema = z.looseObject({ next_cursor: z.string().nullish() });

/**
 * The list envelope `{items: T[], paging: {next_cursor?}}`. For documents use `pageSchema(z.unknown())`
 * (exported as `pageEnvelopeSchema`) and validate each item on its own, so one bad document does not reject its page.
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({ items: z.array(item), paging: pagingSchema.nullish() });
}
export const pageEnvelopeSchema = pageSchema(z.unknown());
export type PageEnvelope = z.infer<typeof pageEnvelopeSchema>;

/** The cursor of the next page, or null on the last page. */
export function nextCursor(page: PageEnvelope): string | null {
  const cursor = page.paging?.next_cursor;
  return typeof cursor === 'string' && cursor !== '' ? cursor : null;
}

/** V2 400 body: `{code, message, violations[{reason, subject}]}` (JSDK ExceptionResolver). At least one field present. */
export const v2ErrorBodySchema = z
  .looseObject({
    code: looseNumber.nullish(),
    message: z.string().nullish(),
    violations: z.array(z.looseObject({ reason: z.string().nullish(), subject: z.string().nullish() })).nullish(),
  })
  .refine((body) => body.code != null || body.message != null || body.violations != null, 'not an error body');

// ---------------------------------------------------------------------------------------------------------------
// Stores and products
// ---------------------------------------------------------------------------------------------------------------

export const v2StoreSchema = z.looseObject({
  id: idSchema,
  name: z.string().nullish(),
  address: z.string().nullish(),
});

/**
 * V2 product, group or modification (JSDK AnyProduct/PhysicalProduct/ServiceProduct/ProductGroup).
 * quantity is checked loosely here: a product with an odd cloud quantity is still a catalogue product whose stock we
 * compute; normalise.ts reports the odd value instead of dropping the product.
 */
export const v2ProductSchema = z.looseObject({
  id: idSchema,
  name: z.string().nullish(),
  code: looseNumber.nullish(),
  /** NORMAL | ALCOHOL_MARKED | ALCOHOL_NOT_MARKED | SERVICE | newer types; absent on groups. */
  type: z.string().nullish(),
  quantity: looseNumber.nullish(),
  measure_name: z.string().nullish(),
  parent_id: z.string().nullish(),
  /** ProductGroup serialises `group: true` (JSDK ProductGroup, test resource stores/store_2/GET products.json). */
  group: z.boolean().nullish(),
  /** Not in the JSDK; the V1 name of "parent with modifications". Accepted in case V2 sends it. */
  has_variants: z.boolean().nullish(),
  price: looseNumber.nullish(),
  cost_price: looseNumber.nullish(),
  allow_to_sell: z.boolean().nullish(),
  barcodes: z.array(z.unknown()).nullish(),
  store_id: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

// ---------------------------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------------------------

/**
 * One position (JSDK BasicPosition + Position, DENAL Position/SubPosition; the 2025 fields of §10). Sub-positions have
 * the same shape. Real JSON is flat; the documentation's samples wrap each item as `{"position": {...}}` (§10): an item
 * whose `position` is an object is that wrapper, and the wrapped position is what counts (positionOf in normalise.ts).
 */
export const v2PositionSchema = z.looseObject({
  get position() {
    return v2PositionSchema.nullish();
  },
  /** Absent, null or 390067bf-… on a free-price line (§10 [C], §4). */
  product_id: z.string().nullish(),
  /** Required for stock documents; normalise.ts checks that, because REVALUATION positions carry none. */
  quantity: quantityValueSchema.nullish(),
  /** The terminal's stock before the document (DOCAPI document2). */
  initial_quantity: quantityValueSchema.nullish(),
  product_type: z.string().nullish(),
  product_name: z.string().nullish(),
  code: looseNumber.nullish(),
  measure_name: z.string().nullish(),
  /** Decimals a quantity of this product may have (0 for pieces; §3, §10). Read by normalise.ts, never rejected. */
  measure_precision: looseNumber.nullish(),
  settlement_method: settlementMethodSchema.nullish(),
  price: z.unknown().optional(),
  sum: z.unknown().optional(),
  get sub_positions() {
    return z.array(v2PositionSchema).nullish();
  },
});
export type V2Position = z.infer<typeof v2PositionSchema>;

/** Document body: the union of the per-type bodies of the JSDK (DocumentBody.java and body/*). */
export const v2DocumentBodySchema = z.looseObject({
  positions: z.array(v2PositionSchema).nullish(),
  /** INVENTORY: true = complete (unlisted products reset to 0), false = partial. */
  complete_inventory: z.union([z.boolean(), z.enum(['true', 'false'])]).nullish(),
  base_document_id: z.string().nullish(),
  base_document_number: looseNumber.nullish(),
  sum: z.unknown().optional(),
  result_sum: z.unknown().optional(),
  /** Flat `{type, sum, app_info}` or wrapped `{"payment": {...}}` (§10). Only an ADVANCE type is read (normalise.ts). */
  payments: z.array(z.unknown()).nullish(),
});

/** A V2 document (JSDK Document.java; example: JSDK test resource stores/1/documents/GET 1.json). */
export const v2DocumentSchema = z.looseObject({
  id: idSchema,
  /** Any string: an unknown type is accepted and normalised to UNKNOWN with its raw name kept. */
  type: z.string().trim().min(1, 'empty type'),
  number: looseNumber.nullish(),
  close_date: closeDateSchema,
  /** Terminal time zone offset in ms. Display only, so a malformed value is dropped by normalise.ts, not rejected. */
  time_zone_offset: z.unknown().optional(),
  device_id: z.string().nullish(),
  store_id: z.string().nullish(),
  session_id: z.string().nullish(),
  session_number: looseNumber.nullish(),
  close_user_id: z.string().nullish(),
  user_id: z.string().nullish(),
  version: z.string().nullish(),
  extras: z.unknown().optional(),
  /** When the cloud received the document (§10 [S]: seconds after close_date, later for an offline terminal). Kept when readable, never rejected. */
  created_at: z.unknown().optional(),
  body: v2DocumentBodySchema.nullish(),
});

// ---------------------------------------------------------------------------------------------------------------
// Bulk tasks
// ---------------------------------------------------------------------------------------------------------------

/**
 * `GET /bulks/{id}` and the answer to a bulk POST/PUT (JSDK BulkTask.java, test resource bulks/GET 1.json). Any
 * status is accepted: the JSDK names ACCEPTED, DECLINED, RUNNING, COMPLETED, FAILED (TaskStatus.java), the list may
 * have grown.
 */
export const bulkTaskSchema = z.looseObject({
  id: idSchema,
  status: z.string().min(1),
  modified_at: z.string().nullish(),
  details: z.array(z.unknown()).nullish(),
});
