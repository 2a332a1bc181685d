/**
 * A test-only SyncBackend: everything in memory, every call recorded, events emitted on demand. It lets component
 * tests drive the screens without a worker, IndexedDB or an emulator. Never imported by src/.
 */
import { formatQuantity, milli, type Milli } from '../../../src/model/quantity.ts';
import type { ProductEvent, ProductStock } from '../../../src/stock/types.ts';
import type {
  BackendEvent,
  CsvFile,
  PendingWork,
  ProductHistory,
  PullMethod,
  PullOptions,
  PullProgress,
  ReviewResult,
  ReviewRow,
  ReviewSlice,
  StoreSummary,
  SyncBackend,
  WritePlan,
} from '../../../src/ui/backend.ts';
import type { ItemStatus, RunReport, RunResult } from '../../../src/writeback/types.ts';
import { textRanks } from '../../../src/model/text-order.ts';
import { lightStock } from '../../../src/sync/worker/result-snapshots.ts';
import type { DetailRow, ResultRow } from '../../../src/pull/computation.ts';
import { summariseChainBreaks } from '../../../src/stock/fold.ts';

export const DOC_TIME = Date.UTC(2025, 2, 12, 11, 5); // 12.03.2025 14:05 Moscow
export const TZ_MSK = 3 * 3_600_000;

/** A computed product as src/stock produces it; override any field. */
export function productStock(id: string, over: Partial<ProductStock> = {}): ProductStock {
  return {
    productId: id,
    name: `Товар ${id}`,
    code: id,
    measureName: 'шт',
    status: 'resolved',
    notTrackedReason: null,
    quantity: '7',
    quantityMilli: milli(7000),
    cloudQuantity: '0',
    decidedBy: { id: `doc-${id}`, type: 'SELL', rawType: 'SELL', number: 123, closeTime: DOC_TIME, deviceId: 'DEV-1', timeZoneOffset: TZ_MSK },
    rule: 'SELL',
    stockBefore: '10',
    movement: '-3',
    handled: '3',
    setTo: null,
    settlements: [],
    derived: null,
    ledgerQuantity: '7',
    ledger: null,
    chainBreaks: [],
    documents: 1,
    warnings: [],
    ...over,
  };
}

/** A product as the worker's computation keeps it (src/pull/computation.ts ResultRow). */
export function resultRow(id: string, over: Partial<DetailRow> = {}): ResultRow {
  return summariseChainBreaks({ ...productStock(id), pk: id, provisional: false, difference: null, ...over });
}

/**
 * A review row of a computed product (light, as the worker sends it: the chain breaks' count and newest). Its
 * nameOrder/codeOrder are set by MemoryBackend.reviewRows, as the worker sets them over a whole result.
 */
export function reviewRow(storeId: string, stock: ProductStock, over: Partial<ReviewRow> = {}): ReviewRow {
  return { storeId, stock: lightStock(summariseChainBreaks(stock)), manualQuantity: null, approved: true, provisional: false, nameOrder: 0, codeOrder: 0, ...over };
}

export function store(id: string, name: string, over: Partial<StoreSummary> = {}): StoreSummary {
  return { id, name, address: null, apiVersion: 'v2', createdAt: null, state: 'never', lastSyncedAt: null, error: null, ...over };
}

export function progress(storeId: string, over: Partial<PullProgress> = {}): PullProgress {
  return {
    storeId, storeName: null, phase: 'documents', options: { method: 'latest-document', horizonMonths: null, fullPeriod: false },
    monthsDone: 3, monthsTotal: 36, currentMonth: '2025-01', pages: 12, documents: 3456, productsTotal: 100,
    productsDecided: 40, etaMs: 5 * 60_000, resultReady: false, stopReason: null, waiting: null, error: null, interrupted: false,
    loadedSince: null, olderMonths: false, ...over,
  };
}

const COUNTS: Record<ItemStatus, number> = { pending: 0, sent: 0, written: 0, verified: 0, mismatch: 0, failed: 0, skipped: 0, unchanged: 0 };

export function runReport(runId: string, over: Partial<RunReport> = {}): RunReport {
  return {
    runId, kind: 'write', undoOf: null, undoneBy: null, status: 'completed', statusReason: null, warnings: [],
    createdAt: DOC_TIME, startedAt: DOC_TIME, finishedAt: DOC_TIME, stores: [], counts: { ...COUNTS }, remaining: 0,
    requests: 0, rateLimited: 0, undoable: true, ...over,
  };
}

/** Rows with their places by name and by code, as the worker orders a result. */
export function ordered(rows: readonly ReviewRow[]): ReviewRow[] {
  const names = textRanks(rows.map((r) => r.stock.name));
  const codes = textRanks(rows.map((r) => r.stock.code ?? ''));
  return rows.map((r, i) => ({ ...r, nameOrder: names[i]!, codeOrder: codes[i]! }));
}

type Call = { method: string; args: unknown[] };

export class MemoryBackend implements SyncBackend {
  calls: Call[] = [];
  stores: StoreSummary[] = [];
  rows = new Map<string, ReviewRow[]>();
  methods = new Map<string, PullMethod>();
  deviceNames = new Map<string, Record<string, string>>();
  progressList: PullProgress[] = [];
  histories = new Map<string, ProductEvent[]>();
  /** Full products (every chain break) that productHistory returns, by product id. */
  stocks = new Map<string, ProductStock>();
  /** Rows per slice of reviewRows. */
  sliceSize = 1000;
  pending: PendingWork = { pulls: [], run: null, undoable: null };
  /** Set to make the next call of that method reject with it. */
  failNext = new Map<string, unknown>();
  plan: WritePlan | null = null;
  result: RunResult | null = null;
  private listeners = new Set<(e: BackendEvent) => void>();

  private record(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failNext.get(method);
    if (failure !== undefined) {
      this.failNext.delete(method);
      throw failure;
    }
  }

  callsOf(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  emit(event: BackendEvent): void {
    for (const l of this.listeners) l(event);
  }

  async listStores(): Promise<StoreSummary[]> {
    this.record('listStores', []);
    return this.stores;
  }
  async startPull(storeId: string, options: PullOptions): Promise<void> {
    this.record('startPull', [storeId, options]);
    this.methods.set(storeId, options.method);
  }
  async pausePull(storeId: string): Promise<void> {
    this.record('pausePull', [storeId]);
  }
  async resumePull(storeId: string): Promise<void> {
    this.record('resumePull', [storeId]);
  }
  async cancelPull(storeId: string): Promise<void> {
    this.record('cancelPull', [storeId]);
  }
  async loadOlderMonths(storeId: string): Promise<void> {
    this.record('loadOlderMonths', [storeId]);
  }
  async pullProgress(): Promise<PullProgress[]> {
    this.record('pullProgress', []);
    return this.progressList;
  }
  async reviewRows(storeId: string, onSlice?: (slice: ReviewSlice) => void): Promise<ReviewResult> {
    this.record('reviewRows', [storeId]);
    const summary = { storeId, method: this.methods.get(storeId) ?? 'latest-document', complete: true, deviceNames: this.deviceNames.get(storeId) ?? {} } as const;
    const rows = ordered(this.rows.get(storeId) ?? []);
    let offset = 0;
    do {
      onSlice?.({ summary, offset, rows: rows.slice(offset, offset + this.sliceSize), total: rows.length });
      offset += this.sliceSize;
    } while (offset < rows.length);
    return { ...summary, rows };
  }
  async productHistory(storeId: string, productId: string): Promise<ProductHistory> {
    this.record('productHistory', [storeId, productId]);
    return { storeId, productId, stock: this.stocks.get(productId) ?? null, events: this.histories.get(productId) ?? [], complete: true };
  }
  async setManualQuantity(storeId: string, productId: string, quantity: string | null): Promise<void> {
    this.record('setManualQuantity', [storeId, productId, quantity]);
  }
  async setApproval(storeId: string, productIds: readonly string[], approved: boolean): Promise<void> {
    this.record('setApproval', [storeId, [...productIds], approved]);
  }
  async planWrite(storeIds: readonly string[]): Promise<WritePlan> {
    this.record('planWrite', [[...storeIds]]);
    if (!this.plan) throw new Error('no plan set');
    return this.plan;
  }
  async planUndo(runId: string): Promise<WritePlan> {
    this.record('planUndo', [runId]);
    if (!this.plan) throw new Error('no plan set');
    return this.plan;
  }
  async runWrite(runId: string): Promise<RunResult> {
    this.record('runWrite', [runId]);
    if (!this.result) throw new Error('no result set');
    return this.result;
  }
  async cancelPlan(runId: string): Promise<void> {
    this.record('cancelPlan', [runId]);
  }
  async stopPlan(): Promise<void> {
    this.record('stopPlan', []);
  }

  async forgetStore(storeId: string): Promise<void> {
    this.record('forgetStore', [storeId]);
    this.rows.delete(storeId);
  }

  async discardUndo(runId: string): Promise<void> {
    this.record('discardUndo', [runId]);
  }
  async exportCsv(storeIds: readonly string[], runId: string | null): Promise<CsvFile> {
    this.record('exportCsv', [[...storeIds], runId]);
    return { filename: 'result.csv', blob: new Blob(['\uFEFF"a"'], { type: 'text/csv' }) };
  }
  async pendingWork(): Promise<PendingWork> {
    this.record('pendingWork', []);
    return this.pending;
  }
  subscribe(listener: (event: BackendEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

/** n products of one store: every 10th undecided, every 7th unchanged, the rest changing by i mod 5. */
export function manyRows(storeId: string, n: number): ReviewRow[] {
  const rows: ReviewRow[] = [];
  for (let i = 0; i < n; i++) {
    const id = `p${String(i).padStart(6, '0')}`;
    if (i % 10 === 9) {
      rows.push(reviewRow(storeId, productStock(id, { status: 'unresolved', quantity: null, quantityMilli: null, decidedBy: null, rule: null, ledgerQuantity: null, cloudQuantity: '0' })));
      continue;
    }
    const qty = milli(1000 * (i % 50));
    const cloud = i % 7 === 0 ? qty : milli(1000 * ((i % 50) + (i % 5) + 1));
    rows.push(reviewRow(storeId, productStock(id, { name: `Товар ${i}`, quantity: formatQuantity(qty), quantityMilli: qty as Milli, ledgerQuantity: formatQuantity(qty), cloudQuantity: formatQuantity(cloud) })));
  }
  return rows;
}
