/**
 * Documents in the real cloud's shape (test/fixtures/real, each built from a sample of evotor-api.md §10 and naming
 * it): the computed quantity, and none of Evotor's own settlement names reported as unknown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normaliseDocument } from '../../../src/model/normalise.ts';
import { computeStock, explainEvent, explainProduct, toProductEvents } from '../../../src/stock/index.ts';

interface Fixture {
  source: string;
  api: 'v2' | 'v1';
  products: unknown[];
  documents: Record<string, unknown>[];
  expect: Record<string, string>;
}

const DIR = resolve(process.cwd(), 'test/fixtures/real');
const load = (file: string): Fixture => JSON.parse(readFileSync(resolve(DIR, file), 'utf8')) as Fixture;
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function eventsOf(fixture: Fixture, index: number) {
  const read = normaliseDocument(fixture.documents[index], fixture.api);
  if (!read.ok) throw new Error(read.quarantined.reason);
  return toProductEvents(read.doc).events;
}

describe('real-shaped documents (test/fixtures/real)', () => {
  it('has the fixtures, each naming its §10 source', () => {
    expect(FILES).toEqual([
      'correction.json', 'credit.json', 'documentation-wrapped.json', 'payback-2025.json', 'prepaid-order.json', 'sell-2020.json',
      'sell-2025-all-fields.json',
    ]);
    for (const file of FILES) expect(load(file).source, file).toMatch(/evotor-api\.md §10/);
  });

  it.each(FILES)('%s: the quantities, nothing quarantined, no Evotor name flagged', (file) => {
    const fixture = load(file);
    const result = computeStock({ api: fixture.api, products: fixture.products, documents: fixture.documents });
    expect(result.quarantined).toEqual([]);
    const quantities = Object.fromEntries(Object.keys(fixture.expect).map((id) => [id, result.products.find((p) => p.productId === id)?.quantity]));
    expect(quantities).toEqual(fixture.expect);
    for (const product of result.products) {
      expect(product.warnings.map((w) => w.code)).not.toContain('UNKNOWN_SETTLEMENT_METHOD');
      expect(product.warnings.map((w) => w.code)).not.toContain('UNKNOWN_DOCUMENT_TYPE');
    }
    expect(result.settlementValues.filter((v) => v.kind === 'unknown')).toEqual([]);
  });

  it('a V2 PAYBACK of 1 and the V1 spelling −1 give the same stock', () => {
    const fixture = load('payback-2025.json');
    const doc = fixture.documents[0]!;
    const body = doc['body'] as { positions: Record<string, unknown>[] };
    const negative = { ...doc, body: { ...body, positions: [{ ...body.positions[0], quantity: -1 }] } };
    const result = computeStock({ api: 'v2', products: fixture.products, documents: [negative] });
    expect(result.products[0]!.quantity).toBe('-1940');
  });

  it('keeps created_at, and reads the free-price line without product_id as a free-price line', () => {
    const fixture = load('sell-2025-all-fields.json');
    const read = normaliseDocument(fixture.documents[0], 'v2');
    expect(read.ok && read.doc.meta.createdTime).toBe(Date.UTC(2025, 1, 2, 10, 25, 43, 519));
    expect(read.ok && read.doc.lines.map((l) => l.productId)).toEqual(['14ffc31e-0000-4000-8000-000000000000', null, '2aa0c0de-0000-4000-8000-000000000000']);
    const result = computeStock({ api: 'v2', products: fixture.products, documents: fixture.documents });
    expect(result.skipped.freePriceLines).toBe(1);
  });

  it('a prepaid order is explained in words on both of its receipts', () => {
    const fixture = load('prepaid-order.json');
    expect(explainEvent(eventsOf(fixture, 0)[0]!, 'ru')).toBe('Полная предоплата: товар не передан, остаток не меняется.');
    expect(explainEvent(eventsOf(fixture, 1)[0]!, 'ru')).toBe('Полный расчёт по предоплате: товар передан.');
    expect(explainEvent(eventsOf(fixture, 1)[0]!, 'en')).toBe('Full settlement of a prepaid order: the goods were handed over.');
    const result = computeStock({ api: 'v2', products: fixture.products, documents: fixture.documents });
    expect(explainProduct(result.products[0]!, 'ru')).toContain('остаток до 10 − продано 2 (полный расчёт по предоплате) = 8 шт');
  });

  it('credit: handed over on CREDIT_PASS, the credit payment says the goods went earlier', () => {
    const fixture = load('credit.json');
    expect(explainEvent(eventsOf(fixture, 0)[0]!, 'ru')).toBe('Передача в кредит: товар передан.');
    expect(explainEvent(eventsOf(fixture, 1)[0]!, 'ru')).toBe('Оплата кредита: товар передан раньше, остаток не меняется.');
  });

  it('the documentation\'s wrapped positions and payments are read', () => {
    const fixture = load('documentation-wrapped.json');
    expect(eventsOf(fixture, 0)[0]).toMatchObject({ productId: 'd0c5a000-0000-4000-8000-000000000001', movement: 6000, stockBefore: 4000 });
    expect(explainEvent(eventsOf(fixture, 1)[0]!, 'ru')).toBe('Полный расчёт по предоплате: товар передан.');
  });

  it('a correction receipt says in words that it moves nothing', () => {
    const fixture = load('correction.json');
    expect(explainEvent(eventsOf(fixture, 1)[0]!, 'ru')).toBe('Чек коррекции исправляет фискальные данные, а не товар: остаток не меняется.');
  });
});
