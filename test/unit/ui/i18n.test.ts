import { afterEach, describe, expect, it } from 'vitest';
import { formatDocTime } from '../../../src/stock/explain.ts';
import { milli } from '../../../src/model/quantity.ts';
import {
  formatDateTime,
  followLangOnPage,
  LANG_STORAGE_KEY,
  formatDuration,
  formatInt,
  formatMonth,
  formatQty,
  formatSignedQty,
  lang,
  pluralRu,
  setLang,
  t,
  tn,
} from '../../../src/ui/i18n.ts';
import { ru } from '../../../src/ui/messages.ru.ts';
import { en } from '../../../src/ui/messages.en.ts';

const NBSP = '\u00a0';

afterEach(() => setLang('ru'));

describe('Russian plurals', () => {
  it.each([
    [1, '1 товар'], [2, '2 товара'], [4, '4 товара'], [5, '5 товаров'], [0, '0 товаров'], [11, '11 товаров'],
    [12, '12 товаров'], [14, '14 товаров'], [21, '21 товар'], [22, '22 товара'], [25, '25 товаров'], [101, '101 товар'],
    [111, '111 товаров'], [1004, `1${NBSP}004 товара`],
  ])('%i → %s', (n, text) => {
    expect(tn('count.products', n)).toBe(text);
  });

  it('agrees with Intl.PluralRules for 0…300', () => {
    const rules = new Intl.PluralRules('ru');
    for (let n = 0; n <= 300; n++) expect(pluralRu(n)).toBe(rules.select(n));
  });

  it('uses the prepositional and genitive forms where the sentence needs them', () => {
    expect(tn('count.inStores', 1)).toBe('в 1 магазине');
    expect(tn('count.inStores', 3)).toBe('в 3 магазинах');
    expect(tn('count.productsGen', 1)).toBe('1 товара');
    expect(tn('count.productsGen', 2)).toBe('2 товаров');
    expect(tn('count.stores', 2)).toBe('2 магазина');
  });

  it('English has one/other', () => {
    setLang('en');
    expect(tn('count.products', 1)).toBe('1 product');
    expect(tn('count.products', 2)).toBe('2 products');
    expect(tn('count.products', 21)).toBe('21 products');
  });
});

describe('dictionaries', () => {
  it('English has every Russian key, with a plural exactly where Russian has one', () => {
    const ruKeys = Object.keys(ru).sort();
    expect(Object.keys(en).sort()).toEqual(ruKeys);
    for (const key of ruKeys) {
      const r = (ru as Record<string, unknown>)[key];
      const e = (en as Record<string, unknown>)[key];
      expect(typeof e, key).toBe(typeof r);
      if (typeof r === 'object') expect(Object.keys(r as object).sort(), key).toEqual(['few', 'many', 'one', 'other']);
    }
  });

  it('every placeholder of a Russian message exists in the English one', () => {
    const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of Object.entries(ru)) {
      const e = (en as Record<string, unknown>)[key];
      if (typeof value === 'string') expect(names(e as string), key).toEqual(names(value));
      else expect(names((e as { other: string }).other), key).toEqual(names(value.many));
    }
  });

  it('no message contains markup', () => {
    for (const value of [...Object.values(ru), ...Object.values(en)]) {
      const texts = typeof value === 'string' ? [value] : Object.values(value);
      for (const text of texts) expect(text).not.toMatch(/<[a-z/]/i);
    }
  });

  it('switching the language changes t() output', () => {
    expect(t('review.title')).toBe('Проверка остатков');
    setLang('en');
    expect(lang.value).toBe('en');
    expect(t('review.title')).toBe('Review stock');
    setLang('de');
    expect(lang.value).toBe('en');
  });

  it('interpolates and groups numbers', () => {
    expect(t('write.done', { done: 1234, total: 50000 })).toBe(`1${NBSP}234 из 50${NBSP}000`);
  });
});

describe('quantities', () => {
  it('shows exact quantities with a decimal comma and a unit in Russian', () => {
    expect(formatQty(milli(875), 'кг')).toBe(`0,875${NBSP}кг`);
    expect(formatQty(milli(1_234_500))).toBe(`1${NBSP}234,5`);
    expect(formatQty(milli(-2000))).toBe('−2');
    expect(formatQty(milli(9_999_999_999))).toBe(`9${NBSP}999${NBSP}999,999`);
    expect(formatQty(null)).toBe('—');
  });

  it('signs differences', () => {
    expect(formatSignedQty(milli(3000))).toBe('+3');
    expect(formatSignedQty(milli(-2500))).toBe('−2,5');
    expect(formatSignedQty(milli(0))).toBe('0');
  });

  it('uses a decimal point and comma grouping in English', () => {
    setLang('en');
    expect(formatQty(milli(1_234_875), 'kg')).toBe(`1,234.875${NBSP}kg`);
    expect(formatInt(50000)).toBe('50,000');
  });

  it('never goes through floats: 0.1 + 0.2 style values stay exact', () => {
    expect(formatQty(milli(100 + 200))).toBe('0,3');
    expect(formatQty(milli(1_000_001))).toBe(`1${NBSP}000,001`);
  });
});

describe('dates and durations', () => {
  it('dd.MM.yyyy HH:mm in the terminal time zone', () => {
    const t0 = Date.UTC(2025, 2, 12, 11, 5);
    expect(formatDateTime(t0, 3 * 3_600_000)).toBe('12.03.2025 14:05');
    expect(formatDateTime(t0, 10 * 3_600_000)).toBe('12.03.2025 21:05');
    expect(formatDateTime(Date.UTC(2024, 11, 31, 22, 30), 3 * 3_600_000)).toBe('01.01.2025 01:30');
    // One format per language, the same as the reasons' (src/stock formatDocTime): issue 16 item 19.
    expect(formatDateTime(t0, 3 * 3_600_000, 'en')).toBe('2025-03-12 14:05');
    expect(formatDocTime({ closeTime: t0, timeZoneOffset: 3 * 3_600_000 }, 'en')).toBe('2025-03-12 14:05');
    expect(formatDocTime({ closeTime: t0, timeZoneOffset: 3 * 3_600_000 }, 'ru')).toBe(formatDateTime(t0, 3 * 3_600_000, 'ru'));
  });

  it('months and durations in words', () => {
    expect(formatMonth('2025-03')).toBe('март 2025');
    setLang('en');
    expect(formatMonth('2025-03')).toBe('March 2025');
    setLang('ru');
    expect(formatDuration(20_000)).toBe('меньше минуты');
    expect(formatDuration(4 * 60_000 + 10_000)).toBe('≈ 4 мин');
    expect(formatDuration(80 * 60_000)).toBe('≈ 1 ч 20 мин');
    expect(formatDuration(120 * 60_000)).toBe('≈ 2 ч');
  });
});

describe('the language on the app page (issue 16 item 19)', () => {
  it('<html lang> follows the language and the choice is remembered; the URL wins over the remembered one', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) } as Storage;
    let stop = followLangOnPage(document, storage, null);
    expect(document.documentElement.lang).toBe('ru');
    setLang('en');
    expect(document.documentElement.lang).toBe('en');
    expect(store.get(LANG_STORAGE_KEY)).toBe('en');
    stop();
    setLang('ru');
    // The next visit starts in the language chosen before.
    stop = followLangOnPage(document, storage, null);
    expect(document.documentElement.lang).toBe('en');
    stop();
    stop = followLangOnPage(document, storage, 'ru');
    expect(document.documentElement.lang).toBe('ru');
    stop();
    // Storage blocked (a third-party frame): still follows, nothing thrown.
    const blocked = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } } as unknown as Storage;
    stop = followLangOnPage(document, blocked, 'en');
    expect(document.documentElement.lang).toBe('en');
    stop();
  });
});
