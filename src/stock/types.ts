/**
 * Types of the stock computation core: the compact per-(document, product) rows, the fold result per product,
 * and the whole-store result. Quantities inside the core are Milli; everything meant for people or JSON is a
 * decimal string ("7", "0.875", "-2").
 */
import type { Milli } from '../model/quantity.ts';
import type { ApiVersion, DocumentType, NotTrackedReason } from '../model/types.ts';

/** Which rule of the table in rules.ts produced an event. */
export type RuleId =
  | 'SELL' | 'BUYBACK' | 'WRITE_OFF' | 'RETURN'
  | 'PAYBACK' | 'BUY' | 'ACCEPT'
  | 'INVENTORY'
  /** A complete inventory that does not list the product: stock set to 0. */
  | 'INVENTORY_UNLISTED'
  | 'OPEN_TARE'
  /** A correction receipt (чек коррекции): fiscal data only. */
  | 'CORRECTION'
  | 'NO_STOCK_EFFECT'
  | 'UNKNOWN_TYPE';

/** What identifies a document to the user. */
export interface DocRef {
  id: string;
  type: DocumentType;
  /** The type as sent (differs from `type` only for UNKNOWN). */
  rawType: string;
  number: number | null;
  /** Epoch ms UTC. */
  closeTime: number;
  deviceId: string;
  /** ms; null when the API gave none (V1). */
  timeZoneOffset: number | null;
  /** INVENTORY only: true complete, false partial, null not stated. */
  completeInventory?: boolean | null;
}

/** Settlement kinds (признак способа расчёта, FFD tag 1214); see settlement.ts. */
export type SettlementKind =
  | 'absent'
  | 'full_prepayment' | 'partial_prepayment' | 'prepayment' | 'advance'
  | 'full_settlement' | 'partial_settlement' | 'credit'
  | 'credit_payment'
  | 'unknown';

/** The settlement of the lines of one product in one document, when the document stated one. */
export interface SettlementNote {
  kind: SettlementKind;
  /** The value as sent. */
  raw: string;
  /** Whether goods changed hands (so stock moved). */
  moves: boolean;
  /** Total |quantity| of the lines with this value. */
  quantity: Milli;
  /** The receipt was paid (partly) by an ADVANCE payment («По предоплате»): the final receipt of a prepaid order. */
  byAdvance?: true;
}

export type WarningCode =
  /** A settlement method we do not recognise: counted as a movement (goods handed over), value named. */
  | 'UNKNOWN_SETTLEMENT_METHOD'
  /** The deciding document(s) gave no stock-before: the result is an earlier document's stock plus later movements. */
  | 'MISSING_STOCK_BEFORE'
  /** Documents move this product but none states its stock: it stays unresolved. */
  | 'NO_STOCK_BEFORE'
  /** An OPEN_TARE (вскрытие тары) document lists the product; its effect on stock is unknown, so it is not used. */
  | 'OPEN_TARE_IGNORED'
  /** A document of a type the reference does not name lists the product; it is not used. */
  | 'UNKNOWN_DOCUMENT_TYPE'
  /** A malformed document (quarantined) lists the product; the result may miss its effect. */
  | 'QUARANTINED_DOCUMENT'
  /** The product appears as the header line of a set; the components carry the stock. */
  | 'SET_HEADER'
  /** A newer inventory does not list the product and does not say whether it was complete. */
  | 'INVENTORY_COMPLETENESS_UNKNOWN'
  /** One inventory counts the product on several lines; the counts were added up. */
  | 'REPEATED_INVENTORY_LINE'
  /** The ledger (inventory or first stock-before plus all movements) disagrees with the guide's result. */
  | 'LEDGER_DIFFERS'
  /** A line's quantity has more decimals than its measure_precision allows (value: the allowed decimals). */
  | 'QUANTITY_PRECISION'
  /** The catalogue's current quantity is not an exact quantity. */
  | 'BAD_CLOUD_QUANTITY'
  /** The result is beyond what Evotor stores (7 integer digits). */
  | 'QUANTITY_OUT_OF_RANGE'
  /** Store level: two different payloads with one document id (one was kept). */
  | 'DUPLICATE_DOCUMENT'
  /** Store level: two catalogue entries with one product id (one was kept). */
  | 'DUPLICATE_PRODUCT';

export interface Warning {
  code: WarningCode;
  /** How many times it happened (documents, lines or breaks); the warning names the newest. */
  count: number;
  /** The newest document concerned, when it was readable. */
  doc: DocRef | null;
  /** The id of a document that could not be read (quarantined); otherwise doc?.id ?? null. */
  documentId: string | null;
  /** The value at fault: a settlement method, a raw type, a quarantine reason, a quantity. */
  value: string | null;
}

/**
 * One compact row per (document, product): all the core needs to fold a product's history.
 * Small enough to store one per row in IndexedDB and fold later with bounded memory.
 */
export interface ProductEvent {
  doc: DocRef;
  /** As spelled in the document (the first line's). Match catalogue ids with productKey(). */
  productId: string;
  rule: RuleId;
  /** False for rows that only carry warnings (OPEN_TARE, unknown types, set headers). */
  decides: boolean;
  /** The first line's stock before the document (initial_quantity / balanceQuantity); null when absent. */
  stockBefore: Milli | null;
  /** Signed change after the settlement rule: negative for a sale. 0 for inventories. */
  movement: Milli;
  /** Inventory count (or 0 for an unlisted product of a complete inventory); null otherwise. */
  setTo: Milli | null;
  /** Sum of |quantity| of the product's lines, moving or not (for the explanation). */
  handled: Milli;
  lines: number;
  settlements: SettlementNote[];
  warnings: Warning[];
  /** The first line's measure_precision (src/model/precision.ts), when the document gives one. */
  measurePrecision?: number;
}

/** A complete inventory, or one that does not say whether it is complete: what it lists matters to every product. */
export interface CompleteInventoryRecord {
  doc: DocRef;
  /** true: unlisted tracked products are set to 0. null: not stated, treated as partial and flagged. */
  complete: true | null;
  /** productKey() of every product it lists. */
  listed: string[];
}

/** Lines and documents left out of the computation, by reason. */
export interface SkipCounts {
  /** Lines with no product id or the free-price id 390067bf-… */
  freePriceLines: number;
  /** Lines of services (line product_type SERVICE, or a SERVICE catalogue product). */
  serviceLines: number;
  /** Lines of catalogue groups or parents with modifications. */
  notTrackedLines: number;
  /** Lines of products missing from the catalogue. */
  unknownProductLines: number;
  /** Header lines of sets (the components carry the stock). */
  setHeaderLines: number;
  /** REVALUATION, cash, session and report documents. */
  noStockEffectDocuments: number;
  /** Documents whose type the reference does not name. */
  unknownTypeDocuments: number;
  /** OPEN_TARE documents (listed products are flagged, nothing moves). */
  openTareDocuments: number;
}

export interface UnknownProduct {
  productId: string;
  /** Name as printed on the newest line seen, if any. */
  name: string | null;
  code: string | null;
  lines: number;
  documents: number;
}

/** What toProductEvents makes of one document. */
export interface DocumentEvents {
  doc: DocRef;
  rule: RuleId;
  events: ProductEvent[];
  /** Set for complete inventories and for inventories that do not say. */
  inventory: CompleteInventoryRecord | null;
  skipped: SkipCounts;
  unknownProducts: UnknownProduct[];
}

/**
 * A row's chain breaks as a list of a whole store keeps them: how many, and the newest. A big store can have hundreds
 * of thousands of breaks; the full list of one product comes with its history.
 */
export interface ChainBreakSummary {
  chainBreakCount: number;
  lastChainBreak: ChainBreak | null;
}

export interface ChainBreak {
  /** The earlier document, whose stock after was expected. */
  previous: DocRef;
  /** The later document, whose stock before differs. */
  next: DocRef;
  expected: string;
  found: string;
  /** found − expected: stock that appeared (+) or vanished (−) between the two documents. */
  size: string;
}

export type ProductStatus = 'resolved' | 'unresolved' | 'not_tracked';

export interface ProductStock {
  productId: string;
  name: string;
  code: string | null;
  measureName: string | null;
  /** measure_precision as the product's newest document giving one says (src/model/precision.ts); absent when none does. */
  measurePrecision?: number;
  status: ProductStatus;
  notTrackedReason: NotTrackedReason | null;
  /** The stock to write: decimal string with a dot; null when nothing decides it (or not tracked). */
  quantity: string | null;
  quantityMilli: Milli | null;
  /** What the cloud holds now (for comparison); null when absent. */
  cloudQuantity: string | null;
  /** The newest deciding document. */
  decidedBy: DocRef | null;
  rule: RuleId | null;
  /** Parts of the deciding document, for the explanation. */
  stockBefore: string | null;
  movement: string | null;
  handled: string | null;
  setTo: string | null;
  settlements: { kind: SettlementKind; raw: string; moves: boolean; quantity: string; byAdvance?: true }[];
  /** Set when the deciding document had no stock-before: the result is anchored on an earlier document. */
  derived: { from: DocRef; rule: RuleId; stock: string; laterMovement: string; laterDocuments: number } | null;
  /** Ledger: latest inventory (or else the oldest stock-before) plus every later movement. */
  ledgerQuantity: string | null;
  ledger: {
    base: 'inventory' | 'complete_inventory' | 'first_stock_before';
    from: DocRef;
    baseQuantity: string;
    laterMovement: string;
    laterDocuments: number;
  } | null;
  chainBreaks: ChainBreak[];
  /** Deciding documents seen for the product. */
  documents: number;
  warnings: Warning[];
}

export interface StockCounts {
  /** Raw documents given. */
  documents: number;
  /** Distinct valid documents used (after quarantine and de-duplication). */
  documentsRead: number;
  duplicateDocuments: number;
  quarantinedDocuments: number;
  products: number;
  resolved: number;
  unresolved: number;
  notTracked: number;
  /** Valid documents by type as sent. */
  byType: Record<string, number>;
}

export interface QuarantinedDocumentReport {
  id: string | null;
  type: string | null;
  closeTime: number | null;
  reason: string;
  productIds: string[];
}

export interface StockResult {
  api: ApiVersion;
  /** 'full' from computeStock; 'newest-only' from the accumulator (no ledger, no chain breaks). */
  history: 'full' | 'newest-only';
  /** Every catalogue product, sorted by id. */
  products: ProductStock[];
  skipped: SkipCounts & { unknownProducts: UnknownProduct[]; unknownTypes: Record<string, number> };
  quarantined: QuarantinedDocumentReport[];
  quarantinedProducts: { id: string | null; reason: string }[];
  counts: StockCounts;
  /** Every settlement value seen, with its reading and how many lines carried it (the values are undocumented). */
  settlementValues: { raw: string; kind: SettlementKind; lines: number }[];
  warnings: Warning[];
}
