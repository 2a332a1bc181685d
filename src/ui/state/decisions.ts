/**
 * The merchant's decisions in the review: manual quantities, the ledger's value taken instead of the newest
 * document's, and which rows are approved for writing. Kept here at once and sent to the backend; until the backend
 * has them, the local ones win over rows read again.
 */
import { signal, type ReadonlySignal } from '@preact/signals';
import { formatQuantity, type Milli } from '../../model/quantity.ts';
import type { SyncBackend } from '../backend.ts';
import { allowedDecimals } from '../../model/precision.ts';
import { parseManualQuantity, rowKey, type ManualParse, type ViewRow } from '../review-model.ts';
import type { Shared } from './shared.ts';

export type Decisions = ReturnType<typeof createDecisions>;

function parseManualOrNull(text: string | null): Milli | null {
  if (text === null) return null;
  const p = parseManualQuantity(text);
  return p.ok ? p.value : null;
}

export function createDecisions(backend: SyncBackend, fail: Shared['fail'], rowByKey: ReadonlySignal<ReadonlyMap<string, ViewRow>>) {
  const manual = signal<ReadonlyMap<string, Milli>>(new Map());
  const notApproved = signal<ReadonlySet<string>>(new Set());
  /** Local edits not yet confirmed by the backend: they win over reloaded rows. */
  const manualOverrides = new Map<string, Milli | null>();
  const approvalOverrides = new Map<string, boolean>();

  /** A store's rows were read: its decisions are the stored ones, but for the local edits still on their way. */
  function mergeStore(storeId: string, rows: readonly ViewRow[]): void {
    const nextManual = new Map([...manual.value].filter(([k]) => !k.startsWith(`${storeId}/`)));
    const nextNot = new Set([...notApproved.value].filter((k) => !k.startsWith(`${storeId}/`)));
    for (const r of rows) {
      const m = manualOverrides.has(r.key) ? manualOverrides.get(r.key)! : parseManualOrNull(r.row.manualQuantity);
      if (m !== null) nextManual.set(r.key, m);
      const approved = approvalOverrides.get(r.key) ?? r.row.approved;
      if (!approved) nextNot.add(r.key);
    }
    manual.value = nextManual;
    notApproved.value = nextNot;
  }

  /** Sends a row's manual value; the local one wins over reloaded rows until the backend has it. */
  function sendManual(row: ViewRow, value: Milli | null): void {
    const key = row.key;
    manualOverrides.set(key, value);
    backend
      .setManualQuantity(row.row.storeId, row.row.stock.productId, value === null ? null : formatQuantity(value))
      .then(() => {
        if (manualOverrides.get(key) === value) manualOverrides.delete(key);
      })
      .catch((e: unknown) => fail(e));
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
    sendManual(row, value);
    return result;
  }

  /**
   * Takes (or gives back) the movement ledger's value instead of the newest document's for rows where they differ
   * (one, or every flagged row at once). Kept as the row's manual value, which the worker writes as the ledger's.
   */
  function takeLedger(keys: readonly string[], on: boolean): void {
    const next = new Map(manual.value);
    const calls: Array<[ViewRow, Milli | null]> = [];
    for (const key of keys) {
      const row = rowByKey.value.get(key);
      if (!row || row.ledger === null) continue;
      const value = on ? row.ledger : null;
      if (value === null) next.delete(key);
      else next.set(key, value);
      manualOverrides.set(key, value);
      calls.push([row, value]);
    }
    manual.value = next;
    for (const [row, value] of calls) sendManual(row, value);
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

  return { manual, notApproved, mergeStore, setManual, takeLedger, setApproved };
}
