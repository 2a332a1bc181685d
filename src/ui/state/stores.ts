/** The store list: which stores the account has, which are ticked, and the options their pull starts with. */
import { batch, computed, signal } from '@preact/signals';
import type { PullOptions, StoreSummary, SyncBackend } from '../backend.ts';
import { setOf, type Loadable, type Shared } from './shared.ts';

export const DEFAULT_OPTIONS: PullOptions = { method: 'latest-document', horizonMonths: null, fullPeriod: false };

export type StoresState = ReturnType<typeof createStoresState>;

export function createStoresState(backend: SyncBackend, shared: Shared) {
  const stores = signal<Loadable<StoreSummary[]>>({ status: 'idle' });
  const selected = signal<ReadonlySet<string>>(new Set());
  const options = signal<PullOptions>(DEFAULT_OPTIONS);
  /** The cloud answered this session (the store list came): a later 401 is an expired access, a failed call a lost connection. */
  const cloudReached = signal(false);
  const storeById = computed(() => {
    const s = stores.value;
    return new Map(s.status === 'ready' ? s.value.map((x) => [x.id, x]) : []);
  });

  async function loadStores(): Promise<void> {
    stores.value = { status: 'loading' };
    try {
      const list = await backend.listStores();
      batch(() => {
        stores.value = { status: 'ready', value: list };
        cloudReached.value = true;
        shared.clearTransient();
        // Keep the selection to stores that exist; preselect the only store.
        const ids = new Set(list.map((s) => s.id));
        const kept = [...selected.value].filter((id) => ids.has(id));
        selected.value = setOf(kept.length === 0 && list.length === 1 ? [list[0]!.id] : kept);
      });
    } catch (e) {
      const be = shared.fail(e, () => void loadStores());
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

  /** Pulled once and not pulling now: its stored result can be reviewed. */
  function isSyncedStore(id: string): boolean {
    const s = stores.value;
    return s.status === 'ready' && s.value.some((x) => x.id === id && x.lastSyncedAt !== null && x.state !== 'running');
  }

  return { stores, selected, options, cloudReached, storeById, loadStores, toggleStore, selectAllStores, setOptions, isSyncedStore };
}
