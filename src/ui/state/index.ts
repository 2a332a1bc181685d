/**
 * The app state: signals the screens read, and actions they call (`AppState` below is the whole contract). The only
 * part of the UI that talks to the SyncBackend port. No DOM, no storage, no fetch here, so it is driven directly in
 * tests. Composed of slices, each a small factory over the backend and the signals it needs; they depend on each
 * other in one direction (stores ← pull ← review ← write ← resume), and the one way back (a new write withdraws the
 * undo offered at start) is a callback.
 */
import { batch, type ReadonlySignal, type Signal } from '@preact/signals';
import type { Milli } from '../../model/quantity.ts';
import type { RunKind, RunResult } from '../../writeback/types.ts';
import type {
  BackendError,
  BackendEvent,
  CsvFile,
  PendingWork,
  ProductHistory,
  PullOptions,
  PullProgress,
  StoreSummary,
  SyncBackend,
  WritePlan,
  WriteProgress,
} from '../backend.ts';
import type { ManualParse, Sort, StatusFilter, Summary, ViewRow } from '../review-model.ts';
import { createShared, type AppStateHooks, type Loadable, type Screen, type ShownError } from './shared.ts';
import { createStoresState } from './stores.ts';
import { createPullState } from './pull.ts';
import { createReviewState, type ReviewMeta } from './review.ts';
import { createWriteState } from './write.ts';
import { createResumeState } from './resume.ts';

export type { AppStateHooks, Loadable, Screen, ShownError } from './shared.ts';
export type { ReviewMeta } from './review.ts';
export { DEFAULT_OPTIONS } from './stores.ts';

export interface AppState {
  // Shell
  readonly screen: ReadonlySignal<Screen>;
  readonly error: ReadonlySignal<ShownError | null>;
  /** A 401/402: the screens show only what to do next. */
  readonly fatal: ReadonlySignal<BackendError | null>;
  /** The cloud answered this session: a later 401 is an expired access, a failed call a lost connection. */
  readonly cloudReached: ReadonlySignal<boolean>;
  /** Subscribes to the backend and loads the stores, the progress and the unfinished work. */
  init(): Promise<void>;
  dispose(): void;
  dismissError(): void;
  /** The «Повторить» above the screen: what failed there, and every pull that failed meanwhile. */
  retryShown(): void;
  showStores(): void;
  showProgress(): void;

  // Stores
  readonly stores: ReadonlySignal<Loadable<StoreSummary[]>>;
  readonly selected: ReadonlySignal<ReadonlySet<string>>;
  readonly options: ReadonlySignal<PullOptions>;
  /** A store's name: from the store list, else from its pull, else its id. */
  storeName(id: string): string;
  loadStores(): Promise<void>;
  toggleStore(id: string, on?: boolean): void;
  selectAllStores(on: boolean): void;
  setOptions(patch: Partial<PullOptions>): void;
  /** Removes a store's pulled data from this browser (a full disk); its writes and their undo stay. */
  forgetStore(id: string): Promise<void>;

  // Pulls
  readonly progress: ReadonlySignal<ReadonlyMap<string, PullProgress>>;
  /** Stores of the selection (or with progress) whose result can be reviewed. */
  readonly readyStoreIds: ReadonlySignal<string[]>;
  startPull(): Promise<void>;
  pausePull(id: string): Promise<void>;
  resumePull(id: string): Promise<void>;
  cancelPull(id: string): Promise<void>;

  // Review
  readonly reviewStoreIds: ReadonlySignal<readonly string[]>;
  readonly rowsLoading: ReadonlySignal<ReadonlySet<string>>;
  readonly reviewMeta: ReadonlySignal<ReadonlyMap<string, ReviewMeta>>;
  /** Ready stores the open review does not show yet. */
  readonly readyNotShown: ReadonlySignal<string[]>;
  readonly allRows: ReadonlySignal<ViewRow[]>;
  readonly visibleRows: ReadonlySignal<ViewRow[]>;
  readonly filterCounts: ReadonlySignal<Record<StatusFilter, number>>;
  readonly summary: ReadonlySignal<Summary>;
  readonly manual: ReadonlySignal<ReadonlyMap<string, Milli>>;
  readonly notApproved: ReadonlySignal<ReadonlySet<string>>;
  /** The review's filter, search and store filter: set by the toolbar's inputs. */
  readonly statusFilter: Signal<StatusFilter>;
  readonly search: Signal<string>;
  readonly storeFilter: Signal<string | null>;
  readonly sort: ReadonlySignal<Sort>;
  readonly detailRow: ReadonlySignal<ViewRow | null>;
  readonly detailHistory: ReadonlySignal<Loadable<ProductHistory>>;
  /** Terminal names of a store for reasons and timelines. */
  deviceNames(id: string): Readonly<Record<string, string>>;
  openReview(storeIds?: readonly string[]): Promise<void>;
  showReadyStores(): Promise<void>;
  loadOlderMonths(storeId: string): Promise<void>;
  setManual(key: string, text: string | null): ManualParse | null;
  takeLedger(keys: readonly string[], on: boolean): void;
  setApproved(keys: readonly string[], approved: boolean): Promise<void>;
  toggleSort(key: Sort['key']): void;
  openDetail(key: string): Promise<void>;
  closeDetail(): void;

  // Writing
  readonly plan: ReadonlySignal<Loadable<WritePlan>>;
  readonly writeKind: ReadonlySignal<RunKind>;
  readonly writeProgress: ReadonlySignal<WriteProgress | null>;
  readonly result: ReadonlySignal<Loadable<RunResult>>;
  prepareApply(): Promise<void>;
  prepareUndo(): Promise<void>;
  cancelPlan(): void;
  confirmPlan(): Promise<void>;
  continueWrite(): Promise<void>;
  discardUndo(): Promise<void>;
  exportCsv(): Promise<CsvFile | null>;
  backToStores(): void;

  // Resume
  readonly pending: ReadonlySignal<PendingWork | null>;
  /** Pulls the page's going away interrupted, resumed by themselves at start. */
  readonly resumedPulls: ReadonlySignal<readonly PullProgress[]>;
  resumePending(): Promise<void>;
  dismissPending(): void;
  dismissResumed(): void;
  showUndoable(): void;
}

export function createAppState(backend: SyncBackend, hooks: AppStateHooks = {}): AppState {
  const shared = createShared(hooks);
  const stores = createStoresState(backend, shared);
  const pull = createPullState(backend, shared, stores);
  const review = createReviewState(backend, shared, pull);
  const write = createWriteState(backend, shared, { review, stores, onRunStart: () => resume.withdrawUndo() });
  const resume = createResumeState(backend, shared, { stores, pull, write });
  const { screen, error } = shared;

  function onEvent(event: BackendEvent): void {
    switch (event.type) {
      case 'pull-progress':
        pull.onProgress(event.progress);
        break;
      case 'review-changed':
        review.onChanged(event.storeId);
        break;
      case 'write-progress':
        write.writeProgress.value = event.progress;
        break;
      case 'stores-changed':
        void stores.loadStores();
        break;
    }
  }

  let unsubscribe: (() => void) | null = null;

  async function init(): Promise<void> {
    unsubscribe?.();
    unsubscribe = backend.subscribe(onEvent);
    await Promise.all([stores.loadStores(), pull.refreshProgress(), resume.loadPending()]);
  }

  function dispose(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  /** What failed above the screen, and every pull that failed meanwhile (the cards then do not repeat the error). */
  function retryShown(): void {
    const shown = error.value;
    error.value = null;
    shown?.retry?.();
    pull.retryFailed();
  }

  async function forgetStore(id: string): Promise<void> {
    try {
      await backend.forgetStore(id);
      batch(() => {
        pull.forgetProgress(id);
        review.forgetRows(id);
      });
      void stores.loadStores();
    } catch (e) {
      shared.fail(e, () => void forgetStore(id));
    }
  }

  return {
    screen, error, fatal: shared.fatal, cloudReached: stores.cloudReached,
    init, dispose, retryShown,
    dismissError: () => void (error.value = null),
    showStores: () => void (screen.value = 'stores'),
    showProgress: () => void (screen.value = 'progress'),

    stores: stores.stores, selected: stores.selected, options: stores.options, storeName: pull.storeName,
    loadStores: stores.loadStores, toggleStore: stores.toggleStore, selectAllStores: stores.selectAllStores,
    setOptions: stores.setOptions, forgetStore,

    progress: pull.progress, readyStoreIds: pull.readyStoreIds, startPull: pull.startPull,
    pausePull: (id) => pull.control(id, 'pause'),
    resumePull: (id) => pull.control(id, 'resume'),
    cancelPull: (id) => pull.control(id, 'cancel'),

    reviewStoreIds: review.reviewStoreIds, rowsLoading: review.rowsLoading, reviewMeta: review.reviewMeta,
    readyNotShown: review.readyNotShown, allRows: review.allRows, visibleRows: review.visibleRows,
    filterCounts: review.filterCounts, summary: review.summary, manual: review.manual, notApproved: review.notApproved,
    statusFilter: review.statusFilter, search: review.search, storeFilter: review.storeFilter, sort: review.sort,
    detailRow: review.detailRow, detailHistory: review.detailHistory, deviceNames: review.deviceNames,
    openReview: review.openReview, showReadyStores: review.showReadyStores, loadOlderMonths: review.loadOlderMonths,
    setManual: review.setManual, takeLedger: review.takeLedger, setApproved: review.setApproved,
    toggleSort: review.toggleSort, openDetail: review.openDetail, closeDetail: review.closeDetail,

    plan: write.plan, writeKind: write.writeKind, writeProgress: write.writeProgress, result: write.result,
    prepareApply: write.prepareApply, prepareUndo: write.prepareUndo, cancelPlan: write.cancelPlan,
    confirmPlan: write.confirmPlan, continueWrite: write.continueWrite, discardUndo: write.discardUndo,
    exportCsv: write.exportCsv, backToStores: write.backToStores,

    pending: resume.pending, resumedPulls: resume.resumedPulls, resumePending: resume.resumePending,
    dismissPending: resume.dismissPending, dismissResumed: resume.dismissResumed, showUndoable: resume.showUndoable,
  };
}
