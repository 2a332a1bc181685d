/**
 * Work found unfinished when the app opens (after a reload or a closed tab): pulls the page's going away interrupted
 * go on by themselves; a paused or failed pull, an unfinished write and an undoable write are offered.
 */
import { batch, signal } from '@preact/signals';
import type { PendingWork, PullProgress, SyncBackend } from '../backend.ts';
import { setOf, type Shared } from './shared.ts';
import type { PullState } from './pull.ts';
import type { StoresState } from './stores.ts';
import type { WriteState } from './write.ts';

export interface ResumeDeps {
  stores: Pick<StoresState, 'selected'>;
  pull: Pick<PullState, 'control'>;
  write: Pick<WriteState, 'runWrite' | 'showReport'>;
}

export type ResumeState = ReturnType<typeof createResumeState>;

export function createResumeState(backend: SyncBackend, shared: Shared, deps: ResumeDeps) {
  const { screen } = shared;
  const { selected } = deps.stores;
  const pending = signal<PendingWork | null>(null);
  /** Pulls the page's going away interrupted, resumed by themselves at start (the banner says where they stopped). */
  const resumedPulls = signal<readonly PullProgress[]>([]);

  /** Asks what stopped unfinished; interrupted pulls go on at once, the rest is offered. */
  async function loadPending(): Promise<void> {
    let found: PendingWork;
    try {
      found = await backend.pendingWork();
    } catch (e) {
      shared.fail(e);
      return;
    }
    // A pull the page's going away interrupted goes on by itself (the progress screen promised so); one the user
    // paused, or that failed, waits for them.
    const resumed = found.pulls.filter((p) => p.interrupted);
    const work = { ...found, pulls: found.pulls.filter((p) => !p.interrupted) };
    const offer = work.pulls.length > 0 || work.run !== null || work.undoable !== null;
    batch(() => {
      pending.value = offer ? work : null;
      resumedPulls.value = resumed;
      if (resumed.length > 0 && work.run === null) {
        selected.value = setOf(resumed.map((p) => p.storeId));
        screen.value = 'progress';
      }
    });
    for (const p of resumed) void deps.pull.control(p.storeId, 'resume');
  }

  /** Continues exactly where the work stopped: an unfinished write first (it changes the cloud), then pulls. */
  async function resumePending(): Promise<void> {
    const work = pending.value;
    if (!work) return;
    pending.value = work.undoable ? { pulls: [], run: null, undoable: work.undoable } : null;
    if (work.run) {
      await deps.write.runWrite(work.run.runId, work.run.kind);
      return;
    }
    if (work.pulls.length > 0) {
      batch(() => {
        selected.value = setOf(work.pulls.map((p) => p.storeId));
        screen.value = 'progress';
      });
      await Promise.all(work.pulls.map((p) => deps.pull.control(p.storeId, 'resume')));
    }
  }

  /** What is still offered once the undoable write is no longer (shown, or superseded by a newer run). */
  function withoutUndo(work: PendingWork): PendingWork | null {
    return work.run || work.pulls.length > 0 ? { ...work, undoable: null } : null;
  }

  /** A write or undo run starts: the undo offered at start was of an earlier write. */
  function withdrawUndo(): void {
    const work = pending.value;
    if (work?.undoable) pending.value = withoutUndo(work);
  }

  /** Shows the report of the finished write whose undo is still available. */
  function showUndoable(): void {
    const work = pending.value;
    if (!work?.undoable) return;
    const report = work.undoable;
    batch(() => {
      deps.write.showReport(report);
      pending.value = withoutUndo(work);
    });
  }

  return {
    pending, resumedPulls, loadPending, resumePending, withdrawUndo, showUndoable,
    dismissPending: () => void (pending.value = null),
    dismissResumed: () => void (resumedPulls.value = []),
  };
}
