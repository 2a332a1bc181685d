/**
 * Exact quantities as integer thousandths ("milli"): 0.875 kg is 875, 7 pcs is 7000.
 *
 * Evotor quantities have at most 7 integer and 3 fraction digits (JSDK `@Digits(integer=7, fraction=3)`,
 * see shared/docs/evotor-api.md §3), so every value and every realistic sum of them is a safe integer and
 * JS integer arithmetic on them is exact. We never parse through `parseFloat` and never multiply by 1000:
 * decimal text is split into digits and assembled as an integer.
 */

/** Integer thousandths. Only ever produced by this module, added and subtracted as integers. */
export type Milli = number & { readonly __milli?: never };

export class QuantityError extends Error {
  constructor(readonly value: unknown, reason: string) {
    super(`Invalid quantity ${JSON.stringify(value) ?? String(value)}: ${reason}`);
    this.name = 'QuantityError';
  }
}

/** The largest magnitude Evotor accepts for a stored quantity: 9,999,999.999. */
export const MAX_API_QUANTITY: Milli = 9_999_999_999;

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$|^([+-]?)\.(\d+)$/;
const EXPONENT = /^([+-]?)(\d+)(?:\.(\d*))?e([+-]?\d+)$/i;

/**
 * Parses a quantity as the API sends it: a JSON number or a decimal string ("10", "0.875", "-1.000", "1,5").
 * Throws QuantityError for anything that is not an exact multiple of 0.001 or is not a safe integer of thousandths.
 */
export function parseQuantity(value: unknown): Milli {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QuantityError(value, 'not a finite number');
    // String(n) is the shortest text that round-trips to n, i.e. the decimal the sender wrote.
    return parseDecimalText(String(value), value);
  }
  if (typeof value === 'string') {
    const text = value.trim().replace(',', '.');
    if (text === '') throw new QuantityError(value, 'empty');
    return parseDecimalText(text, value);
  }
  throw new QuantityError(value, 'not a number or a decimal string');
}

/** Like parseQuantity, but null and undefined give null and a bad value gives null too. */
export function tryParseQuantity(value: unknown): Milli | null {
  if (value === null || value === undefined) return null;
  try {
    return parseQuantity(value);
  } catch {
    return null;
  }
}

function parseDecimalText(text: string, original: unknown): Milli {
  let sign: string;
  let intDigits: string;
  let fracDigits: string;
  const plain = DECIMAL.exec(text);
  if (plain) {
    sign = plain[1] ?? plain[4] ?? '';
    intDigits = plain[2] ?? '0';
    fracDigits = plain[3] ?? plain[5] ?? '';
  } else {
    const exp = EXPONENT.exec(text);
    if (!exp) throw new QuantityError(original, 'not a decimal number');
    // 1e-3, 1.5e2: shift the decimal point in the digit string, never in floating point.
    sign = exp[1] ?? '';
    const digits = (exp[2] ?? '') + (exp[3] ?? '');
    const point = (exp[2] ?? '').length + Number(exp[4]);
    if (point <= 0) {
      intDigits = '0';
      fracDigits = '0'.repeat(-point) + digits;
    } else if (point >= digits.length) {
      intDigits = digits + '0'.repeat(point - digits.length);
      fracDigits = '';
    } else {
      intDigits = digits.slice(0, point);
      fracDigits = digits.slice(point);
    }
  }
  const significantFrac = fracDigits.replace(/0+$/, '');
  if (significantFrac.length > 3) throw new QuantityError(original, 'more than 3 decimal places');
  const milli = Number(intDigits) * 1000 + Number(significantFrac.padEnd(3, '0'));
  if (!Number.isSafeInteger(milli)) throw new QuantityError(original, 'too large');
  return (sign === '-' && milli !== 0 ? -milli : milli) as Milli;
}

/** Builds a Milli from a whole number of thousandths (for generators and tests). */
export function milli(thousandths: number): Milli {
  if (!Number.isSafeInteger(thousandths)) throw new QuantityError(thousandths, 'not a whole number of thousandths');
  return thousandths as Milli;
}

/** Decimal text with a dot and no trailing zeros: 7000 -> "7", 875 -> "0.875", -2000 -> "-2". For the API and CSV. */
export function formatQuantity(value: Milli): string {
  const negative = value < 0;
  const abs = Math.abs(value);
  const whole = Math.trunc(abs / 1000);
  const frac = abs - whole * 1000;
  const fracText = frac === 0 ? '' : '.' + String(frac).padStart(3, '0').replace(/0+$/, '');
  return (negative ? '-' : '') + String(whole) + fracText;
}

/** Decimal text with a decimal comma, as Russian users read it: 875 -> "0,875". */
export function formatQuantityRu(value: Milli): string {
  return formatQuantity(value).replace('.', ',').replace('-', '−');
}

/**
 * The JSON number sent to Evotor. Built from the exact decimal text: a decimal of at most 10 significant digits
 * converts to the double whose shortest form is that same text, so JSON.stringify writes exactly these digits.
 */
export function quantityForRequest(value: Milli): number {
  if (Math.abs(value) > MAX_API_QUANTITY) throw new QuantityError(formatQuantity(value), 'beyond 7 integer digits');
  return Number(formatQuantity(value));
}

export const ZERO: Milli = 0 as Milli;

export const absQuantity = (value: Milli): Milli => Math.abs(value) as Milli;
export const addQuantity = (a: Milli, b: Milli): Milli => (a + b) as Milli;
export const subtractQuantity = (a: Milli, b: Milli): Milli => (a - b) as Milli;
export const negateQuantity = (a: Milli): Milli => (a === 0 ? 0 : -a) as Milli;
