/** Browser-test helpers: the emulator's admin API (/__emulator/) and waiting on a sync worker's progress. */
import { inject } from 'vitest';
import { emulatorAdmin } from '../lib/emulator-admin.ts';
import type { SyncBridge } from '../../src/sync/page/bridge.ts';
import { MAX_RESULT_SLICE, type LightResultRow, type StoreProgress, type SyncResult } from '../../src/sync/shared/types.ts';

export const EMULATOR = inject('emulatorUrl');
export const TOKEN = inject('emulatorToken');

export interface LogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  status: number;
  fault?: string;
}

export const { admin, createStore, cloud, truth } = emulatorAdmin(EMULATOR);

/** Every document of a store (id, type, close date), from the ground truth. */
export async function documentIds(storeId: string): Promise<string[]> {
  const out = await admin<{ documents: { id: string }[] }>('GET', `/stores/${storeId}/truth?documents=1&limit=1000000`);
  return out.documents.map((d) => d.id);
}

export async function getFaults(): Promise<Record<string, unknown>> {
  return admin('GET', '/faults');
}

/** Request log entries of one store's API paths (the log is shared by parallel test files). */
export async function requestsOf(storeId: string, since = 0): Promise<LogEntry[]> {
  const { entries } = await admin<{ entries: LogEntry[] }>('GET', `/requests?since=${since}`);
  return entries.filter((e) => e.path.includes(storeId));
}

/** Faults are global: always scope them to one store with `match`, and clear them when done. */
export async function setFaults(faults: Record<string, unknown>): Promise<void> {
  await admin('PUT', '/faults', faults);
}

/** Resolves with the first progress of `storeId` that satisfies `predicate`; rejects on failure or timeout. */
export function progressUntil(
  bridge: SyncBridge, storeId: string, predicate: (p: StoreProgress) => boolean, timeoutMs = 50_000,
): Promise<StoreProgress> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for store ${storeId}`));
    }, timeoutMs);
    const off = bridge.onProgress((p) => {
      if (p.storeId !== storeId) return;
      if (predicate(p)) {
        clearTimeout(timer);
        off();
        resolve(p);
      } else if (p.status === 'failed') {
        clearTimeout(timer);
        off();
        reject(new Error(`store ${storeId} failed: ${JSON.stringify(p.error)}`));
      }
    });
  });
}

export const uniqueDb = (name: string) => `test-${name}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** getResult and every row of it, read slice by slice (getResultRows) as the page reads them. */
export async function resultWithRows(bridge: Pick<SyncBridge, 'getResult' | 'getResultRows'>, storeId: string): Promise<SyncResult & { rows: LightResultRow[] }> {
  const result = await bridge.getResult(storeId);
  const rows: LightResultRow[] = [];
  for (let offset = 0; offset < result.rowCount; offset += MAX_RESULT_SLICE) {
    rows.push(...(await bridge.getResultRows(storeId, result.version, offset, MAX_RESULT_SLICE)));
  }
  return { ...result, rows };
}
