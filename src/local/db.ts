/**
 * The local store: opening (with migrations) and every read and write the pull and the computation need.
 * Each page is written in ONE transaction together with its checkpoint, so after a crash the database holds
 * either the whole page and the cursor past it, or neither.
 *
 * The pull's writes (jobs, checkpoints, pages and the rest of a store's data) share group transactions: a write
 * made while one is being committed waits for it and goes with every other waiting write in the next one (see
 * `write`). Many stores' setups and pages thus cost a few commits, not one each, and they land in the order made.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { CheckpointConflictError, GroupTx, STORE_DATA, STORE_DATA_AND_JOB, type WriteTx } from './group.ts';
import { closeTimeIn } from './page-rows.ts';
import {
  DB_NAME, MIGRATIONS, mergeUnknownProduct, storeRange,
  type CheckpointRecord, type DecisionRecord, type InventoryRecord, type JobRecord, type Migration, type PageRecord, type ProductRecord,
  type QuarantineRecord, type StoreRecord, type SyncDB, type SyncStoreName, type UnknownProductRecord,
} from './schema.ts';

export { CheckpointConflictError } from './group.ts';

export interface OpenOptions {
  name?: string;
  /** For tests of the migration runner; the app always uses MIGRATIONS. */
  migrations?: readonly Migration[];
}

export async function openLocalStore(options: OpenOptions = {}): Promise<LocalStore> {
  const migrations = options.migrations ?? MIGRATIONS;
  let store: LocalStore | undefined;
  const db = await openDB<SyncDB>(options.name ?? DB_NAME, migrations.length, {
    upgrade(database, oldVersion, newVersion, tx) {
      for (let version = oldVersion; version < (newVersion ?? migrations.length); version++) migrations[version]!(database, tx);
    },
    // A newer version of the app (another tab) wants to upgrade: let it, this connection is stale.
    blocking() {
      store?.close();
    },
  });
  store = new LocalStore(db);
  return store;
}

/** A document page as it goes to disk. */
export interface DocumentPageWrite {
  storeId: string;
  /** The checkpoint as read before fetching the page: the write fails if the database moved on meanwhile. */
  expected: CheckpointRecord;
  /** The checkpoint after the page. */
  next: CheckpointRecord;
  /** The page's rows: one record per part of the products that has rows (page-rows.ts encodePage). */
  pages: PageRecord[];
  inventories: InventoryRecord[];
  quarantine: QuarantineRecord[];
  unknownProducts: UnknownProductRecord[];
  /** Applied to the job row inside the same transaction (counts, coverage). */
  updateJob: (job: JobRecord) => JobRecord;
}

export interface ProductPageWrite {
  storeId: string;
  /**
   * A fresh job, written first in the same transaction (its untouched months need no record: CheckpointRecord),
   * with every row of the store's previous pull dropped when it `replaces` one. A fresh pull writes nothing before its
   * first product page is in, so a store whose answers have not come yet adds nothing to the transactions of those
   * whose answers have.
   */
  reset?: { job: JobRecord; replaces: boolean };
  expected: CheckpointRecord;
  next: CheckpointRecord;
  products: ProductRecord[];
  /** Catalogue entries that failed validation. */
  quarantine: QuarantineRecord[];
  updateJob: (job: JobRecord) => JobRecord;
}

/**
 * The pull's commits do not wait for the disk flush: a page lost to a power cut takes its checkpoint with it (one
 * transaction), so the pull simply fetches it again. Atomicity is what the resume relies on, not durability.
 */
const PAGE_TX: IDBTransactionOptions = { durability: 'relaxed' };

const STORE_DATA_JOB_AND_DECISIONS: SyncStoreName[] = [...STORE_DATA_AND_JOB, 'decisions'];

/**
 * One write of a group: it reads what it checks first and throws (CheckpointConflictError) before its first put,
 * so a refused write leaves nothing behind and the others of its group still commit.
 */
interface QueuedWrite {
  run(group: GroupTx): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class LocalStore {
  private closed = false;
  private readonly writes: QueuedWrite[] = [];
  private flushing = false;
  /** The group transaction's stores (only those the schema has: the migration tests open older versions). */
  private readonly writeScope: typeof STORE_DATA_AND_JOB;

  constructor(readonly db: IDBPDatabase<SyncDB>) {
    this.writeScope = STORE_DATA_AND_JOB.filter((name) => db.objectStoreNames.contains(name)) as unknown as typeof STORE_DATA_AND_JOB;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  // ----- stores and jobs -------------------------------------------------------------------------------------

  async putStores(stores: StoreRecord[]): Promise<void> {
    const tx = this.db.transaction('stores', 'readwrite');
    await Promise.all([...stores.map((s) => tx.store.put(s)), tx.done]);
  }

  getStore(id: string): Promise<StoreRecord | undefined> {
    return this.db.get('stores', id);
  }

  listStores(): Promise<StoreRecord[]> {
    return this.db.getAll('stores');
  }

  getJob(storeId: string): Promise<JobRecord | undefined> {
    return this.db.get('jobs', storeId);
  }

  listJobs(): Promise<JobRecord[]> {
    return this.db.getAll('jobs');
  }

  putJob(job: JobRecord): Promise<void> {
    return this.write(async (group) => group.putJob(job));
  }

  /** Read-modify-write of a job row in one transaction (so a page commit cannot interleave). */
  updateJob(storeId: string, update: (job: JobRecord) => JobRecord): Promise<JobRecord | undefined> {
    return this.write(async (group) => {
      const job = await group.job(storeId);
      const next = job ? update(job) : undefined;
      if (next) group.putJob(next);
      return next;
    });
  }

  /** A fresh job for a store: drops every row of its previous pull (one transaction). */
  resetStore(job: JobRecord, checkpoints: CheckpointRecord[]): Promise<void> {
    return this.write(async (group) => group.reset(job, checkpoints));
  }

  /** Forgets a store's pull entirely (its job, every row and the user's decisions). */
  async deleteStoreData(storeId: string): Promise<void> {
    const tx = this.db.transaction(STORE_DATA_JOB_AND_DECISIONS, 'readwrite');
    await Promise.all([
      ...STORE_DATA.map((name) => tx.objectStore(name).delete(storeRange(storeId))),
      tx.objectStore('decisions').delete(storeRange(storeId)),
      tx.objectStore('jobs').delete(storeId),
      tx.done,
    ]);
  }

  // ----- the user's decisions ----------------------------------------------------------------------------------

  /** Every product of the store with a manual quantity or unapproved (the others have no row). */
  listDecisions(storeId: string): Promise<DecisionRecord[]> {
    return this.db.getAll('decisions', storeRange(storeId));
  }

  /** Sets (or, with null, removes) a product's manual quantity: decimal text as formatQuantity writes it. */
  async setManual(storeId: string, productId: string, manual: string | null, at: number): Promise<void> {
    await this.updateDecisions(storeId, [productId], (d) => ({ ...d, manual }), at);
  }

  /** Approves or unapproves products' changes, in one transaction. */
  async setApproval(storeId: string, productIds: readonly string[], approved: boolean, at: number): Promise<void> {
    await this.updateDecisions(storeId, productIds, ({ ticked: _ticked, ...d }) => (approved ? { ...d, approved, ticked: true } : { ...d, approved }), at);
  }

  /** Read-modify-write of decision rows in one transaction; a row back at the defaults is deleted. */
  private async updateDecisions(
    storeId: string, productIds: readonly string[], change: (d: DecisionRecord) => DecisionRecord, at: number,
  ): Promise<void> {
    const tx = this.db.transaction('decisions', 'readwrite');
    await Promise.all([
      ...[...new Set(productIds)].map(async (productId) => {
        const current = (await tx.store.get([storeId, productId])) ?? { storeId, productId, manual: null, approved: true, updatedAt: at };
        const next = { ...change(current), updatedAt: at };
        if (next.manual === null && next.approved && !next.ticked) await tx.store.delete([storeId, productId]);
        else await tx.store.put(next);
      }),
      tx.done,
    ]);
  }

  // ----- checkpoints and page commits --------------------------------------------------------------------------

  listCheckpoints(storeId: string): Promise<CheckpointRecord[]> {
    return this.db.getAll('checkpoints', storeRange(storeId));
  }

  getCheckpoint(storeId: string, month: string): Promise<CheckpointRecord | undefined> {
    return this.db.get('checkpoints', [storeId, month]);
  }

  /** Products of one page plus the checkpoint past it, in one transaction. */
  commitProductPage(write: ProductPageWrite): Promise<JobRecord> {
    return this.write(async (group) => {
      const { tx } = group;
      if (write.reset) group.reset(write.reset.job, [], write.reset.replaces);
      const job = write.reset ? write.reset.job : await group.checkedJob(write.storeId, write.expected);
      const products = tx.objectStore('products');
      for (const product of write.products) void products.put(product);
      const quarantine = tx.objectStore('quarantine');
      for (const record of write.quarantine) void quarantine.put(record);
      group.putCheckpoint(write.next);
      const next = write.updateJob(job);
      group.putJob(next);
      return next;
    });
  }

  /** A document page's rows plus the checkpoint past it, in one transaction. */
  commitDocumentPage(write: DocumentPageWrite): Promise<JobRecord> {
    return this.write(async (group) => {
      const { tx } = group;
      const job = await group.checkedJob(write.storeId, write.expected);
      // A few puts for the whole page. A document met again (a restarted month) lands in other page records: the
      // readers keep one row per (document, product).
      const pages = tx.objectStore('pages');
      for (const page of write.pages) void pages.put(page);
      const inventories = tx.objectStore('inventories');
      for (const inventory of write.inventories) void inventories.put(inventory);
      const quarantine = tx.objectStore('quarantine');
      for (const record of write.quarantine) void quarantine.put(record);
      const unknown = tx.objectStore('unknownProducts');
      await Promise.all(write.unknownProducts.map(async (record) => {
        await unknown.put(mergeUnknownProduct(await unknown.get([record.storeId, record.productId]), record));
      }));
      group.putCheckpoint(write.next);
      const next = write.updateJob(job);
      group.putJob(next);
      return next;
    });
  }

  /** Marks a month done without a page (e.g. a month that needs no fetch). */
  putCheckpoint(checkpoint: CheckpointRecord): Promise<void> {
    return this.write(async (group) => group.putCheckpoint(checkpoint));
  }

  /**
   * Queues a write for the next group transaction and starts one at the next task unless one is being committed:
   * writes made meanwhile (other stores' pages, this store's other months) wait and then share one commit. They run
   * one after the other in the order made, each seeing the ones before it, and each settles once its group has
   * committed.
   * Page commits do not wait for the disk flush (PAGE_TX). A write that throws (a checkpoint moved on) is left out;
   * a failing transaction fails every write of its group, none of which then landed.
   */
  private write<T>(run: (group: GroupTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.writes.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      // Writes made before the next task join the first one's group: the steps a page's answer sets off (its commit,
      // another window's, a fresh store's catalogue) are promise callbacks of one task.
      await new Promise((resolve) => setTimeout(resolve, 0));
      while (this.writes.length > 0) {
        const group = this.writes.splice(0);
        const settled: { ok: boolean; value: unknown }[] = [];
        let tx: WriteTx | null = null;
        try {
          tx = this.db.transaction(this.writeScope, 'readwrite', PAGE_TX);
          const shared = new GroupTx(tx);
          for (const write of group) {
            try {
              settled.push({ ok: true, value: await write.run(shared) });
            } catch (error) {
              if (!(error instanceof CheckpointConflictError)) throw error;
              settled.push({ ok: false, value: error });
            }
          }
          await tx.done;
        } catch (error) {
          if (tx) abortQuietly(tx);
          for (const write of group) write.reject(error);
          continue;
        }
        group.forEach((write, i) => (settled[i]!.ok ? write.resolve(settled[i]!.value) : write.reject(settled[i]!.value)));
      }
    } finally {
      this.flushing = false;
    }
  }

  // ----- reads for the computation -----------------------------------------------------------------------------

  listProducts(storeId: string): Promise<ProductRecord[]> {
    return this.db.getAll('products', storeRange(storeId));
  }

  listInventories(storeId: string): Promise<InventoryRecord[]> {
    return this.db.getAll('inventories', storeRange(storeId));
  }

  listQuarantine(storeId: string): Promise<QuarantineRecord[]> {
    return this.db.getAll('quarantine', storeRange(storeId));
  }

  listUnknownProducts(storeId: string): Promise<UnknownProductRecord[]> {
    return this.db.getAll('unknownProducts', storeRange(storeId));
  }

  /**
   * Every page record of a store (or of one part of its products), in key order, a few at a time: `visit` sees each
   * batch and may keep nothing, so memory stays bounded by one batch. The next batch is requested before the current
   * one is visited (each batch in its own transaction, so a long scan never holds up the pull's commits).
   */
  async scanPages(storeId: string, visit: (pages: PageRecord[]) => void, options: { part?: number; signal?: AbortSignal } = {}): Promise<void> {
    const { part, signal } = options;
    const range = part === undefined ? storeRange(storeId) : IDBKeyRange.bound([storeId, part], [storeId, part, []]);
    const read = (after: IDBValidKey | null) =>
      this.db.getAll('pages', after === null ? range : IDBKeyRange.bound(after, range.upper, true, false), PAGES_PER_READ);
    let pending: Promise<PageRecord[]> | null = read(null);
    while (pending) {
      const batch: PageRecord[] = await pending;
      signal?.throwIfAborted();
      const last = batch[batch.length - 1];
      pending = batch.length === PAGES_PER_READ && last ? read([last.storeId, last.part, last.month, last.seq]) : null;
      pending?.catch(() => undefined); // awaited above; an abort meanwhile must not go unhandled
      visit(batch);
    }
  }

  /** A stored document's close time (from its rows or its quarantine record), to fetch it again from V1 by time. */
  async documentCloseTime(storeId: string, documentId: string): Promise<number | null> {
    const inventory = await this.db.get('inventories', [storeId, documentId]);
    if (inventory) return inventory.doc.closeTime;
    const quarantined = await this.db.get('quarantine', [storeId, documentId]);
    if (quarantined?.closeTime != null) return quarantined.closeTime;
    let found: number | null = null;
    await this.scanPages(storeId, (pages) => {
      for (const page of pages) found ??= closeTimeIn(page, documentId);
    });
    return found;
  }
}

/** Page records per read: a part of a 1,000-document page is about 30 kB. */
const PAGES_PER_READ = 64;

function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => undefined);
  try {
    tx.abort();
  } catch {
    // Already finished or aborted.
  }
}
