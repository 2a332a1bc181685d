/**
 * The transaction a group of the pull's writes shares (db.ts `write`), with the jobs and checkpoints its writes have
 * read or written so far: a write after another of the same store in one group finds them here instead of asking
 * IndexedDB again (each read inside a busy transaction is a round trip, and a fresh store's setup, catalogue and
 * first pages usually go in one group). The writes of a group run one after the other, so what is kept here is
 * exactly what the transaction holds.
 */
import type { IDBPTransaction } from 'idb';
import { storeRange, type CheckpointRecord, type JobRecord, type SyncDB, type SyncStoreName } from './schema.ts';

/** Every store of a store's pulled data (a reset or a forget drops all of them). */
export const STORE_DATA = ['products', 'pages', 'inventories', 'checkpoints', 'quarantine', 'unknownProducts'] as const satisfies SyncStoreName[];
export const STORE_DATA_AND_JOB = [...STORE_DATA, 'jobs'] as const satisfies SyncStoreName[];

export type WriteTx = IDBPTransaction<SyncDB, typeof STORE_DATA_AND_JOB, 'readwrite'>;

/** Thrown when another tab or worker advanced a checkpoint under us: the caller re-reads and carries on. */
export class CheckpointConflictError extends Error {
  override readonly name = 'CheckpointConflictError';
}

const monthKey = (storeId: string, month: string) => `${storeId}\u0000${month}`;

export class GroupTx {
  private readonly jobs = new Map<string, JobRecord | undefined>();
  private readonly checkpoints = new Map<string, CheckpointRecord | undefined>();

  constructor(readonly tx: WriteTx) {}

  async job(storeId: string): Promise<JobRecord | undefined> {
    if (!this.jobs.has(storeId)) this.jobs.set(storeId, await this.tx.objectStore('jobs').get(storeId));
    return this.jobs.get(storeId);
  }

  putJob(job: JobRecord): void {
    this.jobs.set(job.storeId, job);
    void this.tx.objectStore('jobs').put(job);
  }

  async checkpoint(storeId: string, month: string): Promise<CheckpointRecord | undefined> {
    const key = monthKey(storeId, month);
    if (!this.checkpoints.has(key)) this.checkpoints.set(key, await this.tx.objectStore('checkpoints').get([storeId, month]));
    return this.checkpoints.get(key);
  }

  putCheckpoint(checkpoint: CheckpointRecord): void {
    this.checkpoints.set(monthKey(checkpoint.storeId, checkpoint.month), checkpoint);
    void this.tx.objectStore('checkpoints').put(checkpoint);
  }

  /**
   * A fresh job for a store, and these checkpoints, written; every row of its previous pull dropped first
   * (`dropPrevious` false: it had none, as a store without a job has no rows).
   */
  reset(job: JobRecord, checkpoints: readonly CheckpointRecord[], dropPrevious = true): void {
    const range = storeRange(job.storeId);
    if (dropPrevious) for (const name of STORE_DATA) void this.tx.objectStore(name).delete(range);
    const prefix = monthKey(job.storeId, '');
    for (const key of [...this.checkpoints.keys()]) if (key.startsWith(prefix)) this.checkpoints.set(key, undefined);
    this.putJob(job);
    for (const c of checkpoints) this.putCheckpoint(c);
  }

  /** The store's job, once its checkpoint is still the one the page was fetched from (else nothing is written). */
  async checkedJob(storeId: string, expected: CheckpointRecord): Promise<JobRecord> {
    const [stored, job] = await Promise.all([this.checkpoint(storeId, expected.month), this.job(storeId)]);
    // A month no page has moved has no record (src/pull/job.ts jobCheckpoints): it stands where it was laid out.
    const actual = stored ?? { cursor: null, done: false, pages: 0 };
    const same = actual.cursor === expected.cursor && actual.done === expected.done && actual.pages === expected.pages;
    if (!same) {
      throw new CheckpointConflictError(`checkpoint ${storeId}/${expected.month} moved on (another tab or worker is pulling this store)`);
    }
    if (!job) throw new CheckpointConflictError(`no job for store ${storeId}: it was cancelled or reset`);
    return job;
  }
}
