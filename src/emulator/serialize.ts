/**
 * JSON shapes the emulator serves: V2 documents (snake_case, as JSDK `Document` and DENAL positions), V1
 * documents (camelCase with transactions, as DOCAPI pos-docs), and V2 / V1 products.
 */
import type { Milli } from '../model/quantity.ts';
import type { GenProduct } from './generator/catalogue.ts';
import { forEachLine, type GenDoc, type GenLine } from './generator/day.ts';
import { DAY_MS, evotorDate, lineSum, money, positionUuid, quantityJson, type QuantityStyle } from './generator/format.ts';
import { S_ABSENT, SETTLEMENT_SPELLINGS } from './generator/options.ts';
import { Rng } from './generator/prng.ts';
import type { GeneratedStore } from './generator/simulate.ts';

export const FREE_PRICE_PRODUCT_ID = '390067bf-e8d3-4fcc-8c30-fbfd77a0a70d';
type Json = Record<string, unknown>;

const sessionIds = new WeakMap<GeneratedStore, Map<number, string>>();

function sessionId(store: GeneratedStore, terminal: number, day: number): string {
  let memo = sessionIds.get(store);
  if (!memo) sessionIds.set(store, (memo = new Map()));
  const key = day * 64 + terminal;
  let id = memo.get(key);
  if (!id) {
    if (memo.size > 4096) memo.clear();
    id = new Rng(`${String(store.options.seed)}|session-id|${terminal}|${day}`).uuid();
    memo.set(key, id);
  }
  return id;
}

const dayIndex = (store: GeneratedStore, time: number) => Math.max(0, Math.floor((time - store.start) / DAY_MS));

function taxSum(tax: string, sumKopecks: number): number {
  if (tax === 'VAT_10' || tax === 'VAT_10_110') return Math.round((sumKopecks * 10) / 110);
  if (tax === 'VAT_18' || tax === 'VAT_18_118') return Math.round((sumKopecks * 18) / 118);
  return 0;
}

function settlementJson(doc: GenDoc): Json | undefined {
  if (doc.settlement === S_ABSENT) return undefined;
  const spelling = doc.spelling === 1 ? SETTLEMENT_SPELLINGS.sdk : SETTLEMENT_SPELLINGS.upper;
  const out: Json = { type: spelling[doc.settlement] };
  if (doc.settlementAmount > 0) out.amount = doc.settlementAmount;
  return out;
}

function docSum(doc: GenDoc): number {
  let sum = 0;
  for (const l of doc.lines) sum += lineSum(l.price, l.qty);
  return sum;
}

function v2Position(store: GeneratedStore, doc: GenDoc, l: GenLine, index: number, parentIndex: number): Json {
  const isSub = parentIndex > 0;
  const q = doc.qstyle;
  const product: GenProduct | null = l.p >= 0 ? (store.catalogue.products[l.p] as GenProduct) : null;
  const inventory = doc.type === 'INVENTORY';
  const sum = lineSum(l.price, l.qty);
  const out: Json = { id: index, uuid: isSub ? positionUuid(doc.id, parentIndex, index) : positionUuid(doc.id, index) };
  if (product) {
    out.product_id = product.id;
    out.product_type = product.type;
    out.product_name = product.name;
    out.code = product.code;
    if (product.barcode) out.bar_code = product.barcode;
    out.measure_name = product.measureName;
    out.measure_precision = product.precision;
  } else {
    out.product_id = l.freeNull ? null : FREE_PRICE_PRODUCT_ID;
    out.product_type = 'NORMAL';
    out.product_name = 'Товар по свободной цене';
    out.measure_name = 'шт';
    out.measure_precision = 0;
  }
  out.quantity = quantityJson(inventory ? l.counted : l.qty, q);
  if (product && product.tracked) out.initial_quantity = quantityJson(l.initial, q);
  else if (product && product.kind === 'set') out.initial_quantity = quantityJson(0 as Milli, q);
  out.price = money(l.price);
  if (product && product.type !== 'SERVICE') out.cost_price = money(product.costPrice);
  out.result_price = money(l.price);
  out.sum = money(sum);
  out.result_sum = money(sum);
  const tax = product?.tax ?? 'NO_VAT';
  out.tax = { type: tax, sum: money(taxSum(tax, sum)), result_sum: money(taxSum(tax, sum)) };
  if (!isSub) {
    const settlement = settlementJson(doc);
    if (settlement && doc.type !== 'ACCEPT') out.settlement_method = settlement;
  }
  if (l.mark) out.mark = l.mark;
  if (product?.alcoholByVolume !== undefined) {
    out.alcohol_by_volume = quantityJson(product.alcoholByVolume, 0);
    out.alcohol_product_kind_code = product.alcoholProductKindCode;
    out.tare_volume = quantityJson(product.tareVolume ?? (0 as Milli), 0);
  }
  if (product?.attribute) {
    out.attributes_choices = [{ attribute_name: product.attribute.name, choice_value: product.attribute.value }];
  }
  if (l.subs) out.sub_positions = l.subs.map((s, i) => v2Position(store, doc, s, i + 1, index));
  return out;
}

const CASH_TEXT: Record<string, string> = { CASH_INCOME: 'Внесение размена', CASH_OUTCOME: 'Инкассация' };

function v2Body(store: GeneratedStore, doc: GenDoc, baseNumber?: number): Json {
  switch (doc.type) {
    case 'SELL':
    case 'PAYBACK':
    case 'BUY':
    case 'BUYBACK': {
      const sum = docSum(doc);
      const body: Json = {
        positions: doc.lines.map((l, i) => v2Position(store, doc, l, i + 1, 0)),
        doc_discounts: [],
        payments: [{ id: positionUuid(doc.id, 0, 0), sum: money(sum), type: doc.payment }],
        sum: money(sum),
        result_sum: money(sum),
      };
      if (doc.baseId) {
        body.base_document_id = doc.baseId;
        if (baseNumber !== undefined) body.base_document_number = baseNumber;
      }
      return body;
    }
    case 'ACCEPT':
    case 'WRITE_OFF':
    case 'RETURN':
      return { positions: doc.lines.map((l, i) => v2Position(store, doc, l, i + 1, 0)), sum: money(docSum(doc)) };
    case 'INVENTORY':
      return { positions: doc.lines.map((l, i) => v2Position(store, doc, l, i + 1, 0)), complete_inventory: doc.complete };
    case 'REVALUATION':
      return {
        positions: doc.lines.map((l) => {
          const p = store.catalogue.products[l.p] as GenProduct;
          return { product_id: p.id, code: p.code, price: { before: money(l.priceBefore), after: money(l.price), accept: money(p.costPrice) } };
        }),
      };
    case 'CASH_INCOME':
    case 'CASH_OUTCOME':
      return { sum: money(doc.cashSum), description: CASH_TEXT[doc.type] };
    case 'CORRECTION':
      return { positions: doc.lines.map((l, i) => v2Position(store, doc, l, i + 1, 0)), reason: 'Корректировка' };
    default:
      return {};
  }
}

/** A document as GET /stores/{id}/documents serves it. */
export function v2Document(store: GeneratedStore, doc: GenDoc): Json {
  const day = dayIndex(store, doc.time);
  const device = store.devices[doc.terminal]!;
  return {
    type: doc.type,
    id: doc.id,
    extras: {},
    number: doc.number,
    close_date: evotorDate(doc.time),
    time_zone_offset: store.options.timeZoneOffsetMs,
    session_id: sessionId(store, doc.terminal, day),
    session_number: day + 1,
    close_user_id: store.employees[doc.user]!.id,
    device_id: device.id,
    store_id: store.id,
    user_id: store.userId,
    body: v2Body(store, doc),
    version: 'V2',
  };
}

function v1Number(value: Milli, style: QuantityStyle): number | string {
  // V1 examples show both 10 and "10" for balanceQuantity; quantities are numbers.
  return quantityJson(value, style === 0 ? 0 : 1);
}

/** A document in the V1 shape (DOCAPI `document` with `transactions`). Sets are shown by their components only. */
export function v1Document(store: GeneratedStore, doc: GenDoc): Json {
  const day = dayIndex(store, doc.time);
  const date = evotorDate(doc.time);
  const userUuid = store.employees[doc.user]!.id;
  const negative = doc.type === 'PAYBACK' || doc.type === 'BUY';
  const sign = negative ? -1 : 1;
  let tid = 1;
  const transactions: Json[] = [];
  transactions.push({
    id: String(tid++), type: 'DOCUMENT_OPEN', uuid: null, userCode: null, userUuid, creationDate: date,
    baseDocumentUUID: doc.baseId, baseDocumentNumber: null,
  });
  const inventory = doc.type === 'INVENTORY';
  let total = 0;
  const register = (l: GenLine, index: number, sub: number) => {
    const product = l.p >= 0 ? (store.catalogue.products[l.p] as GenProduct) : null;
    const qty = inventory ? l.counted : l.qty;
    const sum = lineSum(l.price, l.qty) * sign;
    total += qty;
    transactions.push({
      id: String(tid++),
      type: inventory ? 'INVENTORY' : 'REGISTER_POSITION',
      uuid: positionUuid(doc.id, index, sub),
      sum: money(sum),
      mark: l.mark,
      price: money(l.price),
      barcode: product?.barcode ?? null,
      quantity: Number(quantityJson((sign * qty) as Milli, 1)),
      userCode: null,
      userUuid,
      costPrice: money(product?.costPrice ?? 0),
      resultSum: money(sum),
      positionId: '-1',
      tareVolume: product?.tareVolume !== undefined ? Number(quantityJson(product.tareVolume, 1)) : 0,
      measureName: product?.measureName ?? 'шт',
      resultPrice: money(l.price),
      creationDate: date,
      commodityCode: product?.code ?? null,
      commodityName: product?.name ?? 'Товар по свободной цене',
      commodityType: product?.type ?? 'NORMAL',
      commodityUuid: product ? product.id : l.freeNull ? null : FREE_PRICE_PRODUCT_ID,
      fprintSection: '0',
      alcoholByVolume: product?.alcoholByVolume !== undefined ? Number(quantityJson(product.alcoholByVolume, 1)) : 0,
      balanceQuantity: product && product.tracked ? v1Number(l.initial, doc.qstyle) : 0,
      alcoholProductKindCode: product?.alcoholProductKindCode ?? 0,
    });
  };
  if (doc.type !== 'REVALUATION') {
    doc.lines.forEach((l, i) => {
      if (l.subs) l.subs.forEach((s, j) => register(s, i + 1, j + 1));
      else register(l, i + 1, -1);
    });
  }
  const sum = docSum(doc) * sign;
  if (doc.type === 'SELL' || doc.type === 'PAYBACK' || doc.type === 'BUY' || doc.type === 'BUYBACK') {
    transactions.push({ id: String(tid++), rrn: null, sum: money(sum), type: 'PAYMENT', uuid: null, userCode: null, userUuid, paymentType: doc.payment === 'CASH' ? 'CASH' : 'CARD', creationDate: date });
  }
  const closeSum = doc.type === 'CASH_INCOME' || doc.type === 'CASH_OUTCOME' ? doc.cashSum : sum;
  transactions.push({
    id: String(tid++), sum: money(closeSum), type: 'DOCUMENT_CLOSE', uuid: null, quantity: Number(quantityJson(total as Milli, 1)),
    userCode: null, userUuid, creationDate: date, baseDocumentUUID: doc.baseId, baseDocumentNumber: null,
  });
  return {
    uuid: doc.id,
    type: doc.type,
    extras: {},
    number: doc.number,
    closeSum: String(money(closeSum)),
    openDate: date,
    closeDate: date,
    deviceUuid: store.devices[doc.terminal]!.id,
    sessionUUID: sessionId(store, doc.terminal, day),
    openUserCode: null,
    openUserUuid: userUuid,
    closeUserCode: null,
    closeUserUuid: userUuid,
    sessionNumber: String(day + 1),
    closeResultSum: String(money(closeSum)),
    storeUuid: store.id,
    version: 'V1',
    transactions,
  };
}

/** Every product id a document's lines name (for tests). */
export function documentProductIds(store: GeneratedStore, doc: GenDoc): string[] {
  const ids: string[] = [];
  forEachLine(doc, (l) => {
    if (l.p >= 0) ids.push((store.catalogue.products[l.p] as GenProduct).id);
  });
  return ids;
}
