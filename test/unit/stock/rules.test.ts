import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeStock, LINE_RULES, RULES, ruleForType } from '../../../src/stock/index.ts';
import { DOCUMENT_TYPES } from '../../../src/model/types.ts';
import { line, minutes, stock, v1Doc, v1Product, v2Doc, v2Product } from './fixtures.ts';

/** type, quantity as sent, stock before, expected stock after, rule. */
const MOVES: [string, unknown, unknown, string, string][] = [
  ['SELL', 3, 10, '7', 'SELL'],
  ['SELL', '0.875', '1', '0.125', 'SELL'],
  ['SELL', -3, 10, '7', 'SELL'], // sign not trusted
  ['SELL', 5, 2, '-3', 'SELL'], // negative stock is allowed
  ['BUYBACK', 1, 10, '9', 'BUYBACK'],
  ['WRITE_OFF', '2.5', 10, '7.5', 'WRITE_OFF'],
  ['RETURN', 1, 11, '10', 'RETURN'],
  ['PAYBACK', 1, 10, '11', 'PAYBACK'],
  ['PAYBACK', -1, 10, '11', 'PAYBACK'], // V1 style negative
  ['BUY', -1, 10, '11', 'BUY'],
  ['BUY', '0.5', '-0.5', '0', 'BUY'],
  ['ACCEPT', 10, 10, '20', 'ACCEPT'], // initial_quantity = stock BEFORE acceptance
  ['ACCEPT', 5, 0, '5', 'ACCEPT'],
  ['ACCEPT', '1234567.891', '8765432.108', '9999999.999', 'ACCEPT'], // 7-digit integer parts, exact
  ['INVENTORY', 12, 10, '12', 'INVENTORY'],
  ['INVENTORY', 0, 10, '0', 'INVENTORY'],
  ['INVENTORY', '3.333', '-5', '3.333', 'INVENTORY'],
];

describe('rule table: one document decides', () => {
  it.each(MOVES)('V2 %s quantity %j, before %j -> %s', (type, quantity, before, expected, rule) => {
    const result = computeStock({ api: 'v2', products: [v2Product('p')], documents: [v2Doc(type, [line('p', quantity, before)])] });
    const p = stock(result, 'p');
    expect(p).toMatchObject({ quantity: expected, status: 'resolved', rule });
    expect(p.decidedBy?.type).toBe(type);
  });

  it.each(MOVES)('V1 %s quantity %j, balance %j -> %s', (type, quantity, balance, expected, rule) => {
    const result = computeStock({ api: 'v1', products: [v1Product('p')], documents: [v1Doc(type, [{ uuid: 'p', quantity, balance }])] });
    expect(stock(result, 'p')).toMatchObject({ quantity: expected, status: 'resolved', rule });
  });

  it('V1 reference examples: PAYBACK -1.000 and BUY -1.000 with balance 10 both give 11', () => {
    for (const type of ['PAYBACK', 'BUY']) {
      const result = computeStock({ api: 'v1', products: [v1Product('74e99680-3f9b-4abe-b902-fe197cf28ed2')], documents: [
        v1Doc(type, [{ uuid: '74e99680-3f9b-4abe-b902-fe197cf28ed2', quantity: -1.0, balance: 10 }]),
      ] });
      expect(result.products[0]!.quantity).toBe('11');
    }
  });

  it.each(['REVALUATION', 'CASH_INCOME', 'CASH_OUTCOME', 'OPEN_SESSION', 'CLOSE_SESSION', 'POS_OPEN_SESSION', 'FPRINT', 'X_REPORT', 'Z_REPORT'])(
    '%s has no stock effect and is counted',
    (type) => {
      const result = computeStock({ api: 'v2', products: [v2Product('p')], documents: [
        v2Doc('SELL', [line('p', 1, 5)], { time: minutes(0) }),
        v2Doc(type, [line('p', 100, 100)], { time: minutes(10) }),
      ] });
      expect(stock(result, 'p')).toMatchObject({ quantity: '4', rule: 'SELL' });
      expect(result.skipped.noStockEffectDocuments).toBe(1);
    },
  );

  it('every document type named in the reference has exactly one rule', () => {
    for (const type of [...DOCUMENT_TYPES, 'UNKNOWN' as const]) {
      expect(RULES.filter((r) => r.types.includes(type)), type).toHaveLength(1);
      expect(ruleForType(type).types).toContain(type);
    }
  });

  it('the README gives every rule of the table', () => {
    const readme = readFileSync(resolve(process.cwd(), 'src/stock/README.md'), 'utf8');
    for (const rule of RULES) expect(readme, rule.id).toContain(`\`${rule.id}\``);
    for (const rule of LINE_RULES) expect(readme, rule.id).toContain(`\`${rule.id}\``);
  });
});

describe('settlement in documents', () => {
  const sale = (settlement_method: unknown, type = 'SELL') =>
    computeStock({ api: 'v2', products: [v2Product('p')], documents: [v2Doc(type, [line('p', 2, 10, { settlement_method })])] });

  it.each([
    [{ type: 'FULL_PREPAYMENT' }, '10'], [{ type: 'PartialPrepayment' }, '10'], [{ type: 'ADVANCE' }, '10'], [{ type: 'CREDIT_PAYMENT' }, '10'],
    [{ type: 'FULL_SETTLEMENT' }, '8'], [{ type: 'PARTIAL_SETTLEMENT', amount: 100 }, '8'], [{ type: 'CREDIT' }, '8'], [{ type: 'Lend' }, '8'],
    [null, '8'], [{}, '8'], [{ type: 1 }, '10'], [4, '8'], ['full-prepayment', '10'],
  ])('SELL with %j -> %s', (settlement, expected) => {
    const p = stock(sale(settlement), 'p');
    expect(p.quantity).toBe(expected);
    expect(p.decidedBy).not.toBeNull(); // a prepayment still states the stock: it decides
  });

  it('a prepaid customer return returns no goods', () => {
    expect(stock(sale({ type: 'FULL_PREPAYMENT' }, 'PAYBACK'), 'p').quantity).toBe('10');
    expect(stock(sale({ type: 'FULL_SETTLEMENT' }, 'PAYBACK'), 'p').quantity).toBe('12');
  });

  it('an unknown value moves goods and is flagged by name', () => {
    const result = sale({ type: 'BARTER' });
    const p = stock(result, 'p');
    expect(p.quantity).toBe('8');
    expect(p.warnings).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_SETTLEMENT_METHOD', value: 'BARTER', count: 1 }));
    expect(result.settlementValues).toEqual([{ raw: 'BARTER', kind: 'unknown', lines: 1 }]);
  });

  it('settlement on a write-off or an acceptance is ignored (no receipt there)', () => {
    expect(stock(sale({ type: 'FULL_PREPAYMENT' }, 'WRITE_OFF'), 'p').quantity).toBe('8');
    expect(stock(sale({ type: 'FULL_PREPAYMENT' }, 'ACCEPT'), 'p').quantity).toBe('12');
  });

  it('a final full-settlement receipt after a prepayment moves the goods once', () => {
    const result = computeStock({ api: 'v2', products: [v2Product('p')], documents: [
      v2Doc('SELL', [line('p', 2, 10, { settlement_method: { type: 'FULL_PREPAYMENT' } })], { time: minutes(0) }),
      v2Doc('SELL', [line('p', 2, 10, { settlement_method: { type: 'FULL_SETTLEMENT' } })], { time: minutes(60) }),
    ] });
    expect(stock(result, 'p')).toMatchObject({ quantity: '8', ledgerQuantity: '8', chainBreaks: [] });
  });
});
