/**
 * A store's result as the page and the write-back get it, from disk: the computation's result with every full row,
 * the method and horizon saved with the job, the user's decisions and the terminals' names; and what a write plan
 * (or the review's CSV) gets of each store.
 */
import type { LocalStore } from '../../local/db.ts';
import type { ResultRow } from '../../pull/computation.ts';
import { DEFAULT_JOB_OPTIONS } from '../../pull/engine.ts';
import type { CreatePlanStore } from '../../writeback/types.ts';
import type { SyncResult } from '../shared/types.ts';
import type { Account } from './account.ts';
import type { DecisionsCache } from './decisions.ts';
import type { Names } from './names.ts';
import { planStore, toDecisions } from './plan-input.ts';
import type { Runners } from './runners.ts';
import { storeIdList } from './validate.ts';

export interface ResultDeps {
  local: LocalStore;
  /** The decisions for a review (kept); the write-back reads them from disk. */
  decisions: DecisionsCache;
  account: Account;
  names: Names;
  runners: Runners;
}

export type FullResult = Omit<SyncResult, 'rowCount' | 'firstRows'> & { rows: ResultRow[] };

/** The result with every full row (the page gets them in slices; the write-back, here in the worker, whole). */
export async function fullResult(deps: ResultDeps, storeId: string, signal: AbortSignal, forWrite = false): Promise<FullResult> {
  const { local, names } = deps;
  const result = (await deps.runners.computation(storeId, signal)).result();
  const [job, decisions, terminals] = await Promise.all([
    deps.runners.job(storeId), forWrite ? local.listDecisions(storeId) : deps.decisions.list(storeId), names.terminals(storeId, result.api, result.rows),
  ]);
  return {
    ...result,
    method: job?.options.method ?? DEFAULT_JOB_OPTIONS.method,
    horizonMonths: job?.options.horizonMonths ?? null,
    decisions: toDecisions(decisions),
    terminals,
  };
}

/** What the write-back needs of these stores, from disk: results, the job's method and cut-off, decisions. */
export async function planStores(deps: ResultDeps, storeIds: readonly string[], signal: AbortSignal): Promise<CreatePlanStore[]> {
  const { local, account } = deps;
  const stores: CreatePlanStore[] = [];
  for (const storeId of storeIdList(storeIds)) {
    await account.mustSee(storeId);
    const job = await local.getJob(storeId);
    if (!job) throw new Error(`store ${storeId} has no pulled result to write`);
    const result = await fullResult(deps, storeId, signal, true);
    stores.push(planStore({
      storeId,
      storeName: (await local.getStore(storeId))?.name ?? job.storeName,
      api: result.api,
      cutoff: job.snapshotAt,
      rows: result.rows,
      method: result.method,
      decisions: result.decisions,
    }));
  }
  return stores;
}
