/**
 * The stock computation over the local store. Two readings of the same stored rows:
 * - while pages arrive, the core's guide tracker (O(products) memory, any order) keeps every product's guide answer
 *   up to date from the page's rows in memory: no read from IndexedDB per page;
 * - when the pull ends (and when a finished store is opened again), foldProduct folds every product's whole history
 *   (ledger, chain check), one part of the products at a time (page-rows.ts PARTS): each page record is read once
 *   and only one part's histories are held at once, never the whole store (a small store is read in one scan).
 *
 * It keeps one result row per catalogue product and knows which rows are final: a row is final when every
 * document it rests on is inside the coverage (the completely fetched months, newest first), because older
 * documents can no longer change the newest deciding one. The pull stops early when every tracked row is final.
 */
import type { LocalStore } from '../local/db.ts';
import { PageReader, partOf, PARTS, WHOLE_PAGE, WHOLE_PAGE_LINES, type PageRecord, type PageRow } from '../local/page-rows.ts';
import { alsoIn, readPartRows, readProductRows } from '../local/stored-rows.ts';
import { mergeUnknownProduct, type InventoryRecord, type JobRecord, type ProductRecord, type QuarantineRecord, type UnknownProductRecord } from '../local/schema.ts';
import { parseQuantity, subtractQuantity, formatQuantity } from '../model/quantity.ts';
import { compareKeys } from '../model/text-order.ts';
import { buildCatalogue, type Catalogue } from '../stock/catalogue.ts';
import { addSkipCounts, emptySkipCounts } from '../stock/events.ts';
import { foldProduct, lists, summariseChainBreaks } from '../stock/fold.ts';
import { createGuideTracker, type GuideTracker } from '../stock/guide-tracker.ts';
import { compareEvents, productKey } from '../stock/order.ts';
import type { ChainBreakSummary, ProductEvent, ProductStock, SkipCounts, Warning } from '../stock/types.ts';
import { makeWarning } from '../stock/warnings.ts';
import type { ApiVersion, CatalogueProduct } from '../model/types.ts';
import type { PageRows } from './rows.ts';

/** One product with every chain break: what its detail shows (history()). */
export interface DetailRow extends ProductStock {
  /** productKey(productId): the key of history() and of the events. */
  pk: string;
  /**
   * The row may still change: it rests on documents older than the completely fetched months, or nothing decides
   * it yet while older months remain to be fetched.
   */
  provisional: boolean;
  /** computed − cloud as decimal text; null when either is unknown. */
  difference: string | null;
}

/**
 * One product of the result as the computation keeps it for every product: its chain breaks counted, the newest
 * kept (a million documents can bring hundreds of thousands of breaks: ~75 MB as lists).
 */
export type ResultRow = Omit<DetailRow, 'chainBreaks'> & ChainBreakSummary;

export interface ResultCounts {
  products: number;
  tracked: number;
  resolved: number;
  unresolved: number;
  notTracked: number;
  /** Tracked products whose row is final (decided by completely fetched months). */
  decided: number;
  /** Resolved products whose computed quantity differs from the cloud's. */
  differing: number;
  quarantinedDocuments: number;
}

export interface StoreResult {
  storeId: string;
  api: ApiVersion;
  /** Increases with every change; the progress stream carries it so the page knows when to ask again. */
  version: number;
  /** Every document closed at or after this time is in; null before the first month is complete. */
  coveredSince: number | null;
  /** The pull finished (to the horizon, or early because every product is decided). */
  complete: boolean;
  rows: ResultRow[];
  counts: ResultCounts;
  skipped: SkipCounts;
  unknownProducts: UnknownProductRecord[];
  quarantined: QuarantineRecord[];
  /** Store-level warnings (duplicate catalogue ids). */
  warnings: Warning[];
}

export interface ProductHistory {
  storeId: string;
  product: CatalogueProduct | null;
  /** Every row of the product, oldest first, in the core's document order. */
  events: ProductEvent[];
  /** Complete inventories that do not list the product (they set it to 0 as of their time). */
  unlistedBy: InventoryRecord['doc'][];
  quarantined: QuarantineRecord[];
  /** The product's row with every chain break; null when the catalogue does not have it. */
  row: DetailRow | null;
}

export class StoreComputation {
  version = 0;
  private catalogue = new Map<string, CatalogueProduct>();
  private storeWarnings: Warning[] = [];
  private cloudWarnings = new Map<string, string[]>();
  private readonly rows = new Map<string, ResultRow>();
  private tracker: GuideTracker = createGuideTracker([]);
  private inventories: InventoryRecord[] = [];
  /** The store's quarantine by key, as stored (a page's records replace those of the same key). */
  private readonly quarantine = new Map<string, QuarantineRecord>();
  private quarantineByPk = new Map<string, QuarantineRecord[]>();
  private quarantinedCount = 0;
  /** What the job row counts too, kept here as folded so that a result needs no read. */
  private skipped: SkipCounts = emptySkipCounts();
  private unknown = new Map<string, UnknownProductRecord>();
  private coveredSince: number | null = null;
  private complete = false;

  constructor(
    private readonly local: LocalStore,
    readonly storeId: string,
    readonly api: ApiVersion,
  ) {}

  /**
   * (Re)reads the catalogue, inventories, quarantine and unknown products; a finished pull is folded in full (ledger,
   * chain check) as finish() left it, an unfinished one rebuilds the guide tracker in one pass over the page records.
   */
  async load(job: Pick<JobRecord, 'coveredSince' | 'status' | 'pages' | 'skipped' | 'lines'> | null, signal?: AbortSignal): Promise<void> {
    const [products, quarantine, inventories, unknown] = await Promise.all([
      this.local.listProducts(this.storeId), this.local.listQuarantine(this.storeId), this.local.listInventories(this.storeId),
      this.local.listUnknownProducts(this.storeId),
    ]);
    this.reset(products, quarantine, inventories, unknown, job);
    if (this.complete) {
      await this.foldAll(signal, job?.lines ?? Number.POSITIVE_INFINITY);
      return;
    }
    // A job with no document page committed has no page record to read (a fresh pull).
    if (job?.pages !== 0) {
      await this.local.scanPages(this.storeId, (pages) => {
        for (const page of pages) this.trackPage(page);
      }, { signal });
    }
    this.rebuildRows(this.catalogue.keys());
  }

  /**
   * A fresh pull's start, from the catalogue it has just fetched (its commit may still be landing): nothing else of
   * the store is on disk, so nothing is read (a read would wait behind the other stores' commits).
   */
  start(products: ProductRecord[], quarantine: QuarantineRecord[]): void {
    this.reset(products, quarantine, [], [], null);
    this.rebuildRows(this.catalogue.keys());
  }

  private reset(
    products: ProductRecord[], quarantine: QuarantineRecord[], inventories: InventoryRecord[], unknown: UnknownProductRecord[],
    job: Pick<JobRecord, 'coveredSince' | 'status' | 'skipped'> | null,
  ): void {
    this.setCatalogue(products);
    this.quarantine.clear();
    this.addQuarantine(quarantine);
    this.coveredSince = job?.coveredSince ?? null;
    this.complete = job?.status === 'done';
    this.skipped = { ...(job?.skipped ?? emptySkipCounts()) };
    this.unknown = new Map(unknown.map((u) => [u.productId, u]));
    this.rows.clear();
    this.inventories = [];
    this.addInventories(inventories);
  }

  private setCatalogue(products: ProductRecord[]): void {
    const cloudWarnings = new Map(products.map((p) => [productKey(p.id), p.cloudWarnings ?? []]));
    // buildCatalogue marks parents of modifications as untracked and settles duplicate ids.
    const built = buildCatalogue(products.map(({ storeId: _s, pk: _p, cloudWarnings: _w, ...product }) => product));
    this.catalogue = new Map(built.catalogue);
    this.cloudWarnings = cloudWarnings;
    this.storeWarnings = built.duplicates.map((id) => makeWarning('DUPLICATE_PRODUCT', null, id));
    this.tracker = createGuideTracker([...this.catalogue.values()]);
  }

  /** The catalogue as the core looks products up (for toProductEvents). */
  catalogueMap(): Catalogue {
    return this.catalogue;
  }

  private addQuarantine(added: readonly QuarantineRecord[]): void {
    for (const record of added) this.quarantine.set(record.key, record);
    const records = this.quarantinedRecords();
    this.quarantineByPk.clear();
    for (const record of records) {
      for (const id of record.productIds) {
        const key = productKey(id);
        const list = this.quarantineByPk.get(key) ?? [];
        list.push(record);
        this.quarantineByPk.set(key, list);
      }
    }
    this.quarantinedCount = records.filter((r) => !r.key.startsWith(PRODUCT_QUARANTINE_PREFIX)).length;
  }

  /** In key order, as IndexedDB lists them. */
  private quarantinedRecords(): QuarantineRecord[] {
    return [...this.quarantine.values()].sort((a, b) => compareKeys(a.key, b.key));
  }

  /** A stored page's rows into the tracker (only the rows of tracked products are decoded). */
  private trackPage(record: PageRecord): void {
    const page = new PageReader(record);
    for (let i = 0; i < page.rows; i++) {
      const state = this.tracker.state(page.pk[i]!);
      if (state) this.tracker.addEvent(state, page.event(i));
    }
  }

  private addInventories(records: InventoryRecord[]): void {
    // Keep the same objects from fold to fold: the core caches each record's listed set by identity.
    this.inventories = [...this.inventories.filter((r) => !records.some((n) => n.doc.id === r.doc.id)), ...records];
    for (const record of records) this.tracker.addInventory(record);
  }

  /**
   * After a page handed over (its commit may still be landing: src/pull/documents.ts): its rows update the guide
   * answers of the products they touch, in memory.
   */
  afterPage(change: Pick<PageRows, 'rows' | 'inventories' | 'quarantine' | 'unknownProducts' | 'skipped'>): void {
    addSkipCounts(this.skipped, change.skipped);
    for (const record of change.unknownProducts) {
      this.unknown.set(record.productId, mergeUnknownProduct(this.unknown.get(record.productId), record));
    }
    const touched = new Set<string>();
    for (const { pk, event } of change.rows) {
      const state = this.tracker.state(pk);
      if (state) this.tracker.addEvent(state, event);
      touched.add(pk);
    }
    if (change.quarantine.length > 0) {
      this.addQuarantine(change.quarantine);
      for (const q of change.quarantine) for (const id of q.productIds) touched.add(productKey(id));
    }
    if (change.inventories.length > 0) {
      this.addInventories(change.inventories);
      this.rebuildRows(this.catalogue.keys());
    } else {
      this.rebuildRows(touched);
    }
  }

  /** Rows from the tracker (guide answer only; the ledger and chain check come with finish()). */
  private rebuildRows(pks: Iterable<string>): void {
    for (const pk of pks) {
      const product = this.catalogue.get(pk);
      if (product) this.rows.set(pk, summariseChainBreaks(this.toRow(pk, this.tracker.productStock(product, this.extraWarnings(pk)))));
    }
    this.version++;
  }

  /** A month completed: coverage grew, so more rows may be final. */
  setCoverage(coveredSince: number | null): void {
    if (coveredSince === this.coveredSince) return;
    this.coveredSince = coveredSince;
    for (const row of this.rows.values()) row.provisional = this.provisional(row);
    this.version++;
  }

  /**
   * The pull ended: fold every product's whole history once (ledgers and chain checks need all of it). `lines`: the
   * rows stored (the job's count), which decides whether the parts are read one by one or in one scan.
   */
  async finish(signal?: AbortSignal, lines = Number.POSITIVE_INFINITY): Promise<void> {
    this.complete = true;
    await this.foldAll(signal, lines);
  }

  counts(): ResultCounts {
    const counts: ResultCounts = {
      products: this.rows.size, tracked: 0, resolved: 0, unresolved: 0, notTracked: 0, decided: 0, differing: 0,
      quarantinedDocuments: this.quarantinedCount,
    };
    for (const row of this.rows.values()) {
      if (row.status === 'not_tracked') counts.notTracked++;
      else {
        counts.tracked++;
        if (row.status === 'resolved') counts.resolved++;
        else counts.unresolved++;
        if (this.isFinal(row)) counts.decided++;
        if (row.difference !== null && row.difference !== '0') counts.differing++;
      }
    }
    return counts;
  }

  /** Every tracked product is decided by completely fetched months: older months cannot change the result. */
  allTrackedDecided(): boolean {
    for (const row of this.rows.values()) if (row.status !== 'not_tracked' && !this.isFinal(row)) return false;
    return true;
  }

  /** The result as folded so far (nothing is read: the computation keeps what the job row counts). */
  result(): StoreResult {
    const rows = [...this.rows.values()].sort((a, b) => compareKeys(a.pk, b.pk));
    return {
      storeId: this.storeId, api: this.api, version: this.version, coveredSince: this.coveredSince, complete: this.complete,
      rows, counts: this.counts(), skipped: { ...this.skipped },
      unknownProducts: [...this.unknown.values()].sort((a, b) => compareKeys(a.productId, b.productId)),
      quarantined: this.quarantinedRecords(),
      warnings: this.storeWarnings,
    };
  }

  /**
   * One product's stored rows (its part's page records: a binary search in each), and its row folded again from them
   * with every chain break (the result keeps only their count and the newest).
   */
  async history(productId: string, signal?: AbortSignal): Promise<ProductHistory> {
    const pk = productKey(productId);
    const { events, conflicts } = await this.eventsOf(pk, signal);
    const product = this.catalogue.get(pk) ?? null;
    return {
      storeId: this.storeId,
      product,
      events,
      unlistedBy: this.inventories.filter((r) => r.complete === true && !lists(r, pk)).map((r) => r.doc),
      quarantined: this.quarantineByPk.get(pk) ?? [],
      row: product ? this.toRow(pk, foldProduct(product, events, this.inventories, this.extraWarnings(pk, conflicts))) : null,
    };
  }

  // ----- internals --------------------------------------------------------------------------------------------

  /**
   * Every catalogue product, folded with foldProduct over its whole stored history, one part of the products at a
   * time. A part's records stay compact in memory (columns) with, per product, where its rows are; a product's rows
   * become objects only while it is folded, so they die young instead of filling the old generation.
   */
  private async foldAll(signal: AbortSignal | undefined, lines: number): Promise<void> {
    const byPart: string[][] = Array.from({ length: PARTS }, () => []);
    for (const pk of this.catalogue.keys()) byPart[partOf(pk)]!.push(pk);
    // A small store's rows are read in one scan: one read instead of one per part (each waits its turn in a busy
    // browser's database); a big store's one part at a time, so only one part's histories are held at once, beside
    // its first rows, written as whole pages and read once (page-rows.ts WHOLE_PAGE_LINES).
    const small = lines <= WHOLE_PAGE_LINES;
    const whole = await readPartRows(this.local, this.storeId, small ? undefined : WHOLE_PAGE, signal);
    for (let part = 0; part < PARTS; part++) {
      const pks = byPart[part]!;
      if (pks.length === 0) continue;
      const rows = small ? whole : alsoIn(await readPartRows(this.local, this.storeId, part, signal), whole);
      for (const pk of pks) {
        const { kept, conflicts } = oncePerDocument(rows.eventsOf(pk));
        const history = kept.sort(compareEvents);
        this.rows.set(pk, summariseChainBreaks(this.toRow(pk, foldProduct(this.catalogue.get(pk)!, history, this.inventories, this.extraWarnings(pk, conflicts)))));
      }
    }
    this.version++;
  }

  /** One product's stored rows, one per document, oldest first: its part's records, a binary search in each. */
  private async eventsOf(pk: string, signal?: AbortSignal): Promise<{ events: ProductEvent[]; conflicts: string[] }> {
    const { kept, conflicts } = oncePerDocument(await readProductRows(this.local, this.storeId, pk, signal));
    return { events: kept.sort(compareEvents), conflicts };
  }

  /**
   * The same warnings computeStock gives for a bad cloud quantity, quarantined documents listing the product, and
   * documents of one id that say different things about it (`conflicts`).
   */
  private extraWarnings(pk: string, conflicts: readonly string[] = []): Warning[] {
    return [
      ...conflicts.map((id) => ({ ...makeWarning('DUPLICATE_DOCUMENT', null, id), documentId: id })),
      ...(this.cloudWarnings.get(pk) ?? []).map((text) => makeWarning('BAD_CLOUD_QUANTITY', null, text)),
      ...(this.quarantineByPk.get(pk) ?? []).map((q) => ({ ...makeWarning('QUARANTINED_DOCUMENT', null, q.reason), documentId: q.documentId })),
    ];
  }

  private toRow(pk: string, stock: ProductStock): DetailRow {
    const row: DetailRow = { ...stock, pk, provisional: false, difference: difference(stock) };
    row.provisional = this.provisional(row);
    return row;
  }

  private isFinal(row: Pick<ResultRow, 'status' | 'derived' | 'decidedBy'> | undefined): boolean {
    if (!row) return false;
    if (row.status === 'not_tracked') return true;
    if (row.status !== 'resolved' || this.coveredSince === null) return false;
    // The guide's answer rests on its anchor (the deciding document, or the older one it was derived from).
    const anchor = row.derived?.from ?? row.decidedBy;
    return anchor !== null && anchor.closeTime >= this.coveredSince;
  }

  private provisional(row: Pick<ResultRow, 'status' | 'derived' | 'decidedBy'>): boolean {
    if (this.complete || row.status === 'not_tracked') return false;
    return !this.isFinal(row);
  }
}

/**
 * A document stored twice (a month restarted after its cursor expired, a document on both sides of a window
 * boundary) keeps one row per product: the last stored, as a put by (document, product) key would have kept.
 * Two rows of one document id that say different things about the product (two payloads with one id) are not
 * settled silently: their ids come back as `conflicts`, and the product is flagged `DUPLICATE_DOCUMENT` (it then
 * needs attention before it is written: src/stock needsAttention).
 */
function oncePerDocument(events: ProductEvent[]): { kept: ProductEvent[]; conflicts: string[] } {
  if (events.length < 2) return { kept: events, conflicts: [] };
  const seen = new Map<string, ProductEvent>();
  const kept: ProductEvent[] = [];
  let conflicts: string[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    const other = seen.get(event.doc.id);
    if (other) {
      if (!sameEvent(event, other) && !conflicts.includes(event.doc.id)) conflicts = [...conflicts, event.doc.id];
      continue;
    }
    seen.set(event.doc.id, event);
    kept.push(event);
  }
  return { kept: kept.length === events.length ? events : kept, conflicts };
}

/** What a row says about its product: a document stored twice with the same content gives equal rows. */
function sameEvent(a: ProductEvent, b: ProductEvent): boolean {
  return a.doc.closeTime === b.doc.closeTime && a.doc.rawType === b.doc.rawType && a.rule === b.rule && a.movement === b.movement &&
    a.stockBefore === b.stockBefore && a.setTo === b.setTo && a.handled === b.handled && a.lines === b.lines;
}

/** Quarantine keys of catalogue entries that failed validation (documents use their id). */
export const PRODUCT_QUARANTINE_PREFIX = 'product:';

function difference(stock: ProductStock): string | null {
  if (stock.quantityMilli === null || stock.cloudQuantity === null) return null;
  return formatQuantity(subtractQuantity(stock.quantityMilli, parseQuantity(stock.cloudQuantity)));
}
