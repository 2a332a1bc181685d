/**
 * zod schemas for Evotor API V1 payloads (camelCase). Source: DOCAPI definitions.yaml (`product`, `document`,
 * `transaction`), pos-docs/*.json examples and responses.yaml; summarised in shared/docs/evotor-api.md §4 and §6.
 * Loose objects throughout: V1 POST replaces whole products, so every field read must survive to be sent back.
 */
import { z } from 'zod';
import { closeDateSchema, idSchema, quantityValueSchema, settlementMethodSchema } from './schemas-v2.ts';

const looseNumber = z.union([z.number(), z.string()]);

/** V1 error body `{errors:[{code, reason, subject, value}]}` (DOCAPI responses.yaml, DOC doc_errors_returned.md). */
export const v1ErrorBodySchema = z.looseObject({
  errors: z.array(
    z.looseObject({
      code: looseNumber.nullish(),
      reason: z.string().nullish(),
      subject: z.string().nullish(),
      value: z.unknown().optional(),
    }),
  ),
});

/** V1 product or group (DOCAPI `product`). Only uuid is required; the rest passes through for write-back. */
export const v1ProductSchema = z.looseObject({
  uuid: idSchema,
  name: z.string().nullish(),
  code: looseNumber.nullish(),
  /** true for a group; groups keep no stock ("для групп товаров - 0"). */
  group: z.boolean().nullish(),
  parentUuid: z.string().nullish(),
  /** A group whose children are modifications of one product (DOC doc_evotor_api_products_modifications). */
  hasVariants: z.boolean().nullish(),
  type: z.string().nullish(),
  /** Checked loosely, like V2 product quantity (see schemas-v2.ts). */
  quantity: looseNumber.nullish(),
  measureName: z.string().nullish(),
  price: looseNumber.nullish(),
  costPrice: looseNumber.nullish(),
  allowToSell: z.boolean().nullish(),
  barCodes: z.array(z.unknown()).nullish(),
  alcoCodes: z.array(z.unknown()).nullish(),
  tax: z.string().nullish(),
  description: z.string().nullish(),
  articleNumber: z.string().nullish(),
});

/** Transaction types that carry a product line: sale/return/acceptance lines and inventory counts. */
export const V1_POSITION_TRANSACTION_TYPES = ['REGISTER_POSITION', 'INVENTORY'] as const;

/** A position transaction (pos-docs/02-SELL.json REGISTER_POSITION, 08-INVENTORY.json INVENTORY). */
export const v1PositionTransactionSchema = z.looseObject({
  type: z.enum(V1_POSITION_TRANSACTION_TYPES),
  /** null or 390067bf-… for a free-price line. */
  commodityUuid: z.string().nullish(),
  commodityType: z.string().nullish(),
  commodityName: z.string().nullish(),
  commodityCode: looseNumber.nullish(),
  /** Signed per type, not a delta: PAYBACK and BUY carry negative quantities. */
  quantity: quantityValueSchema,
  /** "Остаток товара": the terminal's stock before the document (like V2 initial_quantity). */
  balanceQuantity: quantityValueSchema.nullish(),
  measureName: z.string().nullish(),
  settlementMethod: settlementMethodSchema.nullish(),
});
export type V1PositionTransaction = z.infer<typeof v1PositionTransactionSchema>;

/** Any transaction. Payments, discounts, taxes, open/close markers have other fields; they pass through unchecked. */
export const v1TransactionSchema = z.looseObject({ type: z.string().nullish() });

/**
 * A V1 document (DOCAPI `document`). Position transactions are checked strictly (a bad quantity in a
 * REGISTER_POSITION quarantines the document); the other transactions only need to be objects.
 */
export const v1DocumentSchema = z
  .looseObject({
    uuid: idSchema,
    type: z.string().trim().min(1, 'empty type'),
    deviceUuid: z.string().nullish(),
    closeDate: closeDateSchema,
    openDate: z.string().nullish(),
    number: looseNumber.nullish(),
    storeUuid: z.string().nullish(),
    sessionUUID: z.string().nullish(),
    sessionNumber: looseNumber.nullish(),
    /** Not in the 2017 reference; read if a newer V1 sends it (same meaning as V2 complete_inventory). */
    completeInventory: z.union([z.boolean(), z.enum(['true', 'false'])]).nullish(),
    transactions: z.array(v1TransactionSchema).nullish(),
  })
  .superRefine((doc, ctx) => {
    doc.transactions?.forEach((transaction, index) => {
      if (!(V1_POSITION_TRANSACTION_TYPES as readonly unknown[]).includes(transaction.type)) return;
      const result = v1PositionTransactionSchema.safeParse(transaction);
      if (result.success) return;
      for (const issue of result.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: ['transactions', index, ...issue.path] });
      }
    });
  });
