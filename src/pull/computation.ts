/**
 * The stock computation over the local store: the stock core's foldProduct, fed product by product from the
 * events index, so memory is bounded by one batch of products' histories, never by the whole store.
 *
 * It keeps one result row per catalogue product and knows which rows are final: a row is final when every
 * document it rests on is inside the coverage (the completely fetched months, newest first), because older
 * documents can no longer change the newest deciding one. The pull stops early when every tracked row is final.
 */
import type { LocalStore } from '../local/db.ts';
import type { InventoryRecord, JobRecord, ProductRecord, QuarantineRecord, UnknownProductRecord } from '../local/schema.ts';
import { parseQuantity, subtractQuantity, formatQuantity } from '../model/quantity.ts';
import { buildCatalogue, type Catalogue } from '../stock/catalogue.ts';
import { emptySkipCounts } from '../stock/events.ts';
import { foldProduct, lists } from '../stock/fold.ts';
import { compareEvents, productKey } from '../stock/order.ts';
import type { ProductEvent, ProductStock, SkipCounts, Warning } from '../stock/types.ts';
import { makeWarning } from '../stock/warnings.ts';
import type { ApiVersion, CatalogueProduct } from '../model/types.ts';

/** One product of the result: the core's explanation plus what the page needs to show it. */
export interface ResultRow extends ProductStock {
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
  row: ResultRow | null;
}

/** Products folded per batch: one read transaction, bounded memory. */
const BATCH = 250;

export class StoreComputation {
  version = 0;
  private catalogue = new Map<string, CatalogueProduct>();
  private storeWarnings: Warning[] = [];
  private readonly rows = new Map<string, ResultRow>();
  private inventories: InventoryRecord[] = [];
  private quarantineByPk = new Map<string, QuarantineRecord[]>();
  private coveredSince: number | null = null;
  private complete = false;

  constructor(
    private readonly local: LocalStore,
    readonly storeId: string,
    readonly api: ApiVersion,
  ) {}

  /** (Re)reads the catalogue, inventories and quarantine, and folds every product. */
  async load(job: Pick<JobRecord, 'coveredSince' | 'status'> | null, signal?: AbortSignal): Promise<void> {
    const products = await this.local.listProducts(this.storeId);
    this.setCatalogue(products);
    this.setInventories(await this.local.listInventories(this.storeId));
    this.setQuarantine(await this.local.listQuarantine(this.storeId));
    this.coveredSince = job?.coveredSince ?? null;
    this.complete = job?.status === 'done';
    this.rows.clear();
    this.dirty.clear();
    await this.foldAll(signal);
  }

  private setCatalogue(products: ProductRecord[]): void {
    const cloudWarnings = new Map(products.map((p) => [productKey(p.id), p.cloudWarnings ?? []]));
    // buildCatalogue marks parents of modifications as untracked and settles duplicate ids.
    const built = buildCatalogue(products.map(({ storeId: _s, pk: _p, cloudWarnings: _w, ...product }) => product));
    this.catalogue = new Map(built.catalogue);
    this.cloudWarnings = cloudWarnings;
    this.storeWarnings = built.duplicates.map((id) => makeWarning('DUPLICATE_PRODUCT', null, id));
  }

  private cloudWarnings = new Map<string, string[]>();

  /** The catalogue as the core looks products up (for toProductEvents). */
  catalogueMap(): Catalogue {
    return this.catalogue;
  }

  private setInventories(records: InventoryRecord[]): void {
    // Keep the same objects from fold to fold: the core caches each record's listed set by identity.
    this.inventories = records;
  }

  private setQuarantine(records: QuarantineRecord[]): void {
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

  private quarantinedCount = 0;

  /**
   * After a page: the products it touched (everything, when it brought an inventory) are marked, and refolded at
   * most every `refoldIntervalMs`, so a month of many pages does not refold its busy products on every page.
   * flush() (at every month end, and before a result is read) refolds whatever is still marked.
   */
  async afterPage(change: { pks: Iterable<string>; inventories: InventoryRecord[]; quarantine: QuarantineRecord[] }, signal?: AbortSignal): Promise<void> {
    let all = false;
    if (change.inventories.length > 0) {
      this.setInventories([...this.inventories.filter((r) => !change.inventories.some((n) => n.doc.id === r.doc.id)), ...change.inventories]);
      all = true;
    }
    if (change.quarantine.length > 0) this.setQuarantine(await this.local.listQuarantine(this.storeId));
    const touched = all ? [...this.catalogue.keys()] : new Set(change.pks);
    // A final row cannot change from older documents (they are older than everything it rests on): skip it.
    // Its ledger and chain check are completed by the pass at the end of the pull.
    for (const pk of touched) if (this.catalogue.has(pk) && !this.isFinal(this.rows.get(pk))) this.dirty.add(pk);
    // Products of a quarantined document get its warning even when final.
    for (const q of change.quarantine) for (const id of q.productIds) if (this.catalogue.has(productKey(id))) this.dirty.add(productKey(id));
    if (Date.now() - this.lastFold >= this.refoldIntervalMs) await this.flush(signal);
  }

  /** Refolds every product marked since the last fold. */
  async flush(signal?: AbortSignal): Promise<void> {
    if (this.dirty.size === 0) return;
    const pks = [...this.dirty];
    this.dirty.clear();
    await this.fold(pks, signal);
  }

  private readonly dirty = new Set<string>();
  private lastFold = 0;
  /** While pages arrive, how often rows are refolded (month ends and result() always refold). */
  refoldIntervalMs = 1000;

  /** A month completed: coverage grew, so more rows may be final. */
  setCoverage(coveredSince: number | null): void {
    if (coveredSince === this.coveredSince) return;
    this.coveredSince = coveredSince;
    for (const row of this.rows.values()) row.provisional = this.provisional(row);
    this.version++;
  }

  /** The pull ended: refold everything once so ledgers and chain checks see the whole fetched history. */
  async finish(signal?: AbortSignal): Promise<void> {
    this.complete = true;
    this.rows.clear();
    this.dirty.clear();
    await this.foldAll(signal);
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

  async result(): Promise<StoreResult> {
    await this.flush();
    const rows = [...this.rows.values()].sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
    const job = await this.local.getJob(this.storeId);
    return {
      storeId: this.storeId, api: this.api, version: this.version, coveredSince: this.coveredSince, complete: this.complete,
      rows, counts: this.counts(), skipped: job?.skipped ?? emptySkipCounts(),
      unknownProducts: await this.local.listUnknownProducts(this.storeId),
      quarantined: await this.local.listQuarantine(this.storeId),
      warnings: this.storeWarnings,
    };
  }

  async history(productId: string): Promise<ProductHistory> {
    await this.flush();
    const pk = productKey(productId);
    const events = (await this.local.productEvents(this.storeId, pk)).map(stripStorage).sort(compareEvents);
    return {
      storeId: this.storeId,
      product: this.catalogue.get(pk) ?? null,
      events,
      unlistedBy: this.inventories.filter((r) => r.complete === true && !lists(r, pk)).map((r) => r.doc),
      quarantined: this.quarantineByPk.get(pk) ?? [],
      row: this.rows.get(pk) ?? null,
    };
  }

  // ----- internals --------------------------------------------------------------------------------------------

  private async fold(pks: string[], signal?: AbortSignal): Promise<void> {
    this.lastFold = Date.now();
    if (pks.length === 0) return;
    for (let i = 0; i < pks.length; i += BATCH) {
      signal?.throwIfAborted();
      const batch = pks.slice(i, i + BATCH);
      this.foldBatch(batch, await this.local.eventsOfProducts(this.storeId, batch));
    }
    this.version++;
  }

  /**
   * Every product, in key order: each batch is one range of the events index (one request instead of one per
   * product), since the index is sorted by product key and only catalogue products have rows.
   */
  private async foldAll(signal?: AbortSignal): Promise<void> {
    this.lastFold = Date.now();
    const pks = [...this.catalogue.keys()].sort();
    for (let i = 0; i < pks.length; i += BATCH) {
      signal?.throwIfAborted();
      const batch = pks.slice(i, i + BATCH);
      this.foldBatch(batch, await this.local.eventsOfProductRange(this.storeId, batch[0]!, batch[batch.length - 1]!));
    }
    this.version++;
  }

  private foldBatch(pks: string[], events: Map<string, ProductEvent[]>): void {
    for (const pk of pks) {
      const product = this.catalogue.get(pk);
      if (product) this.rows.set(pk, this.row(pk, product, events.get(pk) ?? []));
    }
  }

  private row(pk: string, product: CatalogueProduct, events: ProductEvent[]): ResultRow {
    // The same warnings computeStock gives for a bad cloud quantity and for quarantined documents listing the product.
    const extra: Warning[] = [
      ...(this.cloudWarnings.get(pk) ?? []).map((text) => makeWarning('BAD_CLOUD_QUANTITY', null, text)),
      ...(this.quarantineByPk.get(pk) ?? []).map((q) => ({ ...makeWarning('QUARANTINED_DOCUMENT', null, q.reason), documentId: q.documentId })),
    ];
    const stock = foldProduct(product, events, this.inventories, extra);
    const row: ResultRow = { ...stock, pk, provisional: false, difference: difference(stock) };
    row.provisional = this.provisional(row);
    return row;
  }

  private isFinal(row: ResultRow | undefined): boolean {
    if (!row) return false;
    if (row.status === 'not_tracked') return true;
    if (row.status !== 'resolved' || this.coveredSince === null) return false;
    // The guide's answer rests on its anchor (the deciding document, or the older one it was derived from).
    const anchor = row.derived?.from ?? row.decidedBy;
    return anchor !== null && anchor.closeTime >= this.coveredSince;
  }

  private provisional(row: ResultRow): boolean {
    if (this.complete || row.status === 'not_tracked') return false;
    return !this.isFinal(row);
  }
}

/** Quarantine keys of catalogue entries that failed validation (documents use their id). */
export const PRODUCT_QUARANTINE_PREFIX = 'product:';

function difference(stock: ProductStock): string | null {
  if (stock.quantityMilli === null || stock.cloudQuantity === null) return null;
  return formatQuantity(subtractQuantity(stock.quantityMilli, parseQuantity(stock.cloudQuantity)));
}

function stripStorage(event: ProductEvent & { storeId?: string; pk?: string; month?: string }): ProductEvent {
  const { storeId: _s, pk: _p, month: _m, ...rest } = event;
  return rest;
}
