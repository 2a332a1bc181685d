/**
 * A store as the emulator serves it: the generated history (regenerated day by day on demand, with a small day
 * cache), the cloud's mutable products, documents injected at run time, and the ground truth.
 */
import type { Milli } from '../model/quantity.ts';
import { EMITTED_TYPES, GenDoc, TYPE_INDEX, type GenLine } from './generator/day.ts';
import { formatQuantity as formatQty } from '../model/quantity.ts';
import { DAY_MS, decodeDocumentId, drawDocumentId, evotorDate } from './generator/format.ts';
import { S_ABSENT, S_FULL_SETTLEMENT, type GeneratorOptions } from './generator/options.ts';
import { Rng } from './generator/prng.ts';
import { replay } from './generator/replay.ts';
import { applyDocument, generateStore, materialiseDay, type GeneratedStore, type GenerateOptions } from './generator/simulate.ts';
import type { MalformedSettings } from './faults.ts';
import { parseApiQuantity, productFromCatalogue, type RtProduct } from './products.ts';

export interface DocFilter {
  /** close time >= since (epoch ms) */
  since: number;
  /** close time < until; null: no bound */
  until: number | null;
  types: string[] | null;
  /** terminal index; null: all */
  device: number | null;
}

export type CloudMode = 'zeroed' | 'truth' | 'stale';

export interface InjectLine {
  productId?: string;
  quantity?: number | string;
}

export interface InjectOptions {
  type?: 'SELL' | 'PAYBACK' | 'ACCEPT' | 'WRITE_OFF';
  lines?: InjectLine[];
  productId?: string;
  quantity?: number | string;
  terminal?: number;
  closeTime?: number;
}

const TAG_INJECTED = 7;

export class StoreError extends Error {
  constructor(readonly status: number, message: string, readonly subject = '') {
    super(message);
  }
}

export class RuntimeStore {
  readonly gen: GeneratedStore;
  readonly id: string;
  paid = true;
  /** This store's own malformed-documents setting; null: the global `malformedRate` fault (scoped by `match`) applies. */
  malformed: MalformedSettings | null = null;
  products: RtProduct[];
  byId: Map<string, RtProduct>;
  /** Current true stock per catalogue index (final truth of the history plus injected documents). */
  truth: Float64Array;
  readonly injected: GenDoc[] = [];
  private readonly injectedById = new Map<string, GenDoc>();
  private readonly dayCache = new Map<number, GenDoc[]>();
  private readonly createdReal: number;
  readonly generatorInput: Partial<GeneratorOptions>;

  constructor(input: Partial<GeneratorOptions>, readonly clock: () => number = Date.now, gen: GenerateOptions = {}) {
    this.generatorInput = input;
    this.createdReal = clock();
    this.gen = generateStore(input, { now: this.createdReal, ...gen });
    this.id = this.gen.id;
    const cat = this.gen.catalogue.products;
    const createdAt = this.gen.start - 3_600_000;
    this.products = cat.map((p) => productFromCatalogue(p, cat, createdAt));
    this.byId = new Map(this.products.map((p) => [p.id.toLowerCase(), p]));
    this.truth = Float64Array.from(this.gen.truth);
    this.setCloudMode(this.gen.options.cloudQuantities);
  }

  get name(): string {
    return this.gen.name;
  }

  /** The emulated present: the end of the history plus the real time elapsed since the store was created. */
  now(): number {
    return this.gen.end + Math.max(0, this.clock() - this.createdReal);
  }

  get generatedCount(): number {
    return this.gen.documentCount;
  }

  get documentCount(): number {
    return this.gen.documentCount + this.injected.length;
  }

  setCloudMode(mode: CloudMode): void {
    const source = mode === 'truth' ? this.truth : mode === 'stale' ? this.gen.cloud : null;
    for (const p of this.products) {
      if (p.index < 0 || p.group) continue;
      const gp = this.gen.catalogue.products[p.index]!;
      if (gp.type === 'SERVICE') continue;
      p.quantity = (gp.tracked && source ? (source[p.index] as number) : 0) as Milli;
    }
  }

  product(id: string): RtProduct | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /**
   * Full replace of a product (V2 bulk or V1 POST), or a new one: fields not sent are gone; an absent quantity
   * leaves none. The quantity was validated by the caller (validateProduct).
   */
  replaceProduct(id: string, fields: Record<string, unknown>, quantity: unknown, now: number): RtProduct {
    const existing = this.product(id);
    const q = quantity === undefined || quantity === null ? null : (parseApiQuantity(quantity) as { value: Milli }).value;
    const group = fields.group === true;
    if (existing) {
      existing.fields = fields;
      existing.group = group;
      existing.quantity = group || fields.type === 'SERVICE' ? null : q;
      existing.updatedAt = now;
      return existing;
    }
    const created: RtProduct = { index: -1, id: id.toLowerCase(), group, fields, quantity: group || fields.type === 'SERVICE' ? null : q, createdAt: now, updatedAt: now };
    this.products.push(created);
    this.byId.set(created.id, created);
    return created;
  }

  /** V1 delete: the product is gone from the cloud (its documents stay). */
  removeProduct(product: RtProduct): void {
    this.products = this.products.filter((x) => x !== product);
    this.byId.delete(product.id.toLowerCase());
  }

  /** One day's documents, materialised (cached: paging walks days in order). */
  day(d: number): GenDoc[] {
    const hit = this.dayCache.get(d);
    if (hit) {
      this.dayCache.delete(d);
      this.dayCache.set(d, hit);
      return hit;
    }
    const docs = materialiseDay(this.gen, d);
    if (this.dayCache.size >= 24) this.dayCache.delete(this.dayCache.keys().next().value as number);
    this.dayCache.set(d, docs);
    return docs;
  }

  /** The day holding document ordinal `ord` (< generatedCount). */
  private dayOfOrdinal(ord: number): number {
    const starts = this.gen.dayDocStart;
    let lo = 0;
    let hi = this.gen.days - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= ord) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private dayHasTypes(d: number, types: string[]): boolean {
    const K = EMITTED_TYPES.length;
    for (const t of types) {
      const i = TYPE_INDEX[t];
      if (i !== undefined && (this.gen.dayTypeCount[d * K + i] as number) > 0) return true;
    }
    return false;
  }

  /** First ordinal whose document could close at or after `time`. */
  firstOrdinal(time: number): number {
    if (time <= this.gen.start) return 0;
    const d = Math.floor((time - this.gen.start) / DAY_MS);
    if (d >= this.gen.days) return this.gen.documentCount;
    return this.gen.dayDocStart[d] as number;
  }

  private matches(doc: GenDoc, f: DocFilter): boolean {
    if (f.types && !f.types.includes(doc.type)) return false;
    if (f.device !== null && doc.terminal !== f.device) return false;
    return true;
  }

  /** Calls fn(doc, ordinal) for each matching document from ordinal `from` in order, until fn returns false. */
  scan(from: number, f: DocFilter, fn: (doc: GenDoc, ordinal: number) => boolean): void {
    const G = this.gen.documentCount;
    let ord = Math.max(from, 0);
    const starts = this.gen.dayDocStart;
    while (ord < G) {
      const d = this.dayOfOrdinal(ord);
      const dayStart = this.gen.start + d * DAY_MS;
      const next = starts[d + 1] as number;
      if (f.until !== null && dayStart >= f.until) return;
      if (next <= ord) break; // cannot happen: the day holding `ord` has documents
      if (dayStart + DAY_MS <= f.since || (f.types && !this.dayHasTypes(d, f.types))) {
        ord = next;
        continue;
      }
      const docs = this.day(d);
      for (let i = ord - (starts[d] as number); i < docs.length; i++) {
        const doc = docs[i]!;
        if (doc.time < f.since) continue;
        if (f.until !== null && doc.time >= f.until) return;
        if (this.matches(doc, f) && !fn(doc, (starts[d] as number) + i)) return;
      }
      ord = next;
    }
    for (let k = Math.max(0, ord - G); k < this.injected.length; k++) {
      const doc = this.injected[k]!;
      if (doc.time < f.since) continue;
      if (f.until !== null && doc.time >= f.until) return;
      if (this.matches(doc, f) && !fn(doc, G + k)) return;
    }
  }

  /** One page: at most `limit` documents from ordinal `from`, and the ordinal of the next match (null at the end). */
  page(f: DocFilter, from: number, limit: number): { docs: GenDoc[]; next: number | null } {
    const docs: GenDoc[] = [];
    let next: number | null = null;
    this.scan(from, f, (doc, ordinal) => {
      if (docs.length < limit) {
        docs.push(doc);
        return true;
      }
      next = ordinal;
      return false;
    });
    return { docs, next };
  }

  findDocument(id: string): GenDoc | null {
    const lower = id.toLowerCase();
    const injected = this.injectedById.get(lower);
    if (injected) return injected;
    const decoded = decodeDocumentId(lower);
    if (!decoded || decoded.day >= this.gen.days) return null;
    return this.day(decoded.day).find((doc) => doc.id === lower) ?? null;
  }

  terminalIndex(deviceId: string): number {
    return this.gen.devices.findIndex((d) => d.id.toLowerCase() === deviceId.toLowerCase());
  }

  private lastCloseTime(): number {
    const last = this.injected[this.injected.length - 1];
    if (last) return last.time;
    const G = this.gen.documentCount;
    if (G === 0) return this.gen.start;
    const d = this.dayOfOrdinal(G - 1);
    const docs = this.day(d);
    return docs[docs.length - 1]!.time;
  }

  /**
   * A document made now on a terminal (default: a sale of one unit of a tracked product): it closes after every
   * other document, moves the true stock, and moves the cloud quantity as the terminal would (initial_quantity is
   * the cloud's quantity, which the terminal has just synced).
   */
  inject(opts: InjectOptions): GenDoc {
    const cat = this.gen.catalogue;
    const o = this.gen.options;
    const type = opts.type ?? 'SELL';
    if (!['SELL', 'PAYBACK', 'ACCEPT', 'WRITE_OFF'].includes(type)) throw new StoreError(400, `type must be SELL, PAYBACK, ACCEPT or WRITE_OFF`, 'type');
    const terminal = opts.terminal ?? 0;
    if (!Number.isInteger(terminal) || terminal < 0 || terminal >= o.terminals) throw new StoreError(400, `terminal must be in [0, ${o.terminals - 1}]`, 'terminal');
    const k = this.injected.length;
    const rng = new Rng(`${String(o.seed)}|injected|${k}`);
    const requested = opts.lines ?? [{ productId: opts.productId, quantity: opts.quantity }];
    if (requested.length === 0) throw new StoreError(400, 'lines must not be empty', 'lines');
    const lines: GenLine[] = requested.map((r, i) => {
      let index: number;
      if (r.productId !== undefined) {
        const p = this.product(String(r.productId));
        if (!p || p.index < 0 || !cat.products[p.index]!.tracked) throw new StoreError(400, `not a generated product that keeps stock: ${String(r.productId)}`, `lines[${i}].productId`);
        index = p.index;
      } else {
        index = cat.stockable.sample(rng);
        if (index < 0) throw new StoreError(400, 'the store has no product that keeps stock', 'productId');
      }
      const gp = cat.products[index]!;
      let qty: Milli = (gp.precision === 3 ? 500 : 1000) as Milli;
      if (r.quantity !== undefined) {
        const text = String(r.quantity);
        const m = /^(\d{1,7})(?:\.(\d{1,3}))?$/.exec(text);
        if (!m || (Number(m[1]) === 0 && Number(m[2] ?? 0) === 0)) throw new StoreError(400, 'quantity must be a positive decimal with at most 3 decimals', `lines[${i}].quantity`);
        qty = (Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'))) as Milli;
      }
      return {
        p: index, freeNull: false, qty, price: gp.price, priceBefore: 0, subs: null, mark: null, restock: false,
        initial: (this.products[index]!.quantity ?? 0) as Milli, counted: 0 as Milli,
      };
    });
    const time = Math.max(opts.closeTime ?? this.now(), this.lastCloseTime() + 1000);
    const day = Math.floor((time - this.gen.start) / DAY_MS);
    const T = o.terminals;
    const onTerminal = this.injected.filter((d) => d.terminal === terminal).length;
    const doc = new GenDoc(drawDocumentId(rng, Math.min(day, 0xffff), TAG_INJECTED, k), type, time, terminal, k);
    doc.lines = lines;
    doc.settlement = type === 'SELL' && o.apiVersion === 'v2' ? S_FULL_SETTLEMENT : S_ABSENT;
    doc.spelling = o.settlementStyle === 'evotor' ? 2 : o.settlementStyle === 'sdk' ? 1 : 0;
    doc.number = (this.gen.dayTermStart[this.gen.days * T + terminal] as number) + onTerminal + 1;
    applyDocument(doc, cat, this.truth, () => {});
    const cloudAfter = new Float64Array(this.products.length);
    for (const l of lines) cloudAfter[l.p] = l.initial;
    applyDocument(doc, cat, cloudAfter, (p) => {
      const rp = this.products[p]!;
      rp.quantity = cloudAfter[p] as Milli;
      rp.updatedAt = time;
    });
    this.injected.push(doc);
    this.injectedById.set(doc.id, doc);
    return doc;
  }

  /** Stock after every document closed at or before `at` (generated and injected). */
  truthAt(at: number): Float64Array {
    if (at >= this.lastCloseTime()) return this.truth;
    const stock = replay(this.gen, at);
    for (const doc of this.injected) if (doc.time <= at) applyDocument(doc, this.gen.catalogue, stock, () => {});
    return stock;
  }

  /** The ground truth as JSON: tracked products' true stock as exact decimal strings, and the products that keep none. */
  truthJson(at?: number): Record<string, unknown> {
    const stock = at === undefined ? this.truth : this.truthAt(at);
    const products: Record<string, string> = {};
    const untracked: Record<string, string> = {};
    for (const p of this.gen.catalogue.products) {
      if (p.tracked) products[p.id] = formatQty(stock[p.index] as Milli);
      else untracked[p.id] = p.group ? (p.hasVariants ? 'modification-parent' : 'group') : p.kind === 'set' ? 'set' : 'service';
    }
    return {
      storeId: this.id,
      asOf: at === undefined ? null : evotorDate(at),
      documentCount: this.documentCount,
      truth: products,
      untracked,
    };
  }

  /** Per-document truth: after each document (closed in [since, until]), the true stock of the products it names. */
  documentTruth(since = -Infinity, until = Infinity, limit = 100_000): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const ids = this.gen.catalogue.products.map((p) => p.id);
    const record = (doc: GenDoc, stock: Float64Array, named: number[]) => {
      const after: Record<string, string> = {};
      for (const p of named) after[ids[p]!] = formatQty(stock[p] as Milli);
      const entry: Record<string, unknown> = { id: doc.id, type: doc.type, closeDate: evotorDate(doc.time), deviceId: this.gen.devices[doc.terminal]!.id, after };
      if (doc.type === 'INVENTORY' && doc.complete) entry.zeroedUnlisted = true;
      out.push(entry);
    };
    const stock = replay(this.gen, Number.isFinite(until) ? until : undefined, (step) => {
      if (out.length < limit) record(step.doc, step.stock, step.named);
    }, since);
    for (const doc of this.injected) {
      applyDocument(doc, this.gen.catalogue, stock, () => {});
      if (doc.time >= since && doc.time <= until && out.length < limit) record(doc, stock, [...new Set(doc.lines.map((l) => l.p))]);
    }
    return out;
  }
}

export function createStore(input: Partial<GeneratorOptions>, clock: () => number = Date.now, gen: GenerateOptions = {}): RuntimeStore {
  return new RuntimeStore(input, clock, gen);
}
