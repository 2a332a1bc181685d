/**
 * The internal model every part of the app speaks: V2 and V1 payloads are normalised into these shapes
 * at the boundary (see normalise.ts), so pull, computation, write-back and UI never see API dialects.
 */
import type { Milli } from './quantity.ts';

export type ApiVersion = 'v2' | 'v1';

/**
 * Every document type named in the reference (shared/docs/evotor-api.md §3, JSDK DocumentType), and CORRECTION
 * (чек коррекции), seen in real documents (§10 [S]).
 */
export const DOCUMENT_TYPES = [
  'SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'ACCEPT', 'RETURN', 'WRITE_OFF', 'INVENTORY', 'REVALUATION', 'OPEN_TARE',
  'CASH_INCOME', 'CASH_OUTCOME', 'OPEN_SESSION', 'CLOSE_SESSION', 'FPRINT', 'X_REPORT', 'Z_REPORT', 'POS_OPEN_SESSION',
  'CORRECTION',
] as const;
export type KnownDocumentType = (typeof DOCUMENT_TYPES)[number];
/** A type the reference does not name is kept as UNKNOWN (its raw name is in DocumentMeta.rawType). */
export type DocumentType = KnownDocumentType | 'UNKNOWN';

/** Product id Evotor uses for "позиция по свободной цене" (free-price line): not a catalogue product. */
export const FREE_PRICE_PRODUCT_ID = '390067bf-e8d3-4fcc-8c30-fbfd77a0a70d';

/** What identifies a document to the user and orders documents in time. */
export interface DocumentMeta {
  id: string;
  type: DocumentType;
  /** The type as the API sent it (differs from `type` only for UNKNOWN). */
  rawType: string;
  /** Close time, epoch milliseconds UTC. */
  closeTime: number;
  /** The terminal's time zone offset in ms (V2 time_zone_offset), for showing local time; null when absent. */
  timeZoneOffset: number | null;
  /** Terminal (device) id; '' when absent. */
  deviceId: string;
  /** Sequence number on the terminal; null when absent. */
  number: number | null;
  storeId: string;
  /** INVENTORY only: true for a complete inventory (полная), false for partial. */
  completeInventory?: boolean;
  /** PAYBACK/BUYBACK: the document it refers to, when given. */
  baseDocumentId?: string;
  /** V2 created_at (when the cloud received it), epoch ms; absent when not sent or unreadable. */
  createdTime?: number;
  /** A payment of type ADVANCE («По предоплате»): the final receipt of a prepaid order (§10). */
  paidByAdvance?: true;
}

/** One product line of a document, as far as stock is concerned. */
export interface DocumentLine {
  /** Position order in the document (0-based), sub-positions numbered after their parent. */
  index: number;
  /** null for a free-price line with no product id. */
  productId: string | null;
  /** NORMAL | ALCOHOL_NOT_MARKED | ALCOHOL_MARKED | SERVICE | ... as sent; null when absent. */
  productType: string | null;
  /** Quantity as sent; its sign is not trusted (V1 sends PAYBACK and BUY negative). */
  quantity: Milli;
  /** initial_quantity (V2) / balanceQuantity (V1): the terminal's stock before this document; null when absent. */
  stockBefore: Milli | null;
  /** settlement_method.type as sent (any spelling); null when absent. */
  settlementMethod: string | null;
  /** Index of the parent line when this is a sub-position of a set; undefined otherwise. */
  parentIndex?: number;
  /** True when this line has sub-positions (it is a set). */
  hasSubPositions?: boolean;
  productName?: string;
  /** Product code and unit as printed on the line, for reports about products missing from the catalogue. */
  code?: string;
  measureName?: string;
  /** measure_precision as read by readMeasurePrecision (precision.ts): the decimals the unit allows, 0..3; absent when not sent or unreadable. */
  measurePrecision?: number;
}

export interface NormalisedDocument {
  meta: DocumentMeta;
  lines: DocumentLine[];
}

/** A catalogue entry, normalised from V2 or V1 products. */
export interface CatalogueProduct {
  id: string;
  name: string;
  code: string | null;
  /** NORMAL | ALCOHOL_NOT_MARKED | ALCOHOL_MARKED | SERVICE | ... as sent. */
  type: string | null;
  measureName: string | null;
  /** The cloud's current quantity; null when absent (service, group, or no product.quantity:read scope). */
  quantity: Milli | null;
  parentId: string | null;
  /** A group or a parent with modifications: it is not sold and keeps no stock. */
  isGroup: boolean;
  /** Whether the product keeps stock at all (not a service, not a group). */
  tracked: boolean;
  /** Why tracked is false: a service, a group, or a parent with modifications (stock is kept per modification). */
  notTrackedReason?: NotTrackedReason;
}

export type NotTrackedReason = 'service' | 'group' | 'has_modifications';

/** A document rejected at the boundary: never changes a quantity, always reported. */
export interface QuarantinedDocument {
  id: string | null;
  type: string | null;
  closeTime: number | null;
  reason: string;
}
