import { describe, expect, it } from 'vitest';
import {
  bulkTaskSchema, nextCursor, pageEnvelopeSchema, pageSchema, v2DocumentSchema, v2ErrorBodySchema, v2ProductSchema, v2StoreSchema,
} from '../../../src/model/schemas-v2.ts';
import { v1DocumentSchema, v1ErrorBodySchema, v1ProductSchema } from '../../../src/model/schemas-v1.ts';
import { line, v1Doc, v1Product, v2Doc, v2Product } from '../stock/fixtures.ts';

describe('V2 schemas', () => {
  it('accepts the JSDK store list and keeps unknown fields', () => {
    const page = pageSchema(v2StoreSchema).parse({
      items: [{ id: '20180417-2396-4075-808C-50046017B78F', address: 'Россия, Москва', name: 'msk', timezone: 'x' }],
      paging: { next_cursor: '1234567890' },
    });
    expect(page.items[0]).toMatchObject({ name: 'msk', timezone: 'x' });
    expect(nextCursor(page)).toBe('1234567890');
  });

  it.each([[{ items: [], paging: {} }], [{ items: [] }], [{ items: [], paging: { next_cursor: null } }], [{ items: [], paging: null }]])(
    'last page: %j',
    (body) => {
      const page = pageEnvelopeSchema.parse(body);
      expect(nextCursor(page)).toBeNull();
    },
  );

  it('an envelope with unknown items accepts a malformed document (validated one by one later)', () => {
    const page = pageEnvelopeSchema.parse({ items: [{ garbage: true }, 42, v2Doc('SELL', [])], paging: {} });
    expect(page.items).toHaveLength(3);
    expect(pageEnvelopeSchema.safeParse({ paging: {} }).success).toBe(false);
    expect(pageEnvelopeSchema.safeParse({ items: {} }).success).toBe(false);
  });

  it('accepts products, groups and services as the JSDK test resources show them', () => {
    expect(v2ProductSchema.parse(v2Product('p1', { quantity: '0.875', parent_id: 'g1' })).quantity).toBe('0.875');
    expect(v2ProductSchema.parse({ group: true, name: 'ГРУППА', id: 'g1', created_at: 'x' }).group).toBe(true);
    expect(v2ProductSchema.parse({ id: 's1', name: 'Доставка', type: 'SERVICE', price: 10 }).type).toBe('SERVICE');
    expect(v2ProductSchema.safeParse({ name: 'no id' }).success).toBe(false);
    expect(v2ProductSchema.safeParse({ id: '' }).success).toBe(false);
  });

  it('accepts every document type named in the reference and unknown ones', () => {
    for (const type of ['SELL', 'PAYBACK', 'OPEN_SESSION', 'CORRECTION', 'Z_REPORT']) {
      expect(v2DocumentSchema.safeParse(v2Doc(type, [])).success).toBe(true);
    }
  });

  it('accepts the JSDK OPEN_SESSION sample verbatim', () => {
    const sample = {
      type: 'OPEN_SESSION', id: '00000000-0000-0000-0000-000000000000', extras: {}, number: 1,
      close_date: '2017-11-06T10:00:50.000+0000', time_zone_offset: 10800000, session_id: '00000000-0000-0000-0000-000000000000',
      session_number: 1, close_user_id: '00000000-0000-0000-0000-000000000000', device_id: '00000000-0000-0000-0000-000000000000',
      store_id: '00000000-0000-0000-0000-000000000000', body: {}, version: 'V2',
    };
    expect(v2DocumentSchema.parse(sample)).toEqual(sample);
  });

  it('quantities may be numbers or strings, exact to 0.001', () => {
    const ok = v2Doc('SELL', [line('p', '1.0000', 10), line('p', 0.875, '-2')]);
    expect(v2DocumentSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['abc', '0.0001', 1.2345, true, {}]) {
      const result = v2DocumentSchema.safeParse(v2Doc('SELL', [line('p', bad, 10)]));
      expect(result.success, String(bad)).toBe(false);
    }
  });

  it('settlement_method as object, string or FFD number', () => {
    for (const settlement_method of [{ type: 'FULL_PREPAYMENT', amount: 0 }, 'Lend', 4, null]) {
      expect(v2DocumentSchema.safeParse(v2Doc('SELL', [line('p', 1, 1, { settlement_method })])).success).toBe(true);
    }
  });

  it('close dates: Evotor format, ISO, epoch ms; garbage fails', () => {
    const doc = v2Doc('SELL', []);
    for (const close_date of ['2017-11-06T10:00:50.000+0000', '2017-11-06T10:00:50Z', '2017-11-06T13:00:50+03:00', 1_509_962_450_000]) {
      expect(v2DocumentSchema.safeParse({ ...doc, close_date }).success).toBe(true);
    }
    for (const close_date of ['yesterday', null, '', {}]) {
      expect(v2DocumentSchema.safeParse({ ...doc, close_date }).success).toBe(false);
    }
  });

  it('error bodies and bulk tasks', () => {
    expect(v2ErrorBodySchema.parse({ code: 2003, message: 'bad', violations: [{ reason: 'r', subject: 's' }] }).violations).toHaveLength(1);
    expect(v2ErrorBodySchema.safeParse({}).success).toBe(false);
    expect(v1ErrorBodySchema.parse({ errors: [{ code: 2001, reason: 'syntax', subject: 'x', value: null }] }).errors[0]!.code).toBe(2001);
    expect(v1ErrorBodySchema.safeParse({ message: 'x' }).success).toBe(false);
    const task = bulkTaskSchema.parse({
      id: '00000000-0000-0000-0000-000000000000', modified_at: '2018-07-09T11:46:52.024+0000', status: 'COMPLETED',
      details: [{ name: 'name', price: 10, quantity: 42, type: 'NORMAL' }],
    });
    expect(task.status).toBe('COMPLETED');
    expect(bulkTaskSchema.safeParse({ id: 'x', status: 'SOMETHING_NEW' }).success).toBe(true);
  });
});

describe('V1 schemas', () => {
  it('keeps every product field for the full-replace POST', () => {
    const raw = v1Product('74e99680-3f9b-4abe-b902-fe197cf28ed2', { attributes: { a: 1 }, someFutureField: [1, 2] });
    expect(v1ProductSchema.parse(raw)).toEqual(raw);
  });

  it('checks position transactions strictly and other transactions loosely', () => {
    const good = v1Doc('SELL', [{ uuid: 'p', quantity: 1, balance: 10 }]);
    expect(v1DocumentSchema.safeParse(good).success).toBe(true);
    const bad = v1Doc('SELL', [{ uuid: 'p', quantity: '1.0001', balance: 10 }]);
    const result = v1DocumentSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['transactions', 1, 'quantity']);
    // A payment with odd fields does not matter to stock.
    const odd = v1Doc('SELL', [{ uuid: 'p', quantity: 1, balance: 10 }]);
    odd.transactions.push({ id: 'x', type: 'PAYMENT', sum: 'lots', creationDate: 'whenever' } as never);
    expect(v1DocumentSchema.safeParse(odd).success).toBe(true);
  });
});
