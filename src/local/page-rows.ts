/**
 * A document page's rows as a few IndexedDB records, in columns. Chromium charges about 0.1 ms per put whatever its
 * size, so a handful of records per page (not one per document line) is what lets the pull keep up with the
 * network. Reading is dominated by the structured clone, which costs per object, not per byte: so the columns are
 * typed arrays (views of one buffer), product keys are packed end to end, and a record holds no object per row.
 *
 * A page's rows are split by product into PARTS parts (a hash of the product key), one record each: folding every
 * product reads each part once with only that part's histories in memory, and one product's history reads one
 * part. Within a record rows are sorted by product key, so a product's rows are found by binary search.
 *
 * A store's first WHOLE_PAGE_LINES rows are written whole instead, one record per page (part WHOLE_PAGE): a store
 * that small is folded in one scan anyway, and one put costs far less than sixteen (the browser charges each put,
 * whatever its size). A bigger store's fold reads those records once, beside each part's.
 */
import { fnv1a } from '../model/hash.ts';
import type { Milli } from '../model/quantity.ts';
import { compareKeys } from '../model/text-order.ts';
import type { DocumentType } from '../model/types.ts';
import type { DocRef, ProductEvent, RuleId, SettlementNote, Warning } from '../stock/types.ts';

/** Parts a page's rows are split into (by product key). Changing it needs a migration that clears `pages`. */
export const PARTS = 16;

/** The `part` of a record holding a whole page's rows (every part's); it sorts before the parts. */
export const WHOLE_PAGE = -1;

/**
 * Stored rows up to which a store's pages are written whole (WHOLE_PAGE) and its final fold reads the store in one
 * scan (a few MB of columns): past it, pages are split by part, so a fold holds one part's histories at a time.
 */
export const WHOLE_PAGE_LINES = 50_000;

/** The part of a product's rows: FNV-1a of its key. */
export function partOf(pk: string): number {
  return fnv1a(pk) % PARTS;
}

/** Strings end to end: string i is text.slice(ends[i - 1] ?? 0, ends[i]). One string to clone instead of many. */
export interface PackedStrings {
  text: string;
  ends: Uint32Array;
}

/** The documents of a record, in columns. */
export interface PackedDocs {
  /**
   * Not packed: a slice of a packed string would keep the whole record's text alive for as long as a result row
   * refers to the document (its deciding document, chain breaks), i.e. a record's text per row.
   */
  id: string[];
  /** Index into `kinds`: [type, rawType] pairs (rawType differs from type only for UNKNOWN). */
  kind: Uint16Array;
  kinds: [DocumentType, string][];
  /** Index into `devices`. */
  device: Uint16Array;
  devices: string[];
  /** NaN for null. */
  number: Float64Array;
  closeTime: Float64Array;
  /** NaN for null. */
  timeZoneOffset: Float64Array;
  /** -1 absent (not an inventory), 0 false, 1 true, 2 null (not stated). */
  completeInventory: Int8Array;
}

/** The stored columns; `storeId`, `part`, `month` and `seq` (the page's number in its month) make the key. */
export interface PageRecord {
  storeId: string;
  part: number;
  month: string;
  seq: number;
  docs: PackedDocs;
  /** Row count (every row column has this length). */
  rows: number;
  /** productKey of each row, ascending. */
  pk: PackedStrings;
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
  /** Index into `extras`: '' or the JSON of a row's settlements and warnings (a page repeats a few of them). */
  extra: Uint32Array;
  extras: string[];
  /** The row's measure_precision, -1 when the document gives none. Absent in records stored before it was kept. */
  precision?: Int8Array;
}

/** A row to store: the core's event and its product key. */
export interface PageRow {
  pk: string;
  event: ProductEvent;
}

/** Every RuleId has a code; the compiler makes sure a new rule gets one. */
const RULE_CODES: Record<RuleId, number> = {
  SELL: 0, BUYBACK: 1, WRITE_OFF: 2, RETURN: 3, PAYBACK: 4, BUY: 5, ACCEPT: 6, INVENTORY: 7,
  INVENTORY_UNLISTED: 8, OPEN_TARE: 9, NO_STOCK_EFFECT: 10, UNKNOWN_TYPE: 11, CORRECTION: 12,
};
const RULES = Object.keys(RULE_CODES).sort((a, b) => RULE_CODES[a as RuleId] - RULE_CODES[b as RuleId]) as RuleId[];

interface Extra {
  s?: SettlementNote[];
  w?: Warning[];
}

// ----- writing ----------------------------------------------------------------------------------------------------

/** A page's rows as one record per part that has rows, or (`whole`) as one record (WHOLE_PAGE). */
export function encodePage(key: { storeId: string; month: string; seq: number }, rows: readonly PageRow[], whole = false): PageRecord[] {
  if (whole) return rows.length > 0 ? [encodePart({ ...key, part: WHOLE_PAGE }, rows)] : [];
  const parts = new Map<number, PageRow[]>();
  for (const row of rows) {
    const part = partOf(row.pk);
    const list = parts.get(part);
    if (list) list.push(row);
    else parts.set(part, [row]);
  }
  return [...parts].sort(([a], [b]) => a - b).map(([part, list]) => encodePart({ ...key, part }, list));
}

function encodePart(key: Pick<PageRecord, 'storeId' | 'part' | 'month' | 'seq'>, input: readonly PageRow[]): PageRecord {
  // Array.prototype.sort is stable: a product's rows keep the page's order.
  const rows = [...input].sort((a, b) => compareKeys(a.pk, b.pk));
  const n = rows.length;
  const docs = new Dictionary<DocRef>((d) => d.id);
  const docIndex = rows.map(({ event }) => docs.add(event.doc));
  const d = docs.list.length;
  // Every numeric column is a view of ONE buffer: the structured clone allocates one backing store per record.
  const arena = new Arena(8 * (4 * n + 3 * d) + 4 * (4 * n) + 2 * (2 * d) + (3 * n + d));
  const column = {
    stockBefore: arena.f64(n), movement: arena.f64(n), setTo: arena.f64(n), handled: arena.f64(n),
  };
  const docColumns = { number: arena.f64(d), closeTime: arena.f64(d), timeZoneOffset: arena.f64(d) };
  const ints = { doc: arena.u32(n), lines: arena.u32(n), extra: arena.u32(n) };
  const pk = packStrings(rows.map((r) => r.pk), arena.u32(n));
  const docCodes = { kind: arena.u16(d), device: arena.u16(d) };
  const bytes = { rule: arena.u8(n), decides: arena.u8(n), precision: arena.i8(n), completeInventory: arena.i8(d) };

  const extras = new Dictionary<string>((text) => text);
  let spelled = false;
  rows.forEach(({ pk: key, event }, i) => {
    if (event.productId !== key) spelled = true;
    ints.doc[i] = docIndex[i]!;
    bytes.rule[i] = RULE_CODES[event.rule];
    bytes.decides[i] = event.decides ? 1 : 0;
    bytes.precision[i] = event.measurePrecision ?? -1;
    column.stockBefore[i] = event.stockBefore ?? NaN;
    column.movement[i] = event.movement;
    column.setTo[i] = event.setTo ?? NaN;
    column.handled[i] = event.handled;
    ints.lines[i] = event.lines;
    const extra: Extra = {};
    if (event.settlements.length > 0) extra.s = event.settlements;
    if (event.warnings.length > 0) extra.w = event.warnings;
    ints.extra[i] = extras.add(extra.s || extra.w ? JSON.stringify(extra) : '');
  });

  const kinds = new Dictionary<[DocumentType, string]>(([type, raw]) => `${type}\u0000${raw}`);
  const devices = new Dictionary<string>((id) => id);
  docs.list.forEach((doc, i) => {
    docCodes.kind[i] = kinds.add([doc.type, doc.rawType]);
    docCodes.device[i] = devices.add(doc.deviceId);
    docColumns.number[i] = doc.number ?? NaN;
    docColumns.closeTime[i] = doc.closeTime;
    docColumns.timeZoneOffset[i] = doc.timeZoneOffset ?? NaN;
    bytes.completeInventory[i] = doc.completeInventory === undefined ? -1 : doc.completeInventory === null ? 2 : doc.completeInventory ? 1 : 0;
  });

  return {
    ...key,
    docs: { id: docs.list.map((doc) => doc.id), ...docCodes, kinds: kinds.list, devices: devices.list, ...docColumns, completeInventory: bytes.completeInventory },
    rows: n, pk, productId: spelled ? rows.map((r) => r.event.productId) : null,
    doc: ints.doc, rule: bytes.rule, decides: bytes.decides, ...column, lines: ints.lines, extra: ints.extra, extras: extras.list,
    precision: bytes.precision,
  };
}

/** Typed-array views carved out of one buffer, widest first so every view is aligned. */
class Arena {
  private readonly buffer: ArrayBuffer;
  private offset = 0;
  constructor(bytes: number) {
    this.buffer = new ArrayBuffer(bytes);
  }
  f64(n: number) {
    return new Float64Array(this.buffer, this.take(n * 8), n);
  }
  u32(n: number) {
    return new Uint32Array(this.buffer, this.take(n * 4), n);
  }
  u16(n: number) {
    return new Uint16Array(this.buffer, this.take(n * 2), n);
  }
  u8(n: number) {
    return new Uint8Array(this.buffer, this.take(n), n);
  }
  i8(n: number) {
    return new Int8Array(this.buffer, this.take(n), n);
  }
  private take(bytes: number): number {
    const at = this.offset;
    this.offset += bytes;
    return at;
  }
}

/** Distinct values in order of first appearance. */
class Dictionary<T> {
  readonly list: T[] = [];
  private readonly index = new Map<string, number>();
  constructor(private readonly keyOf: (value: T) => string) {}
  add(value: T): number {
    const key = this.keyOf(value);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.push(value) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

function packStrings(list: readonly string[], ends: Uint32Array): PackedStrings {
  let end = 0;
  list.forEach((s, i) => (ends[i] = end += s.length));
  return { text: list.join(''), ends };
}

function unpackStrings(packed: PackedStrings): string[] {
  const out = new Array<string>(packed.ends.length);
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    const end = packed.ends[i]!;
    out[i] = packed.text.slice(start, end);
    start = end;
  }
  return out;
}

// ----- reading ----------------------------------------------------------------------------------------------------

/** The close time of one of a record's documents, by id, or null. */
export function closeTimeIn(record: PageRecord, documentId: string): number | null {
  const i = record.docs.id.indexOf(documentId);
  return i < 0 ? null : record.docs.closeTime[i]!;
}

/**
 * One record opened for reading: its keys unpacked at once (a few hundred), documents and settlements decoded on
 * first use and shared by the rows that refer to them (read-only: nobody may change them).
 */
export class PageReader {
  readonly rows: number;
  readonly pk: string[];
  private docs: (DocRef | undefined)[];
  private extras: (Extra | undefined)[];

  constructor(readonly record: PageRecord) {
    this.rows = record.rows;
    this.pk = unpackStrings(record.pk);
    this.docs = new Array<DocRef | undefined>(record.docs.kind.length);
    this.extras = new Array<Extra | undefined>(record.extras.length);
  }

  /** Row i as the core's event. */
  event(i: number): ProductEvent {
    const r = this.record;
    const extra = this.extra(r.extra[i]!);
    const precision = r.precision?.[i] ?? -1;
    const event: ProductEvent = {
      doc: this.doc(r.doc[i]!),
      productId: r.productId?.[i] ?? this.pk[i]!,
      rule: RULES[r.rule[i]!]!,
      decides: r.decides[i] === 1,
      stockBefore: nullable<Milli>(r.stockBefore[i]!),
      movement: r.movement[i]! as Milli,
      setTo: nullable<Milli>(r.setTo[i]!),
      handled: r.handled[i]! as Milli,
      lines: r.lines[i]!,
      settlements: extra.s ?? NONE,
      warnings: extra.w ?? NONE,
      // The shape events get in src/stock/events.ts: always present, undefined when the document gave none.
      measurePrecision: precision >= 0 ? precision : undefined,
    };
    return event;
  }

  /** Calls visit(pk, i) for every row whose key is in [firstPk, lastPk] (binary search for the first). */
  rowsOf(firstPk: string, lastPk: string, visit: (pk: string, row: number) => void): void {
    let lo = 0;
    let hi = this.rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pk[mid]! < firstPk) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.rows && this.pk[i]! <= lastPk; i++) visit(this.pk[i]!, i);
  }

  private doc(d: number): DocRef {
    const cached = this.docs[d];
    if (cached) return cached;
    const docs = this.record.docs;
    const [type, rawType] = docs.kinds[docs.kind[d]!]!;
    const ref: DocRef = {
      id: docs.id[d]!, type, rawType, number: nullable(docs.number[d]!), closeTime: docs.closeTime[d]!,
      deviceId: docs.devices[docs.device[d]!]!, timeZoneOffset: nullable(docs.timeZoneOffset[d]!),
    };
    const complete = docs.completeInventory[d]!;
    if (complete >= 0) ref.completeInventory = complete === 2 ? null : complete === 1;
    return (this.docs[d] = ref);
  }

  private extra(e: number): Extra {
    const cached = this.extras[e];
    if (cached) return cached;
    const text = this.record.extras[e]!;
    return (this.extras[e] = text ? (JSON.parse(text) as Extra) : {});
  }
}

/** Shared by every row without settlements or warnings (frozen: nobody may push to it). */
const NONE = Object.freeze([]) as unknown as never[];

const nullable = <T extends number>(value: number): T | null => (Number.isNaN(value) ? null : (value as T));
