/**
 * One day's documents, regenerated from per-day seeds alone (no stock state): which documents, when, on which
 * terminal, which products and quantities. The state-dependent numbers (initial_quantity, the counted quantity of
 * an inventory, document numbers) are filled in later from the records of the forward simulation.
 *
 * Streams (each its own seeded PRNG, so each can be regenerated independently):
 *   main|d      ordinary documents of day d
 *   pairs|d     pairs that START on day d: an origin (a prepayment, a credit, a sale later returned, a buy from a
 *               customer) and its follow-up on a later day (full settlement, credit payment, PAYBACK, BUYBACK)
 *   session|t|d sessions of terminal t on day d
 *   initial     day 0 acceptances that bring the opening stock (initialStock = 'accept')
 *   complete|d  a complete inventory on day d
 */
import type { Milli } from '../../model/quantity.ts';
import type { Catalogue, GenProduct } from './catalogue.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, drawDocumentId, formatDocumentId, type IdRef, type QuantityStyle } from './format.ts';
import {
  S_ABSENT, S_ADVANCE, S_CREDIT, S_CREDIT_PAYMENT, S_FULL_PREPAYMENT, S_FULL_SETTLEMENT, S_PARTIAL_PREPAYMENT,
  S_PARTIAL_SETTLEMENT, type ResolvedOptions,
} from './options.ts';
import { Rng } from './prng.ts';

/** Document types the emulator writes, in a fixed order (their index is used in compact per-day counts). */
export const EMITTED_TYPES = [
  'SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'ACCEPT', 'RETURN', 'WRITE_OFF', 'INVENTORY', 'REVALUATION',
  'CASH_INCOME', 'CASH_OUTCOME', 'OPEN_SESSION', 'CLOSE_SESSION', 'X_REPORT', 'CORRECTION',
] as const;
export type EmittedType = (typeof EMITTED_TYPES)[number];
export const TYPE_INDEX: Record<string, number> = Object.fromEntries(EMITTED_TYPES.map((t, i) => [t, i]));

export const TAG_MAIN = 1;
export const TAG_PAIR_ORIGIN = 2;
export const TAG_PAIR_FOLLOW = 3;
export const TAG_SESSION = 4;
export const TAG_INITIAL = 5;
export const TAG_COMPLETE = 6;
/** Follow-ups come at most this many days after their origin. */
export const MAX_LAG = 21;

export interface GenLine {
  /** Catalogue index; -1 for a free-price line. */
  p: number;
  /** Free-price line: true writes product_id null, false the reserved free-price id. */
  freeNull: boolean;
  /** Quantity of the line (inventory: the counting error added to the true stock). */
  qty: Milli;
  /** kopecks (revaluation: price after). */
  price: number;
  /** revaluation: price before. */
  priceBefore: number;
  /** Set header: its components; their qty is the total for the line (per-set qty × set qty). */
  subs: GenLine[] | null;
  /** Marked alcohol: the excise mark. */
  mark: string | null;
  /**
   * A line of a restocking acceptance: the simulation puts on it the product with the fewest days of stock left
   * (`p` and `price` drawn here are replaced), and orders up to that product's target level: qty holds a factor in
   * thousandths until it is replaced by the ordered quantity (target × factor − the terminal's stock). Both are kept
   * in the records.
   */
  restock: boolean;
  /** Filled from the records: the terminal's stock before the document (tracked products only). */
  initial: Milli;
  /** Filled from the records: inventory only, the counted quantity, which becomes the stock. */
  counted: Milli;
}

export class GenDoc {
  private idText: string | null = null;
  lines: GenLine[] = EMPTY;
  /** Settlement method of every position (index into SETTLEMENT_KINDS), or S_ABSENT. */
  settlement = S_ABSENT;
  /** 0: upper spelling, 1: SDK spelling, 2: Evotor's names (SETTLEMENT_SPELLINGS). */
  spelling: 0 | 1 | 2 = 2;
  /** PARTIAL_SETTLEMENT / PARTIAL_PREPAYMENT: the amount paid now, in whole roubles. */
  settlementAmount = 0;
  /**
   * The final receipt of a prepaid order: kopecks paid earlier by the prepayment or advance, served as an ADVANCE
   * payment («По предоплате», evotor-api.md §10); -1 for the whole sum; 0 for other documents.
   */
  advancePaid = 0;
  /** The document this one refers to (PAYBACK to its sale, BUYBACK to its buy). */
  baseRef: IdRef | null = null;
  complete = false;
  /** CASH_INCOME / CASH_OUTCOME, kopecks. */
  cashSum = 0;
  qstyle: QuantityStyle = 0;
  user = 0;
  payment: 'CASH' | 'ELECTRON' = 'CASH';
  /** Filled at materialisation: sequence number on the terminal. */
  number = 0;

  constructor(
    readonly ref: IdRef,
    public type: EmittedType,
    public time: number,
    public terminal: number,
    /** Tie-break among equal times, unique within the day. */
    public order: number,
  ) {}

  get id(): string {
    return (this.idText ??= formatDocumentId(this.ref));
  }

  get baseId(): string | null {
    return this.baseRef ? formatDocumentId(this.baseRef) : null;
  }
}

export interface Pair {
  origin: GenDoc;
  follow: GenDoc;
  followDay: number;
}

export interface DayContext {
  o: ResolvedOptions;
  cat: Catalogue;
  /** Seed text every stream key starts with. */
  key: string;
  /** History start (local midnight of day 0, epoch ms). */
  start: number;
  days: number;
  end: number;
  employees: number;
  /** Target stock level per catalogue index (milli): acceptances order up to it. */
  target: Float64Array;
  /** Expected sales per day per catalogue index (milli): how many days a product's stock lasts. */
  demand: Float64Array;
  /** Tracked products that sell (demand > 0): the ones acceptances restock. */
  restockable: Int32Array;
  /** Opening stock per catalogue index (milli). */
  opening: Float64Array;
  pairCache: Map<number, Pair[]>;
  pairCacheLimit: number;
}

const EMPTY: GenLine[] = [];

/** A line; position uuids are derived from the document id at serialisation (see positionUuid), not drawn here. */
function line(p: number, qty: Milli, price: number, _rng?: Rng): GenLine {
  return { p, freeNull: false, qty, price, priceBefore: 0, subs: null, mark: null, restock: false, initial: 0 as Milli, counted: 0 as Milli };
}

function newDoc(ref: IdRef, type: EmittedType, time: number, terminal: number, order: number, rng: Rng, ctx: DayContext): GenDoc {
  const doc = new GenDoc(ref, type, time, terminal, order);
  const q = rng.float();
  const style = ctx.o.settlementStyle;
  doc.spelling = style === 'evotor' ? 2 : style === 'sdk' ? 1 : style === 'mixed' ? (rng.int(2) as 0 | 1) : 0;
  doc.qstyle = (q < 0.5 ? 0 : q < 0.8 ? 1 : 2) as QuantityStyle;
  doc.user = rng.int(ctx.employees);
  doc.payment = rng.chance(0.55) ? 'ELECTRON' : 'CASH';
  return doc;
}

/** A quantity sold of a product in one line. */
function saleQty(p: GenProduct, rng: Rng): Milli {
  if (p.precision === 3) return rng.range(50, 2500) as Milli;
  if (p.kind === 'service') return 1000 as Milli;
  if (p.kind === 'set') return (rng.chance(0.85) ? 1000 : 2000) as Milli;
  const r = rng.float();
  return ((r < 0.75 ? 1 : r < 0.93 ? 2 : rng.range(3, 6)) * 1000) as Milli;
}

function markText(rng: Rng): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let s = '';
  for (let i = 0; i < 68; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

/** A sale line: a product (with components if it is a set) or, sometimes, a free-price line. */
function saleLine(ctx: DayContext, rng: Rng, allowFree: boolean): GenLine {
  if (allowFree && rng.chance(0.03)) {
    const l = line(-1, (rng.chance(0.8) ? 1000 : rng.range(2, 3) * 1000) as Milli, rng.range(50, 3000) * 10, rng);
    l.freeNull = rng.chance(0.5);
    return l;
  }
  const p = ctx.cat.products[ctx.cat.sellable.sample(rng)]!;
  const qty = saleQty(p, rng);
  const l = line(p.index, qty, p.price, rng);
  if (p.kind === 'alcoholMarked') l.mark = markText(rng);
  if (p.components) {
    const sets = qty / 1000;
    l.subs = p.components.map((c) => {
      const cp = ctx.cat.products[c.p]!;
      return line(c.p, (c.qty * sets) as Milli, cp.price, rng);
    });
  }
  return l;
}

function saleLines(ctx: DayContext, rng: Rng): GenLine[] {
  const n = rng.geometric(0.45, 8);
  const lines: GenLine[] = [];
  for (let i = 0; i < n; i++) lines.push(saleLine(ctx, rng, true));
  return lines;
}

function stockLines(ctx: DayContext, rng: Rng, lo: number, hi: number, qty: (p: GenProduct) => Milli, distinct: boolean): GenLine[] {
  const cat = ctx.cat;
  if (cat.stockable.size === 0) return [];
  const n = Math.min(rng.range(lo, hi), distinct ? cat.stockable.size : hi);
  const lines: GenLine[] = [];
  const seen = distinct ? new Set<number>() : null;
  for (let i = 0, tries = 0; i < n && tries < n * 4; tries++) {
    const index = cat.stockable.sample(rng);
    if (seen) {
      if (seen.has(index)) continue;
      seen.add(index);
    }
    const p = cat.products[index]!;
    lines.push(line(index, qty(p), p.costPrice, rng));
    i++;
  }
  return lines;
}

/** A counting error for an inventory line: usually none, sometimes a little missing, rarely a little extra. */
function countNoise(p: GenProduct, rng: Rng): Milli {
  const r = rng.float();
  if (r < 0.7) return 0 as Milli;
  if (p.precision === 3) return (r < 0.95 ? -rng.range(10, 300) : rng.range(10, 100)) as Milli;
  return ((r < 0.95 ? -rng.range(1, 3) : 1) * 1000) as Milli;
}

/** Copies lines with fresh position ids (follow-up documents repeat the goods of their origin). */
function copyLines(lines: GenLine[], rng: Rng): GenLine[] {
  return lines.map((l) => {
    const c = line(l.p, l.qty, l.price, rng);
    c.freeNull = l.freeNull;
    c.mark = l.mark;
    if (l.subs) c.subs = copyLines(l.subs, rng);
    return c;
  });
}

/** Part of the lines of a sale (a return): each line with some probability, with part of its quantity. */
function returnedLines(ctx: DayContext, lines: GenLine[], rng: Rng): GenLine[] {
  const out: GenLine[] = [];
  for (const l of lines) {
    if (out.length > 0 && !rng.chance(0.6)) continue;
    const product = l.p >= 0 ? ctx.cat.products[l.p]! : null;
    let qty = l.qty;
    if (product && product.precision === 3) qty = (rng.chance(0.7) ? l.qty : rng.range(1, l.qty)) as Milli;
    else if (l.qty >= 2000) qty = (rng.range(1, l.qty / 1000) * 1000) as Milli;
    const c = line(l.p, qty, l.price, rng);
    c.freeNull = l.freeNull;
    c.mark = l.mark;
    if (l.subs && product?.components) {
      const sets = qty / 1000;
      c.subs = product.components.map((comp) => line(comp.p, (comp.qty * sets) as Milli, ctx.cat.products[comp.p]!.price, rng));
    }
    out.push(c);
  }
  return out;
}

const localDayStart = (ctx: DayContext, d: number) => ctx.start + d * DAY_MS;
/** A random instant of the opening hours (08:00–22:00 local) of day d. */
const openingTime = (ctx: DayContext, d: number, rng: Rng) => localDayStart(ctx, d) + 8 * HOUR_MS + rng.int(14 * HOUR_MS);

function pickTerminal(ctx: DayContext, rng: Rng): number {
  const t = ctx.o.terminals;
  if (t === 1) return 0;
  // the first terminal is the busiest
  return rng.chance(0.45) ? 0 : rng.int(t);
}

type PairKind = 'return' | 'prepay' | 'partialPrepay' | 'advance' | 'credit' | 'partialCredit' | 'buy';
const PAIR_KINDS_V2: [PairKind, number][] = [
  ['return', 0.35], ['prepay', 0.14], ['partialPrepay', 0.08], ['advance', 0.07], ['credit', 0.14], ['partialCredit', 0.08], ['buy', 0.14],
];
const PAIR_KINDS_V1: [PairKind, number][] = [['return', 0.75], ['buy', 0.25]];

function weighted<T>(items: [T, number][], rng: Rng): T {
  let r = rng.float() * items.reduce((s, [, w]) => s + w, 0);
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

/** Expected documents per day before weekday variation, split into the parts the generator makes. */
export function dayPlan(ctx: DayContext, d: number): { regular: number; pairs: number } {
  const dow = new Date(localDayStart(ctx, d) + ctx.o.timeZoneOffsetMs + HOUR_MS).getUTCDay();
  const factor = [1.2, 0.85, 0.95, 0.95, 1.0, 1.1, 1.2][dow]!;
  const target = ctx.o.docsPerDay * factor;
  const pairs = target * 0.03;
  const regular = Math.max(0, target - 2 * ctx.o.terminals - 2 * pairs);
  return { regular, pairs };
}

const roundRandom = (x: number, rng: Rng) => Math.floor(x + rng.float());

/** The pairs whose origin is on day d (cached: follow-ups of the next MAX_LAG days need them). */
export function pairsOfDay(ctx: DayContext, d: number): Pair[] {
  const cached = ctx.pairCache.get(d);
  if (cached) return cached;
  const rng = new Rng(`${ctx.key}|pairs|${d}`);
  const count = roundRandom(dayPlan(ctx, d).pairs, rng);
  const v2 = ctx.o.apiVersion === 'v2';
  const pairs: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const kind = weighted(v2 ? PAIR_KINDS_V2 : PAIR_KINDS_V1, rng);
    const lag = kind === 'credit' || kind === 'partialCredit' ? rng.range(3, MAX_LAG) : rng.range(1, 14);
    const followDay = d + lag;
    const originId = drawDocumentId(rng, d, TAG_PAIR_ORIGIN, i);
    const followId = drawDocumentId(rng, followDay, TAG_PAIR_FOLLOW, (lag << 16) | i);
    const buy = kind === 'buy';
    const origin = newDoc(originId, buy ? 'BUY' : 'SELL', openingTime(ctx, d, rng), pickTerminal(ctx, rng), TAG_PAIR_ORIGIN * 2 ** 24 + i, rng, ctx);
    const follow = newDoc(
      followId,
      buy ? 'BUYBACK' : kind === 'return' ? 'PAYBACK' : 'SELL',
      openingTime(ctx, followDay, rng), pickTerminal(ctx, rng), TAG_PAIR_FOLLOW * 2 ** 24 + ((lag << 16) | i), rng, ctx,
    );
    follow.spelling = origin.spelling;
    if (buy) {
      origin.lines = [];
      const n = ctx.cat.buyable.size > 0 ? rng.range(1, 2) : 0;
      for (let k = 0; k < n; k++) {
        const p = ctx.cat.products[ctx.cat.buyable.sample(rng)]!;
        origin.lines.push(line(p.index, (rng.range(1, 3) * 1000) as Milli, p.costPrice, rng));
      }
      follow.lines = returnedLines(ctx, origin.lines, rng);
      follow.baseRef = originId;
    } else if (kind === 'return') {
      origin.lines = saleLines(ctx, rng);
      origin.settlement = v2 && rng.chance(0.6) ? S_FULL_SETTLEMENT : S_ABSENT;
      follow.lines = returnedLines(ctx, origin.lines, rng);
      follow.settlement = origin.settlement;
      follow.baseRef = originId;
    } else {
      origin.lines = saleLines(ctx, rng);
      follow.lines = copyLines(origin.lines, rng);
      const first = { prepay: S_FULL_PREPAYMENT, partialPrepay: S_PARTIAL_PREPAYMENT, advance: S_ADVANCE, credit: S_CREDIT, partialCredit: S_PARTIAL_SETTLEMENT }[kind];
      origin.settlement = first;
      follow.settlement = kind === 'credit' || kind === 'partialCredit' ? S_CREDIT_PAYMENT : S_FULL_SETTLEMENT;
      if (first === S_PARTIAL_PREPAYMENT || first === S_PARTIAL_SETTLEMENT) origin.settlementAmount = rng.range(1, 20) * 50;
      // A prepaid order ends in a full-settlement receipt paid by the advance (evotor-api.md §10 [S]).
      if (kind === 'prepay' || kind === 'partialPrepay' || kind === 'advance') follow.advancePaid = origin.settlementAmount > 0 ? origin.settlementAmount * 100 : -1;
    }
    pairs.push({ origin, follow, followDay });
  }
  if (ctx.pairCache.size >= ctx.pairCacheLimit) {
    const oldest = ctx.pairCache.keys().next().value;
    if (oldest !== undefined) ctx.pairCache.delete(oldest);
  }
  ctx.pairCache.set(d, pairs);
  return pairs;
}

/** Lines of a restocking acceptance, fewest and most. */
export const ACCEPT_LINES = [3, 25] as const;

export const REGULAR_V2: [EmittedType, number][] = [
  ['SELL', 0.86], ['ACCEPT', 0.04], ['WRITE_OFF', 0.012], ['RETURN', 0.006], ['INVENTORY', 0.005], ['REVALUATION', 0.005],
  ['CASH_INCOME', 0.012], ['CASH_OUTCOME', 0.012], ['BUY', 0.003], ['X_REPORT', 0.003], ['CORRECTION', 0.002],
];

function regularDoc(ctx: DayContext, d: number, i: number, rng: Rng): GenDoc {
  const weights = ctx.o.corrections ? REGULAR_V2 : REGULAR_V2.filter(([t]) => t !== 'CORRECTION');
  const type = weighted(weights, rng);
  const doc = newDoc(drawDocumentId(rng, d, TAG_MAIN, i), type, openingTime(ctx, d, rng), pickTerminal(ctx, rng), TAG_MAIN * 2 ** 24 + i, rng, ctx);
  const cat = ctx.cat;
  switch (type) {
    case 'SELL':
      doc.lines = saleLines(ctx, rng);
      doc.settlement = ctx.o.apiVersion === 'v2' && rng.chance(0.6) ? S_FULL_SETTLEMENT : S_ABSENT;
      break;
    case 'ACCEPT':
      doc.lines = stockLines(ctx, rng, ACCEPT_LINES[0], ACCEPT_LINES[1], () => rng.range(800, 1200) as Milli, false);
      for (const l of doc.lines) l.restock = true;
      break;
    case 'WRITE_OFF':
      doc.lines = stockLines(ctx, rng, 1, 4, (p) => (p.precision === 3 ? rng.range(100, 1000) : rng.range(1, 2) * 1000) as Milli, false);
      break;
    case 'RETURN':
      doc.lines = stockLines(ctx, rng, 1, 5, (p) => (p.precision === 3 ? rng.range(1000, 5000) : rng.range(1, 10) * 1000) as Milli, false);
      break;
    case 'INVENTORY':
      doc.lines = stockLines(ctx, rng, 3, 30, (p) => countNoise(p, rng), true);
      doc.complete = false;
      break;
    case 'REVALUATION': {
      const n = rng.range(1, 8);
      const lines: GenLine[] = [];
      for (let k = 0; k < n; k++) {
        const p = cat.products[cat.sellable.sample(rng)]!;
        const l = line(p.index, 0 as Milli, Math.round((p.price * (0.9 + 0.3 * rng.float())) / 10) * 10, rng);
        l.priceBefore = p.price;
        lines.push(l);
      }
      doc.lines = lines;
      break;
    }
    case 'CASH_INCOME':
    case 'CASH_OUTCOME':
      doc.cashSum = rng.range(1, 50) * 10_000;
      break;
    case 'BUY': {
      const p = cat.buyable.size > 0 ? cat.products[cat.buyable.sample(rng)]! : null;
      doc.lines = p ? [line(p.index, (rng.range(1, 2) * 1000) as Milli, p.costPrice, rng)] : [];
      break;
    }
    case 'CORRECTION': // чек коррекции (evotor-api.md §10 [S]) fixes fiscal data: it lists products and moves nothing
      doc.lines = stockLines(ctx, rng, 1, 2, () => 1000 as Milli, false);
      break;
    default:
      break;
  }
  return doc;
}

function completeInventory(ctx: DayContext, d: number): GenDoc {
  const rng = new Rng(`${ctx.key}|complete|${d}`);
  const doc = newDoc(drawDocumentId(rng, d, TAG_COMPLETE, 0), 'INVENTORY', localDayStart(ctx, d) + 7 * HOUR_MS + 30 * MINUTE_MS + rng.int(10 * MINUTE_MS), 0, TAG_COMPLETE * 2 ** 24, rng, ctx);
  doc.complete = true;
  const tracked = ctx.cat.tracked;
  let chosen: number[];
  if (tracked.length <= ctx.o.completeInventoryMaxLines) {
    // everything on the shelves is counted; about one product in ten is not found and becomes 0
    chosen = [];
    for (const p of tracked) if (!rng.chance(0.1)) chosen.push(p);
  } else {
    const copy = Int32Array.from(tracked);
    const k = ctx.o.completeInventoryMaxLines;
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(copy.length - i);
      const tmp = copy[i]!;
      copy[i] = copy[j]!;
      copy[j] = tmp;
    }
    chosen = Array.from(copy.subarray(0, k)).sort((a, b) => a - b);
  }
  doc.lines = chosen.map((index) => {
    const p = ctx.cat.products[index]!;
    return line(index, countNoise(p, rng), p.costPrice, rng);
  });
  return doc;
}

function initialAcceptances(ctx: DayContext): GenDoc[] {
  const rng = new Rng(`${ctx.key}|initial`);
  const docs: GenDoc[] = [];
  const tracked = ctx.cat.tracked;
  for (let i = 0, k = 0; i < tracked.length; i += 100, k++) {
    const doc = newDoc(drawDocumentId(rng, 0, TAG_INITIAL, k), 'ACCEPT', ctx.start + 7 * HOUR_MS + k * 1000, 0, TAG_INITIAL * 2 ** 24 + k, rng, ctx);
    const lines: GenLine[] = [];
    for (const index of tracked.subarray(i, i + 100)) {
      const p = ctx.cat.products[index]!;
      const quantity = ctx.opening[index] as Milli;
      if (quantity > 0) lines.push(line(index, quantity, p.costPrice, rng)); // 0: never accepted (options.unaccepted)
    }
    doc.lines = lines;
    docs.push(doc);
  }
  return docs;
}

/** All documents of day d, sorted by close time, without state-dependent numbers. Documents after the end are dropped. */
export function generateDay(ctx: DayContext, d: number): GenDoc[] {
  const docs: GenDoc[] = [];
  if (d === 0 && ctx.o.initialStock === 'accept') docs.push(...initialAcceptances(ctx));
  const every = ctx.o.completeInventoryEveryDays;
  if (every > 0 && ctx.o.apiVersion === 'v2' && d > 0 && d % every === 0) docs.push(completeInventory(ctx, d));
  for (let t = 0; t < ctx.o.terminals; t++) {
    const rng = new Rng(`${ctx.key}|session|${t}|${d}`);
    const open = newDoc(drawDocumentId(rng, d, TAG_SESSION, t * 2), 'OPEN_SESSION', localDayStart(ctx, d) + 7 * HOUR_MS + 45 * MINUTE_MS + rng.int(10 * MINUTE_MS), t, TAG_SESSION * 2 ** 24 + t * 2, rng, ctx);
    const close = newDoc(drawDocumentId(rng, d, TAG_SESSION, t * 2 + 1), 'CLOSE_SESSION', localDayStart(ctx, d) + 22 * HOUR_MS + 5 * MINUTE_MS + rng.int(10 * MINUTE_MS), t, TAG_SESSION * 2 ** 24 + t * 2 + 1, rng, ctx);
    docs.push(open, close);
  }
  const rng = new Rng(`${ctx.key}|main|${d}`);
  const regular = roundRandom(dayPlan(ctx, d).regular, rng);
  for (let i = 0; i < regular; i++) docs.push(regularDoc(ctx, d, i, rng));
  for (const pair of pairsOfDay(ctx, d)) docs.push(pair.origin);
  for (let lag = 1; lag <= MAX_LAG && lag <= d; lag++) {
    for (const pair of pairsOfDay(ctx, d - lag)) if (pair.followDay === d) docs.push(pair.follow);
  }
  const kept = localDayStart(ctx, d + 1) > ctx.end ? docs.filter((doc) => doc.time <= ctx.end) : docs;
  kept.sort((a, b) => a.time - b.time || a.order - b.order);
  return kept;
}

/** Every line of a document in record order: each line, then its sub-positions. */
export function forEachLine(doc: GenDoc, fn: (l: GenLine, parent: GenLine | null) => void): void {
  for (const l of doc.lines) {
    fn(l, null);
    if (l.subs) for (const s of l.subs) fn(s, l);
  }
}
