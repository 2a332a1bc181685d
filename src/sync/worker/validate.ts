/**
 * The checks of what the page sends: a message is not trusted to have the right shape, so every argument of a
 * SyncApi call is checked here before it reaches a job row, the decisions or a plan. Pure: each returns the clean
 * value or throws a TypeError (an Error for a bad configuration) that says which argument was wrong.
 */
import { formatQuantity, parseQuantity } from '../../model/quantity.ts';
import type { Lang } from '../../stock/index.ts';
import type { StartOptions, SyncConfig } from '../shared/types.ts';

export function checkConfig(config: SyncConfig): void {
  if (!config || typeof config.token !== 'string' || config.token === '') throw new Error('configure: a token is required');
  if (config.api !== 'v2' && config.api !== 'v1') throw new Error('configure: api must be v2 or v1');
  if (config.v1Stores !== undefined && (!Array.isArray(config.v1Stores) || config.v1Stores.some((id) => typeof id !== 'string'))) {
    throw new Error('configure: v1Stores must be a list of store ids');
  }
}

/** The CSV's language as the page asked for it: English, or Russian for anything else (the UI's first language). */
export function csvLang(value: unknown): Lang {
  return value === 'en' ? 'en' : 'ru';
}

export function requireId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
}

/** A store name fit to show: non-empty text of sane length, else null. */
export function plainName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim();
  return name === '' || name.length > 500 ? null : name;
}

/** The options a job takes, checked one by one: anything else a caller put in the options never reaches the job row. */
export function startOptions(options: StartOptions): StartOptions {
  const out: StartOptions = {};
  if (options === null || typeof options !== 'object') return out;
  if (options.restart === true) out.restart = true;
  if (typeof options.olderMonths === 'number' && Number.isInteger(options.olderMonths) && options.olderMonths > 0 && options.olderMonths <= 120) {
    out.olderMonths = options.olderMonths;
  }
  if (typeof options.fullPeriod === 'boolean') out.fullPeriod = options.fullPeriod;
  if (options.method === 'latest-document' || options.method === 'ledger') out.method = options.method;
  if (options.horizonMonths === null || (typeof options.horizonMonths === 'number' && options.horizonMonths > 0)) out.horizonMonths = options.horizonMonths;
  for (const key of ['offerAfterMonths', 'fallbackHorizonMonths', 'v1HistoryMonths'] as const) {
    const v = options[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[key] = v;
  }
  return out;
}

/** A manual quantity as the decisions keep it (decimal text with a dot), null to remove it; a bad one throws. */
export function manualQuantity(quantity: unknown): string | null {
  if (quantity === null) return null;
  if (typeof quantity !== 'string') throw new TypeError('setManualQuantity: the quantity must be decimal text or null');
  return formatQuantity(parseQuantity(quantity.trim().replace(',', '.')));
}

export function productIdList(productIds: unknown): readonly string[] {
  if (!Array.isArray(productIds)) throw new TypeError('setApproval: productIds must be an array');
  for (const id of productIds) requireId(id, 'productId');
  return productIds as string[];
}

export function storeIdList(storeIds: unknown): readonly string[] {
  if (!Array.isArray(storeIds) || storeIds.length === 0) throw new TypeError('a plan needs at least one store id');
  return storeIds as string[];
}
