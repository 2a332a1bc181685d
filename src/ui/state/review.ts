/**
 * The review: the rows of the stores under review, read slice by slice, the view of them (filter, search, sort,
 * summary) and the product shown in detail. The merchant's decisions on the rows are in decisions.ts.
 */
import { batch, computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import { toBackendError, type ProductHistory, type ReviewResult, type SyncBackend } from '../backend.ts';
import { countByFilter, filterRows, sortRows, summarize, type Sort, type StatusFilter, type Summary, type ViewRow } from '../review-model.ts';
import { rankStores, readStoreRows, type StoreRows } from '../review-ranking.ts';
import { createDecisions } from './decisions.ts';
import { setOf, type Loadable, type Shared } from './shared.ts';
import type { PullState } from './pull.ts';

/** What the review keeps of each store's result besides its rows. */
export type ReviewMeta = Pick<ReviewResult, 'method' | 'complete' | 'deviceNames'>;

export type ReviewState = ReturnType<typeof createReviewState>;

const NO_NAMES: Readonly<Record<string, string>> = {};

/**
 * Reads per store, one at a time: a read asked for while one runs is done once more after it (`again`), rather than
 * each one starting over (during background fetching the result changes every second or so). `loading` holds the
 * stores being read.
 */
function oneReadAtATime(read: (storeId: string) => Promise<void>, loading: Signal<ReadonlySet<string>>, fail: Shared['fail']) {
  const reading = new Map<string, Promise<void>>();
  const again = new Set<string>();
  return function load(storeId: string): Promise<void> {
    const current = reading.get(storeId);
    if (current) {
      again.add(storeId);
      return current;
    }
    const run = (async () => {
      loading.value = setOf([...loading.value, storeId]);
      try {
        do {
          again.delete(storeId);
          await read(storeId);
        } while (again.has(storeId));
      } catch (e) {
        fail(e, () => void load(storeId));
      } finally {
        reading.delete(storeId);
        const next = new Set(loading.value);
        next.delete(storeId);
        loading.value = next;
      }
    })();
    reading.set(storeId, run);
    return run;
  };
}

/** The product shown in detail, with its history read from the backend when it is opened. */
function createDetail(backend: SyncBackend, rowByKey: ReadonlySignal<ReadonlyMap<string, ViewRow>>) {
  const detailKey = signal<string | null>(null);
  const detailHistory = signal<Loadable<ProductHistory>>({ status: 'idle' });
  const detailRow = computed(() => (detailKey.value === null ? null : rowByKey.value.get(detailKey.value) ?? null));

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

  return { detailRow, detailHistory, openDetail, closeDetail };
}

export function createReviewState(backend: SyncBackend, shared: Shared, pull: Pick<PullState, 'readyStoreIds'>) {
  const { fail, screen } = shared;
  const reviewStoreIds = signal<readonly string[]>([]);
  const rowsByStore = signal<ReadonlyMap<string, StoreRows>>(new Map());
  const rowsLoading = signal<ReadonlySet<string>>(new Set());
  /** Per store: method and whether every month is in. */
  const reviewMeta = signal<ReadonlyMap<string, ReviewMeta>>(new Map());
  const statusFilter = signal<StatusFilter>('all');
  const search = signal('');
  const storeFilter = signal<string | null>(null);
  const sort = signal<Sort>({ key: 'difference', dir: 'desc' });

  const allRows = computed<ViewRow[]>(() => {
    const byStore = rowsByStore.value;
    const shown: StoreRows[] = [];
    for (const id of reviewStoreIds.value) {
      const rows = byStore.get(id);
      if (rows) shown.push(rows);
    }
    return rankStores(shown);
  });
  const rowByKey = computed(() => new Map(allRows.value.map((r) => [r.key, r])));
  const decisions = createDecisions(backend, fail, rowByKey);
  const { manual, notApproved } = decisions;
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
  const detail = createDetail(backend, rowByKey);
  /** Stores whose result became ready after the review was opened and that it does not show yet (issue 16 item 5). */
  const readyNotShown = computed(() => {
    if (screen.value !== 'review') return [];
    const shown = new Set(reviewStoreIds.value);
    return pull.readyStoreIds.value.filter((id) => !shown.has(id));
  });

  /** Terminal names of a store for reasons and timelines. */
  const deviceNames = (id: string): Readonly<Record<string, string>> => reviewMeta.value.get(id)?.deviceNames ?? NO_NAMES;

  // Reading ----------------------------------------------------------------------------------------------------

  /**
   * Reads a store's rows, building the model slice by slice as they arrive (no long task), and shows them once all
   * are in: until then the previous rows stay on screen.
   */
  const loadRows = oneReadAtATime(readRows, rowsLoading, fail);

  async function readRows(storeId: string): Promise<void> {
    const { result, rows } = await readStoreRows((onSlice) => backend.reviewRows(storeId, onSlice));
    mergeRows(storeId, result, rows);
  }

  function mergeRows(storeId: string, result: ReviewResult, rows: StoreRows): void {
    batch(() => {
      rowsByStore.value = new Map(rowsByStore.value).set(storeId, rows);
      reviewMeta.value = new Map(reviewMeta.value).set(storeId, { method: result.method, complete: result.complete, deviceNames: result.deviceNames });
      decisions.mergeStore(storeId, rows.rows);
    });
  }

  async function openReview(storeIds: readonly string[] = pull.readyStoreIds.value): Promise<void> {
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

  /** Adds the stores that became ready to the open review. */
  async function showReadyStores(): Promise<void> {
    const more = readyNotShown.value;
    if (more.length === 0) return;
    reviewStoreIds.value = [...reviewStoreIds.value, ...more];
    await Promise.all(more.map((id) => loadRows(id)));
  }

  /** A `review-changed` event: the open review reads the store again. */
  function onChanged(storeId: string): void {
    if (reviewStoreIds.value.includes(storeId) && screen.value === 'review') void loadRows(storeId);
  }

  function forgetRows(storeId: string): void {
    const rows = new Map(rowsByStore.value);
    rows.delete(storeId);
    rowsByStore.value = rows;
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

  // View -------------------------------------------------------------------------------------------------------

  function toggleSort(key: Sort['key']): void {
    const cur = sort.value;
    sort.value = cur.key === key ? { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'difference' ? 'desc' : 'asc' };
  }

  return {
    reviewStoreIds, rowsLoading, reviewMeta, allRows, visibleRows, filterCounts, summary, manual, notApproved,
    statusFilter, search, storeFilter, sort, readyNotShown, deviceNames,
    openReview, showReadyStores, onChanged, forgetRows, loadOlderMonths, toggleSort,
    detailRow: detail.detailRow, detailHistory: detail.detailHistory, openDetail: detail.openDetail, closeDetail: detail.closeDetail,
    setManual: decisions.setManual, takeLedger: decisions.takeLedger, setApproved: decisions.setApproved,
  };
}
