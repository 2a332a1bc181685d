/**
 * Who may write what at a time, across tabs and workers of the origin (Web Locks, when the browser has them):
 * one apply per run, one write run per store. Without Web Locks, runs of other tabs are not kept apart (the run's
 * journal checkpoint still stops the same run twice in one worker).
 */

export class WritebackBusyError extends Error {
  override readonly name = 'WritebackBusyError';
  constructor(runId: string) {
    super(`The run ${runId} is being applied elsewhere (another tab or call)`);
  }
}

/** Another tab (or another run in this one) is writing one of these stores: one write run per store at a time. */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
  constructor(readonly storeIds: readonly string[]) {
    super(`The store ${storeIds.join(', ')} is being written by another tab`);
  }
}

/** The Web Lock a write or undo run holds on each of its stores, across tabs and workers of the origin. */
export const storeWriteLock = (storeId: string): string => `evotor-stock-sync:store-write:${storeId.toLowerCase()}`;

const lockManager = (): LockManager | undefined => (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;

/**
 * The run's store locks, all or none (taken in name order, so two runs never wait for each other); StoreBusyError
 * when another holds one.
 */
export async function withStoreLocks<T>(storeIds: readonly string[], fn: () => Promise<T>): Promise<T> {
  const locks = lockManager();
  if (!locks) return fn();
  const names = [...new Set(storeIds.map(storeWriteLock))].sort();
  const take = (i: number): Promise<T> =>
    i === names.length
      ? fn()
      : locks.request(names[i]!, { ifAvailable: true }, async (lock) => {
          if (!lock) throw new StoreBusyError(storeIds);
          return take(i + 1);
        });
  return take(0);
}

/**
 * Resolves once no tab holds the write lock of any of these stores (at once when none does, or without Web Locks).
 * Rejects with the signal's reason when it aborts.
 */
export async function whenStoresFree(storeIds: readonly string[], signal?: AbortSignal): Promise<void> {
  const locks = lockManager();
  if (!locks) return;
  for (const name of new Set(storeIds.map(storeWriteLock))) await locks.request(name, signal ? { signal } : {}, async () => undefined);
}

/** The runs being applied or planned in this worker, each also under its Web Lock for the other tabs. */
export class RunLocks {
  private readonly active = new Set<string>();

  has(runId: string): boolean {
    return this.active.has(runId);
  }

  /** Runs fn holding the run; WritebackBusyError when this worker or another tab holds it already. */
  async hold<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    if (this.active.has(runId)) throw new WritebackBusyError(runId);
    this.active.add(runId);
    try {
      const locks = lockManager();
      if (!locks) return await fn();
      return await locks.request(`evotor-stock-sync:writeback:${runId}`, { ifAvailable: true }, async (lock) => {
        if (!lock) throw new WritebackBusyError(runId);
        return fn();
      });
    } finally {
      this.active.delete(runId);
    }
  }
}
