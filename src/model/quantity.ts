/**
 * Exact quantities as integer thousandths ("milli"): 0.875 kg is 875, 7 pcs is 7000.
 *
 * Evotor quantities have at most 7 integer and 3 fraction digits (JSDK `@Digits(integer=7, fraction=3)`,
 * see shared/docs/evotor-api.md §3), so every value and every realistic sum of them is a safe integer and
 * JS integer arithmetic on them is exact. We never parse through `parseFloat` and never multiply a fraction by 1000:
 * a whole JSON number is multiplied as the integer it is (exact below 2^53), anything else is decimal text split into
 * digits and assembled as an integer.
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

/** Whole numbers up to this magnitude become thousandths by integer multiplication, exactly (n × 1000 < 2^53). */
const MAX_WHOLE = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/**
 * Parses a quantity as the API sends it: a JSON number or a decimal string ("10", "0.875", "-1.000", "1,5").
 * Throws QuantityError for anything that is not an exact multiple of 0.001 or is not a safe integer of thousandths.
 */
export function parseQuantity(value: unknown): Milli {
  const fast = readCommonQuantity(value);
  return fast === fast ? (fast as Milli) : parseQuantityGeneral(value);
}

/**
 * parseQuantity without the fast reader: regular expressions over the text, for every spelling. Exported so the tests
 * can check that the fast reader agrees with it.
 */
export function parseQuantityGeneral(value: unknown): Milli {
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

/**
 * The quantity in thousandths when it has a common spelling, NaN otherwise (then parseQuantity's general path reads
 * it or says why not). Never throws and never allocates for integers and plain decimal strings, so validating code can
 * try it first. Whatever it returns is exactly what parseQuantity returns.
 */
export function readCommonQuantity(value: unknown): number {
  if (typeof value === 'number') {
    // Most quantities are whole numbers: an integer times 1000 is exact integer arithmetic below 2^53
    // (and + 0 turns -0 into 0, as the digit path does).
    if (Number.isInteger(value) && value <= MAX_WHOLE && value >= -MAX_WHOLE) return value * 1000 + 0;
    // String(n) is the shortest text that round-trips to n, i.e. the decimal the sender wrote: "0.375".
    return Number.isFinite(value) ? parsePlainDecimal(String(value)) : NaN;
  }
  // "12", "0.375", "-1.000": read digit by digit, no regex, no copies.
  return typeof value === 'string' ? parsePlainDecimal(value) : NaN;
}

/**
 * The common spelling, read without allocating: optional sign, digits, optional point and digits, nothing else
 * (exactly what DECIMAL accepts), at most 12 integer digits and at most 3 significant decimals. NaN for anything else
 * (spaces, comma, exponent, too long, too precise), which the general path then reads or rejects with its reason.
 */
function parsePlainDecimal(text: string): number {
  const n = text.length;
  let i = 0;
  let c = n > 0 ? text.charCodeAt(0) : 0;
  const negative = c === 45; // '-'
  if (negative || c === 43) i = 1; // '+'
  let whole = 0;
  const intStart = i;
  while (i < n) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    whole = whole * 10 + (c - 48);
    i++;
  }
  const intDigits = i - intStart;
  if (intDigits > 12) return NaN;
  let frac = 0;
  if (i < n) {
    if (c !== 46) return NaN; // '.'
    i++;
    let k = 0;
    while (i < n) {
      c = text.charCodeAt(i);
      if (c < 48 || c > 57) return NaN;
      if (k < 3) frac = frac * 10 + (c - 48);
      else if (c !== 48) return NaN; // a 4th significant decimal: the general path says why
      k++;
      i++;
    }
    if (intDigits === 0 && k === 0) return NaN; // "." alone
    if (k === 0) frac = 0;
    else if (k === 1) frac *= 100;
    else if (k === 2) frac *= 10;
  } else if (intDigits === 0) {
    return NaN; // "", "+", "-"
  }
  const milli = whole * 1000 + frac;
  return negative && milli !== 0 ? -milli : milli;
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
    // A quantity needs at most 7 + 3 digits; a huge exponent ("1e999999") would only build megabytes of zeros.
    if (Math.abs(Number(exp[4])) > 40) throw new QuantityError(original, 'exponent out of range');
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
  const sign = negative ? '-' : '';
  if (frac === 0) return sign + String(whole);
  if (!Number.isInteger(frac)) return sign + String(whole) + '.' + String(frac).padStart(3, '0').replace(/0+$/, ''); // not a Milli
  // 875 -> ".875", 250 -> ".25", 500 -> ".5", 5 -> ".005": the fraction without trailing zeros, no regex.
  const fracText = frac % 100 === 0 ? '.' + String(frac / 100)
    : frac % 10 === 0 ? (frac < 100 ? '.0' : '.') + String(frac / 10)
    : (frac < 10 ? '.00' : frac < 100 ? '.0' : '.') + String(frac);
  return sign + String(whole) + fracText;
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
