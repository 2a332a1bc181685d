/**
 * How many decimals a product's quantity may have. One rule for the documents (a line with more is counted as sent
 * and flagged QUANTITY_PRECISION, src/stock) and for a quantity typed by hand (the review's manual entry, src/ui).
 *
 * evotor-api.md §3, §10: `measure_precision` is "the number of decimal places of the unit", 0 for `шт`; the Cloud
 * keeps quantities with 3 decimals, so a precision above 3 allows what 3 allows.
 */
import type { Milli } from './quantity.ts';

/** The decimals of a stored quantity (evotor-api.md §3: 3 fraction digits). */
export const CLOUD_DECIMALS = 3;

/** Units counted in whole pieces when the documents give no precision (§3: `шт` has precision 0). */
const WHOLE_UNITS = /^(шт|штук|штука|упак|уп|пач|бут|бан|компл|pcs|pc|pack)\.?$/i;

/**
 * measure_precision as a document sends it (a number, or a one-digit string): the decimals it allows, 0..3;
 * undefined when absent or unreadable (not a whole number from 0).
 */
export function readMeasurePrecision(raw: unknown): number | undefined {
  const digits = typeof raw === 'string' && /^\s*\d\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof digits !== 'number' || !Number.isInteger(digits) || digits < 0) return undefined;
  return Math.min(digits, CLOUD_DECIMALS);
}

/**
 * The decimals a product's quantity may have: the documents' measure_precision (readMeasurePrecision) when they give
 * one, else by the unit's name: whole numbers for pieces, 3 for кг, л and any other unit.
 */
export function allowedDecimals(measureName: string | null, precision?: number | null): number {
  if (precision != null) return precision;
  return measureName !== null && WHOLE_UNITS.test(measureName.trim()) ? 0 : CLOUD_DECIMALS;
}

/** Whether a quantity has at most `decimals` decimals. */
export function fitsDecimals(quantity: Milli, decimals: number): boolean {
  return decimals >= CLOUD_DECIMALS || quantity % 10 ** (CLOUD_DECIMALS - decimals) === 0;
}
