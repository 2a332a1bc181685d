/**
 * Writing: the plan (journaled before the confirmation opens), the run with its progress, its report, undo, and the
 * CSV of what is shown.
 */
import { batch, signal } from '@preact/signals';
import { toBackendError, type CsvFile, type SyncBackend, type WritePlan, type WriteProgress } from '../backend.ts';
import type { RunKind, RunReport, RunResult } from '../../writeback/types.ts';
import type { Loadable, Shared } from './shared.ts';
import type { ReviewState } from './review.ts';
import type { StoresState } from './stores.ts';

export interface WriteDeps {
  review: Pick<ReviewState, 'reviewStoreIds'>;
  stores: Pick<StoresState, 'loadStores'>;
  /** A run starts: the undo offered at start was of an earlier write (resume.ts withdraws it). */
  onRunStart: () => void;
}

export type WriteState = ReturnType<typeof createWriteState>;

export function createWriteState(backend: SyncBackend, shared: Shared, deps: WriteDeps) {
  const { fail, screen } = shared;
  const plan = signal<Loadable<WritePlan>>({ status: 'idle' });
  const writeKind = signal<RunKind>('write');
  const writeProgress = signal<WriteProgress | null>(null);
  const result = signal<Loadable<RunResult>>({ status: 'idle' });

  /** Increases on every new plan or cancellation, so a plan that arrives after the user cancelled is dropped. */
  let planTicket = 0;

  async function preparePlan(make: () => Promise<WritePlan>): Promise<void> {
    const ticket = ++planTicket;
    plan.value = { status: 'loading' };
    try {
      const value = await make();
      if (ticket !== planTicket) {
        await backend.cancelPlan(value.runId);
        return;
      }
      plan.value = { status: 'ready', value };
    } catch (e) {
      if (ticket !== planTicket) return;
      const be = toBackendError(e);
      plan.value = { status: 'error', error: be };
      if (be.code === 'unauthorized' || be.code === 'payment-required') fail(e);
    }
  }

  /** Journals the approved changes of the reviewed stores and opens the confirmation. */
  const prepareApply = (): Promise<void> => preparePlan(() => backend.planWrite(deps.review.reviewStoreIds.value));

  /** Journals the undo of the shown write run and opens the confirmation. */
  function prepareUndo(): Promise<void> {
    const r = result.value;
    if (r.status !== 'ready' || r.value.report.kind !== 'write' || !r.value.report.undoable) return Promise.resolve();
    const runId = r.value.report.runId;
    return preparePlan(() => backend.planUndo(runId));
  }

  function cancelPlan(): void {
    planTicket += 1;
    const p = plan.value;
    plan.value = { status: 'idle' };
    if (p.status === 'ready') backend.cancelPlan(p.value.runId).catch((e: unknown) => fail(e));
    // Still reading the cloud: stop it, or a cloud that pages without end keeps the worker busy behind the closed dialog.
    else if (p.status === 'loading') backend.stopPlan().catch((e: unknown) => fail(e));
  }

  async function runWrite(runId: string, kind: RunKind): Promise<void> {
    batch(() => {
      // From now on only this run's report speaks of undo.
      deps.onRunStart();
      plan.value = { status: 'idle' };
      screen.value = 'write';
      writeKind.value = kind;
      writeProgress.value = null;
      result.value = { status: 'loading' };
    });
    try {
      result.value = { status: 'ready', value: await backend.runWrite(runId) };
    } catch (e) {
      const be = fail(e, () => void runWrite(runId, kind));
      result.value = { status: 'error', error: be };
    }
  }

  async function confirmPlan(): Promise<void> {
    const p = plan.value;
    if (p.status !== 'ready') return;
    await runWrite(p.value.runId, p.value.kind);
  }

  /** Continues a run that stopped (interrupted, a 403, a lost network) from its journal. */
  async function continueWrite(): Promise<void> {
    const r = result.value;
    if (r.status !== 'ready') return;
    await runWrite(r.value.report.runId, r.value.report.kind);
  }

  /** Shows the report of a finished write (the one whose undo is still available, found at start). */
  function showReport(report: RunReport): void {
    batch(() => {
      result.value = { status: 'ready', value: { report, moved: [] } };
      writeKind.value = 'write';
      screen.value = 'write';
    });
  }

  async function discardUndo(): Promise<void> {
    const r = result.value;
    if (r.status !== 'ready') return;
    try {
      await backend.discardUndo(r.value.report.runId);
      result.value = { status: 'ready', value: { ...r.value, report: { ...r.value.report, undoable: false } } };
    } catch (e) {
      fail(e, () => void discardUndo());
    }
  }

  /** The CSV of the shown report, or of the review before writing. */
  async function exportCsv(): Promise<CsvFile | null> {
    const r = result.value;
    const onReport = screen.value === 'write' && r.status === 'ready';
    const runId = onReport ? r.value.report.runId : null;
    const storeIds = onReport ? r.value.report.stores.map((x) => x.storeId) : deps.review.reviewStoreIds.value;
    try {
      return await backend.exportCsv(storeIds, runId);
    } catch (e) {
      fail(e, () => void exportCsv());
      return null;
    }
  }

  function backToStores(): void {
    batch(() => {
      screen.value = 'stores';
      result.value = { status: 'idle' };
      writeProgress.value = null;
    });
    void deps.stores.loadStores();
  }

  return {
    plan, writeKind, writeProgress, result,
    prepareApply, prepareUndo, cancelPlan, runWrite, confirmPlan, continueWrite, showReport, discardUndo, exportCsv, backToStores,
  };
}
