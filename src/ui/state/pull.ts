/** Pulls: each store's progress as the worker reports it, starting, pausing, resuming and cancelling them. */
import { computed, signal } from '@preact/signals';
import type { PullProgress, SyncBackend } from '../backend.ts';
import type { Shared } from './shared.ts';
import type { StoresState } from './stores.ts';

export type PullControl = 'pause' | 'resume' | 'cancel';

export type PullState = ReturnType<typeof createPullState>;

export function createPullState(backend: SyncBackend, shared: Shared, stores: StoresState) {
  const { fail } = shared;
  const progress = signal<ReadonlyMap<string, PullProgress>>(new Map());

  /** A store's name: from the store list, else from its pull (the list may have failed to load, e.g. disk full). */
  const storeName = (id: string): string => stores.storeById.value.get(id)?.name ?? progress.value.get(id)?.storeName ?? id;

  /** Stores of the current selection (or with progress) whose result can be reviewed. */
  const readyStoreIds = computed(() => {
    const selected = stores.selected.value;
    const ids = selected.size > 0 ? [...selected] : [...progress.value.keys()];
    return ids.filter((id) => progress.value.get(id)?.resultReady === true || stores.isSyncedStore(id));
  });

  async function refreshProgress(): Promise<void> {
    try {
      const list = await backend.pullProgress();
      progress.value = new Map(list.map((p) => [p.storeId, p]));
    } catch (e) {
      fail(e, () => void refreshProgress());
    }
  }

  async function startPull(): Promise<void> {
    const ids = [...stores.selected.value];
    if (ids.length === 0) return;
    shared.error.value = null;
    shared.screen.value = 'progress';
    const opts = stores.options.value;
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

  async function control(id: string, action: PullControl): Promise<void> {
    try {
      if (action === 'pause') await backend.pausePull(id);
      else if (action === 'resume') await backend.resumePull(id);
      else await backend.cancelPull(id);
    } catch (e) {
      fail(e, () => void control(id, action));
    }
  }

  /** A `pull-progress` event. */
  function onProgress(p: PullProgress): void {
    progress.value = new Map(progress.value).set(p.storeId, p);
    const e = p.error;
    if (e && (e.code === 'unauthorized' || e.code === 'payment-required')) fail(e);
    // A pull that moves again means the cloud answers: a passing error shown above the screen has recovered.
    const moving = p.phase === 'products' || p.phase === 'documents' || p.phase === 'background';
    if (moving && e === null && p.waiting === null) shared.clearTransient();
  }

  /** Every pull that failed goes on (the same outage stops them all; the top «Повторить» retries them too). */
  function retryFailed(): void {
    for (const p of progress.value.values()) if (p.phase === 'failed') void control(p.storeId, 'resume');
  }

  function forgetProgress(id: string): void {
    const next = new Map(progress.value);
    next.delete(id);
    progress.value = next;
  }

  return { progress, storeName, readyStoreIds, refreshProgress, startPull, control, onProgress, retryFailed, forgetProgress };
}
