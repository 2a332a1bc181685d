/**
 * The write-back journal: its OWN IndexedDB database, so clearing the pull cache (src/local) can never lose a
 * pending write or its undo data. Versioned with migrations, like src/local.
 *
 * Schema (version 1):
 *   runs   keyPath 'id'                               JournalRun  (index 'byCreated' on createdAt)
 *   items  keyPath ['runId', 'storeId', 'productId']  JournalItem (index 'byRun' on runId, 'byRunStatus' on [runId, status])
 *
 * Writes that belong together go in one transaction (a plan with all its items; a V1 batch marked sent).
 * Nothing here knows HTTP or the token: an item's lastAnswer holds a status code and a short message only.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { ItemStatus, JournalItem, JournalRun } from './types.ts';

export const JOURNAL_DB_NAME = 'evotor-stock-sync-journal';

interface JournalDB extends DBSchema {
  runs: { key: string; value: JournalRun; indexes: { byCreated: number } };
  items: {
    key: [string, string, string];
    value: JournalItem;
    indexes: { byRun: string; byRunStatus: [string, ItemStatus] };
  };
}

type Tx = IDBPTransaction<JournalDB, StoreNames<JournalDB>[], 'versionchange'>;
export type JournalMigration = (db: IDBPDatabase<JournalDB>, tx: Tx) => void;

/** Index i upgrades version i to i+1. Append only; never edit a released migration. */
export const JOURNAL_MIGRATIONS: readonly JournalMigration[] = [
  (db) => {
    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('byCreated', 'createdAt');
    const items = db.createObjectStore('items', { keyPath: ['runId', 'storeId', 'productId'] });
    items.createIndex('byRun', 'runId');
    items.createIndex('byRunStatus', ['runId', 'status']);
  },
];

export type ItemKey = Pick<JournalItem, 'runId' | 'storeId' | 'productId'>;
const keyOf = (item: ItemKey): [string, string, string] => [item.runId, item.storeId, item.productId];

export class Journal {
  private constructor(private readonly db: IDBPDatabase<JournalDB>) {}

  static async open(name: string = JOURNAL_DB_NAME, migrations: readonly JournalMigration[] = JOURNAL_MIGRATIONS): Promise<Journal> {
    let journal: Journal | undefined;
    const db = await openDB<JournalDB>(name, migrations.length, {
      upgrade(database, oldVersion, newVersion, tx) {
        for (let v = oldVersion; v < (newVersion ?? migrations.length); v++) migrations[v]!(database, tx);
      },
      // A newer version (another tab) wants to upgrade: close this connection rather than block it.
      blocking() {
        journal?.close();
      },
    });
    journal = new Journal(db);
    return journal;
  }

  close(): void {
    this.db.close();
  }

  /** Stores a new plan: the run and all its items in one transaction (all or nothing). */
  async createRun(run: JournalRun, items: readonly JournalItem[]): Promise<void> {
    const tx = this.db.transaction(['runs', 'items'], 'readwrite');
    const runs = tx.objectStore('runs');
    const store = tx.objectStore('items');
    await Promise.all([runs.add(run), ...items.map((item) => store.add(item)), tx.done]);
  }

  async getRun(id: string): Promise<JournalRun | undefined> {
    return this.db.get('runs', id);
  }

  /** Every run, oldest first. */
  async listRuns(): Promise<JournalRun[]> {
    return this.db.getAllFromIndex('runs', 'byCreated');
  }

  async putRun(run: JournalRun): Promise<void> {
    await this.db.put('runs', run);
  }

  /** Reads the run, applies `change` and writes it back in one transaction. */
  async updateRun(id: string, change: (run: JournalRun) => JournalRun): Promise<JournalRun> {
    const tx = this.db.transaction('runs', 'readwrite');
    const run = await tx.store.get(id);
    if (!run) throw new Error(`Journal: no run ${id}`);
    const next = change(run);
    await Promise.all([tx.store.put(next), tx.done]);
    return next;
  }

  async getItems(runId: string): Promise<JournalItem[]> {
    return this.db.getAllFromIndex('items', 'byRun', runId);
  }

  async getItemsByStatus(runId: string, status: ItemStatus): Promise<JournalItem[]> {
    return this.db.getAllFromIndex('items', 'byRunStatus', [runId, status]);
  }

  async getItem(key: ItemKey): Promise<JournalItem | undefined> {
    return this.db.get('items', keyOf(key));
  }

  /** Writes items in one transaction (e.g. a V1 batch marked sent before its POST). */
  async putItems(items: readonly JournalItem[]): Promise<void> {
    if (items.length === 0) return;
    const tx = this.db.transaction('items', 'readwrite');
    await Promise.all([...items.map((item) => tx.store.put(item)), tx.done]);
  }

  /**
   * Writes one item, durably, before resolving. Group commit: items put while the previous write is running go
   * together in the next transaction, so 16 lanes each journaling "sent" cost one transaction, not 16 (IndexedDB
   * serialises read-write transactions on a store). Order per key is kept.
   */
  putItem(item: JournalItem): Promise<void> {
    if (!this.batch) {
      const batch: { items: JournalItem[]; done: Promise<void> } = { items: [], done: Promise.resolve() };
      batch.done = this.writing.then(() => {
        if (this.batch === batch) this.batch = null;
        return this.putItems(batch.items);
      });
      this.writing = batch.done.catch(() => undefined);
      this.batch = batch;
    }
    this.batch.items.push(item);
    return this.batch.done;
  }

  private batch: { items: JournalItem[]; done: Promise<void> } | null = null;
  private writing: Promise<void> = Promise.resolve();

  /** Deletes a run and its items (discard). */
  async deleteRun(runId: string): Promise<void> {
    const tx = this.db.transaction(['runs', 'items'], 'readwrite');
    const items = tx.objectStore('items');
    let cursor = await items.index('byRun').openKeyCursor(IDBKeyRange.only(runId));
    const deletes: Promise<void>[] = [];
    while (cursor) {
      deletes.push(items.delete(cursor.primaryKey));
      cursor = await cursor.continue();
    }
    await Promise.all([...deletes, tx.objectStore('runs').delete(runId), tx.done]);
  }
}
