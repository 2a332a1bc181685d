/**
 * Document close times. Evotor writes close_date as "2017-11-06T10:00:50.000+0000" (V2 and V1, normalised to +0000,
 * shared/docs/evotor-api.md §3); we also accept ISO 8601 with Z or ±hh:mm, and epoch milliseconds (number or digits),
 * because dialects differ between API versions, SDKs and our own local store.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Earliest and latest plausible close times: Evotor launched in 2015; a year far ahead is a corrupt value. */
const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

/** Epoch ms UTC, or null when the value is not a time we can trust. A string without a zone is read as UTC (+0000). */
export function parseCloseDate(value: unknown): number | null {
  if (typeof value === 'string') {
    const fast = parseCanonical(value);
    if (fast === fast) return fast;
  }
  return parseCloseDateGeneral(value);
}

/** parseCloseDate without the canonical fast reader (a regular expression and Date.UTC). Exported for the tests. */
export function parseCloseDateGeneral(value: unknown): number | null {
  if (typeof value === 'number') return plausible(Number.isSafeInteger(value) ? value : NaN);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d{10,16}$/.test(text)) return plausible(Number(text));
  const m = ISO.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = Number(m[6] ?? '0');
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 31 February over into March: reject days the month does not have.
  if (new Date(local).getUTCDate() !== day) return null;
  const zone = zoneOffsetMs(m[8]);
  return zone === null ? null : plausible(local - zone);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at i as a number, or NaN. */
function digits2(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * The spellings every document carries, read without regex or Date objects: Evotor's "2017-11-06T10:00:50.000+0000",
 * ISO "2017-11-06T10:00:50.000Z" and "…+03:00". Only a fully valid, plausible time is returned; anything else gives
 * NaN and the general parser decides (and so says null for the same inputs it always did).
 */
function parseCanonical(text: string): number {
  const n = text.length;
  if (n !== 24 && n !== 28 && n !== 29) return NaN;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58
    || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46) return NaN; // "-", "-", "T", ":", ":", "."
  const year = digits2(text, 0) * 100 + digits2(text, 2);
  const month = digits2(text, 5);
  const day = digits2(text, 8);
  const hour = digits2(text, 11);
  const minute = digits2(text, 14);
  const second = digits2(text, 17);
  const ms100 = text.charCodeAt(20) - 48;
  const ms = ms100 * 100 + digits2(text, 21);
  if (!(year >= 2000 && year < 2200 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) return NaN;
  if (!(ms100 >= 0 && ms100 <= 9 && ms >= 0)) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return NaN;
  let zone = 0;
  if (n === 24) {
    if (text.charCodeAt(23) !== 90) return NaN; // "Z"
  } else {
    const sign = text.charCodeAt(23);
    if (sign !== 43 && sign !== 45) return NaN; // "+", "-"
    const zoneHours = digits2(text, 24);
    let zoneMinutes: number;
    if (n === 28) zoneMinutes = digits2(text, 26);
    else if (text.charCodeAt(26) === 58) zoneMinutes = digits2(text, 27);
    else return NaN;
    if (!(zoneHours <= 14 && zoneMinutes <= 59)) return NaN;
    zone = (sign === 45 ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * 60_000;
  }
  // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), in exact integer steps.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  const time = days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms - zone;
  return time >= MIN_TIME && time <= MAX_TIME ? time : NaN;
}

/** "+0300", "+03:00", "-05", "Z" -> ms; null for an offset no place on Earth uses (beyond ±14 h). */
function zoneOffsetMs(zone: string | undefined): number | null {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 14 || minutes > 59) return null;
  return sign * (hours * 60 + minutes) * 60_000;
}

function plausible(ms: number): number | null {
  return Number.isSafeInteger(ms) && ms >= MIN_TIME && ms <= MAX_TIME ? ms : null;
}

/** time_zone_offset in ms (number or numeric string); null when absent or not a whole number of minutes within ±18 h. */
export function parseTimeZoneOffset(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || Math.abs(n) > 18 * 3_600_000 || n % 60_000 !== 0) return null;
  return n;
}
