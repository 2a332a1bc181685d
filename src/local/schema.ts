/**
 * The IndexedDB schema: record types, the typed DBSchema, and the migrations that build it.
 *
 * Raw documents are not kept: a page is reduced to the stock core's rows, one per (document, product), stored as a
 * few records per page in columns (page-rows.ts); a document can be fetched again by id when someone wants it.
 *
 * Keys are arrays starting with the store id, so one store's rows are the range [storeId] .. [storeId, []]
 * (arrays sort after every string), which deletes or reads a store without extra indexes.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { ApiVersion, CatalogueProduct } from '../model/types.ts';
import type { CompleteInventoryRecord, ProductEvent, SkipCounts, UnknownProduct } from '../stock/types.ts';
import type { PageRecord } from './page-rows.ts';

export type { PageRecord } from './page-rows.ts';

export const DB_NAME = 'evotor-stock-sync';

/**
 * Names kept free for the write-back journal (another module adds them in a later migration, see README.md),
 * so nothing else takes them meanwhile.
 */
export const RESERVED_STORE_NAMES = ['journalRuns', 'journalItems'] as const;

export interface StoreRecord {
  id: string;
  name: string;
  address: string | null;
  api: ApiVersion;
  seenAt: number;
}

/** A catalogue entry of a store. `pk` is the stock core's productKey(id), used to match document lines. */
export interface ProductRecord extends CatalogueProduct {
  storeId: string;
  pk: string;
  /** What normaliseProduct said about the cloud's quantity (e.g. not an exact quantity). */
  cloudWarnings?: string[];
}

/** Versions 1–2 only: one (document, product) row per record. Migration 3 replaced them with PageRecords. */
export interface EventRecord extends ProductEvent {
  storeId: string;
  pk: string;
  month: string;
}

/** A complete inventory (or one that does not say), which matters to every product of its store. */
export interface InventoryRecord extends CompleteInventoryRecord {
  storeId: string;
  month: string;
}

/** A document rejected at the boundary: reported, never used. */
export interface QuarantineRecord {
  storeId: string;
  /** The document id, or `month#page#index` when the payload had no readable id. */
  key: string;
  documentId: string | null;
  type: string | null;
  closeTime: number | null;
  reason: string;
  /** Products it seems to list (best effort): flagged in the result. */
  productIds: string[];
  month: string;
  at: number;
}

export interface UnknownProductRecord extends UnknownProduct {
  storeId: string;
}

/** A product met again on a later page: its counts add up, the first name and code seen stay. */
export function mergeUnknownProduct(previous: UnknownProductRecord | undefined, record: UnknownProductRecord): UnknownProductRecord {
  if (!previous) return record;
  return {
    ...previous, name: previous.name ?? record.name, code: previous.code ?? record.code,
    lines: previous.lines + record.lines, documents: previous.documents + record.documents,
  };
}

/** The checkpoint of the products phase uses this month key. */
export const PRODUCTS_PHASE = 'products';

/**
 * Where a (store, month) pull stands. `cursor` is the next page to fetch; null with done=false means "not
 * started" (the first request carries the window). Written in the same transaction as the page's rows. A month no
 * page has moved yet has no record: its job lays it out (src/pull/job.ts jobCheckpoints).
 */
export interface CheckpointRecord {
  storeId: string;
  /** 'YYYY-MM', or PRODUCTS_PHASE. */
  month: string;
  cursor: string | null;
  /**
   * The listing's latest cursors (at most RECENT_CURSORS of src/api/paging.ts), so that a cloud paging in a circle
   * is met at once after a reload too, before a page committed earlier is fetched and committed again. Absent in
   * checkpoints written before it existed.
   */
  recentCursors?: string[];
  done: boolean;
  pages: number;
  documents: number;
  /** Epoch ms: since inclusive, until exclusive (version 4; until was inclusive before). */
  since: number;
  until: number;
  /**
   * While a window wider than this month is open on it (its first page committed): the window's start. The window
   * is [windowSince, until) and covers the older months in that span, which are marked done with it (src/pull).
   */
  windowSince?: number;
  /**
   * This month was completed by a window that reached back to `doneSince`: every older month from there on is done
   * too and has no record of its own (one put instead of one per month: a sparse store's 35 months in one record).
   * A covered month that gets a record later (older months laid out again) is as its record says.
   */
  doneSince?: number;
  updatedAt: number;
}

export interface JobError {
  name: string;
  message: string;
  code?: string;
  params?: Record<string, string | number>;
  status?: number | null;
}

export type JobStatus = 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

/**
 * How the user wants the stock read: the guide's newest deciding document, or the movement ledger (the UI's
 * PullMethod). Saved with the job so a reload reviews and writes with the same choice.
 */
export type StockMethod = 'latest-document' | 'ledger';

export interface JobOptions {
  /** The user's method (does not change what is fetched; fullPeriod does). Added in version 2. */
  method: StockMethod;
  /**
   * Months back from the snapshot the user asked for; null: as far as the store allows (V2 creation date, else
   * fallbackHorizonMonths; V1 v1HistoryMonths). A V2 store whose id gives a creation date goes back to the later
   * of the two (never before it existed, never further than asked). Added in version 2.
   */
  horizonMonths: number | null;
  /** Fetch every month back to the horizon even when every product is decided (full ledger check). */
  fullPeriod: boolean;
  /** Offer the result once this many months are in, even with undecided products (the guide's "chosen period"). */
  offerAfterMonths: number;
  fallbackHorizonMonths: number;
  v1HistoryMonths: number;
}

/** One pull of one store: everything needed to resume it (never the token). */
export interface JobRecord {
  storeId: string;
  storeName: string;
  api: ApiVersion;
  status: JobStatus;
  options: JobOptions;
  /** The newest window ends here: documents closed later belong to the next pull. */
  snapshotAt: number;
  horizonSince: number;
  horizonSource: 'store-creation' | 'fallback' | 'v1-history' | 'user-horizon';
  /** Every document closed at or after this time is stored (the completed months); null before the first month. */
  coveredSince: number | null;
  pages: number;
  productPages: number;
  documents: number;
  /** Rows stored (one per document and product): sizes the passes of the final fold. */
  lines: number;
  quarantined: number;
  skipped: SkipCounts;
  /** When the result was first offered (every product decided, the offer period passed, or the horizon reached). */
  resultOfferedAt: number | null;
  /** Why documents stopped being fetched before the horizon, if they did. */
  stopReason: 'all-decided' | 'horizon' | null;
  /**
   * The longest document window (ms) to ask for, after the cloud refused a longer one: half the refused length, and
   * halved again while refused. Absent or null while none was refused (V2 states no maximum span). Kept so a resumed
   * pull does not ask for a refused length again.
   */
  windowLimitMs?: number | null;
  /** Tracked products, and those decided by the completed months, as of the last commit (for progress after a reload). */
  productsTracked: number;
  productsDecided: number;
  /** Why the pull failed: an ApiError's JSON (code, params) or another error's name and message. Never the token. */
  error: JobError | null;
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/**
 * The user's decisions on one product of a store (version 2): a quantity typed for an undecided product, and
 * whether its change may be written. Only products that differ from the default (no manual value, approved)
 * have a row; they survive reloads and new pulls of the store, and go with deleteStoreData.
 */
export interface DecisionRecord {
  storeId: string;
  productId: string;
  /** Decimal text with a dot ("2.5"), as formatQuantity writes it; null: none. */
  manual: string | null;
  approved: boolean;
  /** The user ticked it (kept: a product that needs attention is approved only so; src/stock needsAttention). */
  ticked?: true;
  updatedAt: number;
}

export interface SyncDB extends DBSchema {
  stores: { key: string; value: StoreRecord };
  products: { key: [string, string]; value: ProductRecord };
  /** Versions 1–2 (deleted by migration 3); kept in the type so the released migrations still compile. */
  events: {
    key: [string, string, string];
    value: EventRecord;
    indexes: { byProduct: [string, string, number] };
  };
  /** Version 3: a document page's rows, one record per part of the products, [storeId, part, month, seq]. */
  pages: { key: [string, number, string, number]; value: PageRecord };
  inventories: { key: [string, string]; value: InventoryRecord };
  checkpoints: { key: [string, string]; value: CheckpointRecord };
  jobs: { key: string; value: JobRecord };
  quarantine: { key: [string, string]; value: QuarantineRecord };
  unknownProducts: { key: [string, string]; value: UnknownProductRecord };
  decisions: { key: [string, string]; value: DecisionRecord };
}

export type SyncStoreName = StoreNames<SyncDB>;
export type UpgradeTransaction = IDBPTransaction<SyncDB, SyncStoreName[], 'versionchange'>;

/**
 * Migration i takes the database from version i to i + 1. Never edit a released one: append a new one.
 * A migration may read and rewrite data through `tx` (e.g. add a field to every row with a cursor).
 */
export type Migration = (db: IDBPDatabase<SyncDB>, tx: UpgradeTransaction) => void;

export const MIGRATIONS: readonly Migration[] = [
  // 0 -> 1: the first schema.
  (db) => {
    db.createObjectStore('stores', { keyPath: 'id' });
    db.createObjectStore('products', { keyPath: ['storeId', 'id'] });
    const events = db.createObjectStore('events', { keyPath: ['storeId', 'doc.id', 'pk'] });
    events.createIndex('byProduct', ['storeId', 'pk', 'doc.closeTime']);
    db.createObjectStore('inventories', { keyPath: ['storeId', 'doc.id'] });
    db.createObjectStore('checkpoints', { keyPath: ['storeId', 'month'] });
    db.createObjectStore('jobs', { keyPath: 'storeId' });
    db.createObjectStore('quarantine', { keyPath: ['storeId', 'key'] });
    db.createObjectStore('unknownProducts', { keyPath: ['storeId', 'productId'] });
  },
  // 1 -> 2: the user's decisions per product, and the method and horizon saved with every job.
  (db, tx) => {
    db.createObjectStore('decisions', { keyPath: ['storeId', 'productId'] });
    void tx.objectStore('jobs').openCursor().then(async function step(cursor): Promise<void> {
      if (!cursor) return;
      const options: Omit<JobOptions, 'method' | 'horizonMonths'> & Partial<JobOptions> = cursor.value.options;
      // Version 1 wrote no method (the page kept it in memory): the default one, and no horizon of the user's.
      await cursor.update({ ...cursor.value, options: { ...options, method: options.method ?? 'latest-document', horizonMonths: options.horizonMonths ?? null } });
      return step(await cursor.continue());
    });
  },
  // 2 -> 3: a few records per page (page-rows.ts) instead of one per (document, product) row: the rows of version 2 cannot be
  // regrouped into their pages, so every store's pull starts again (the user's decisions and stores are kept).
  (db, tx) => {
    db.deleteObjectStore('events');
    db.createObjectStore('pages', { keyPath: ['storeId', 'part', 'month', 'seq'] });
    for (const name of ['products', 'inventories', 'checkpoints', 'jobs', 'quarantine', 'unknownProducts'] as const) void tx.objectStore(name).clear();
  },
  // 3 -> 4: a month checkpoint's until is exclusive, as the documents query reads it (evotor-api.md §10); it was
  // inclusive, so a pull in progress keeps exactly the documents it asked for.
  (_db, tx) => {
    void tx.objectStore('checkpoints').openCursor().then(async function step(cursor): Promise<void> {
      if (!cursor) return;
      if (cursor.value.month !== PRODUCTS_PHASE) await cursor.update({ ...cursor.value, until: cursor.value.until + 1 });
      return step(await cursor.continue());
    });
  },
];

export const DB_VERSION = MIGRATIONS.length;

/** Every row of one store in a store whose key starts with the store id. */
export function storeRange(storeId: string): IDBKeyRange {
  return IDBKeyRange.bound([storeId], [storeId, []]);
}
