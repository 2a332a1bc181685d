/**
 * Why a product's stock is what it is, in the merchant's words (shared/docs/glossary.md). Russian first.
 * Dates are shown in the terminal's time zone (time_zone_offset), quantities with a decimal comma in Russian.
 */
import { formatQuantity, formatQuantityRu, parseQuantity, type Milli } from '../model/quantity.ts';
import type { DocumentType } from '../model/types.ts';
import { SETTLEMENT_KINDS, type Handover } from './settlement.ts';
import type { ChainBreakSummary, DocRef, ProductEvent, ProductStock, SettlementKind, Warning } from './types.ts';

export type Lang = 'ru' | 'en';

export interface ExplainOptions {
  /** Terminal names by device id, to show instead of the id. */
  deviceNames?: Readonly<Record<string, string>>;
  /** Offset (ms) for documents without time_zone_offset (V1); without it such times are shown in UTC. */
  defaultTimeZoneOffset?: number;
  /**
   * The method whose value the screen shows (default 'latest-document'). With 'ledger' the reason leads with the
   * ledger's value, so the text gives the number the column gives.
   */
  method?: 'latest-document' | 'ledger';
}

const TYPE_NAMES: Record<DocumentType, { ru: string; en: string }> = {
  SELL: { ru: 'Продажа', en: 'Sale' },
  PAYBACK: { ru: 'Возврат', en: 'Customer return' },
  BUY: { ru: 'Выкуп у клиента', en: 'Buy from a customer' },
  BUYBACK: { ru: 'Возврат выкупа', en: 'Buy-back' },
  ACCEPT: { ru: 'Приёмка', en: 'Acceptance' },
  RETURN: { ru: 'Возврат поставщику', en: 'Return to supplier' },
  WRITE_OFF: { ru: 'Списание', en: 'Write-off' },
  INVENTORY: { ru: 'Инвентаризация', en: 'Inventory count' },
  REVALUATION: { ru: 'Переоценка', en: 'Revaluation' },
  OPEN_TARE: { ru: 'Вскрытие тары', en: 'Opening of tare' },
  CASH_INCOME: { ru: 'Внесение', en: 'Cash in' },
  CASH_OUTCOME: { ru: 'Выплата', en: 'Cash out' },
  OPEN_SESSION: { ru: 'Открытие смены', en: 'Shift opening' },
  CLOSE_SESSION: { ru: 'Закрытие смены', en: 'Shift closing' },
  POS_OPEN_SESSION: { ru: 'Открытие смены', en: 'Shift opening' },
  FPRINT: { ru: 'Фискальный документ', en: 'Fiscal document' },
  X_REPORT: { ru: 'X-отчёт', en: 'X report' },
  Z_REPORT: { ru: 'Z-отчёт', en: 'Z report' },
  CORRECTION: { ru: 'Чек коррекции', en: 'Correction receipt' },
  UNKNOWN: { ru: 'Документ', en: 'Document' },
};

/** A document type as the merchant calls it ("Продажа", "Приёмка"). */
export function documentTypeName(type: DocumentType, lang: Lang): string {
  return (TYPE_NAMES[type] ?? TYPE_NAMES.UNKNOWN)[lang];
}

/** dd.MM.yyyy HH:mm (ru) or yyyy-MM-dd HH:mm (en) in the terminal's time zone; "UTC" appended when it is unknown. */
export function formatDocTime(doc: Pick<DocRef, 'closeTime' | 'timeZoneOffset'>, lang: Lang, options: ExplainOptions = {}): string {
  const offset = doc.timeZoneOffset ?? options.defaultTimeZoneOffset ?? null;
  const d = new Date(doc.closeTime + (offset ?? 0));
  const two = (n: number) => String(n).padStart(2, '0');
  const date = lang === 'ru'
    ? `${two(d.getUTCDate())}.${two(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`
    : `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  return `${date} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}${offset === null ? ' UTC' : ''}`;
}

/** "Продажа №123 от 12.03.2025 14:05, терминал T1" / "Sale No. 123 of 2025-03-12 14:05, terminal T1". */
export function formatDocTitle(doc: DocRef, lang: Lang, options: ExplainOptions = {}): string {
  let name = TYPE_NAMES[doc.type][lang];
  if (doc.type === 'UNKNOWN') name += ` «${doc.rawType}»`;
  if (doc.type === 'INVENTORY' && doc.completeInventory != null) {
    name = lang === 'ru'
      ? `${doc.completeInventory ? 'Полная' : 'Частичная'} инвентаризация`
      : `${doc.completeInventory ? 'Complete' : 'Partial'} inventory count`;
  }
  const number = doc.number === null ? '' : lang === 'ru' ? ` №${doc.number}` : ` No. ${doc.number}`;
  const time = formatDocTime(doc, lang, options);
  const device = doc.deviceId ? (options.deviceNames?.[doc.deviceId] ?? doc.deviceId) : '';
  const terminal = device ? `, ${terminalName(device, lang)}` : '';
  return lang === 'ru' ? `${name}${number} от ${time}${terminal}` : `${name}${number} of ${time}${terminal}`;
}

/** "терминал 2", but a name that already says so ("Смарт-терминал 1") as it is. */
export function terminalName(name: string, lang: Lang): string {
  if (/терминал|terminal/i.test(name)) return name;
  return lang === 'ru' ? `терминал ${name}` : `terminal ${name}`;
}

/** A quantity with the screens' grouping: ru "2 952,5" (no-break space), en "2,952.5". */
const q = (value: string | Milli, lang: Lang): string => {
  const milli = typeof value === 'string' ? parseQuantity(value) : value;
  const text = lang === 'ru' ? formatQuantityRu(milli) : formatQuantity(milli);
  return text.replace(/\d+/, (whole) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'ru' ? '\u00a0' : ','));
};
const abs = (value: string): string => value.replace(/^-/, '');
/** "(3 раза)" / "(5 раз)" / "(2 times)". */
const times = (count: number, lang: Lang): string => {
  if (lang === 'en') return count === 1 ? '1 time' : `${count} times`;
  const few = count % 10 >= 2 && count % 10 <= 4 && !(count % 100 >= 12 && count % 100 <= 14);
  return `${count} ${few ? 'раза' : 'раз'}`;
};
const MINUS = '−';

/**
 * What the explanation reads: a product's row without the ledger's detail, and of its chain breaks either the list or
 * (as the page's light rows carry them) only how many there are and the newest.
 */
export type ExplainedStock = Omit<ProductStock, 'chainBreaks' | 'ledger'> & (Pick<ProductStock, 'chainBreaks'> | ChainBreakSummary);

/** The reason for the product's stock in one or a few sentences. */
export function explainProduct(ps: ExplainedStock, lang: Lang, options: ExplainOptions = {}): string {
  const ledger = options.method === 'ledger' ? ledgerHeadline(ps, lang, options) : null;
  const sentences: string[] = ledger ? ledger : [headline(ps, lang, options)];
  for (const warning of ps.warnings) {
    if (ledger && warning.code === 'LEDGER_DIFFERS') continue;
    const text = describeWarning(warning, lang, options);
    if (text) sentences.push(text);
  }
  const [count, last] = 'chainBreaks' in ps ? [ps.chainBreaks.length, ps.chainBreaks.at(-1)] : [ps.chainBreakCount, ps.lastChainBreak];
  if (count > 0 && last) {
    const size = (last.size.startsWith('-') ? '' : '+') + q(last.size, lang);
    sentences.push(
      lang === 'ru'
        ? `Остаток менялся вне документов (${times(count, lang)}); последний раз на ${size} перед документом «${formatDocTitle(last.next, lang, options)}».`
        : `Stock changed outside documents (${times(count, lang)}); last by ${size} before "${formatDocTitle(last.next, lang, options)}".`,
    );
  }
  return sentences.join(' ');
}

/**
 * With the ledger method, when the ledger's value is not the newest document's: the ledger's value first (the one the
 * column shows), then what the newest document says. null when both agree (the usual headline says it all).
 */
function ledgerHeadline(ps: ExplainedStock, lang: Lang, options: ExplainOptions): string[] | null {
  if (ps.status === 'not_tracked' || ps.ledgerQuantity === null || ps.ledgerQuantity === ps.quantity) return null;
  const ru = lang === 'ru';
  const unit = ps.measureName ? ` ${ps.measureName}` : '';
  const value = `${q(ps.ledgerQuantity, lang)}${unit}`;
  const from = ps.warnings.find((w) => w.code === 'LEDGER_DIFFERS')?.doc ?? null;
  const first = from
    ? (ru ? `По журналу движений: все документы начиная с «${formatDocTitle(from, lang, options)}» дают ${value}.` : `By the movement ledger: all documents since "${formatDocTitle(from, lang, options)}" add up to ${value}.`)
    : (ru ? `По журналу движений: ${value}.` : `By the movement ledger: ${value}.`);
  if (ps.quantity === null || !ps.decidedBy) return [first];
  return [first, ru ? `По последнему документу было бы иначе — ${headline(ps, lang, options)}` : `The newest document says otherwise — ${headline(ps, lang, options)}`];
}

function headline(ps: ExplainedStock, lang: Lang, options: ExplainOptions): string {
  const ru = lang === 'ru';
  if (ps.status === 'not_tracked') {
    switch (ps.notTrackedReason) {
      case 'service': return ru ? 'Услуга: остаток не ведётся.' : 'A service: no stock is kept.';
      case 'has_modifications': return ru ? 'Товар с модификациями: остаток ведётся по каждой модификации отдельно.' : 'A product with modifications: stock is kept per modification.';
      default: return ru ? 'Группа товаров: остаток не ведётся.' : 'A product group: no stock is kept.';
    }
  }
  if (ps.status === 'unresolved' || !ps.decidedBy || ps.quantity === null) {
    const moved = ps.warnings.some((w) => w.code === 'NO_STOCK_BEFORE');
    if (moved) {
      return ru
        ? 'Товар есть в документах, но ни в одном не указан остаток до документа; укажите остаток вручную.'
        : 'The product appears in documents, but none states its stock before the document; enter the stock by hand.';
    }
    return ru
      ? 'Нет документов, по которым можно определить остаток; укажите остаток вручную.'
      : 'No documents decide this product\'s stock; enter the stock by hand.';
  }
  const unit = ps.measureName ? ` ${ps.measureName}` : '';
  const result = `${q(ps.quantity, lang)}${unit}`;
  const title = formatDocTitle(ps.decidedBy, lang, options);
  if (ps.derived) {
    const from = formatDocTitle(ps.derived.from, lang, options);
    const sign = ps.derived.laterMovement.startsWith('-') ? MINUS : '+';
    return ru
      ? `${title}: остаток до документа не указан. Взят остаток после документа «${from}» = ${q(ps.derived.stock, lang)} `
        + `и движения более поздних документов (${ps.derived.laterDocuments}): ${sign} ${q(abs(ps.derived.laterMovement), lang)} = ${result}.`
      : `${title}: the stock before is not stated. Taken the stock after "${from}" = ${q(ps.derived.stock, lang)} `
        + `and the movements of later documents (${ps.derived.laterDocuments}): ${sign} ${q(abs(ps.derived.laterMovement), lang)} = ${result}.`;
  }
  return `${title}: ${formula(ps, lang, result)}.`;
}

/** Per-rule wording of "before ± moved = after". */
function formula(ps: ExplainedStock, lang: Lang, result: string): string {
  const ru = lang === 'ru';
  const before = ps.stockBefore === null ? '?' : q(ps.stockBefore, lang);
  const moved = q(abs(ps.movement ?? '0'), lang);
  switch (ps.rule) {
    case 'INVENTORY':
      return ru
        ? `по итогам инвентаризации остаток ${result}${ps.stockBefore === null ? '' : ` (до неё было ${before})`}`
        : `counted ${result}${ps.stockBefore === null ? '' : ` (the stock before the count was ${before})`}`;
    case 'INVENTORY_UNLISTED':
      return ru
        ? `товара нет в полной инвентаризации, поэтому его остаток сброшен до ${result}`
        : `the product is not listed in this complete inventory count, so its stock is reset to ${result}`;
    case 'ACCEPT':
      return ru
        ? `остаток до приёмки ${before} + принято ${moved} = ${result}`
        : `stock before acceptance ${before} + accepted ${moved} = ${result}`;
    default:
      break;
  }
  const words = MOVE_WORDS[ps.rule ?? 'SELL'] ?? MOVE_WORDS.SELL!;
  const sign = words.sign === '-' ? MINUS : '+';
  const held = ps.settlements.filter((s) => !s.moves);
  const heldText = held.map((s) => `${settlementName(s, lang)} (${q(s.quantity, lang)}): ${HANDOVER_WORDS[SETTLEMENT_KINDS[s.kind].handover][lang]}`);
  if (ps.movement === '0' && held.length > 0) {
    return ru
      ? `${heldText.join('; ')}, остаток не меняется; остаток до ${before} = ${result}`
      : `${heldText.join('; ')}, stock unchanged; stock before ${before} = ${result}`;
  }
  // The final receipt of a prepaid order says so: «полный расчёт по предоплате».
  const prepaid = ps.settlements.find((s) => s.moves && s.byAdvance);
  const how = prepaid ? ` (${settlementName(prepaid, lang)})` : '';
  const main = ru
    ? `остаток до ${before} ${sign} ${words.ru} ${moved}${how} = ${result}`
    : `stock before ${before} ${sign} ${words.en} ${moved}${how} = ${result}`;
  return held.length > 0 ? `${main} (${ru ? 'ещё' : 'also'} ${heldText.join('; ')})` : main;
}

/** What the FFD wording says about the goods (settlement.ts `handover`). */
const HANDOVER_WORDS: Record<Handover, { ru: string; en: string }> = {
  not_yet: { ru: 'товар не передан', en: 'no goods were handed over' },
  now: { ru: 'товар передан', en: 'the goods were handed over' },
  earlier: { ru: 'товар передан раньше', en: 'the goods were handed over earlier' },
  unknown: { ru: 'считаем, что товар передан', en: 'counted as goods handed over' },
};

/** «полный расчёт», or «полный расчёт по предоплате» on the final receipt of a prepaid order. */
function settlementName(s: { kind: SettlementKind; byAdvance?: true }, lang: Lang): string {
  const name = SETTLEMENT_KINDS[s.kind][lang];
  if (!s.byAdvance || !SETTLEMENT_KINDS[s.kind].moves) return name;
  return lang === 'ru' ? `${name} по предоплате` : `${name} of a prepaid order`;
}

/**
 * What one document did to one product, in words, for its row in the product's history; null when the numbers say it
 * all (an ordinary sale, acceptance or count). Receipts with a settlement method other than an ordinary full
 * settlement, final receipts of prepaid orders and documents that move nothing say why.
 */
export function explainEvent(event: ProductEvent, lang: Lang): string | null {
  const ru = lang === 'ru';
  if (event.rule === 'CORRECTION') {
    return ru
      ? 'Чек коррекции исправляет фискальные данные, а не товар: остаток не меняется.'
      : 'A correction receipt fixes fiscal data, not goods: stock unchanged.';
  }
  if (event.rule === 'OPEN_TARE') {
    return ru ? 'Вскрытие тары не учитывается: его влияние на остаток неизвестно.' : 'Opening of tare is not counted: its effect on stock is unknown.';
  }
  if (event.rule === 'UNKNOWN_TYPE') {
    return ru ? `Документ неизвестного типа «${event.doc.rawType}» не учитывается.` : `A document of unknown type "${event.doc.rawType}" is not counted.`;
  }
  const told = event.settlements.filter((s) => s.kind !== 'full_settlement' || s.byAdvance);
  if (told.length === 0) return null;
  const parts = told.map((s) => {
    const handover = HANDOVER_WORDS[SETTLEMENT_KINDS[s.kind].handover][lang];
    const quantity = told.length > 1 || event.settlements.length > 1 ? ` (${q(s.quantity, lang)})` : '';
    return `${settlementName(s, lang)}${quantity}: ${handover}`;
  });
  const unchanged = event.movement === 0 ? (ru ? ', остаток не меняется' : ', stock unchanged') : '';
  const text = parts.join('; ') + unchanged + '.';
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const MOVE_WORDS: Partial<Record<string, { sign: '-' | '+'; ru: string; en: string }>> = {
  SELL: { sign: '-', ru: 'продано', en: 'sold' },
  BUYBACK: { sign: '-', ru: 'возвращено по возврату выкупа', en: 'returned on buy-back' },
  WRITE_OFF: { sign: '-', ru: 'списано', en: 'written off' },
  RETURN: { sign: '-', ru: 'возвращено поставщику', en: 'returned to supplier' },
  PAYBACK: { sign: '+', ru: 'возвращено покупателем', en: 'returned by customer' },
  BUY: { sign: '+', ru: 'выкуплено у клиента', en: 'bought from customer' },
};

/** One sentence per warning worth telling the merchant; null for those the headline already says. */
export function describeWarning(w: Warning, lang: Lang, options: ExplainOptions = {}): string | null {
  const ru = lang === 'ru';
  const doc = w.doc ? formatDocTitle(w.doc, lang, options) : (w.documentId ?? (ru ? 'без номера' : 'without id'));
  const repeated = w.count > 1 ? ` (${times(w.count, lang)})` : '';
  switch (w.code) {
    case 'UNKNOWN_SETTLEMENT_METHOD':
      return ru
        ? `Неизвестный признак способа расчёта «${w.value}»${repeated}: считаем, что товар передан.`
        : `Unknown settlement method "${w.value}"${repeated}: counted as goods handed over.`;
    case 'OPEN_TARE_IGNORED':
      return ru
        ? `Вскрытие тары не учитывается, его влияние на остаток неизвестно${repeated}; последнее: «${doc}».`
        : `Opening of tare is not counted, its effect on stock is unknown${repeated}; latest: "${doc}".`;
    case 'UNKNOWN_DOCUMENT_TYPE':
      return ru
        ? `Документ неизвестного типа «${w.value}» не учитывается${repeated}.`
        : `A document of unknown type "${w.value}" is not counted${repeated}.`;
    case 'QUARANTINED_DOCUMENT':
      return ru
        ? `Документ ${w.documentId ?? 'без номера'} не удалось прочитать (${w.value}), он не учтён; проверьте остаток.`
        : `Document ${w.documentId ?? 'without id'} could not be read (${w.value}) and is not counted; check the stock.`;
    case 'SET_HEADER':
      return ru
        ? `Товар продаётся как комплект${repeated}: остаток списывается по составу комплекта.`
        : `The product is sold as a set${repeated}: stock moves on the set's components.`;
    case 'INVENTORY_COMPLETENESS_UNKNOWN':
      return ru
        ? `Документ «${doc}» не указывает, полная ли это инвентаризация, и товара в нём нет; если она полная, остаток должен быть 0.`
        : `"${doc}" does not say whether it was a complete count and does not list the product; if it was complete, the stock should be 0.`;
    case 'REPEATED_INVENTORY_LINE':
      return ru
        ? `В инвентаризации товар указан в нескольких строках; количества сложены.`
        : `The inventory count lists the product on several lines; the counts were added up.`;
    case 'LEDGER_DIFFERS':
      return ru
        ? `По всем документам начиная с документа «${doc}» получается ${q(w.value ?? '0', lang)} — расхождение с остатком по последнему документу.`
        : `All documents since "${doc}" add up to ${q(w.value ?? '0', lang)}, which differs from the newest document.`;
    case 'QUANTITY_PRECISION':
      return ru
        ? `В документе «${doc}» количество дробнее, чем допускает единица товара (знаков после запятой: ${w.value})${repeated}; проверьте документ.`
        : `"${doc}" has a quantity with more decimals than the product's unit allows (${w.value})${repeated}; check the document.`;
    case 'QUANTITY_OUT_OF_RANGE':
      return ru
        ? `Остаток больше, чем принимает Облако Эвотор (до 7 знаков до запятой).`
        : `The stock is beyond what Evotor Cloud accepts (7 integer digits).`;
    case 'DUPLICATE_DOCUMENT':
      return ru
        ? `Документ ${w.documentId ?? w.value ?? 'без номера'} пришёл дважды с разным содержимым; какой из них верен, неизвестно. Проверьте остаток, прежде чем отметить товар для записи.`
        : `Document ${w.documentId ?? w.value ?? 'without id'} came twice with different contents; which is right is unknown. Check the stock before ticking the product for writing.`;
    case 'BAD_CLOUD_QUANTITY':
      return ru ? `Остаток в Облаке Эвотор не читается: ${w.value}.` : `The cloud's stock cannot be read: ${w.value}.`;
    default:
      return null;
  }
}
