import { describe, expect, it } from 'vitest';
import { computeStock, explainProduct, formatDocTime, type StockResult } from '../../../src/stock/index.ts';
import { BASE_TIME, line, minutes, stock, v1Doc, v1Product, v2Doc, v2Product } from './fixtures.ts';

const one = (type: string, positions: unknown[], options: Record<string, unknown> = {}, products: unknown[] = [v2Product('p')]): StockResult =>
  computeStock({ api: 'v2', products, documents: [v2Doc(type, positions as never, { number: 123, ...options })] });
const ru = (result: StockResult, id = 'p') => explainProduct(stock(result, id), 'ru');
const en = (result: StockResult, id = 'p') => explainProduct(stock(result, id), 'en');

describe('explainProduct', () => {
  it('sale: the example from the brief, in the terminal time zone', () => {
    const result = one('SELL', [line('p', 3, 10)]);
    expect(ru(result)).toBe('Продажа №123 от 12.03.2025 14:05, терминал DEVICE-0001: остаток до 10 − продано 3 = 7 шт.');
    expect(en(result)).toBe('Sale No. 123 of 2025-03-12 14:05, terminal DEVICE-0001: stock before 10 − sold 3 = 7 шт.');
  });

  it('decimal comma and minus sign in Russian, dot in English', () => {
    const result = one('SELL', [line('p', '1.25', '0.375')], {}, [v2Product('p', { measure_name: 'кг' })]);
    expect(ru(result)).toContain('остаток до 0,375 − продано 1,25 = −0,875 кг');
    expect(en(result)).toContain('stock before 0.375 − sold 1.25 = -0.875 кг');
  });

  it.each([
    ['PAYBACK', 'остаток до 10 + возвращено покупателем 3 = 13', 'stock before 10 + returned by customer 3 = 13'],
    ['BUY', 'остаток до 10 + выкуплено у клиента 3 = 13', 'stock before 10 + bought from customer 3 = 13'],
    ['BUYBACK', 'остаток до 10 − возвращено по возврату выкупа 3 = 7', 'stock before 10 − returned on buy-back 3 = 7'],
    ['RETURN', 'остаток до 10 − возвращено поставщику 3 = 7', 'stock before 10 − returned to supplier 3 = 7'],
    ['WRITE_OFF', 'остаток до 10 − списано 3 = 7', 'stock before 10 − written off 3 = 7'],
    ['ACCEPT', 'остаток до приёмки 10 + принято 3 = 13', 'stock before acceptance 10 + accepted 3 = 13'],
    ['INVENTORY', 'по итогам инвентаризации остаток 3 шт (до неё было 10)', 'counted 3 шт (the stock before the count was 10)'],
  ])('%s', (type, ruText, enText) => {
    const result = one(type, [line('p', 3, 10)]);
    expect(ru(result)).toContain(ruText);
    expect(en(result)).toContain(enText);
  });

  it('titles: type names from the glossary, complete or partial inventory', () => {
    expect(ru(one('PAYBACK', [line('p', 1, 1)]))).toMatch(/^Возврат №123 от /);
    expect(ru(one('WRITE_OFF', [line('p', 1, 1)]))).toMatch(/^Списание №123 /);
    expect(ru(one('INVENTORY', [line('p', 1, 1)], { body: { complete_inventory: true } }))).toMatch(/^Полная инвентаризация №123 /);
    expect(ru(one('INVENTORY', [line('p', 1, 1)], { body: { complete_inventory: false } }))).toMatch(/^Частичная инвентаризация №123 /);
    expect(ru(one('INVENTORY', [line('p', 1, 1)]))).toMatch(/^Инвентаризация №123 /);
  });

  it('prepayment: no goods handed over, stock unchanged', () => {
    const result = one('SELL', [line('p', 2, 10, { settlement_method: { type: 'FULL_PREPAYMENT' } })]);
    expect(ru(result)).toContain('полная предоплата (2): товар не передан, остаток не меняется; остаток до 10 = 10 шт');
    expect(en(result)).toContain('full prepayment (2): no goods were handed over, stock unchanged; stock before 10 = 10');
    const credit = one('SELL', [line('p', 2, 10, { settlement_method: { type: 'CREDIT_CHECKOUT' } })]);
    expect(ru(credit)).toContain('оплата кредита (2): товар передан раньше');
    const mixed = one('SELL', [line('p', 2, 10), line('p', 1, 10, { settlement_method: { type: 'ADVANCE' } })]);
    expect(ru(mixed)).toContain('остаток до 10 − продано 2 = 8 шт (ещё аванс (1): товар не передан)');
  });

  it('complete inventory: an unlisted product is reset to 0', () => {
    const result = one('INVENTORY', [line('q', 1, 1)], { body: { complete_inventory: true } }, [v2Product('p'), v2Product('q')]);
    expect(ru(result)).toContain('товара нет в полной инвентаризации, поэтому его остаток сброшен до 0');
    expect(en(result)).toContain('not listed in this complete inventory count, so its stock is reset to 0');
  });

  it('unresolved: asks for a manual stock', () => {
    const result = computeStock({ api: 'v2', products: [v2Product('p')], documents: [] });
    expect(ru(result)).toBe('Нет документов, по которым можно определить остаток; укажите остаток вручную.');
    expect(en(result)).toContain('enter the stock by hand');
    const noBefore = one('SELL', [line('p', 1)]);
    expect(ru(noBefore)).toContain('ни в одном не указан остаток до документа; укажите остаток вручную');
  });

  it('not tracked', () => {
    const result = computeStock({ api: 'v2', products: [v2Product('s', { type: 'SERVICE' }), { id: 'g', group: true }], documents: [] });
    expect(ru(result, 's')).toBe('Услуга: остаток не ведётся.');
    expect(ru(result, 'g')).toBe('Группа товаров: остаток не ведётся.');
  });

  it('derived from an earlier document when the newest has no stock-before', () => {
    const result = computeStock({ api: 'v2', products: [v2Product('p')], documents: [
      v2Doc('SELL', [line('p', 1, 10)], { time: minutes(0), number: 1 }),
      v2Doc('SELL', [line('p', 2)], { time: minutes(5), number: 2 }),
    ] });
    expect(ru(result)).toContain('Продажа №2 от 12.03.2025 14:10, терминал DEVICE-0001: остаток до документа не указан. Взят остаток после документа «Продажа №1 от 12.03.2025 14:05, терминал DEVICE-0001» = 9 и движения более поздних документов (1): − 2 = 7 шт.');
  });

  it('warnings are told: unknown settlement, quarantine, OPEN_TARE, chain breaks', () => {
    const result = computeStock({ api: 'v2', products: [v2Product('p')], documents: [
      v2Doc('SELL', [line('p', 1, 10)], { time: minutes(0) }),
      v2Doc('OPEN_TARE', [line('p', 1, 9)], { time: minutes(1) }),
      v2Doc('SELL', [line('p', 1, 12, { settlement_method: { type: 'BARTER' } })], { time: minutes(2) }),
      { id: 'broken', type: 'SELL', close_date: 'x', body: { positions: [{ product_id: 'p', quantity: 1 }] } },
    ] });
    const text = ru(result);
    expect(text).toContain('Неизвестный признак способа расчёта «BARTER»: считаем, что товар передан.');
    expect(text).toContain('Документ broken не удалось прочитать');
    expect(text).toContain('Вскрытие тары не учитывается');
    expect(text).toContain('Остаток менялся вне документов (1 раз); последний раз на +3');
    expect(en(result)).toContain('Unknown settlement method "BARTER"');
  });

  it('counts are said with the right Russian plural', () => {
    const docs = [2, 3, 5, 12, 21, 22].map((n) => {
      const positions = Array.from({ length: n }, () => line('p', 1, 1, { settlement_method: { type: 'BARTER' } }));
      return computeStock({ api: 'v2', products: [v2Product('p')], documents: [v2Doc('SELL', positions)] });
    });
    expect(docs.map((r) => /«BARTER» \((\d+ \S+)\)/.exec(ru(r))?.[1])).toEqual(['2 раза', '3 раза', '5 раз', '12 раз', '21 раз', '22 раза']);
  });

  it('V1 documents have no time zone: UTC is said, or the store offset is used', () => {
    const result = computeStock({ api: 'v1', products: [v1Product('p')], documents: [v1Doc('SELL', [{ uuid: 'p', quantity: 1, balance: 2 }], { number: 5 })] });
    expect(explainProduct(stock(result, 'p'), 'ru')).toContain('Продажа №5 от 12.03.2025 11:05 UTC');
    expect(explainProduct(stock(result, 'p'), 'ru', { defaultTimeZoneOffset: 3 * 3_600_000, deviceNames: { 'DEVICE-0001': 'Касса 1' } }))
      .toContain('Продажа №5 от 12.03.2025 14:05, терминал Касса 1');
  });

  it('formatDocTime crosses midnight and years in the terminal zone', () => {
    const newYear = Date.UTC(2024, 11, 31, 22, 30);
    expect(formatDocTime({ closeTime: newYear, timeZoneOffset: 3 * 3_600_000 }, 'ru')).toBe('01.01.2025 01:30');
    expect(formatDocTime({ closeTime: newYear, timeZoneOffset: -5 * 3_600_000 }, 'en')).toBe('2024-12-31 17:30');
    expect(formatDocTime({ closeTime: BASE_TIME, timeZoneOffset: null }, 'ru')).toBe('12.03.2025 11:05 UTC');
  });

  it('groups thousands as the screens do (issue 16 item 4)', () => {
    const result = one('SELL', [line('p', 1, 2953)]);
    expect(ru(result)).toContain('остаток до 2\u00a0953 − продано 1 = 2\u00a0952 шт');
    expect(en(result)).toContain('stock before 2,953 − sold 1 = 2,952 шт');
  });

  it('says «терминал» once when the terminal\'s name already says it (issue 16 item 19)', () => {
    const result = one('SELL', [line('p', 1, 2)]);
    expect(explainProduct(stock(result, 'p'), 'ru', { deviceNames: { 'DEVICE-0001': 'Смарт-терминал 1' } })).toContain('14:05, Смарт-терминал 1:');
    expect(explainProduct(stock(result, 'p'), 'ru', { deviceNames: { 'DEVICE-0001': '2' } })).toContain('14:05, терминал 2:');
  });

  it('with the ledger method, the reason gives the ledger\'s value, the one the column shows (issue 16 item 2)', () => {
    // Ledger: the oldest stock-before 2953 − 1 − 1 = 2951; the newest document says 2953 − 1 = 2952.
    const result = computeStock({ api: 'v2', products: [v2Product('p')], documents: [
      v2Doc('SELL', [line('p', 1, 2953)], { number: 1, time: minutes(0) }),
      v2Doc('SELL', [line('p', 1, 2953)], { number: 2, time: minutes(10) }),
    ] });
    const ps = stock(result, 'p');
    expect(ps.ledgerQuantity).toBe('2951');
    const text = explainProduct(ps, 'ru', { method: 'ledger' });
    expect(text).toMatch(/^По журналу движений: все документы начиная с «Продажа №1 от [^»]+» дают 2\u00a0951 шт\./);
    expect(text).toContain('По последнему документу было бы иначе');
    expect(text).not.toContain('получается 2');
    // The default (latest document) still leads with the newest document and names the ledger's value as a warning.
    expect(explainProduct(ps, 'ru')).toMatch(/^Продажа №2 .*= 2\u00a0952 шт\. По всем документам .* получается 2\u00a0951/);
  });
});
