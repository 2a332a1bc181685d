/**
 * JSON shapes the emulator serves: V2 documents as the real cloud writes them today (evotor-api.md §10: flat
 * positions with every field of the 2025 documents, Evotor's settlement names, created_at, counterparties), V1
 * documents (camelCase with transactions, as DOCAPI pos-docs), and V2 / V1 products.
 */
import type { Milli } from '../model/quantity.ts';
import type { GenProduct } from './generator/catalogue.ts';
import type { GenDoc, GenLine } from './generator/day.ts';
import { DAY_MS, evotorDate, lineSum, money, positionUuid, quantityJson, type QuantityStyle } from './generator/format.ts';
import { S_ABSENT, S_FULL_SETTLEMENT, SETTLEMENT_SPELLINGS } from './generator/options.ts';
import { cyrb128, formatUuid, Rng } from './generator/prng.ts';
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

const SPELLINGS = [SETTLEMENT_SPELLINGS.upper, SETTLEMENT_SPELLINGS.sdk, SETTLEMENT_SPELLINGS.evotor] as const;

/**
 * Evotor's names are on every receipt line, `amount` null unless partial (§10: `{"type": "CHECKOUT_FULL", "amount":
 * null}`); the other spellings leave an ordinary line without a method now and then, and write amount only when partial.
 */
function settlementJson(doc: GenDoc): Json | undefined {
  const evotor = doc.spelling === 2;
  const settlement = doc.settlement === S_ABSENT && evotor ? S_FULL_SETTLEMENT : doc.settlement;
  if (settlement === S_ABSENT) return undefined;
  const out: Json = { type: SPELLINGS[doc.spelling][settlement] };
  if (doc.settlementAmount > 0) out.amount = doc.settlementAmount;
  else if (evotor) out.amount = null;
  return out;
}

/** One print group per store (Evotor prints a receipt's lines in groups; a store without groups has the default one). */
function printGroupId(store: GeneratedStore): string {
  const [a, b, c, d] = cyrb128(`${store.id}|print-group`);
  return formatUuid(a, b, c, d);
}

const offlineByTerminal = new WeakMap<GeneratedStore, { from: number; to: number }[][]>();

/**
 * When the cloud received a document (created_at, §10 [S]): a few seconds after it closed, or, if its terminal was
 * offline then, a few seconds after the terminal came back (hours or days later). The seconds come from the id.
 */
export function receivedTime(store: GeneratedStore, doc: GenDoc): number {
  let periods = offlineByTerminal.get(store);
  if (!periods) {
    periods = store.devices.map(() => []);
    for (const p of store.offline) periods[p.terminal]?.push({ from: p.from, to: p.to });
    for (const list of periods) list.sort((a, b) => a.from - b.from);
    offlineByTerminal.set(store, periods);
  }
  const delay = 1500 + ((cyrb128(`${doc.id}|created`)[0] >>> 0) % 7500);
  const list = periods[doc.terminal] ?? [];
  // The last period starting at or before the close time.
  let lo = 0;
  let hi = list.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.from <= doc.time) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  const period = found >= 0 ? list[found]! : null;
  return (period !== null && doc.time < period.to ? period.to : doc.time) + delay;
}

function docSum(doc: GenDoc): number {
  let sum = 0;
  for (const l of doc.lines) sum += lineSum(l.price, l.qty);
  return sum;
}

/** Receipts: the documents whose lines carry a settlement method (and CORRECTION, a receipt that fixes one). */
const RECEIPTS: ReadonlySet<string> = new Set(['SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'CORRECTION']);

/**
 * A position with every field of the 2025 documents, in their order (evotor-api.md §10), plus product_id, quantity and
 * initial_quantity. Free-price lines have no product_id (§10 [C]; the older spellings: null or the reserved id).
 */
function v2Position(store: GeneratedStore, doc: GenDoc, l: GenLine, index: number, parentIndex: number): Json {
  const isSub = parentIndex > 0;
  const q = doc.qstyle;
  const product: GenProduct | null = l.p >= 0 ? (store.catalogue.products[l.p] as GenProduct) : null;
  const inventory = doc.type === 'INVENTORY';
  const sum = lineSum(l.price, l.qty);
  const tax = product?.tax ?? 'NO_VAT';
  const out: Json = {
    quantity_in_package: null,
    bar_code: product?.barcode ?? null,
    product_type: product?.type ?? 'NORMAL',
    mark: l.mark,
    mark_data: null,
    alcohol_by_volume: product?.alcoholByVolume !== undefined ? quantityJson(product.alcoholByVolume, 0) : 0,
    alcohol_product_kind_code: product?.alcoholProductKindCode ?? 0,
    tare_volume: product?.tareVolume !== undefined ? quantityJson(product.tareVolume, 0) : 0,
    code: product?.code ?? '',
    product_name: product?.name ?? 'Товар по свободной цене',
    measure_name: product?.measureName ?? 'шт',
    id: index,
    uuid: isSub ? positionUuid(doc.id, parentIndex, index) : positionUuid(doc.id, index),
    extra_keys: [],
    sub_positions: l.subs ? l.subs.map((s, i) => v2Position(store, doc, s, i + 1, index)) : [],
    measure_precision: product?.precision ?? 0,
    price: money(l.price),
    cost_price: product && product.type !== 'SERVICE' ? money(product.costPrice) : 0,
    result_price: money(l.price),
    sum: money(sum),
    tax: { type: tax, sum: money(taxSum(tax, sum)), result_sum: money(taxSum(tax, sum)) },
    result_sum: money(sum),
    position_discount: null,
    doc_distributed_discount: null,
    print_group_id: printGroupId(store),
    splitted_positions: [],
    attributes_choices: product?.attribute ? [{ attribute_name: product.attribute.name, choice_value: product.attribute.value }] : null,
  };
  // Evotor's names on every receipt line, sub-positions included; the older spellings on the set's own line only.
  const settlement = RECEIPTS.has(doc.type) && (!isSub || doc.spelling === 2) ? settlementJson(doc) : undefined;
  out.settlement_method = settlement ?? null;
  out.agent_requisites = null;
  if (product) out.product_id = product.id;
  else if (doc.spelling !== 2 || !l.freeNull) out.product_id = l.freeNull ? null : FREE_PRICE_PRODUCT_ID;
  out.quantity = quantityJson(inventory ? l.counted : l.qty, q);
  if (product && product.tracked) out.initial_quantity = quantityJson(l.initial, q);
  else if (product && product.kind === 'set') out.initial_quantity = quantityJson(0 as Milli, q);
  return out;
}

/** A receipt's payments: a prepaid order's final receipt pays by the advance («По предоплате», §10), the rest as usual. */
function payments(doc: GenDoc, sum: number): Json[] {
  const advance = doc.advancePaid === 0 ? 0 : doc.advancePaid < 0 ? sum : Math.min(sum, doc.advancePaid);
  const out: Json[] = [];
  if (advance > 0) out.push({ id: positionUuid(doc.id, 0, 1), sum: money(advance), type: 'ADVANCE', app_info: { name: 'По предоплате' } });
  if (sum - advance > 0 || out.length === 0) out.push({ id: positionUuid(doc.id, 0, 0), sum: money(sum - advance), type: doc.payment });
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
        payments: payments(doc, sum),
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
    counterparties: null,
    created_at: evotorDate(receivedTime(store, doc)),
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
