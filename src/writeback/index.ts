/**
 * The write-back: put computed stock into Evotor Cloud without losing or doubling a write, without erasing a sale
 * made meanwhile, and with a way back. The worker calls this API; everything runs in a Web Worker (no DOM), each
 * long call takes an AbortSignal and reports progress. The engine is writeback.ts.
 *
 *   const wb = await createWriteback({ client: (api, hooks) => createEvotorClient({ api, token, baseUrl, ...hooks }) });
 *   const { report, moved } = await wb.createPlan({ stores: [{ storeId, api, computed, approved: 'all-resolved' }] });
 *   await wb.applyPlan(report.runId, { signal, onProgress });
 *   await wb.resumePending();          // after a reload: continues interrupted runs from the journal
 *   await wb.undo(report.runId);       // restores the quantities before (+ movements since)
 *   await wb.discard(report.runId);    // forgets the run and its undo data
 *   const csv = await wb.exportCsv(report.runId);
 *
 * See README.md for the journal, the state machine and the guarantees.
 */
export type * from './types.ts';
export { createWriteback, Writeback, WritebackStateError, type WritebackOptions } from './writeback.ts';
export { StoreBusyError, storeWriteLock, WritebackBusyError } from './locks.ts';
export type { ClientHooks } from './lane.ts';
export { Journal, JOURNAL_DB_NAME } from './journal.ts';
export { toCsv, type CsvRow } from './csv.ts';
export { exportReviewCsv, reviewCsvRows } from './report.ts';
