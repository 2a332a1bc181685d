/**
 * Text forms the emulator writes: Evotor dates, exact decimal quantities, money, date-prefixed ids and
 * document ids that encode the day they belong to (so one document can be served without an index of all ids).
 */
import { formatQuantity, type Milli } from '../../model/quantity.ts';
import { cyrb128, formatUuid, hex8, type Rng } from './prng.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Evotor's date form, normalised to +0000: `2017-11-06T10:00:50.000+0000`. */
export function evotorDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** Parses `2017-01-10T09:33:19.757+0000` (and any ISO form Date understands); NaN when invalid. */
export function parseEvotorDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
    const utc = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, Number((frac ?? '0').padEnd(3, '0')));
    const offset = (Number(oh) * 60 + Number(om)) * MINUTE_MS * (sign === '-' ? -1 : 1);
    return utc - offset;
  }
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return Date.parse(text);
  return Number.NaN;
}

/** yyyymmdd of an instant in a time zone given as an offset in ms. */
export function yyyymmdd(ms: number, offsetMs: number): string {
  const d = new Date(ms + offsetMs);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** Store, device and employee ids as Evotor shows them: `20170222-5A12-403A-80F6-75C361356826`. */
export function datePrefixedId(date: string, rng: Rng): string {
  const a = hex8(rng.next());
  const b = hex8(rng.next());
  const c = hex8(rng.next());
  return `${date}-${a.slice(0, 4)}-${a.slice(4)}-${b.slice(0, 4)}-${b.slice(4)}${c}`.toUpperCase();
}

/** How a quantity is written into JSON: a number, a short decimal string, or a string with 3 decimals ("1.000"). */
export type QuantityStyle = 0 | 1 | 2;

/** Exact decimal text with exactly three fraction digits: 1000 -> "1.000", -875 -> "-0.875". */
export function fixed3(value: Milli): string {
  const negative = value < 0;
  const abs = Math.abs(value);
  const whole = Math.trunc(abs / 1000);
  return `${negative ? '-' : ''}${whole}.${pad(abs - whole * 1000, 3)}`;
}

/**
 * A quantity as a JSON value. Numbers come from the exact decimal text (at most 10 significant digits), so
 * JSON.stringify writes exactly those digits back.
 */
export function quantityJson(value: Milli, style: QuantityStyle): number | string {
  if (style === 1) return formatQuantity(value);
  if (style === 2) return fixed3(value);
  return Number(formatQuantity(value));
}

/** Money in kopecks as a JSON number with at most two fraction digits (an integer divided by 100 is exact enough: its shortest form is the decimal). */
export function money(kopecks: number): number {
  return kopecks / 100;
}

/** kopecks × quantity, rounded to a kopeck, in integers. */
export function lineSum(priceKopecks: number, qty: Milli): number {
  return Math.round((priceKopecks * qty) / 1000);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function idMask(prefix: string): [number, number] {
  const h = cyrb128(prefix);
  return [h[0] & 0xffff, h[1]];
}

/** The parts of a document id; formatted only when the id is needed (simulation never needs it). */
export interface IdRef {
  w0: number;
  w1: number;
  w2: number;
  day: number;
  tag: number;
  index: number;
}

/** Draws the random words of a document id (always three, so the stream does not depend on formatting). */
export function drawDocumentId(rng: Rng, day: number, tag: number, index: number): IdRef {
  return { w0: rng.next(), w1: rng.next(), w2: rng.next(), day, tag, index };
}

/**
 * A document id: a random-looking uuid v4 whose last group encodes (day, stream tag, index) XOR a mask derived
 * from the rest, so ids are unique by construction and `decodeDocumentId` finds the day to regenerate.
 */
export function formatDocumentId(r: IdRef): string {
  const version = ((r.w1 & 0x0fff) | 0x4000) >>> 0;
  const variant = ((r.w2 & 0x3fff) | 0x8000) >>> 0;
  const prefix = `${hex8(r.w0)}-${hex8(r.w1).slice(0, 4)}-${version.toString(16)}-${variant.toString(16)}-`;
  const [maskHi, maskLo] = idMask(prefix);
  const hi = (r.day ^ maskHi) & 0xffff;
  const lo = (((r.tag & 0xff) << 24) | (r.index & 0xffffff)) ^ maskLo;
  return `${prefix}${hi.toString(16).padStart(4, '0')}${hex8(lo)}`;
}

export function documentId(rng: Rng, day: number, tag: number, index: number): string {
  return formatDocumentId(drawDocumentId(rng, day, tag, index));
}

export function decodeDocumentId(id: string): { day: number; tag: number; index: number } | null {
  const lower = id.toLowerCase();
  if (!UUID_RE.test(lower)) return null;
  const prefix = lower.slice(0, 24);
  const [maskHi, maskLo] = idMask(prefix);
  const day = (parseInt(lower.slice(24, 28), 16) ^ maskHi) & 0xffff;
  const lo = (parseInt(lower.slice(28), 16) ^ maskLo) >>> 0;
  return { day, tag: lo >>> 24, index: lo & 0xffffff };
}

/** The uuid of a position: derived from its document id and its place (index, sub-index), so no randomness is spent on it. */
export function positionUuid(documentId: string, index: number, sub = -1): string {
  const [a, b, c, d] = cyrb128(`${documentId}|${index}|${sub}`);
  return formatUuid(a, b, c, d);
}
