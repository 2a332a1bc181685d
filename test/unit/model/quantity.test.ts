import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addQuantity, formatQuantity, formatQuantityRu, MAX_API_QUANTITY, parseQuantity, quantityForRequest, QuantityError,
  subtractQuantity, tryParseQuantity, type Milli,
} from '../../../src/model/quantity.ts';

describe('parseQuantity: exact thousandths from numbers and strings', () => {
  it.each([
    [1, 1000], ['1', 1000], [0.875, 875], ['0.875', 875], ['0,875', 875], [-2, -2000], ['-2.000', -2000],
    ['1.0000', 1000], ['10.500000', 10_500], [1e-3, 1], ['1e-3', 1], ['1.5e2', 150_000], [9_999_999.999, 9_999_999_999],
    ['9999999.999', 9_999_999_999], ['-9999999.999', -9_999_999_999], ['.5', 500], [0, 0], ['-0', 0],
    [' 3 ', 3000], ['+4', 4000], [123.456, 123_456], [0.001, 1], [2.675, 2675],
  ])('%j -> %d', (input, expected) => {
    expect(parseQuantity(input)).toBe(expected);
  });

  it.each([['0.0001'], [0.0001], ['1.2345'], ['abc'], [''], ['1.2.3'], [NaN], [Infinity], [null], [{}], ['1e400'], ['1e999999'], ['0e-999999'], ['0x10']])(
    'rejects %j',
    (input) => {
      expect(() => parseQuantity(input)).toThrow(QuantityError);
      expect(tryParseQuantity(input)).toBeNull();
    },
  );

  it('never goes through float arithmetic: 0.1 + 0.2 is exactly 0.3', () => {
    const sum = addQuantity(parseQuantity('0.1'), parseQuantity(0.2));
    expect(sum).toBe(300);
    expect(formatQuantity(sum)).toBe('0.3');
  });

  it('weighted goods keep three decimals through long sums', () => {
    let total = 0 as Milli;
    for (let i = 0; i < 1000; i++) total = addQuantity(total, parseQuantity('0.333'));
    expect(formatQuantity(total)).toBe('333');
    expect(formatQuantity(subtractQuantity(parseQuantity('1'), parseQuantity('0.875')))).toBe('0.125');
  });

  it('formats for the API and for Russian readers', () => {
    expect(formatQuantity(parseQuantity('7'))).toBe('7');
    expect(formatQuantity(parseQuantity('0.875'))).toBe('0.875');
    expect(formatQuantity(parseQuantity('-2'))).toBe('-2');
    expect(formatQuantity(parseQuantity('-0.05'))).toBe('-0.05');
    expect(formatQuantity(parseQuantity('1234567.8'))).toBe('1234567.8');
    expect(formatQuantityRu(parseQuantity('-0.875'))).toBe('−0,875');
  });

  it('7-digit integer parts are within the API limit; beyond is refused for requests', () => {
    expect(quantityForRequest(MAX_API_QUANTITY)).toBe(9_999_999.999);
    expect(() => quantityForRequest((MAX_API_QUANTITY + 1) as Milli)).toThrow(QuantityError);
  });

  it('property: text -> milli -> text round-trips for any 7.3 decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: -9_999_999_999, max: 9_999_999_999 }), (n) => {
        const text = formatQuantity(n as Milli);
        expect(parseQuantity(text)).toBe(n);
        expect(parseQuantity(Number(text))).toBe(n);
        expect(quantityForRequest(n as Milli)).toBe(Number(text));
      }),
    );
  });
});
