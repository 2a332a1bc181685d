/**
 * The rows of the results the worker handed out, kept per store and version so the page can read them in slices
 * (getResultRows). Pure: no I/O.
 *
 * Why snapshots rather than "restart when the version moved": while a pull goes on in the background the version
 * grows up to every second, and reading 20,000+ rows in slices takes longer than that on a busy machine; a reader
 * that restarted on every new version might never finish. A snapshot is taken when getResult is asked for a
 * version not held yet; the newest two are kept, so a reader that began before the latest getResult (the review
 * and the embed's announcement read the same store) still finishes. Older versions are dropped: their readers
 * get a StaleResultError and start again from getResult.
 */
import { textRanks } from '../../model/text-order.ts';
import type { ResultRow } from '../../pull/computation.ts';
import { MAX_RESULT_SLICE, STALE_RESULT, type LightResultRow } from '../shared/types.ts';

/** Versions kept per store. */
const KEPT = 2;

/** A row without the ledger's detail (the detail screen gets the full row with the product's history). */
export function lightStock<T extends { ledger: unknown }>(row: T): Omit<T, 'ledger'> {
  const { ledger: _ledger, ...rest } = row;
  return rest;
}

export class StaleResultError extends Error {
  override name = STALE_RESULT;
}

interface Snapshot {
  version: number;
  /** Copied when taken: `provisional` of a computation's row changes in place when coverage grows. */
  rows: readonly LightResultRow[];
}

export class ResultSnapshots {
  private readonly byStore = new Map<string, Snapshot[]>();

  /** Keeps the rows of this version (once per version) and returns how many there are. */
  take(storeId: string, version: number, rows: readonly ResultRow[]): number {
    const kept = this.byStore.get(storeId) ?? [];
    const held = kept.find((s) => s.version === version);
    if (held) return held.rows.length;
    const names = textRanks(rows.map((row) => row.name));
    const codes = textRanks(rows.map((row) => row.code ?? ''));
    const snapshot: Snapshot = { version, rows: rows.map((row, i) => ({ ...lightStock(row), nameOrder: names[i]!, codeOrder: codes[i]! })) };
    this.byStore.set(storeId, [snapshot, ...kept].slice(0, KEPT));
    return snapshot.rows.length;
  }

  slice(storeId: string, version: number, offset: number, limit: number): LightResultRow[] {
    if (!Number.isInteger(offset) || offset < 0) throw new TypeError('getResultRows: offset must be a non-negative integer');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULT_SLICE) {
      throw new TypeError(`getResultRows: limit must be an integer from 1 to ${MAX_RESULT_SLICE}`);
    }
    const snapshot = this.byStore.get(storeId)?.find((s) => s.version === version);
    if (!snapshot) throw new StaleResultError(`the result ${version} of store ${storeId} is no longer kept: read getResult again`);
    return snapshot.rows.slice(offset, offset + limit);
  }

  clear(): void {
    this.byStore.clear();
  }

  /** Forgets one store's rows (its data was removed). */
  drop(storeId: string): void {
    this.byStore.delete(storeId);
  }
}
