import { describe, expect, it } from 'vitest';
import { classifySettlement, EVOTOR_NAMES, OTHER_SPELLINGS, SETTLEMENT_KINDS } from '../../../src/stock/settlement.ts';
import type { SettlementKind } from '../../../src/stock/types.ts';

/** Every spelling we expect in the wild, and what it means. */
const SPELLINGS: [string | number | null | undefined, SettlementKind][] = [
  // Evotor's own names (evotor-api.md §10), and other spellings of them (read as words).
  ['PREPAYMENT_FULL', 'full_prepayment'], ['PREPAYMENT_PARTIAL', 'partial_prepayment'], ['ADVANCE', 'advance'],
  ['CHECKOUT_FULL', 'full_settlement'], ['CHECKOUT_PARTIAL', 'partial_settlement'], ['CREDIT_PASS', 'credit'], ['CREDIT_CHECKOUT', 'credit_payment'],
  [' CHECKOUT_FULL ', 'full_settlement'], ['checkout_full', 'full_settlement'], ['Checkout Partial', 'partial_settlement'],
  ['credit-pass', 'credit'], ['CreditCheckout', 'credit_payment'], ['CHECKOUT', 'unknown'], ['PASS', 'unknown'],
  // Full prepayment (FFD 1): no goods.
  ['FULL_PREPAYMENT', 'full_prepayment'], ['PREPAYMENT_FULL', 'full_prepayment'], ['FullPrepayment', 'full_prepayment'],
  ['full-prepayment', 'full_prepayment'], ['full prepayment', 'full_prepayment'], ['fullprepayment', 'full_prepayment'],
  ['FULLPREPAYMENT', 'full_prepayment'], ['Full_Pre_Payment', 'full_prepayment'], ['PREPAYMENT_100', 'full_prepayment'],
  ['ПРЕДОПЛАТА 100%', 'full_prepayment'], ['Полная предварительная оплата', 'full_prepayment'], ['prepayment in full', 'full_prepayment'],
  [1, 'full_prepayment'], ['1', 'full_prepayment'],
  // Partial prepayment (FFD 2): no goods.
  ['PARTIAL_PREPAYMENT', 'partial_prepayment'], ['PREPAYMENT_PARTIAL', 'partial_prepayment'], ['PartialPrepayment', 'partial_prepayment'],
  ['partial-prepayment', 'partial_prepayment'], ['Частичная предоплата', 'partial_prepayment'], [2, 'partial_prepayment'],
  // Bare prepayment (Tinkoff "prepayment", FFD print name "ПРЕДОПЛАТА"): no goods.
  ['PREPAYMENT', 'prepayment'], ['prepaid', 'prepayment'], ['ПРЕДОПЛАТА', 'prepayment'], ['PRE_PAYMENT', 'prepayment'],
  // Advance (FFD 3): no goods.
  ['ADVANCE', 'advance'], ['AdvancePayment', 'advance'], ['ADVANCE_PAYMENT', 'advance'], ['advance', 'advance'], ['АВАНС', 'advance'], [3, 'advance'],
  // Full settlement (FFD 4): goods.
  ['FULL_SETTLEMENT', 'full_settlement'], ['SETTLEMENT_FULL', 'full_settlement'], ['FullSettlement', 'full_settlement'],
  ['full-settlement', 'full_settlement'], ['FULL_PAYMENT', 'full_settlement'], ['full_payment', 'full_settlement'],
  ['SETTLEMENT', 'full_settlement'], ['ПОЛНЫЙ РАСЧЁТ', 'full_settlement'], ['полный расчет', 'full_settlement'], [4, 'full_settlement'], ['4', 'full_settlement'],
  // Partial settlement and credit (FFD 5): goods.
  ['PARTIAL_SETTLEMENT', 'partial_settlement'], ['SETTLEMENT_PARTIAL', 'partial_settlement'], ['PartialSettlement', 'partial_settlement'],
  ['PARTIAL_SETTLEMENT_AND_CREDIT', 'partial_settlement'], ['partial_payment', 'partial_settlement'], ['PARTIAL_CREDIT', 'partial_settlement'],
  ['ЧАСТИЧНЫЙ РАСЧЕТ И КРЕДИТ', 'partial_settlement'], [5, 'partial_settlement'],
  // Handover on credit (FFD 6): goods.
  ['CREDIT', 'credit'], ['Lend', 'credit'], ['LEND', 'credit'], ['credit', 'credit'], ['LOAN', 'credit'], ['CREDIT_TRANSFER', 'credit'],
  ['TRANSFER_ON_CREDIT', 'credit'], ['ПЕРЕДАЧА В КРЕДИТ', 'credit'], [6, 'credit'],
  // Credit payment (FFD 7): goods were handed over earlier.
  ['CREDIT_PAYMENT', 'credit_payment'], ['PAYMENT_CREDIT', 'credit_payment'], ['LoanPayment', 'credit_payment'], ['LOAN_PAYMENT', 'credit_payment'],
  ['credit-payment', 'credit_payment'], ['PAYMENT_OF_CREDIT', 'credit_payment'], ['CREDIT_REPAYMENT', 'credit_payment'],
  ['ОПЛАТА КРЕДИТА', 'credit_payment'], [7, 'credit_payment'],
  // Absent.
  [null, 'absent'], [undefined, 'absent'], ['', 'absent'], ['   ', 'absent'],
  // Unknown: moves goods and is flagged by the caller.
  ['BARTER', 'unknown'], ['PAYMENT', 'unknown'], ['FULL', 'unknown'], ['PARTIAL', 'unknown'], ['0', 'unknown'], [8, 'unknown'],
  ['NOT_PREPAYMENT', 'unknown'], ['FULL_PARTIAL_PREPAYMENT', 'unknown'], ['FULL_CREDIT', 'unknown'], ['ADVANCE_CREDIT', 'unknown'],
  ['PREPAYMENT_SETTLEMENT', 'unknown'], ['???', 'unknown'],
];

describe('classifySettlement: words in any order, case and separator', () => {
  it.each(SPELLINGS)('%j -> %s', (raw, kind) => {
    expect(classifySettlement(raw).kind).toBe(kind);
  });

  it('the dangerous look-alikes land on opposite sides', () => {
    expect(classifySettlement('PARTIAL_PREPAYMENT').moves).toBe(false);
    expect(classifySettlement('PARTIAL_SETTLEMENT').moves).toBe(true);
    expect(classifySettlement('CREDIT_PAYMENT').moves).toBe(false);
    expect(classifySettlement('CREDIT').moves).toBe(true);
  });

  it('moves goods exactly for settlement, credit, absent and unknown', () => {
    const moving = Object.values(SETTLEMENT_KINDS).filter((k) => k.moves).map((k) => k.kind).sort();
    expect(moving).toEqual(['absent', 'credit', 'full_settlement', 'partial_settlement', 'unknown']);
  });

  it('FFD codes, Evotor\'s names and the terminal SDK names agree', () => {
    for (const info of Object.values(SETTLEMENT_KINDS)) {
      if (info.ffd !== null) expect(classifySettlement(info.ffd).kind).toBe(info.kind);
      if (info.evotorName !== null) expect(classifySettlement(info.evotorName).kind).toBe(info.kind);
      if (info.sdkName !== null) expect(classifySettlement(info.sdkName).kind).toBe(info.kind);
    }
  });
});

// evotor-api.md §10: integration-library PaymentFeature.kt / SettlementMethod.kt, and CHECKOUT_FULL on real V2 positions.
describe('Evotor\'s seven names: the exact table', () => {
  it('holds the seven names with their FFD value, handover and movement', () => {
    expect([...EVOTOR_NAMES].map(([name, info]) => [name, info.ffd, info.handover, info.moves])).toEqual([
      ['PREPAYMENT_FULL', 1, 'not_yet', false], ['PREPAYMENT_PARTIAL', 2, 'not_yet', false], ['ADVANCE', 3, 'not_yet', false],
      ['CHECKOUT_FULL', 4, 'now', true], ['CHECKOUT_PARTIAL', 5, 'now', true], ['CREDIT_PASS', 6, 'now', true],
      ['CREDIT_CHECKOUT', 7, 'earlier', false],
    ]);
  });

  it('the review words: «полный расчёт», «оплата кредита»', () => {
    expect(classifySettlement('CHECKOUT_FULL').ru).toBe('полный расчёт');
    expect(classifySettlement('CREDIT_CHECKOUT').ru).toBe('оплата кредита');
    expect(classifySettlement('CREDIT_PASS').ru).toBe('передача в кредит');
  });

  it('is read before the words and never as unknown', () => {
    for (const [name, info] of EVOTOR_NAMES) {
      expect(classifySettlement(name)).toBe(info);
      expect(classifySettlement(name).kind).not.toBe('unknown');
    }
  });

  it('every other known spelling reads to its kind, with a source', () => {
    expect(OTHER_SPELLINGS.length).toBe(21);
    for (const { spelling, kind, source } of OTHER_SPELLINGS) {
      expect(classifySettlement(spelling).kind, `${spelling} (${source})`).toBe(kind);
      expect(source).toMatch(/evotor-api\.md §(8|10)/);
    }
    // The bridge's names are not Evotor's cloud names: they go through the words.
    for (const name of ['FULL_PREPAYMENT', 'PARTIAL_PREPAYMENT', 'ADVANCE_PAYMENT', 'FULL_SETTLEMENT', 'PARTIAL_SETTLEMENT', 'LEND', 'LOAN_PAYMENT']) {
      expect(EVOTOR_NAMES.has(name)).toBe(false);
    }
  });
});
