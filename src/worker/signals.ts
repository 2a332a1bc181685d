/**
 * Progress as @preact/signals for components: one signal holding every store's latest progress, updated from the
 * worker's event stream. Components read `progress.value[storeId]` and re-render on change.
 */
import { signal, type ReadonlySignal } from '@preact/signals';
import type { SyncBridge } from './bridge.ts';
import type { StoreProgress } from './protocol.ts';

export interface ProgressSignals {
  progress: ReadonlySignal<Readonly<Record<string, StoreProgress>>>;
  /** Reads every job on disk again (call after configure(), e.g. after a reload). */
  refresh(): Promise<void>;
  /** Stops listening. */
  dispose(): void;
}

export function progressSignals(bridge: SyncBridge): ProgressSignals {
  const progress = signal<Readonly<Record<string, StoreProgress>>>({});
  const dispose = bridge.onProgress((p) => {
    progress.value = { ...progress.value, [p.storeId]: p };
  });
  // Jobs already on disk (e.g. after a reload) show up before their first event; events that came meanwhile win.
  const refresh = async () => {
    const list = await bridge.listProgress();
    const next = { ...progress.value };
    for (const p of list) if (!next[p.storeId] || next[p.storeId]!.updatedAt < p.updatedAt) next[p.storeId] = p;
    progress.value = next;
  };
  return { progress, refresh, dispose };
}
