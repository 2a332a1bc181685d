/**
 * The app state: signals the screens read, and actions they call. The only module of the UI that talks to the
 * SyncBackend port. No DOM, no storage, no fetch here, so it is driven directly in tests.
 */
import { batch, computed, signal, type ReadonlySignal } from '@preact/signals';
import { formatQuantity, type Milli } from '../model/quantity.ts';
import {
  toBackendError,
  type BackendError,
  type BackendEvent,
  type CsvFile,
  type PendingWork,
  type ProductHistory,
  type PullOptions,
  type PullMethod,
  type PullProgress,
  type ReviewResult,
  type StoreSummary,
  type SyncBackend,
  type WritePlan,
  type WriteProgress,
} from './backend.ts';
import { allowedDecimals } from '../model/precision.ts';
import type { RunKind, RunResult } from '../writeback/types.ts';
import {
  countByFilter,
  filterRows,
  parseManualQuantity,
  rowKey,
  sortRows,
  summarize,
  type ManualParse,
  type Sort,
  type StatusFilter,
  type Summary,
  type ViewRow,
} from './review-model.ts';
import { rankStores, readStoreRows, type StoreRows } from './review-ranking.ts';

export type Screen = 'stores' | 'progress' | 'review' | 'write';

/** What the review keeps of each store's result besides its rows. */
export type ReviewMeta = Pick<ReviewResult, 'method' | 'complete' | 'deviceNames'>;

export type Loadable<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'error'; error: BackendError };

/** A problem shown above the current screen, with a way to try again when there is one. */
export interface ShownError {
  error: BackendError;
  retry: (() => void) | null;
}

/** Errors that pass by themselves: one is cleared as soon as the cloud answers again. */
const TRANSIENT: ReadonlySet<BackendError['code']> = new Set(['blocked', 'server-error', 'timeout', 'rate-limited']);

export const DEFAULT_OPTIONS: PullOptions = { method: 'latest-document', horizonMonths: null, fullPeriod: false };

export interface AppStateHooks {
  /** Called on a 401: the token is no longer usable (main.tsx forgets it for this tab). */
  onUnauthorized?: () => void;
}

function setOf<T>(values: Iterable<T>): ReadonlySet<T> {
  return new Set(values);
}

export function createAppState(backend: SyncBackend, hooks: AppStateHooks = {}) {
  const screen = signal<Screen>('stores');
  const stores = signal<Loadable<StoreSummary[]>>({ status: 'idle' });
  const selected = signal<ReadonlySet<string>>(new Set());
  const options = signal<PullOptions>(DEFAULT_OPTIONS);
  const progress = signal<ReadonlyMap<string, PullProgress>>(new Map());
  const pending = signal<PendingWork | null>(null);
  /** Pulls the page's going away interrupted, resumed by themselves at start (the banner says where they stopped). */
  const resumedPulls = signal<readonly PullProgress[]>([]);
  const error = signal<ShownError | null>(null);
  /** A 401/402 stops everything: the screens show only what to do next. */
  const fatal = signal<BackendError | null>(null);

  // Review ------------------------------------------------------------------------------------------------------
  const reviewStoreIds = signal<readonly string[]>([]);
  const rowsByStore = signal<ReadonlyMap<string, StoreRows>>(new Map());
  const rowsLoading = signal<ReadonlySet<string>>(new Set());
  const manual = signal<ReadonlyMap<string, Milli>>(new Map());
  const notApproved = signal<ReadonlySet<string>>(new Set());
  const statusFilter = signal<StatusFilter>('all');
  const search = signal('');
  const storeFilter = signal<string | null>(null);
  const sort = signal<Sort>({ key: 'difference', dir: 'desc' });
  const detailKey = signal<string | null>(null);
  const detailHistory = signal<Loadable<ProductHistory>>({ status: 'idle' });

  /** Local edits not yet confirmed by the backend: they win over reloaded rows. */
  const manualOverrides = new Map<string, Milli | null>();
  const approvalOverrides = new Map<string, boolean>();

  const allRows = computed<ViewRow[]>(() => {
    const byStore = rowsByStore.value;
    const shown: StoreRows[] = [];
    for (const id of reviewStoreIds.value) {
      const rows = byStore.get(id);
      if (rows) shown.push(rows);
    }
    return rankStores(shown);
  });
  /** Per store: method and whether every month is in. */
  const reviewMeta = signal<ReadonlyMap<string, ReviewMeta>>(new Map());
  const rowByKey = computed(() => new Map(allRows.value.map((r) => [r.key, r])));
  const filteredRows = computed(() =>
    filterRows(allRows.value, { status: statusFilter.value, search: search.value, storeId: storeFilter.value }),
  );
  /**
   * Sorted view. Manual entries are read without subscribing: typing a quantity does not make rows jump under the
   * cursor; the next sort or filter change takes it into account.
   */
  const visibleRows = computed(() => sortRows(filteredRows.value, sort.value, manual.peek()));
  const filterCounts = computed(() => countByFilter(allRows.value, storeFilter.value));
  const summary = computed<Summary>(() => summarize(allRows.value, manual.value, notApproved.value));
  const detailRow = computed(() => (detailKey.value === null ? null : rowByKey.value.get(detailKey.value) ?? null));

  // Writing -----------------------------------------------------------------------------------------------------
  const plan = signal<Loadable<WritePlan>>({ status: 'idle' });
  const writeKind = signal<RunKind>('write');
  const writeProgress = signal<WriteProgress | null>(null);
  const result = signal<Loadable<RunResult>>({ status: 'idle' });

  const storeById = computed(() => {
    const s = stores.value;
    return new Map(s.status === 'ready' ? s.value.map((x) => [x.id, x]) : []);
  });
  /** A store's name: from the store list, else from its pull (the list may have failed to load, e.g. disk full). */
  const storeName = (id: string): string => storeById.value.get(id)?.name ?? progress.value.get(id)?.storeName ?? id;
  /** The cloud answered this session (the store list came): a later 401 is an expired access, a failed call a lost connection. */
  const cloudReached = signal(false);
  const NO_NAMES: Readonly<Record<string, string>> = {};
  /** Terminal names of a store for reasons and timelines. */
  const deviceNames = (id: string): Readonly<Record<string, string>> => reviewMeta.value.get(id)?.deviceNames ?? NO_NAMES;

  function fail(e: unknown, retry: (() => void) | null = null): BackendError {
    const be = toBackendError(e);
    if (be.code === 'unauthorized' || be.code === 'payment-required') {
      fatal.value = be;
      if (be.code === 'unauthorized') hooks.onUnauthorized?.();
    } else {
      error.value = { error: be, retry };
    }
    return be;
  }

  // Stores ------------------------------------------------------------------------------------------------------

  async function loadStores(): Promise<void> {
    stores.value = { status: 'loading' };
    try {
      const list = await backend.listStores();
      batch(() => {
        stores.value = { status: 'ready', value: list };
        cloudReached.value = true;
        if (error.value && TRANSIENT.has(error.value.error.code)) error.value = null;
        // Keep the selection to stores that exist; preselect the only store.
        const ids = new Set(list.map((s) => s.id));
        const kept = [...selected.value].filter((id) => ids.has(id));
        selected.value = setOf(kept.length === 0 && list.length === 1 ? [list[0]!.id] : kept);
      });
    } catch (e) {
      const be = fail(e, () => void loadStores());
      stores.value = { status: 'error', error: be };
    }
  }

  function toggleStore(id: string, on?: boolean): void {
    const next = new Set(selected.value);
    const want = on ?? !next.has(id);
    if (want) next.add(id);
    else next.delete(id);
    selected.value = next;
  }

  function selectAllStores(on: boolean): void {
    const s = stores.value;
    selected.value = setOf(on && s.status === 'ready' ? s.value.map((x) => x.id) : []);
  }

  function setOptions(patch: Partial<PullOptions>): void {
    const next = { ...options.value, ...patch };
    // A ledger check needs the whole chain of documents: choosing it turns the full period on.
    if (patch.method === 'ledger') next.fullPeriod = true;
    options.value = next;
  }

  // Pulling -----------------------------------------------------------------------------------------------------

  function applyProgress(p: PullProgress): void {
    const next = new Map(progress.value);
    next.set(p.storeId, p);
    progress.value = next;
  }

  async function refreshProgress(): Promise<void> {
    try {
      const list = await backend.pullProgress();
      progress.value = new Map(list.map((p) => [p.storeId, p]));
    } catch (e) {
      fail(e, () => void refreshProgress());
    }
  }

  async function startPull(): Promise<void> {
    const ids = [...selected.value];
    if (ids.length === 0) return;
    error.value = null;
    screen.value = 'progress';
    const opts = options.value;
    // Stores are independent: one refusing to start does not stop the others.
    await Promise.all(
      ids.map(async (id) => {
        try {
          await backend.startPull(id, opts);
        } catch (e) {
          fail(e, () => void backend.startPull(id, opts).catch((x: unknown) => fail(x)));
        }
      }),
    );
  }

  async function control(id: string, action: 'pause' | 'resume' | 'cancel'): Promise<void> {
    try {
      if (action === 'pause') await backend.pausePull(id);
      else if (action === 'resume') await backend.resumePull(id);
      else await backend.cancelPull(id);
    } catch (e) {
      fail(e, () => void control(id, action));
    }
  }

  /** Stores of the current selection (or with progress) whose result can be reviewed. */
  const readyStoreIds = computed(() => {
    const ids = selected.value.size > 0 ? [...selected.value] : [...progress.value.keys()];
    return ids.filter((id) => progress.value.get(id)?.resultReady === true || isSyncedStore(id));
  });

  function isSyncedStore(id: string): boolean {
    const s = stores.value;
    return s.status === 'ready' && s.value.some((x) => x.id === id && x.lastSyncedAt !== null && x.state !== 'running');
  }

  // Review ------------------------------------------------------------------------------------------------------

  /** Reads in progress per store; a change announced meanwhile is read once more after it (`again`). */
  const reading = new Map<string, Promise<void>>();
  const readAgain = new Set<string>();

  /**
   * Reads a store's rows, building the model slice by slice as they arrive (no long task), and shows them once all
   * are in: until then the previous rows stay on screen. Changes announced while reading are read once more after,
   * rather than each one starting over (during background fetching the result changes every second or so).
   */
  function loadRows(storeId: string): Promise<void> {
    const current = reading.get(storeId);
    if (current) {
      readAgain.add(storeId);
      return current;
    }
    const run = (async () => {
      rowsLoading.value = setOf([...rowsLoading.value, storeId]);
      try {
        do {
          readAgain.delete(storeId);
          await readRows(storeId);
        } while (readAgain.has(storeId));
      } catch (e) {
        fail(e, () => void loadRows(storeId));
      } finally {
        reading.delete(storeId);
        const next = new Set(rowsLoading.value);
        next.delete(storeId);
        rowsLoading.value = next;
      }
    })();
    reading.set(storeId, run);
    return run;
  }

  async function readRows(storeId: string): Promise<void> {
    const { result, rows } = await readStoreRows((onSlice) => backend.reviewRows(storeId, onSlice));
    mergeRows(storeId, result, rows);
  }

  function mergeRows(storeId: string, result: ReviewResult, rows: StoreRows): void {
    const view = rows.rows;
    const nextManual = new Map([...manual.value].filter(([k]) => !k.startsWith(`${storeId}/`)));
    const nextNot = new Set([...notApproved.value].filter((k) => !k.startsWith(`${storeId}/`)));
    for (const r of view) {
      const m = manualOverrides.has(r.key) ? manualOverrides.get(r.key)! : parseManualOrNull(r.row.manualQuantity);
      if (m !== null) nextManual.set(r.key, m);
      const approved = approvalOverrides.get(r.key) ?? r.row.approved;
      if (!approved) nextNot.add(r.key);
    }
    batch(() => {
      const next = new Map(rowsByStore.value);
      next.set(storeId, rows);
      rowsByStore.value = next;
      reviewMeta.value = new Map(reviewMeta.value).set(storeId, { method: result.method, complete: result.complete, deviceNames: result.deviceNames });
      manual.value = nextManual;
      notApproved.value = nextNot;
    });
  }

  function parseManualOrNull(text: string | null): Milli | null {
    if (text === null) return null;
    const p = parseManualQuantity(text);
    return p.ok ? p.value : null;
  }

  async function openReview(storeIds: readonly string[] = readyStoreIds.value): Promise<void> {
    if (storeIds.length === 0) return;
    batch(() => {
      reviewStoreIds.value = [...storeIds];
      storeFilter.value = null;
      // A filter or search from an earlier review would hide rows of this one («0 товаров» under «Без данных»).
      statusFilter.value = 'all';
      search.value = '';
      screen.value = 'review';
    });
    await Promise.all(storeIds.map((id) => loadRows(id)));
  }

  /** Stores whose result became ready after the review was opened and that it does not show yet (issue 16 item 5). */
  const readyNotShown = computed(() => {
    if (screen.value !== 'review') return [];
    const shown = new Set(reviewStoreIds.value);
    return readyStoreIds.value.filter((id) => !shown.has(id));
  });

  /** Adds the stores that became ready to the open review. */
  async function showReadyStores(): Promise<void> {
    const more = readyNotShown.value;
    if (more.length === 0) return;
    reviewStoreIds.value = [...reviewStoreIds.value, ...more];
    await Promise.all(more.map((id) => loadRows(id)));
  }

  /**
   * Undecided products: fetch the months before the ones loaded (a year more), keeping what is loaded; a pull that
   * stopped before its horizon simply continues (issue 16 item 11).
   */
  async function loadOlderMonths(storeId: string): Promise<void> {
    try {
      await backend.loadOlderMonths(storeId);
    } catch (e) {
      fail(e, () => void loadOlderMonths(storeId));
    }
  }

  /** Validates and keeps a typed quantity (null or '' clears it). Returns the parse result for the field. */
  function setManual(key: string, text: string | null): ManualParse | null {
    const row = rowByKey.value.get(key);
    if (!row) return null;
    const next = new Map(manual.value);
    let value: Milli | null = null;
    let result: ManualParse | null = null;
    if (text !== null && text.trim() !== '') {
      result = parseManualQuantity(text, allowedDecimals(row.row.stock.measureName, row.row.stock.measurePrecision));
      if (!result.ok) return result;
      value = result.value;
      next.set(key, value);
    } else {
      next.delete(key);
    }
    manual.value = next;
    manualOverrides.set(key, value);
    const { storeId, stock } = row.row;
    backend
      .setManualQuantity(storeId, stock.productId, value === null ? null : formatQuantity(value))
      .then(() => {
        if (manualOverrides.get(key) === value) manualOverrides.delete(key);
      })
      .catch((e: unknown) => fail(e));
    return result;
  }

  /**
   * Takes (or gives back) the movement ledger's value instead of the newest document's for rows where they differ
   * (one, or every flagged row at once). Kept as the row's manual value, which the worker writes as the ledger's.
   */
  function takeLedger(keys: readonly string[], on: boolean): void {
    const next = new Map(manual.value);
    const calls: Array<[string, string, Milli | null]> = [];
    for (const key of keys) {
      const row = rowByKey.value.get(key);
      if (!row || row.ledger === null) continue;
      const value = on ? row.ledger : null;
      if (value === null) next.delete(key);
      else next.set(key, value);
      manualOverrides.set(key, value);
      calls.push([key, row.row.storeId, value]);
    }
    manual.value = next;
    for (const [key, storeId, value] of calls) {
      const productId = rowByKey.value.get(key)!.row.stock.productId;
      backend
        .setManualQuantity(storeId, productId, value === null ? null : formatQuantity(value))
        .then(() => {
          if (manualOverrides.get(key) === value) manualOverrides.delete(key);
        })
        .catch((e: unknown) => fail(e));
    }
  }

  /** Ticks or unticks rows; resolves once the backend has the decisions (the embed's apply() plans right after). */
  function setApproved(keys: readonly string[], approved: boolean): Promise<void> {
    const next = new Set(notApproved.value);
    const byStore = new Map<string, string[]>();
    for (const key of keys) {
      const row = rowByKey.value.get(key);
      if (!row) continue;
      if (approved) next.delete(key);
      else next.add(key);
      approvalOverrides.set(key, approved);
      const list = byStore.get(row.row.storeId) ?? [];
      list.push(row.row.stock.productId);
      byStore.set(row.row.storeId, list);
    }
    notApproved.value = next;
    const calls: Promise<void>[] = [];
    for (const [storeId, productIds] of byStore) {
      const call = backend
        .setApproval(storeId, productIds, approved)
        .then(() => {
          for (const pid of productIds) {
            const key = rowKey(storeId, pid);
            if (approvalOverrides.get(key) === approved) approvalOverrides.delete(key);
          }
        })
        .catch((e: unknown) => void fail(e));
      calls.push(call);
    }
    return Promise.all(calls).then(() => undefined);
  }

  function toggleSort(key: Sort['key']): void {
    const cur = sort.value;
    sort.value = cur.key === key ? { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'difference' ? 'desc' : 'asc' };
  }

  async function openDetail(key: string): Promise<void> {
    const row = rowByKey.value.get(key);
    if (!row) return;
    batch(() => {
      detailKey.value = key;
      detailHistory.value = { status: 'loading' };
    });
    try {
      const history = await backend.productHistory(row.row.storeId, row.row.stock.productId);
      if (detailKey.value === key) detailHistory.value = { status: 'ready', value: history };
    } catch (e) {
      if (detailKey.value === key) detailHistory.value = { status: 'error', error: toBackendError(e) };
    }
  }

  function closeDetail(): void {
    batch(() => {
      detailKey.value = null;
      detailHistory.value = { status: 'idle' };
    });
  }

  // Writing -----------------------------------------------------------------------------------------------------

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
  const prepareApply = (): Promise<void> => preparePlan(() => backend.planWrite(reviewStoreIds.value));

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
      // The undo offered at start was of an earlier write: from now on only this run's report speaks of undo.
      const work = pending.value;
      if (work?.undoable) pending.value = work.run || work.pulls.length > 0 ? { ...work, undoable: null } : null;
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

  /** Removes a store's pulled data from this browser (a full disk); its writes and their undo stay. */
  async function forgetStore(id: string): Promise<void> {
    try {
      await backend.forgetStore(id);
      batch(() => {
        const next = new Map(progress.value);
        next.delete(id);
        progress.value = next;
        const rows = new Map(rowsByStore.value);
        rows.delete(id);
        rowsByStore.value = rows;
      });
      void loadStores();
    } catch (e) {
      fail(e, () => void forgetStore(id));
    }
  }

  /** The CSV of the shown report, or of the review before writing. */
  async function exportCsv(): Promise<CsvFile | null> {
    const r = result.value;
    const onReport = screen.value === 'write' && r.status === 'ready';
    const runId = onReport ? r.value.report.runId : null;
    const storeIds = onReport ? r.value.report.stores.map((x) => x.storeId) : reviewStoreIds.value;
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
    void loadStores();
  }

  // Resume ------------------------------------------------------------------------------------------------------

  /** Continues exactly where the work stopped: an unfinished write first (it changes the cloud), then pulls. */
  async function resumePending(): Promise<void> {
    const work = pending.value;
    if (!work) return;
    pending.value = work.undoable ? { pulls: [], run: null, undoable: work.undoable } : null;
    if (work.run) {
      await runWrite(work.run.runId, work.run.kind);
      return;
    }
    if (work.pulls.length > 0) {
      batch(() => {
        selected.value = setOf(work.pulls.map((p) => p.storeId));
        screen.value = 'progress';
      });
      await Promise.all(work.pulls.map((p) => control(p.storeId, 'resume')));
    }
  }

  function dismissPending(): void {
    pending.value = null;
  }

  /** Shows the report of the finished write whose undo is still available. */
  function showUndoable(): void {
    const work = pending.value;
    if (!work?.undoable) return;
    const report = work.undoable;
    batch(() => {
      result.value = { status: 'ready', value: { report, moved: [] } };
      writeKind.value = 'write';
      pending.value = work.run || work.pulls.length > 0 ? { ...work, undoable: null } : null;
      screen.value = 'write';
    });
  }

  // Events ------------------------------------------------------------------------------------------------------

  function onEvent(event: BackendEvent): void {
    switch (event.type) {
      case 'pull-progress': {
        applyProgress(event.progress);
        const e = event.progress.error;
        if (e && (e.code === 'unauthorized' || e.code === 'payment-required')) fail(e);
        // A pull that moves again means the cloud answers: a passing error shown above the screen has recovered.
        const moving = event.progress.phase === 'products' || event.progress.phase === 'documents' || event.progress.phase === 'background';
        if (moving && e === null && event.progress.waiting === null && error.value && TRANSIENT.has(error.value.error.code)) error.value = null;
        break;
      }
      case 'review-changed':
        if (reviewStoreIds.value.includes(event.storeId) && screen.value === 'review') void loadRows(event.storeId);
        break;
      case 'write-progress':
        writeProgress.value = event.progress;
        break;
      case 'stores-changed':
        void loadStores();
        break;
    }
  }

  let unsubscribe: (() => void) | null = null;

  async function init(): Promise<void> {
    unsubscribe?.();
    unsubscribe = backend.subscribe(onEvent);
    await Promise.all([
      loadStores(),
      refreshProgress(),
      backend.pendingWork().then(
        (found) => {
          // A pull the page's going away interrupted goes on by itself (the progress screen promised so); one the
          // user paused, or that failed, waits for them.
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
          for (const p of resumed) void control(p.storeId, 'resume');
        },
        (e: unknown) => void fail(e),
      ),
    ]);
  }

  /**
   * The «Повторить» above the screen: what failed there, and every pull that failed meanwhile (the same outage stops
   * them all; the cards then do not repeat the error).
   */
  function retryShown(): void {
    const shown = error.value;
    error.value = null;
    shown?.retry?.();
    for (const p of progress.value.values()) if (p.phase === 'failed') void control(p.storeId, 'resume');
  }

  function dispose(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  return {
    // signals (read-only for components)
    screen: screen as ReadonlySignal<Screen>,
    stores: stores as ReadonlySignal<Loadable<StoreSummary[]>>,
    selected: selected as ReadonlySignal<ReadonlySet<string>>,
    options: options as ReadonlySignal<PullOptions>,
    progress: progress as ReadonlySignal<ReadonlyMap<string, PullProgress>>,
    pending: pending as ReadonlySignal<PendingWork | null>,
    resumedPulls: resumedPulls as ReadonlySignal<readonly PullProgress[]>,
    error: error as ReadonlySignal<ShownError | null>,
    fatal: fatal as ReadonlySignal<BackendError | null>,
    cloudReached: cloudReached as ReadonlySignal<boolean>,
    readyStoreIds,
    readyNotShown,
    reviewStoreIds: reviewStoreIds as ReadonlySignal<readonly string[]>,
    rowsLoading: rowsLoading as ReadonlySignal<ReadonlySet<string>>,
    reviewMeta: reviewMeta as ReadonlySignal<ReadonlyMap<string, ReviewMeta>>,
    allRows,
    visibleRows,
    filterCounts,
    summary,
    manual: manual as ReadonlySignal<ReadonlyMap<string, Milli>>,
    notApproved: notApproved as ReadonlySignal<ReadonlySet<string>>,
    statusFilter,
    search,
    storeFilter,
    sort: sort as ReadonlySignal<Sort>,
    detailRow,
    detailHistory: detailHistory as ReadonlySignal<Loadable<ProductHistory>>,
    plan: plan as ReadonlySignal<Loadable<WritePlan>>,
    writeKind: writeKind as ReadonlySignal<RunKind>,
    writeProgress: writeProgress as ReadonlySignal<WriteProgress | null>,
    result: result as ReadonlySignal<Loadable<RunResult>>,
    // actions
    init,
    dispose,
    storeName,
    deviceNames,
    loadStores,
    toggleStore,
    selectAllStores,
    setOptions,
    startPull,
    pausePull: (id: string) => control(id, 'pause'),
    resumePull: (id: string) => control(id, 'resume'),
    cancelPull: (id: string) => control(id, 'cancel'),
    showStores: () => void (screen.value = 'stores'),
    showProgress: () => void (screen.value = 'progress'),
    openReview,
    showReadyStores,
    loadOlderMonths,
    setManual,
    takeLedger,
    setApproved,
    toggleSort,
    openDetail,
    closeDetail,
    prepareApply,
    prepareUndo,
    cancelPlan,
    confirmPlan,
    continueWrite,
    discardUndo,
    exportCsv,
    forgetStore,
    backToStores,
    resumePending,
    dismissPending,
    dismissResumed: () => void (resumedPulls.value = []),
    showUndoable,
    dismissError: () => void (error.value = null),
    retryShown,
  };
}

export type AppState = ReturnType<typeof createAppState>;
