/**
 * Russian first, English switchable. Typed keys: a key missing from `en` or a plural used as a plain string is a
 * type error. Words follow shared/docs/glossary.md (остаток, Облако Эвотор, личный кабинет, товар без данных…).
 *
 * Components call `t()` / `tn()` during render; both read the `lang` signal, so switching the language re-renders.
 * Formatting of quantities, numbers, dates and durations is here too, driven by the same signal.
 */
import { isolated } from '../model/bidi.ts';
import { effect, signal } from '@preact/signals';
import { formatQuantity, type Milli } from '../model/quantity.ts';
import { ru } from './messages.ru.ts';
import { en } from './messages.en.ts';

export type Lang = 'ru' | 'en';

/** Russian needs one/few/many ("1 товар, 2 товара, 5 товаров"); English uses one/other. */
export interface PluralForms {
  one: string;
  few?: string;
  many?: string;
  other: string;
}

type Dict = typeof ru;
export type MessageKey = { [K in keyof Dict]: Dict[K] extends string ? K : never }[keyof Dict];
export type PluralKey = { [K in keyof Dict]: Dict[K] extends PluralForms ? K : never }[keyof Dict];
/** The shape every language must have: the same keys, plurals where Russian has plurals. */
export type Messages = { [K in keyof Dict]: Dict[K] extends PluralForms ? PluralForms : string };

const DICTS: Record<Lang, Messages> = { ru, en };

export const lang = signal<Lang>('ru');

export function setLang(value: string | null | undefined): void {
  if (value === 'ru' || value === 'en') lang.value = value;
}

/** Where the app remembers the chosen language (only that: never the token). */
export const LANG_STORAGE_KEY = 'evotor-stock-sync:lang';

/**
 * The app's page (not the embed, which lives in a partner's page): the language from the URL (`?lang=`), else the
 * one chosen before; from then on `<html lang>` follows the choice and the choice is remembered. Returns the stop.
 */
export function followLangOnPage(doc: Document, storage: Storage | null, urlLang: string | null): () => void {
  let stored: string | null = null;
  try {
    stored = storage?.getItem(LANG_STORAGE_KEY) ?? null;
  } catch {
    stored = null; // storage blocked in a third-party frame: the choice lasts this visit only
  }
  setLang(urlLang ?? stored);
  return effect(() => {
    doc.documentElement.lang = lang.value;
    try {
      storage?.setItem(LANG_STORAGE_KEY, lang.value);
    } catch {
      // as above
    }
  });
}

export type Params = Record<string, string | number>;

function interpolate(template: string, params: Params | undefined, l: Lang): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    // Text put into a sentence is often a name from the cloud: it cannot reorder or disguise the words around it.
    return typeof value === 'number' ? formatInt(value, l) : isolated(value);
  });
}

/** A plain message: `t('stores.title')`, `t('progress.pages', { n: 12 })`. Numbers are formatted with grouping. */
export function t(key: MessageKey, params?: Params, l: Lang = lang.value): string {
  const value = DICTS[l][key] as string;
  return interpolate(value, params, l);
}

/** Russian plural category of an integer: one (1, 21, 101), few (2–4, 22–24), many (0, 5–20, 11–14, 25…). */
export function pluralRu(n: number): 'one' | 'few' | 'many' | 'other' {
  if (!Number.isInteger(n)) return 'other';
  const abs = Math.abs(n);
  const mod10 = abs % 10;
  const mod100 = abs % 100;
  if (mod10 === 1 && mod100 !== 11) return 'one';
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return 'few';
  return 'many';
}

export function pluralEn(n: number): 'one' | 'other' {
  return n === 1 ? 'one' : 'other';
}

/** A counted message: `tn('count.products', 5)` → "5 товаров". `{n}` is the count; other params as in t(). */
export function tn(key: PluralKey, n: number, params?: Params, l: Lang = lang.value): string {
  const forms = DICTS[l][key] as PluralForms;
  const category = l === 'ru' ? pluralRu(n) : pluralEn(n);
  const template = (category === 'one' ? forms.one : category === 'other' ? forms.other : forms[category]) ?? forms.other;
  return interpolate(template, { ...params, n }, l);
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers and quantities

const NBSP = '\u00a0';
const MINUS = '\u2212';

function groupDigits(digits: string, sep: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** An integer with grouping: ru "12 345" (no-break space), en "12,345". */
export function formatInt(n: number, l: Lang = lang.value): string {
  if (!Number.isFinite(n)) return String(n);
  const negative = n < 0;
  const digits = String(Math.trunc(Math.abs(n)));
  return (negative ? MINUS : '') + groupDigits(digits, l === 'ru' ? NBSP : ',');
}

/**
 * An exact quantity for people: ru "1 234,875", en "1,234.875"; optional unit ("0,875 кг"). null → "—".
 * Built from the exact decimal text, never from a float.
 */
export function formatQty(value: Milli | null, unit?: string | null, l: Lang = lang.value): string {
  if (value === null) return '—';
  const text = formatQuantity(value);
  const negative = text.startsWith('-');
  const [whole = '0', frac] = (negative ? text.slice(1) : text).split('.');
  const grouped = groupDigits(whole, l === 'ru' ? NBSP : ',');
  const body = frac === undefined ? grouped : `${grouped}${l === 'ru' ? ',' : '.'}${frac}`;
  const unitText = unit && unit.trim() !== '' ? `${NBSP}${unit.trim()}` : '';
  return `${negative ? MINUS : ''}${body}${unitText}`;
}

/** A difference with its sign: "+3", "−2,5", "0". */
export function formatSignedQty(value: Milli, unit?: string | null, l: Lang = lang.value): string {
  const text = formatQty(value, unit, l);
  return value > 0 ? `+${text}` : text;
}

/** Totals per unit for people: "+12 / −4 шт; +3,5 / −1,25 кг" (pieces and kilograms are never added). "0" when none. */
export function formatUnitTotals(list: readonly { unit: string | null; increase: Milli; decrease: Milli }[], l: Lang = lang.value): string {
  if (list.length === 0) return '0';
  return list.map((u) => `${formatSignedQty(u.increase, null, l)} / ${formatQty(u.decrease, u.unit, l)}`).join('; ');
}

// ---------------------------------------------------------------------------------------------------------------
// Dates

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * One date format per language, the same as the reasons' (src/stock formatDocTime): ru dd.MM.yyyy HH:mm, en
 * yyyy-MM-dd HH:mm, in the terminal's time zone (`tzOffsetMs`, from the document's time_zone_offset). Without an
 * offset, the browser's own zone is used.
 */
export function formatDateTime(epochMs: number, tzOffsetMs: number | null, l: Lang = lang.value): string {
  const d = new Date(tzOffsetMs !== null ? epochMs + tzOffsetMs : epochMs);
  const utc = tzOffsetMs !== null;
  const [year, month, day, hours, minutes] = utc
    ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
    : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()];
  const date = l === 'ru' ? `${pad2(day)}.${pad2(month)}.${year}` : `${year}-${pad2(month)}-${pad2(day)}`;
  return `${date} ${pad2(hours)}:${pad2(minutes)}`;
}

/** The date alone, in the same format. */
export function formatDate(epochMs: number, tzOffsetMs: number | null, l: Lang = lang.value): string {
  return formatDateTime(epochMs, tzOffsetMs, l).slice(0, 10);
}

const MONTHS: Record<Lang, readonly string[]> = {
  ru: ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};

/** "2025-03" → "март 2025" / "March 2025"; anything else is returned as is. */
export function formatMonth(yearMonth: string, l: Lang = lang.value): string {
  const m = /^(\d{4})-(\d{2})$/.exec(yearMonth);
  const name = m ? MONTHS[l][Number(m[2]) - 1] : undefined;
  return m && name ? `${name} ${m[1]}` : yearMonth;
}

/** A remaining time, rounded for people: "меньше минуты", "≈ 4 мин", "≈ 1 ч 20 мин". */
export function formatDuration(ms: number, l: Lang = lang.value): string {
  if (!Number.isFinite(ms) || ms < 60_000) return t('duration.underMinute', undefined, l);
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return t('duration.minutes', { m: minutes }, l);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? t('duration.hours', { h: hours }, l) : t('duration.hoursMinutes', { h: hours, m: rest }, l);
}
