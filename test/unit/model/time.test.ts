import { describe, expect, it } from 'vitest';
import { parseCloseDate, parseTimeZoneOffset } from '../../../src/model/time.ts';

const T = Date.UTC(2017, 10, 6, 10, 0, 50);

describe('parseCloseDate', () => {
  it.each([
    ['2017-11-06T10:00:50.000+0000', T],
    ['2017-11-06T10:00:50.000Z', T],
    ['2017-11-06T10:00:50Z', T],
    ['2017-11-06T13:00:50.000+03:00', T],
    ['2017-11-06T13:00:50.000+0300', T],
    ['2017-11-06T07:00:50-03:00', T],
    ['2017-11-06T10:00:50', T],
    ['2017-11-06 10:00:50.000+0000', T],
    ['2017-11-06T10:00:50.123456+0000', T + 123],
    [T, T],
    [String(T), T],
  ])('%j', (input, expected) => {
    expect(parseCloseDate(input)).toBe(expected);
  });

  it.each([
    ['yesterday'], [''], ['2017-02-30T10:00:00Z'], ['2017-13-01T10:00:00Z'], ['2017-11-06T25:00:00Z'], [null], [undefined],
    [{}], [1.5], [NaN], [-1], ['17-11-06'], [5], ['2017-11-06T10:00:50+99'],
  ])('rejects %j', (input) => {
    expect(parseCloseDate(input)).toBeNull();
  });
});

describe('parseTimeZoneOffset', () => {
  it.each([[10_800_000, 10_800_000], ['10800000', 10_800_000], [-18_000_000, -18_000_000], [0, 0]])('%j', (input, expected) => {
    expect(parseTimeZoneOffset(input)).toBe(expected);
  });
  it.each([[null], [undefined], ['+3'], [123], [1e12], ['abc'], [{}]])('drops %j', (input) => {
    expect(parseTimeZoneOffset(input)).toBeNull();
  });
});
