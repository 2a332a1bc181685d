/** Generator options, their defaults and validation. */
import { DAY_MS, parseEvotorDate } from './format.ts';

/** Settlement methods (54-FZ tag 1214) in FFD order 1..7, by the emulator's internal names. */
export const SETTLEMENT_KINDS = [
  'FULL_PREPAYMENT',
  'PARTIAL_PREPAYMENT',
  'ADVANCE',
  'FULL_SETTLEMENT',
  'PARTIAL_SETTLEMENT',
  'CREDIT',
  'CREDIT_PAYMENT',
] as const;
export type SettlementKind = (typeof SETTLEMENT_KINDS)[number];
export const S_FULL_PREPAYMENT = 0;
export const S_PARTIAL_PREPAYMENT = 1;
export const S_ADVANCE = 2;
export const S_FULL_SETTLEMENT = 3;
export const S_PARTIAL_SETTLEMENT = 4;
export const S_CREDIT = 5;
export const S_CREDIT_PAYMENT = 6;
/** -1: the position carries no settlement_method. */
export const S_ABSENT = -1;

/** Whether goods are handed over (stock moves) under each settlement method; absent counts as handed over. */
export const SETTLEMENT_MOVES_GOODS: readonly boolean[] = [false, false, false, true, true, true, false];

/**
 * The spellings the emulator writes. `evotor` (the default) is what the real cloud sends: Evotor's own names
 * (evotor-api.md §10, integration-library SettlementMethod.kt), on every receipt line. The others are for robustness
 * tests: `upper` is a spelling of our own (FULL_PREPAYMENT …), `sdk` the terminal SDK's class names (INTLIB, §8).
 */
export const SETTLEMENT_SPELLINGS = {
  evotor: ['PREPAYMENT_FULL', 'PREPAYMENT_PARTIAL', 'ADVANCE', 'CHECKOUT_FULL', 'CHECKOUT_PARTIAL', 'CREDIT_PASS', 'CREDIT_CHECKOUT'],
  upper: SETTLEMENT_KINDS,
  sdk: ['FullPrepayment', 'PartialPrepayment', 'AdvancePayment', 'FullSettlement', 'PartialSettlement', 'Lend', 'LoanPayment'],
} as const;
/** `mixed`: per document, `upper` or `sdk`. */
export type SettlementStyle = 'evotor' | 'upper' | 'sdk' | 'mixed';

export interface OfflinePeriod {
  terminal: number;
  /** epoch ms or a date string */
  from: number | string;
  to: number | string;
}

export interface GeneratorOptions {
  /** Everything random derives from it. */
  seed: number | string;
  /** Catalogue items served by /products that are not groups: goods, services, modifications, sets. */
  products: number;
  terminals: number;
  /** Length of the trading history in calendar months (ignored when `days` is set). */
  months: number;
  /** Length of the history in days, for tiny stores; overrides months. */
  days?: number;
  /** Average number of documents per day (all types, sessions included). */
  docsPerDay: number;
  /** End of the history: epoch ms, a date string, or 'now'. The default is a fixed date so output is reproducible. */
  endTime: number | string;
  /** Explicit offline periods of terminals. */
  offline: OfflinePeriod[];
  /** Number of additional random offline periods (1 hour to 3 days each). */
  randomOffline: number;
  /** Number of stock edits made in the cloud without a document over the whole history. */
  cloudEdits: number;
  /** 'v1': a store of the V1 era (no settlement methods, no sets, no complete inventories, since V1 cannot express them). */
  apiVersion: 'v2' | 'v1';
  settlementStyle: SettlementStyle;
  /** What GET products returns as quantity at start: all zero (fresh merchandise system), the truth, or the simulated cloud value. */
  cloudQuantities: 'zeroed' | 'truth' | 'stale';
  /** 'accept': stock starts at zero and the first day brings acceptances; 'import': stock was imported into the cloud before any document. */
  initialStock: 'accept' | 'import';
  /** A complete inventory every N days (0: never). */
  completeInventoryEveryDays: number;
  /** A complete inventory lists at most this many products (a random sample); unlisted tracked products become 0. */
  completeInventoryMaxLines: number;
  /** Emit the occasional CORRECTION (чек коррекции, evotor-api.md §10): lists products with quantities, moves nothing. */
  corrections: boolean;
  /**
   * Selling products the store never accepts (made on the spot, or simply not counted): their stock only falls, below
   * zero, as in stores that do not keep stock of some goods (evotor-api.md §10 [S]: -1941 on a café's americano).
   */
  unaccepted: number;
  /** The store's time zone offset in ms (Moscow: 3 h). */
  timeZoneOffsetMs: number;
  /** Store name; default derived from the seed. */
  name?: string;
}

export interface ResolvedOptions extends Omit<GeneratorOptions, 'endTime' | 'offline'> {
  endTime: number;
  endTimeWasNow: boolean;
  offline: { terminal: number; from: number; to: number }[];
}

/** 2025-07-01 00:00 Moscow time. */
export const DEFAULT_END_TIME = Date.UTC(2025, 5, 30, 21, 0, 0);

export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  seed: 1,
  products: 60,
  terminals: 1,
  months: 3,
  docsPerDay: 40,
  endTime: DEFAULT_END_TIME,
  offline: [],
  randomOffline: 0,
  cloudEdits: 0,
  apiVersion: 'v2',
  settlementStyle: 'evotor',
  cloudQuantities: 'zeroed',
  initialStock: 'accept',
  completeInventoryEveryDays: 60,
  completeInventoryMaxLines: 50_000,
  corrections: true,
  unaccepted: 0,
  timeZoneOffsetMs: 3 * 3_600_000,
};

export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

function toTime(value: number | string, what: string, now: number): number {
  if (value === 'now') return now;
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : parseEvotorDate(value);
  if (!Number.isFinite(ms)) throw new OptionsError(`${what}: not a time: ${String(value)}`);
  return ms;
}

function intIn(value: unknown, what: string, lo: number, hi: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new OptionsError(`${what} must be an integer in [${lo}, ${hi}], got ${String(value)}`);
  return n;
}

function oneOf<T extends string>(value: unknown, what: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new OptionsError(`${what} must be one of ${allowed.join(', ')}, got ${String(value)}`);
  return value as T;
}

/** Fills defaults and checks every option; throws OptionsError with a readable message. */
export function resolveOptions(input: Partial<GeneratorOptions> = {}, now = Date.now()): ResolvedOptions {
  const known = new Set(Object.keys(DEFAULT_GENERATOR_OPTIONS).concat(['days', 'name']));
  for (const key of Object.keys(input)) if (!known.has(key)) throw new OptionsError(`unknown generator option: ${key}`);
  const o = { ...DEFAULT_GENERATOR_OPTIONS, ...input };
  if (typeof o.seed !== 'number' && typeof o.seed !== 'string') throw new OptionsError('seed must be a number or a string');
  const endTimeWasNow = o.endTime === 'now';
  const endTime = toTime(o.endTime, 'endTime', now);
  const terminals = intIn(o.terminals, 'terminals', 1, 32);
  const offline = (o.offline ?? []).map((p, i) => {
    const from = toTime(p.from, `offline[${i}].from`, now);
    const to = toTime(p.to, `offline[${i}].to`, now);
    if (!(to > from)) throw new OptionsError(`offline[${i}]: to must be after from`);
    return { terminal: intIn(p.terminal, `offline[${i}].terminal`, 0, terminals - 1), from, to };
  });
  const resolved: ResolvedOptions = {
    seed: o.seed,
    products: intIn(o.products, 'products', 1, 500_000),
    terminals,
    months: Number(o.months),
    docsPerDay: Number(o.docsPerDay),
    endTime,
    endTimeWasNow,
    offline,
    randomOffline: intIn(o.randomOffline, 'randomOffline', 0, 100_000),
    cloudEdits: intIn(o.cloudEdits, 'cloudEdits', 0, 10_000_000),
    apiVersion: oneOf(o.apiVersion, 'apiVersion', ['v2', 'v1'] as const),
    settlementStyle: oneOf(o.settlementStyle, 'settlementStyle', ['evotor', 'upper', 'sdk', 'mixed'] as const),
    cloudQuantities: oneOf(o.cloudQuantities, 'cloudQuantities', ['zeroed', 'truth', 'stale'] as const),
    initialStock: oneOf(o.initialStock, 'initialStock', ['accept', 'import'] as const),
    completeInventoryEveryDays: intIn(o.completeInventoryEveryDays, 'completeInventoryEveryDays', 0, 100_000),
    completeInventoryMaxLines: intIn(o.completeInventoryMaxLines, 'completeInventoryMaxLines', 1, 1_000_000),
    corrections: Boolean(o.corrections),
    unaccepted: intIn(o.unaccepted, 'unaccepted', 0, 500_000),
    timeZoneOffsetMs: intIn(o.timeZoneOffsetMs, 'timeZoneOffsetMs', -14 * 3_600_000, 14 * 3_600_000),
  };
  if (o.days !== undefined) resolved.days = intIn(o.days, 'days', 1, 20_000);
  else if (!(resolved.months > 0 && resolved.months <= 120 && Number.isInteger(resolved.months)))
    throw new OptionsError(`months must be an integer in [1, 120], got ${String(o.months)}`);
  if (!(resolved.docsPerDay >= 0 && resolved.docsPerDay <= 1_000_000)) throw new OptionsError('docsPerDay must be in [0, 1000000]');
  if (o.name !== undefined) resolved.name = String(o.name);
  return resolved;
}

/** Start of the history: local midnight `months` calendar months (or `days` days) before the end. */
export function historyStart(o: ResolvedOptions): number {
  const tz = o.timeZoneOffsetMs;
  const localEnd = o.endTime + tz;
  let localStart: number;
  if (o.days !== undefined) {
    localStart = Math.ceil(localEnd / DAY_MS) * DAY_MS - o.days * DAY_MS;
  } else {
    const d = new Date(localEnd);
    d.setUTCMonth(d.getUTCMonth() - o.months);
    localStart = Math.floor(d.getTime() / DAY_MS) * DAY_MS;
  }
  return localStart - tz;
}
