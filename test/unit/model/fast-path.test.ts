/**
 * The boundary's fast paths must be invisible: hand-checked documents and products give exactly what the zod schemas
 * give (same value, same key order, same quarantine), and the allocation-free quantity and date readers give exactly
 * what the general readers give (parseQuantityGeneral, parseCloseDateGeneral: the regex readers the fast ones skip).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normaliseDocument,
  normaliseDocumentWithZod,
  normaliseProduct,
  normaliseProductWithZod,
} from '../../../src/model/normalise.ts';
import { formatQuantity, parseQuantity, parseQuantityGeneral, readCommonQuantity } from '../../../src/model/quantity.ts';
import { parseCloseDate, parseCloseDateGeneral } from '../../../src/model/time.ts';
import { DOCUMENT_TYPES, FREE_PRICE_PRODUCT_ID } from '../../../src/model/types.ts';

/** The value, or the error message: both readers must agree on either. */
function outcome(read: (v: unknown) => number | null, value: unknown): { value: number | null } | { error: string } {
  try {
    return { value: read(value) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------------------------------

const digitString = (min: number, max: number) =>
  fc.array(fc.constantFrom('0', '1', '2', '3', '5', '7', '9'), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** Decimal texts near and across every boundary the fast reader has: signs, 0-5 decimals, 0-16 integer digits. */
const decimalText = fc
  .tuple(
    fc.constantFrom('', '', '-', '+', ' ', ' -'),
    digitString(0, 16),
    fc.option(fc.tuple(fc.constantFrom('.', ',', '.', '.'), digitString(0, 6)), { nil: undefined }),
    // an exponent of at most 2 digits: the general reader spells 1e999999 out in zeros, which only makes tests slow
    fc.option(fc.tuple(fc.constantFrom('e', 'E-', 'e+'), digitString(1, 2)), { nil: undefined }),
    fc.constantFrom('', '', '', ' ', '\u00a0', 'x', '.'),
  )
  .map(([sign, int, frac, exp, tail]) => sign + int + (frac ? frac[0] + frac[1] : '') + (exp ? exp[0] + exp[1] : '') + tail);

const quantityValue = fc.oneof(
  fc.integer({ min: -20_000_000, max: 20_000_000 }),
  fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }).map((n) => n / 1000),
  fc.integer({ min: -2_000_000, max: 2_000_000 }).map((n) => n / 10_000),
  fc.double(),
  fc.constantFrom(0, -0, 1e-7, 9_007_199_254_740, 9_007_199_254_741, -9_007_199_254_740, 1e13, 1e21, 0.1 + 0.2, 2 ** 53, Number.MAX_VALUE),
  decimalText,
  fc.string(),
  fc.constantFrom(null, undefined, true, {}, [], '1.000', '-0', '+.5', '.', '-', '', ' 12 ', '1,5', '007.250', '0.0001', '1.0000'),
);

describe('parseQuantity fast reader', () => {
  it('agrees with the general reader on numbers and texts, values and errors', () => {
    fc.assert(
      fc.property(quantityValue, (value) => {
        const result = outcome(parseQuantity, value);
        expect(result).toEqual(outcome(parseQuantityGeneral, value));
        // -0 must never come out (the digit path gives 0)
        if ('value' in result) expect(Object.is(result.value, -0)).toBe(false);
        // readCommonQuantity: NaN, or exactly parseQuantity's value
        const common = readCommonQuantity(value);
        if (!Number.isNaN(common)) expect(result).toEqual({ value: common });
      }),
      { numRuns: 5000 },
    );
  });

  it('reads the common spellings without the general path', () => {
    for (const [value, milli] of [[7, 7000], [-2, -2000], [0.875, 875], ['0.375', 375], ['-1.000', -1000], ['12', 12_000], ['+.5', 500]] as const) {
      expect(readCommonQuantity(value)).toBe(milli);
    }
    for (const value of ['1,5', ' 2', '1e3', '0.0001', 1e-7, NaN, null, '']) expect(readCommonQuantity(value)).toBeNaN();
  });
});

/** formatQuantity as it was, with padStart and a regex. */
function referenceFormat(value: number): string {
  const negative = value < 0;
  const abs = Math.abs(value);
  const whole = Math.trunc(abs / 1000);
  const frac = abs - whole * 1000;
  const fracText = frac === 0 ? '' : '.' + String(frac).padStart(3, '0').replace(/0+$/, '');
  return (negative ? '-' : '') + String(whole) + fracText;
}

describe('formatQuantity', () => {
  it('writes what the regex version wrote', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -20_000_000, max: 20_000_000 }), fc.maxSafeInteger(), fc.maxSafeNat().map((n) => -n)), (milli) => {
        expect(formatQuantity(milli)).toBe(referenceFormat(milli));
      }),
      { numRuns: 5000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Close dates
// ---------------------------------------------------------------------------------------------------------------

const two = (n: number) => String(n).padStart(2, '0');

/** Canonical-looking dates with every field able to go out of range, and random character damage. */
const dateText = fc
  .tuple(
    fc.integer({ min: 1890, max: 2300 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 999 }),
    fc.constantFrom('+0000', 'Z', '+0300', '-0500', '+03:00', '-14:00', '+1500', '+0060', 'z', '', '+03', '-00:30'),
    fc.constantFrom('T', 'T', 'T', ' ', 't'),
    fc.option(fc.tuple(fc.nat(30), fc.constantFrom('x', '9', ' ', '-', ':', '.')), { nil: undefined }),
  )
  .map(([y, mo, d, h, mi, s, ms, zone, t, damage]) => {
    let text = `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}${t}${two(h)}:${two(mi)}:${two(s)}.${String(ms).padStart(3, '0')}${zone}`;
    if (damage) text = text.slice(0, damage[0]) + damage[1] + text.slice(damage[0] + 1);
    return text;
  });

const closeDateValue = fc.oneof(
  dateText,
  fc.date({ min: new Date(Date.UTC(1999, 11, 31)), max: new Date(Date.UTC(2200, 0, 2)), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ min: new Date(Date.UTC(1999, 11, 31)), max: new Date(Date.UTC(2200, 0, 2)), noInvalidDate: true }).map((d) => d.toISOString().replace('Z', '+0000')),
  fc.integer({ min: 0, max: 8_000_000_000_000 }),
  fc.string(),
  fc.constantFrom('2024-02-29T10:00:00.000+0000', '2023-02-29T10:00:00.000+0000', '2100-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z',
    '2000-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '2200-01-01T00:00:00.000Z', '2200-01-01T00:00:00.001Z', '2199-12-31T23:59:59.999-14:00',
    ' 2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z '),
);

describe('parseCloseDate fast reader', () => {
  it('agrees with the general reader', () => {
    fc.assert(
      fc.property(closeDateValue, (value) => {
        expect(parseCloseDate(value)).toBe(parseCloseDateGeneral(value));
      }),
      { numRuns: 5000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Documents and products: hand check vs zod
// ---------------------------------------------------------------------------------------------------------------

/** Anything a field might be: most of the time a good value, sometimes junk of every JSON (and non-JSON) kind. */
const junk = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, -1, NaN, Infinity, '', ' ', 'x', [], {}, [1], { type: 1 }),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 6 }),
);
const maybe = <T>(good: fc.Arbitrary<T>, junkWeight = 1) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 2, arbitrary: fc.constant(undefined) }, { weight: junkWeight, arbitrary: junk });

const productIds = fc.constantFrom('p1', 'P1', ' p2 ', 'p3', FREE_PRICE_PRODUCT_ID, '', null);
const goodQuantity = fc.oneof(
  fc.integer({ min: -5000, max: 5000 }),
  fc.integer({ min: -5_000_000, max: 5_000_000 }).map((n) => n / 1000),
  fc.integer({ min: -5_000_000, max: 5_000_000 }).map((n) => String(n / 1000)),
  fc.constantFrom('1.000', '1,5', ' 2 ', '1e3', '0.0001', 'abc', '-0'),
);
const settlement = fc.oneof(
  fc.constantFrom('FULL_PREPAYMENT', 'FullSettlement', 'CHECKOUT_FULL', ' ', '', 4, 7, 1.5),
  fc.record({ type: maybe(fc.constantFrom('CHECKOUT_FULL', 'CREDIT_CHECKOUT', 'FULL_PREPAYMENT', 'ADVANCE', 4, ' ', '')), amount: maybe(fc.constantFrom(0, '10', 2.5, null)) }, { requiredKeys: [] }),
);

/** A position as real JSON sends it (flat) or as the documentation's samples wrap it ({"position": …}, §10), or a broken wrapper. */
const position = (depth: number): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    { weight: 6, arbitrary: flatPosition(depth) },
    { weight: 2, arbitrary: flatPosition(depth).map((inner) => ({ position: inner })) },
    { weight: 1, arbitrary: fc.tuple(flatPosition(depth), flatPosition(0)).map(([inner, outer]) => ({ ...outer, position: inner })) },
    { weight: 1, arbitrary: fc.tuple(flatPosition(depth), junk).map(([inner, odd]) => ({ position: { position: inner } , ...(odd === undefined ? {} : { note: odd }) })) },
    { weight: 1, arbitrary: junk.map((odd) => ({ position: odd })) },
  );

const flatPosition = (depth: number): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      product_id: maybe(productIds),
      quantity: maybe(goodQuantity),
      initial_quantity: maybe(goodQuantity),
      product_type: maybe(fc.constantFrom('NORMAL', 'SERVICE', ' service ', 'ALCOHOL_MARKED')),
      product_name: maybe(fc.constantFrom('Товар', '')),
      code: maybe(fc.constantFrom('17', 17, '')),
      measure_name: maybe(fc.constantFrom('шт', 'кг', '')),
      measure_precision: maybe(fc.constantFrom(0, 0, 1, 2, 3, '0', '3', -1, 7, 0.5)),
      settlement_method: maybe(settlement),
      price: maybe(fc.constantFrom(100, '100', { before: 1 })),
      extra_field: maybe(fc.constantFrom('kept', 1)),
      sub_positions: depth > 0 ? maybe(fc.array(position(depth - 1), { maxLength: 2 })) : fc.constant(undefined),
    },
    { requiredKeys: [] },
  );

const documentType = fc.constantFrom(...DOCUMENT_TYPES, 'CORRECTION', 'sell', ' INVENTORY ', '');
const closeDate = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }).map((ms) => new Date(ms).toISOString().replace('Z', '+0000')) },
  { weight: 1, arbitrary: closeDateValue },
);

const v2Document = fc.record(
  {
    id: maybe(fc.constantFrom('D1', ' d2 ', '')),
    type: maybe(documentType),
    number: maybe(fc.oneof(fc.nat(), fc.constantFrom('12', ' 7 ', '1e3', 1.5))),
    close_date: maybe(closeDate),
    time_zone_offset: maybe(fc.constantFrom(10_800_000, '10800000', 'garbage', 1.5)),
    device_id: maybe(fc.constantFrom('DEV', ' dev ', '')),
    store_id: maybe(fc.constantFrom('STORE', '')),
    session_id: maybe(fc.constant('S')),
    session_number: maybe(fc.constantFrom(1, '1')),
    close_user_id: maybe(fc.constant('U')),
    user_id: maybe(fc.constant('U')),
    version: maybe(fc.constant('V2')),
    extras: maybe(fc.constant({})),
    created_at: maybe(fc.constantFrom('2025-02-02T10:18:10.007+0000', 1_738_491_490_007, 'soon', '')),
    counterparties: maybe(fc.constant(null)),
    body: maybe(
      fc.record(
        {
          positions: maybe(fc.array(position(2), { maxLength: 4 })),
          complete_inventory: maybe(fc.constantFrom(true, false, 'true', 'false', 'yes')),
          base_document_id: maybe(fc.constantFrom('B', '')),
          base_document_number: maybe(fc.constantFrom(3, '3')),
          payments: maybe(fc.constantFrom(
            [{ sum: 1 }], [{ type: 'CASH', sum: 190 }], [{ type: 'ADVANCE', sum: 1, app_info: { name: 'По предоплате' } }, { type: 'CASH' }],
            [{ payment: { type: 'ADVANCE', sum: 1 } }], [{ payment: { type: 'CASH' } }], [null, 'x', { type: ' advance ' }],
          )),
          sum: maybe(fc.constant(10)),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

const v1Transaction = fc.record(
  {
    type: maybe(fc.constantFrom('REGISTER_POSITION', 'INVENTORY', 'PAYMENT', 'DOCUMENT_OPEN', 'register_position')),
    commodityUuid: maybe(productIds),
    commodityType: maybe(fc.constantFrom('NORMAL', 'SERVICE')),
    commodityName: maybe(fc.constantFrom('Товар', '')),
    commodityCode: maybe(fc.constantFrom('1', 1, '')),
    quantity: maybe(goodQuantity),
    balanceQuantity: maybe(goodQuantity),
    measureName: maybe(fc.constantFrom('шт', '')),
    settlementMethod: maybe(settlement),
    sum: maybe(fc.constant(10)),
  },
  { requiredKeys: [] },
);

const v1Document = fc.record(
  {
    uuid: maybe(fc.constantFrom('U1', ' u2 ', '')),
    type: maybe(documentType),
    deviceUuid: maybe(fc.constantFrom('DEV', ' dev ')),
    closeDate: maybe(closeDate),
    openDate: maybe(fc.constant('2024-01-01T00:00:00.000+0000')),
    number: maybe(fc.oneof(fc.nat(), fc.constantFrom('12', 1.5))),
    storeUuid: maybe(fc.constant('STORE')),
    sessionUUID: maybe(fc.constant('S')),
    sessionNumber: maybe(fc.constantFrom(1, '1')),
    completeInventory: maybe(fc.constantFrom(true, false, 'true', 'false', 'yes')),
    transactions: maybe(fc.array(v1Transaction, { maxLength: 5 })),
  },
  { requiredKeys: [] },
);

function agree(raw: unknown, api: 'v2' | 'v1'): boolean {
  const fast = normaliseDocument(raw, api);
  const zod = normaliseDocumentWithZod(raw, api);
  expect(fast).toStrictEqual(zod);
  // Key order too: computeStock compares the JSON of two payloads that share an id.
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod));
  return fast.ok;
}

describe('normaliseDocument: hand check = zod', () => {
  it('V2 documents, well-formed and damaged', () => {
    let accepted = 0;
    fc.assert(fc.property(v2Document, (raw) => void (agree(raw, 'v2') && accepted++)), { numRuns: 3000 });
    expect(accepted).toBeGreaterThan(100); // the property is not vacuous: many documents take the fast path
  }, 60_000); // 3,000 runs: seconds on a loaded machine

  it('V1 documents, well-formed and damaged', () => {
    let accepted = 0;
    fc.assert(fc.property(v1Document, (raw) => void (agree(raw, 'v1') && accepted++)), { numRuns: 3000 });
    expect(accepted).toBeGreaterThan(100);
  }, 60_000);

  it('anything at all', () => {
    fc.assert(fc.property(fc.anything(), (raw) => void (agree(raw, 'v2'), agree(raw, 'v1'))), { numRuns: 1000 });
  });

  it('an accessor that throws, anywhere, still ends in quarantine with the zod reason', () => {
    const base = () => ({
      id: 'D', type: 'SELL', close_date: '2025-01-01T00:00:00.000+0000',
      body: { positions: [{ product_id: 'p', quantity: 1, initial_quantity: 2, settlement_method: { type: 'ADVANCE' } }] },
    });
    const hostile = (target: Record<string, unknown>, key: string) =>
      Object.defineProperty(target, key, { enumerable: true, get() { throw new Error(`boom ${key}`); } });
    const cases: unknown[] = [];
    let d = base();
    hostile(d, 'extras');
    cases.push(d);
    d = base();
    hostile(d.body, 'sum');
    cases.push(d);
    d = base();
    hostile(d.body.positions[0]!, 'price');
    cases.push(d);
    d = base();
    hostile(d.body.positions[0]!.settlement_method, 'note');
    cases.push(d);
    for (const raw of cases) {
      const result = normaliseDocument(raw, 'v2');
      expect(result.ok).toBe(false);
      expect(result).toStrictEqual(normaliseDocumentWithZod(raw, 'v2'));
    }
  });
});

const v2Product = fc.record(
  {
    id: maybe(fc.constantFrom('p1', ' P2 ', '')),
    name: maybe(fc.constantFrom('Товар', '')),
    code: maybe(fc.constantFrom('1', 1, '')),
    type: maybe(fc.constantFrom('NORMAL', 'SERVICE', ' service ')),
    quantity: maybe(goodQuantity),
    measure_name: maybe(fc.constantFrom('шт', '')),
    parent_id: maybe(fc.constantFrom('g1', ' ', '')),
    group: maybe(fc.boolean()),
    has_variants: maybe(fc.boolean()),
    price: maybe(fc.constantFrom(1, '1')),
    cost_price: maybe(fc.constantFrom(1, '1')),
    allow_to_sell: maybe(fc.boolean()),
    barcodes: maybe(fc.constant(['1'])),
    store_id: maybe(fc.constant('S')),
    created_at: maybe(fc.constant('2024')),
    updated_at: maybe(fc.constant('2024')),
    tax: maybe(fc.constant('NO_VAT')),
  },
  { requiredKeys: [] },
);

const v1Product = fc.record(
  {
    uuid: maybe(fc.constantFrom('p1', ' P2 ', '')),
    name: maybe(fc.constantFrom('Товар', '')),
    code: maybe(fc.constantFrom('1', 1, '')),
    group: maybe(fc.boolean()),
    parentUuid: maybe(fc.constantFrom('g1', '')),
    hasVariants: maybe(fc.boolean()),
    type: maybe(fc.constantFrom('NORMAL', 'SERVICE')),
    quantity: maybe(goodQuantity),
    measureName: maybe(fc.constantFrom('шт', '')),
    price: maybe(fc.constantFrom(1, '1')),
    costPrice: maybe(fc.constantFrom(1, '1')),
    allowToSell: maybe(fc.boolean()),
    barCodes: maybe(fc.constant([])),
    alcoCodes: maybe(fc.constant([])),
    tax: maybe(fc.constant('NO_VAT')),
    description: maybe(fc.constant('')),
    articleNumber: maybe(fc.constant('')),
    fields: maybe(fc.constant({})),
  },
  { requiredKeys: [] },
);

describe('normaliseProduct: hand check = zod', () => {
  it('V2 and V1 products, well-formed and damaged', () => {
    fc.assert(
      fc.property(v2Product, v1Product, fc.anything(), (p2, p1, any) => {
        for (const [raw, api] of [[p2, 'v2'], [p1, 'v1'], [any, 'v2'], [any, 'v1']] as const) {
          const fast = normaliseProduct(raw, api);
          const zod = normaliseProductWithZod(raw, api);
          expect(fast).toStrictEqual(zod);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(zod));
        }
      }),
      { numRuns: 2000 },
    );
  }, 60_000); // 2,000 runs: over the default 5 s in a full run on a loaded machine
});
