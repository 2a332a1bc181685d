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
