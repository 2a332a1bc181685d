/**
 * A document page's rows as ONE IndexedDB record, in columns. Chromium charges about 0.1 ms per put whatever its
 * size, so one record per page (not one per document line) is what lets the pull keep up with the network; columns
 * of typed arrays are copied, not walked, when the record is cloned in and out.
 *
 * Rows are sorted by product key, so a pass over a range of products reads one slice of each page
 * (`rowsOfProducts`), and one product's rows are found by binary search.
 */
import type { Milli } from '../model/quantity.ts';
import type { DocRef, ProductEvent, RuleId, SettlementNote, Warning } from '../stock/types.ts';

/** The stored columns; `storeId`, `month` and `seq` (the page's number in its month) make the key. */
export interface PageRecord {
  storeId: string;
  month: string;
  seq: number;
  /** The documents the rows belong to. */
  docs: DocRef[];
  /** Row count (every column has this length). */
  rows: number;
  /** productKey of each row, ascending. */
  pk: string[];
  /** The product id as the document spelled it, when any row's differs from its key; else null. */
  productId: string[] | null;
  /** Index into docs. */
  doc: Uint32Array;
  rule: Uint8Array;
  decides: Uint8Array;
  /** Milli; NaN for null. Integers up to 2^53 are exact in a Float64Array. */
  stockBefore: Float64Array;
  movement: Float64Array;
  setTo: Float64Array;
  handled: Float64Array;
  lines: Uint32Array;
  /** '' or the JSON of the row's settlements and warnings (most rows have neither, and only a few rows are read). */
  extra: string[];
}

/** A row to store: the core's event and its product key. */
export interface PageRow {
  pk: string;
  event: ProductEvent;
}

/** Every RuleId has a code; the compiler makes sure a new rule gets one. */
const RULE_CODES: Record<RuleId, number> = {
  SELL: 0, BUYBACK: 1, WRITE_OFF: 2, RETURN: 3, PAYBACK: 4, BUY: 5, ACCEPT: 6, INVENTORY: 7,
  INVENTORY_UNLISTED: 8, OPEN_TARE: 9, NO_STOCK_EFFECT: 10, UNKNOWN_TYPE: 11,
};
const RULES = Object.keys(RULE_CODES).sort((a, b) => RULE_CODES[a as RuleId] - RULE_CODES[b as RuleId]) as RuleId[];

/** Shared by every row without settlements or warnings (frozen: nobody may push to it). */
const NONE = Object.freeze([]) as unknown as never[];

interface Extra {
  s?: SettlementNote[];
  w?: Warning[];
}

export function encodePage(key: { storeId: string; month: string; seq: number }, input: readonly PageRow[]): PageRecord {
  // Stable sort by key: a product's rows keep the page's order.
  const rows = input.map((row, i) => ({ row, i })).sort((a, b) => (a.row.pk < b.row.pk ? -1 : a.row.pk > b.row.pk ? 1 : a.i - b.i)).map((x) => x.row);
  const n = rows.length;
  const docIndex = new Map<string, number>();
  const page: PageRecord = {
    ...key, docs: [], rows: n, pk: new Array<string>(n), productId: null,
    doc: new Uint32Array(n), rule: new Uint8Array(n), decides: new Uint8Array(n),
    stockBefore: new Float64Array(n), movement: new Float64Array(n), setTo: new Float64Array(n), handled: new Float64Array(n),
    lines: new Uint32Array(n), extra: new Array<string>(n),
  };
  let spelled = false;
  for (let i = 0; i < n; i++) {
    const { pk, event } = rows[i]!;
    let d = docIndex.get(event.doc.id);
    if (d === undefined) {
      d = page.docs.push(event.doc) - 1;
      docIndex.set(event.doc.id, d);
    }
    page.pk[i] = pk;
    if (event.productId !== pk) spelled = true;
    page.doc[i] = d;
    page.rule[i] = RULE_CODES[event.rule];
    page.decides[i] = event.decides ? 1 : 0;
    page.stockBefore[i] = event.stockBefore ?? NaN;
    page.movement[i] = event.movement;
    page.setTo[i] = event.setTo ?? NaN;
    page.handled[i] = event.handled;
    page.lines[i] = event.lines;
    const extra: Extra = {};
    if (event.settlements.length > 0) extra.s = event.settlements;
    if (event.warnings.length > 0) extra.w = event.warnings;
    page.extra[i] = extra.s || extra.w ? JSON.stringify(extra) : '';
  }
  if (spelled) page.productId = rows.map((r) => r.event.productId);
  return page;
}

/** Row i as the core's event. Rows of one document share its DocRef object. */
export function pageEvent(page: PageRecord, i: number): ProductEvent {
  const extra: Extra = page.extra[i] ? (JSON.parse(page.extra[i]!) as Extra) : {};
  return {
    doc: page.docs[page.doc[i]!]!,
    productId: page.productId?.[i] ?? page.pk[i]!,
    rule: RULES[page.rule[i]!]!,
    decides: page.decides[i] === 1,
    stockBefore: nullable(page.stockBefore[i]!),
    movement: page.movement[i]! as Milli,
    setTo: nullable(page.setTo[i]!),
    handled: page.handled[i]! as Milli,
    lines: page.lines[i]!,
    settlements: extra.s ?? NONE,
    warnings: extra.w ?? NONE,
  };
}

const nullable = (value: number): Milli | null => (Number.isNaN(value) ? null : (value as Milli));

/** The first row whose key is >= pk. */
export function firstRowAtOrAfter(page: PageRecord, pk: string): number {
  let lo = 0;
  let hi = page.rows;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (page.pk[mid]! < pk) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Calls visit(pk, i) for every row whose key is in [firstPk, lastPk]. */
export function rowsOfProducts(page: PageRecord, firstPk: string, lastPk: string, visit: (pk: string, row: number) => void): void {
  for (let i = firstRowAtOrAfter(page, firstPk); i < page.rows; i++) {
    const pk = page.pk[i]!;
    if (pk > lastPk) break;
    visit(pk, i);
  }
}
