/**
 * The review table's data, pure and fast enough for 50,000 products: rows are prepared once (quantities parsed to
 * exact thousandths, ranks for sorting by text (review-ranking.ts), a lower-case search string), then filtered and
 * sorted by numbers.
 */
import { CLOUD_DECIMALS, fitsDecimals } from '../model/precision.ts';
import { parseQuantity, tryParseQuantity, MAX_API_QUANTITY, type Milli } from '../model/quantity.ts';
import { proposedQuantity } from '../sync/shared/rows.ts';
import type { PullMethod, ReviewRow, UnitTotal } from './backend.ts';

/** What the computation proposes for a product (before any manual entry). */
export type RowStatus = 'change' | 'same' | 'undecided' | 'not-tracked';
export type StatusFilter = 'all' | 'change' | 'same' | 'undecided' | 'negative' | 'chain-break' | 'warning' | 'not-tracked';
export const STATUS_FILTERS: readonly StatusFilter[] = ['all', 'change', 'same', 'undecided', 'negative', 'chain-break', 'warning', 'not-tracked'];

export type SortKey = 'name' | 'code' | 'cloud' | 'computed' | 'difference' | 'status';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export interface ViewRow {
  /** `${storeId}/${productId}`: unique across stores. */
  key: string;
  /** Position in the loaded order (stable tie-break). */
  index: number;
  row: ReviewRow;
  cloud: Milli | null;
  computed: Milli | null;
  status: RowStatus;
  chainBreak: boolean;
  warning: boolean;
  /** The computed stock is below zero (sold more than the documents brought in): worth a look before writing. */
  negative: boolean;
  /**
   * The movement ledger's value when it differs from the proposed one (the latest-document method flags it): the user
   * may take it instead. Taken, it is kept as the row's manual value (the worker writes it as the ledger's).
   */
  ledger: Milli | null;
  nameRank: number;
  codeRank: number;
  search: string;
}

export const rowKey = (storeId: string, productId: string): string => `${storeId}/${productId}`;

function statusOf(row: ReviewRow, computed: Milli | null, cloud: Milli | null): RowStatus {
  if (row.stock.status === 'not_tracked') return 'not-tracked';
  if (computed === null) return 'undecided';
  return cloud !== null && cloud === computed ? 'same' : 'change';
}

/**
 * Prepares rows of one store (`firstIndex`: the first one's position in the store's result, when they are a slice).
 * Ranks for sorting are set over all shown rows by review-ranking.ts.
 */
export function prepareRows(rows: readonly ReviewRow[], method: PullMethod = 'latest-document', firstIndex = 0): ViewRow[] {
  return rows.map((row, i) => {
    const cloud = tryParseQuantity(row.stock.cloudQuantity);
    const computed = tryParseQuantity(proposedQuantity(row.stock, method));
    return {
      key: rowKey(row.storeId, row.stock.productId),
      index: firstIndex + i,
      row,
      cloud,
      computed,
      status: statusOf(row, computed, cloud),
      chainBreak: row.stock.chainBreakCount > 0,
      warning: row.stock.warnings.length > 0,
      negative: computed !== null && computed < 0,
      ledger: ledgerAlternative(row, method, computed),
      nameRank: 0,
      codeRank: 0,
      search: `${row.stock.name}\u0000${row.stock.code ?? ''}`.toLocaleLowerCase('ru'),
    };
  });
}

function ledgerAlternative(row: ReviewRow, method: PullMethod, computed: Milli | null): Milli | null {
  if (method !== 'latest-document' || computed === null || row.stock.status !== 'resolved') return null;
  const ledger = tryParseQuantity(row.stock.ledgerQuantity);
  return ledger !== null && ledger !== computed ? ledger : null;
}

/** The user took the ledger's value for this row (see ViewRow.ledger). */
export const takesLedger = (r: ViewRow, manual: Milli | null | undefined): boolean => r.ledger !== null && manual === r.ledger;

/** The quantity that will be written: a manual entry wins for an undecided product; a ledger value taken wins. */
export function effectiveQuantity(r: ViewRow, manual: Milli | null | undefined): Milli | null {
  if (r.status === 'undecided') return manual ?? null;
  return takesLedger(r, manual) ? r.ledger : r.computed;
}

/** Computed (or manual) minus cloud; null when either is unknown. */
export function difference(r: ViewRow, manual: Milli | null | undefined): Milli | null {
  const target = effectiveQuantity(r, manual);
  if (target === null || r.cloud === null) return null;
  return (target - r.cloud) as Milli;
}

/** A row proposes a write: a known target that differs from the cloud (or the cloud's is unknown). */
export function proposesChange(r: ViewRow, manual: Milli | null | undefined): boolean {
  if (r.status === 'not-tracked') return false;
  const target = effectiveQuantity(r, manual);
  return target !== null && (r.cloud === null || target !== r.cloud);
}

export interface FilterInput {
  status: StatusFilter;
  /** Free text; every word must occur (case-insensitively) in the name or the code: «сыр луговое». */
  search: string;
  /** null: every store. */
  storeId: string | null;
}

export function matchesFilter(r: ViewRow, status: StatusFilter): boolean {
  switch (status) {
    case 'all':
      return true;
    case 'chain-break':
      return r.chainBreak;
    case 'warning':
      return r.warning;
    case 'negative':
      return r.negative;
    default:
      return r.status === status;
  }
}

export function filterRows(rows: readonly ViewRow[], f: FilterInput): ViewRow[] {
  const words = f.search.toLocaleLowerCase('ru').split(/\s+/).filter((w) => w !== '');
  const out: ViewRow[] = [];
  for (const r of rows) {
    if (f.storeId !== null && r.row.storeId !== f.storeId) continue;
    if (!matchesFilter(r, f.status)) continue;
    if (!words.every((w) => r.search.includes(w))) continue;
    out.push(r);
  }
  return out;
}

export function countByFilter(rows: readonly ViewRow[], storeId: string | null): Record<StatusFilter, number> {
  const counts: Record<StatusFilter, number> = { all: 0, change: 0, same: 0, undecided: 0, negative: 0, 'chain-break': 0, warning: 0, 'not-tracked': 0 };
  for (const r of rows) {
    if (storeId !== null && r.row.storeId !== storeId) continue;
    counts.all += 1;
    counts[r.status] += 1;
    if (r.chainBreak) counts['chain-break'] += 1;
    if (r.warning) counts.warning += 1;
    if (r.negative) counts.negative += 1;
  }
  return counts;
}

const STATUS_ORDER: Record<RowStatus, number> = { change: 0, undecided: 1, same: 2, 'not-tracked': 3 };

/** The number a row sorts by; null: unknown (last in both directions). */
function sortValue(key: SortKey, manual: ReadonlyMap<string, Milli>): (r: ViewRow) => number | null {
  switch (key) {
    case 'name':
      return (r) => r.nameRank;
    case 'code':
      return (r) => r.codeRank;
    case 'cloud':
      return (r) => r.cloud;
    case 'computed':
      return (r) => effectiveQuantity(r, manual.get(r.key));
    case 'difference':
      // By size of the change: the biggest discrepancies first when descending.
      return (r) => {
        const d = difference(r, manual.get(r.key));
        return d === null ? null : Math.abs(d);
      };
    case 'status':
      return (r) => STATUS_ORDER[r.status];
  }
}

/**
 * Sorts a copy; manual quantities count for the computed and difference columns. Each row's key is computed once
 * and the sort compares numbers in typed arrays (50,000 rows in a few milliseconds, not a manual lookup per compare).
 * Ties: by name, then by position.
 */
export function sortRows(rows: readonly ViewRow[], sort: Sort, manual: ReadonlyMap<string, Milli>): ViewRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const value = sortValue(sort.key, manual);
  const n = rows.length;
  const keys = new Float64Array(n);
  const names = new Float64Array(n);
  const positions = new Float64Array(n);
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const v = value(r);
    // Infinity − Infinity is NaN, which is falsy: two unknowns fall through to the ties.
    keys[i] = v === null ? Infinity : v * sign;
    names[i] = r.nameRank;
    positions[i] = r.index;
    order[i] = i;
  }
  order.sort((a, b) => keys[a]! - keys[b]! || names[a]! - names[b]! || positions[a]! - positions[b]!);
  return order.map((i) => rows[i]!);
}

export interface Summary {
  products: number;
  /** Approved rows that will be written. */
  changes: number;
  /** Proposed changes the user did not approve. */
  notApproved: number;
  /** Sums of the positive and of the negative differences of the approved changes, per unit of measure (kilograms and pieces are never added together). */
  byUnit: UnitTotal[];
  /** Undecided products without a manual quantity. */
  undecided: number;
  manual: number;
  chainBreaks: number;
  warnings: number;
  /** Rows whose ledger value differs from the newest document's (offered to take), and how many took it. */
  ledgerDiffers: number;
  ledgerTaken: number;
  /** Stores that have at least one approved change. */
  stores: number;
}

export function summarize(
  rows: readonly ViewRow[],
  manual: ReadonlyMap<string, Milli>,
  notApproved: ReadonlySet<string>,
): Summary {
  const s: Summary = { products: rows.length, changes: 0, notApproved: 0, byUnit: [], undecided: 0, manual: 0, chainBreaks: 0, warnings: 0, ledgerDiffers: 0, ledgerTaken: 0, stores: 0 };
  const stores = new Set<string>();
  const byUnit = new Map<string | null, UnitTotal>();
  for (const r of rows) {
    const m = manual.get(r.key);
    if (r.status === 'undecided') {
      if (m === undefined) s.undecided += 1;
      else s.manual += 1;
    }
    if (r.chainBreak) s.chainBreaks += 1;
    if (r.warning) s.warnings += 1;
    if (r.ledger !== null) s.ledgerDiffers += 1;
    if (takesLedger(r, m)) s.ledgerTaken += 1;
    if (!proposesChange(r, m)) continue;
    if (notApproved.has(r.key)) {
      s.notApproved += 1;
      continue;
    }
    s.changes += 1;
    stores.add(r.row.storeId);
    const d = difference(r, m);
    if (d === null || d === 0) continue;
    const unit = r.row.stock.measureName?.trim() || null;
    const u = byUnit.get(unit) ?? { unit, increase: 0 as Milli, decrease: 0 as Milli };
    if (d > 0) u.increase = (u.increase + d) as Milli;
    else u.decrease = (u.decrease + d) as Milli;
    byUnit.set(unit, u);
  }
  s.stores = stores.size;
  s.byUnit = [...byUnit.values()];
  return s;
}

/** Per-unit totals of several stores added up per unit (the plan's stores), in the order units first appear. */
export function mergeUnitTotals(lists: readonly (readonly UnitTotal[])[]): UnitTotal[] {
  const out = new Map<string | null, UnitTotal>();
  for (const list of lists) {
    for (const t of list) {
      const u = out.get(t.unit) ?? { unit: t.unit, increase: 0 as Milli, decrease: 0 as Milli };
      out.set(t.unit, { unit: t.unit, increase: (u.increase + t.increase) as Milli, decrease: (u.decrease + t.decrease) as Milli });
    }
  }
  return [...out.values()];
}

export type ManualError = 'format' | 'negative' | 'too-large' | 'whole' | 'decimals';
export type ManualParse = { ok: true; value: Milli } | { ok: false; error: ManualError; decimals: number };

/**
 * A quantity typed by a person: digits with a decimal comma or dot, at most `decimals` decimals (allowedDecimals in
 * src/model/precision.ts: the documents' measure_precision, else 0 for pieces and 3 for кг and л), spaces as thousands
 * separators allowed ("1 234,5"). No exponent, no sign other than a leading minus (which is refused: a count of goods
 * on the shelf is not negative).
 */
export function parseManualQuantity(text: string, decimals = CLOUD_DECIMALS): ManualParse {
  const compact = text.replace(/[\s\u00a0\u202f]/g, '').replace(/^\u2212/, '-');
  const fail = (error: ManualError): ManualParse => ({ ok: false, error, decimals });
  if (!/^-?\d+(?:[.,]\d*)?$/.test(compact) && !/^-?[.,]\d+$/.test(compact)) return fail('format');
  let value: Milli;
  try {
    value = parseQuantity(compact.replace(',', '.').replace(/[.]$/, '').replace(/^(-?)[.]/, '$10.'));
  } catch {
    return fail('format');
  }
  if (!fitsDecimals(value, decimals)) return fail(decimals === 0 ? 'whole' : 'decimals');
  if (value < 0) return fail('negative');
  if (value > MAX_API_QUANTITY) return fail('too-large');
  return { ok: true, value };
}
