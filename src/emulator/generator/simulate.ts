/**
 * The forward simulation: walks every day once, in order, applying each document to the true stock, to the view
 * of the terminal that closed it, and to the cloud; terminals sync with the cloud every 4 hours while online.
 * It keeps only compact typed arrays: per-day offsets and counts, and one number per stock line (the terminal's
 * stock before the document) plus one per inventory line (the counted quantity). Any day can then be served by
 * regenerating it from its seeds and reading its numbers back (`materialiseDay`).
 */
import type { Milli } from '../../model/quantity.ts';
import { generateCatalogue, type Catalogue } from './catalogue.ts';
import {
  ACCEPT_LINES, EMITTED_TYPES, MAX_LAG, REGULAR_V2, TYPE_INDEX, dayPlan, forEachLine, generateDay, type DayContext, type GenDoc,
} from './day.ts';
import { isRestock, neediest, orderUpTo, restockWith } from './restock.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, datePrefixedId, yyyymmdd } from './format.ts';
import {
  S_ABSENT, SETTLEMENT_MOVES_GOODS, historyStart, resolveOptions, type GeneratorOptions, type ResolvedOptions,
} from './options.ts';
import { Rng } from './prng.ts';
import { ChangeLog, ChunkedFloat64 } from './records.ts';

export const SYNC_INTERVAL_MS = 4 * HOUR_MS;

export interface Device {
  id: string;
  name: string;
}
export interface Employee {
  id: string;
  name: string;
}

export interface GeneratedStore {
  options: ResolvedOptions;
  id: string;
  name: string;
  address: string;
  /** The owner's Evotor user id (NN-NNNNNNNNNNNNNNN). */
  userId: string;
  devices: Device[];
  employees: Employee[];
  catalogue: Catalogue;
  ctx: DayContext;
  start: number;
  end: number;
  days: number;
  /** dayDocStart[d] = ordinal of the first document of day d; dayDocStart[days] = number of documents. */
  dayDocStart: Int32Array;
  /** First record slot of day d. */
  daySlotStart: Float64Array;
  /** Documents closed by terminal t before day d: dayTermStart[d * terminals + t]. */
  dayTermStart: Int32Array;
  /** Documents of each emitted type on day d: dayTypeCount[d * EMITTED_TYPES.length + type]. */
  dayTypeCount: Uint32Array;
  records: ChunkedFloat64;
  /** Final true stock per catalogue index (meaningful for tracked products). */
  truth: Float64Array;
  /** Final cloud quantity per catalogue index as the terminals left it. */
  cloud: Float64Array;
  /** Final view of each terminal. */
  views: Float64Array[];
  offline: { terminal: number; from: number; to: number }[];
  cloudEdits: { time: number; p: number; mode: 'zero' | 'recount' | 'typo' }[];
  documentCount: number;
  stats: { generationMs: number; documents: number; lines: number; recordBytes: number };
}

const isTracked = (cat: Catalogue, p: number) => p >= 0 && (cat.products[p] as { tracked: boolean }).tracked;

/**
 * Physical direction of a document's lines: +1 goods in, -1 goods out, 0 nothing moves. INVENTORY sets stock
 * instead (see applyDocument). Prepayment, partial prepayment, advance and credit payment hand over no goods.
 */
export function movementSign(doc: GenDoc): number {
  const handsOver = doc.settlement === S_ABSENT || SETTLEMENT_MOVES_GOODS[doc.settlement] === true;
  switch (doc.type) {
    case 'SELL':
      return handsOver ? -1 : 0;
    case 'PAYBACK':
      return handsOver ? 1 : 0;
    case 'BUY':
    case 'ACCEPT':
      return 1;
    case 'BUYBACK':
    case 'WRITE_OFF':
    case 'RETURN':
      return -1;
    default:
      return 0;
  }
}

/**
 * Applies a materialised document (initial/counted filled) to a stock array and reports every product it
 * touched. Set headers, services and free-price lines move nothing; set components move. A complete inventory
 * sets the listed products and zeroes every other tracked product.
 */
export function applyDocument(doc: GenDoc, cat: Catalogue, stock: Float64Array, touched: (p: number) => void, listed?: Uint8Array): void {
  if (doc.type === 'INVENTORY') {
    const mark = doc.complete ? (listed ?? new Uint8Array(cat.products.length)) : null;
    forEachLine(doc, (l) => {
      if (!isTracked(cat, l.p)) return;
      stock[l.p] = l.counted;
      touched(l.p);
      if (mark) mark[l.p] = 1;
    });
    if (mark) {
      for (const p of cat.tracked) {
        if (mark[p] === 1) {
          mark[p] = 0;
          continue;
        }
        stock[p] = 0;
        touched(p);
      }
    }
    return;
  }
  const sign = movementSign(doc);
  if (sign === 0) return;
  forEachLine(doc, (l) => {
    if (!isTracked(cat, l.p)) return;
    stock[l.p] = (stock[l.p] as number) + sign * l.qty;
    touched(l.p);
  });
}

function averageSaleQty(kind: string): number {
  if (kind === 'weighted') return 1275;
  if (kind === 'set') return 1150;
  return 1425;
}

function buildContext(o: ResolvedOptions, cat: Catalogue, start: number, days: number): DayContext {
  const key = `${String(o.seed)}`;
  const ctx: DayContext = {
    o, cat, key, start, days, end: o.endTime, employees: 3,
    target: new Float64Array(cat.products.length), opening: new Float64Array(cat.products.length),
    demand: new Float64Array(cat.products.length), restockable: new Int32Array(0),
    pairCache: new Map(), pairCacheLimit: MAX_LAG + 8,
  };
  // Target levels, as a shop keeps them. Acceptances restock the products with the fewest days of stock left
  // (neediest), so a selling product comes up about every `restockable ÷ accepted lines a day` days; its target is
  // the sales of that cycle plus a week's reserve: days to weeks of cover, and rarely none (issue 16 item 22).
  const plan = dayPlan(ctx, 3);
  const saleLines = (plan.regular * 0.86 + plan.pairs * 0.9) * 2.15 * 0.97;
  const demand = ctx.demand;
  for (const p of cat.products) {
    if (p.group) continue;
    const lines = saleLines * cat.sellable.share(p);
    if (p.components) for (const c of p.components) demand[c.p] = (demand[c.p] as number) + lines * 1.15 * c.qty;
    else if (p.tracked) demand[p.index] = (demand[p.index] as number) + lines * averageSaleQty(p.kind);
  }
  const selling = cat.tracked.filter((index) => (demand[index] as number) > 0);
  // The products never accepted: popular ones (a café's americano), drawn by popularity.
  const unaccepted = new Set<number>();
  const pickRng = new Rng(`${key}|unaccepted`);
  for (let tries = 0; unaccepted.size < Math.min(o.unaccepted, selling.length) && tries < 100 * o.unaccepted; tries++) {
    const index = cat.stockable.sample(pickRng);
    if ((demand[index] as number) > 0) unaccepted.add(index);
  }
  ctx.restockable = selling.filter((index) => !unaccepted.has(index));
  const acceptShare = (REGULAR_V2.find(([type]) => type === 'ACCEPT')![1]) / REGULAR_V2.reduce((sum, [, w]) => sum + w, 0);
  const acceptLines = Math.max(0.05, plan.regular * acceptShare * ((ACCEPT_LINES[0] + ACCEPT_LINES[1]) / 2));
  const coverDays = Math.min(56, ctx.restockable.length / acceptLines + 7);
  const rng = new Rng(`${key}|opening`);
  for (const index of cat.tracked) {
    const p = cat.products[index]!;
    const target = (demand[index] as number) * coverDays * (0.8 + 0.4 * rng.float());
    const level = p.precision === 3 ? Math.max(5000, Math.round(target / 10) * 10) : Math.max(12, Math.round(target / 1000)) * 1000;
    ctx.target[index] = unaccepted.has(index) ? 0 : Math.min(level, 9_000_000_000);
    ctx.opening[index] = ctx.target[index] as number;
  }
  return ctx;
}

function mergeIntervals(list: { terminal: number; from: number; to: number }[]): { terminal: number; from: number; to: number }[] {
  const sorted = [...list].sort((a, b) => a.terminal - b.terminal || a.from - b.from);
  const out: { terminal: number; from: number; to: number }[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last && last.terminal === p.terminal && p.from <= last.to) last.to = Math.max(last.to, p.to);
    else out.push({ ...p });
  }
  return out;
}

export interface GenerateOptions {
  /** Current time for endTime 'now' (default Date.now()). */
  now?: number;
  /** Changes only the store id (to keep ids unique when two stores share a seed). */
  idSalt?: string;
}

/** The store's ids and names, from their own seeded streams (so they do not move when the history changes). */
function storeIdentity(o: ResolvedOptions, start: number, idSalt: string) {
  const T = o.terminals;
  const idRng = new Rng(`${String(o.seed)}|identity${idSalt}`);
  const created = yyyymmdd(start, o.timeZoneOffsetMs);
  const id = datePrefixedId(created, new Rng(`${String(o.seed)}|store${idSalt}`));
  const devices = Array.from({ length: T }, (_, t) => ({ id: datePrefixedId(created, idRng), name: `Смарт-терминал ${t + 1}` }));
  const employees = ['Иванова Мария', 'Петров Сергей', 'Сидорова Анна'].map((name) => ({ id: datePrefixedId(created, idRng), name }));
  const userId = `01-${String(idRng.range(100_000_000, 999_999_999)).padStart(15, '0')}`;
  const name = o.name ?? `Магазин «${['У дома', 'Продукты 24', 'Берёзка', 'Ромашка', 'Колосок'][idRng.int(5)]}» №${idRng.range(1, 99)}`;
  const address = `г. ${['Москва', 'Тверь', 'Казань', 'Воронеж', 'Самара'][idRng.int(5)]}, ул. ${['Ленина', 'Садовая', 'Мира', 'Лесная'][idRng.int(4)]}, д. ${idRng.range(1, 120)}`;

  return { id, name, address, userId, devices, employees };
}

/** Offline periods and cloud edits: lists that do not depend on the stock, drawn before the history runs. */
function offlineAndEdits(o: ResolvedOptions, cat: Catalogue, start: number, end: number) {
  const T = o.terminals;
  const offRng = new Rng(`${String(o.seed)}|offline`);
  const randomOffline: { terminal: number; from: number; to: number }[] = [];
  for (let i = 0; i < o.randomOffline; i++) {
    const terminal = offRng.int(T);
    const from = start + Math.floor(offRng.float() * (end - start));
    const to = from + HOUR_MS + Math.floor(offRng.float() * 71 * HOUR_MS);
    randomOffline.push({ terminal, from, to });
  }
  const offline = mergeIntervals(
    [...o.offline, ...randomOffline]
      .map((p) => ({ terminal: p.terminal, from: Math.max(p.from, start), to: Math.min(p.to, end) }))
      .filter((p) => p.to > p.from),
  );
  const transitions = offline
    .flatMap((p) => [{ time: p.from, terminal: p.terminal, online: false }, { time: p.to, terminal: p.terminal, online: true }])
    .sort((a, b) => a.time - b.time || Number(a.online) - Number(b.online));
  const editRng = new Rng(`${String(o.seed)}|edits`);
  const modes = ['zero', 'recount', 'typo'] as const;
  const cloudEdits = cat.stockable.size === 0 ? [] : Array.from({ length: o.cloudEdits }, () => ({
    time: start + Math.floor(editRng.float() * (end - start)),
    p: cat.stockable.sample(editRng),
    mode: modes[editRng.int(3)]!,
    typo: editRng.range(0, 50),
  })).sort((a, b) => a.time - b.time);

  return { offline, transitions, cloudEdits };
}

/** kind 0: a terminal syncs; 1: it goes offline; 2: it comes back; 3: a cloud edit of product a (b: the mode). */
type DayEvent = { time: number; kind: number; a: number; b: number };

/** The day's syncs, online/offline transitions and cloud edits, in time order; `cursor` walks the two lists. */
function dayEvents(
  T: number, dayStart: number, dayEnd: number,
  transitions: readonly { time: number; terminal: number; online: boolean }[],
  cloudEdits: readonly { time: number; p: number; mode: 'zero' | 'recount' | 'typo'; typo: number }[],
  cursor: { transitionAt: number; editAt: number },
): DayEvent[] {
  const events: DayEvent[] = [];
  for (let t = 0; t < T; t++) {
    const phase = (t * 80 * MINUTE_MS) % SYNC_INTERVAL_MS;
    for (let s = dayStart + phase; s < dayEnd; s += SYNC_INTERVAL_MS) events.push({ time: s, kind: 0, a: t, b: 0 });
  }
  while (cursor.transitionAt < transitions.length && transitions[cursor.transitionAt]!.time < dayEnd) {
    const tr = transitions[cursor.transitionAt++]!;
    events.push({ time: tr.time, kind: tr.online ? 2 : 1, a: tr.terminal, b: 0 });
  }
  while (cursor.editAt < cloudEdits.length && cloudEdits[cursor.editAt]!.time < dayEnd) {
    const e = cloudEdits[cursor.editAt++]!;
    events.push({ time: e.time, kind: 3, a: e.p, b: e.mode === 'zero' ? 0 : e.mode === 'recount' ? 1 : 2 + e.typo });
  }
  events.sort((x, y) => x.time - y.time || x.kind - y.kind);
  return events;
}

export function generateStore(input: Partial<GeneratorOptions> = {}, gen: GenerateOptions = {}): GeneratedStore {
  const began = performance.now();
  const o = resolveOptions(input, gen.now ?? Date.now());
  const cat = generateCatalogue(o);
  const start = historyStart(o);
  const end = o.endTime;
  const days = Math.max(1, Math.ceil((end - start) / DAY_MS));
  const ctx = buildContext(o, cat, start, days);
  const T = o.terminals;
  const P = cat.products.length;
  const K = EMITTED_TYPES.length;

  const { id, name, address, userId, devices, employees } = storeIdentity(o, start, gen.idSalt ?? '');
  const { offline, transitions, cloudEdits } = offlineAndEdits(o, cat, start, end);
  // State
  const truth = new Float64Array(P);
  const cloud = new Float64Array(P);
  const views = Array.from({ length: T }, () => new Float64Array(P));
  if (o.initialStock === 'import') {
    for (const p of cat.tracked) {
      truth[p] = ctx.opening[p] as number;
      cloud[p] = ctx.opening[p] as number;
      for (const v of views) v[p] = ctx.opening[p] as number;
    }
  }
  const log = new ChangeLog();
  const logPos = new Int32Array(T);
  const online = new Array<boolean>(T).fill(true);
  const dirty = Array.from({ length: T }, () => new Set<number>());
  const listed = new Uint8Array(P);
  const touchedMark = new Uint8Array(P);
  const touched: number[] = [];
  const touch = (p: number) => {
    if (touchedMark[p] === 0) {
      touchedMark[p] = 1;
      touched.push(p);
    }
  };

  const dayDocStart = new Int32Array(days + 1);
  const daySlotStart = new Float64Array(days + 1);
  const dayTermStart = new Int32Array((days + 1) * T);
  const dayTypeCount = new Uint32Array(days * K);
  const records = new ChunkedFloat64();
  const termCount = new Int32Array(T);
  let documents = 0;
  let lines = 0;

  const push = (t: number, p: number) => {
    cloud[p] = (views[t] as Float64Array)[p] as number;
    log.push(p);
  };
  const sync = (t: number) => {
    const view = views[t] as Float64Array;
    log.forEachFrom(logPos[t] as number, (p) => {
      view[p] = cloud[p] as number;
    });
    logPos[t] = log.end;
  };
  const reconnect = (t: number) => {
    online[t] = true;
    for (const p of dirty[t] as Set<number>) push(t, p);
    (dirty[t] as Set<number>).clear();
    (views[t] as Float64Array).set(cloud);
    logPos[t] = log.end;
  };
  const cursor = { transitionAt: 0, editAt: 0 };

  for (let d = 0; d < days; d++) {
    dayDocStart[d] = documents;
    daySlotStart[d] = records.length;
    dayTermStart.set(termCount, d * T);
    const dayStart = start + d * DAY_MS;
    const dayEnd = dayStart + DAY_MS;
    const events = dayEvents(T, dayStart, dayEnd, transitions, cloudEdits, cursor);
    let ev = 0;
    const runEvent = (e: DayEvent) => {
      if (e.kind === 0) {
        if (online[e.a]) sync(e.a);
      } else if (e.kind === 1) {
        online[e.a] = false;
      } else if (e.kind === 2) {
        reconnect(e.a);
      } else {
        const p = e.a;
        const product = cat.products[p]!;
        cloud[p] = e.b === 0 ? 0 : e.b === 1 ? (truth[p] as number) : (e.b - 2) * (product.precision === 3 ? 400 : 1000);
        log.push(p);
      }
    };

    const docs = generateDay(ctx, d);
    for (const doc of docs) {
      while (ev < events.length && events[ev]!.time <= doc.time) runEvent(events[ev++]!);
      const t = doc.terminal;
      const view = views[t] as Float64Array;
      termCount[t] = (termCount[t] as number) + 1;
      const inventory = doc.type === 'INVENTORY';
      // 0. a restocking acceptance brings the products running out
      if (isRestock(doc)) {
        const products = neediest(ctx, truth, doc.lines.length);
        restockWith(doc, cat, products);
        records.push(products.length);
        for (const p of products) records.push(p);
      }
      // 1. what the terminal knew before the document, and what an inventory counted
      forEachLine(doc, (l) => {
        lines++;
        if (!isTracked(cat, l.p)) return;
        l.initial = view[l.p] as Milli;
        records.push(l.initial);
        if (l.restock) {
          l.qty = orderUpTo(ctx, cat.products[l.p]!, l.initial, l.qty);
          records.push(l.qty);
        } else if (inventory) {
          const counted = Math.max(0, Math.max(0, truth[l.p] as number) + l.qty);
          l.counted = counted as Milli;
          records.push(counted);
        }
      });
      // 2. the physical movement, on the truth and on the terminal's view
      applyDocument(doc, cat, truth, () => {}, listed);
      applyDocument(doc, cat, view, touch, listed);
      // 3. the terminal sends the new balances to the cloud at once, or when it is back online
      if (online[t]) for (const p of touched) push(t, p);
      else for (const p of touched) (dirty[t] as Set<number>).add(p);
      for (const p of touched) touchedMark[p] = 0;
      touched.length = 0;
      dayTypeCount[d * K + (TYPE_INDEX[doc.type] as number)]! += 1;
      documents++;
    }
    while (ev < events.length) runEvent(events[ev++]!);
    let keep = log.end;
    for (let t = 0; t < T; t++) if (online[t]) keep = Math.min(keep, logPos[t] as number);
    log.compact(keep);
  }
  for (let t = 0; t < T; t++) if (!online[t]) reconnect(t);
  dayDocStart[days] = documents;
  daySlotStart[days] = records.length;
  dayTermStart.set(termCount, days * T);

  return {
    options: o, id, name, address, userId, devices, employees, catalogue: cat, ctx, start, end, days,
    dayDocStart, daySlotStart, dayTermStart, dayTypeCount, records, truth, cloud, views, offline,
    cloudEdits: cloudEdits.map(({ time, p, mode }) => ({ time, p, mode })),
    documentCount: documents,
    stats: { generationMs: performance.now() - began, documents, lines, recordBytes: records.bytes },
  };
}

/** Day d with every state-dependent number filled in: document numbers, initial quantities, counted quantities. */
export function materialiseDay(store: GeneratedStore, d: number): GenDoc[] {
  const docs = generateDay(store.ctx, d);
  const T = store.options.terminals;
  const counters = store.dayTermStart.slice(d * T, d * T + T);
  let slot = store.daySlotStart[d] as number;
  const cat = store.catalogue;
  for (const doc of docs) {
    counters[doc.terminal] = (counters[doc.terminal] as number) + 1;
    doc.number = counters[doc.terminal] as number;
    const inventory = doc.type === 'INVENTORY';
    if (isRestock(doc)) {
      const products: number[] = [];
      for (let k = store.records.get(slot++) as number; k > 0; k--) products.push(store.records.get(slot++) as number);
      restockWith(doc, cat, products);
    }
    forEachLine(doc, (l) => {
      if (!isTracked(cat, l.p)) return;
      l.initial = store.records.get(slot++) as Milli;
      if (l.restock) l.qty = store.records.get(slot++) as Milli;
      else if (inventory) l.counted = store.records.get(slot++) as Milli;
    });
  }
  if (slot !== store.daySlotStart[d + 1]) throw new Error(`emulator: day ${d} regenerated differently (slot ${slot} != ${store.daySlotStart[d + 1]})`);
  return docs;
}
