/**
 * CSV export of a write-back result, in the UI's language, for the spreadsheet its users open it with
 * (shared/docs/glossary.md). UTF-8 with a BOM (so Excel does not read Cyrillic as CP1251), CRLF line ends, text fields
 * quoted (inner quotes doubled), quantities unquoted. Russian: `;` as the separator and a decimal comma ("10,12"):
 * with `;`, Russian Excel reads "10.12" as a date, "10,12" as a number (issue 16). English: `,` and a decimal point
 * ("10.12"), as an English-locale spreadsheet reads numbers. Every cell is in the merchant's words, as the screens say
 * them: document types, rules, statuses, reasons and warnings, never a code.
 *
 * Formula injection (CSV injection): a text cell that starts with = + - @, a tab or a carriage return is prefixed
 * with an apostrophe, so Excel / LibreOffice show it as text instead of evaluating it. Quantities are not text:
 * they are emitted from Milli through formatQuantity, which can only produce `-?digits(.digits)?` (the dot then
 * becomes the language's decimal mark), so a negative quantity stays a number ("-2"), and no text ever goes through
 * the number path.
 *
 * Names that pose as others (src/model/bidi.ts): text cells lose the invisible formatting characters (bidi
 * embeddings, overrides, isolates and marks, zero-width characters), so «photo\u202Egnp.exe» is exported as
 * «photognp.exe». They are not wrapped in isolates (U+2068…U+2069) as the screens do: a spreadsheet lays out each
 * cell on its own, so a cell cannot reorder its neighbours, and the invisible characters would stay in the cell's
 * value (a lookup by name would then miss). This runs before the formula check.
 *
 * Pure: no DOM, no I/O; the caller makes the Blob (or the worker posts the string).
 */
import { plainText } from '../model/bidi.ts';
import { formatQuantity, type Milli } from '../model/quantity.ts';
import { documentTypeName, formatDocTime, type Lang } from '../stock/index.ts';
import type { DocumentRef, ItemReason, ItemStatus } from './types.ts';

export const CSV_BOM = '\uFEFF';
export const CSV_EOL = '\r\n';

/** One line of the export: one product of one store. */
export interface CsvRow {
  storeName: string;
  storeId: string;
  productId: string;
  code: string | null;
  name: string;
  before: Milli | null;
  computed: Milli | null;
  /** The value written to the cloud (as verified), null when nothing was written. */
  written: Milli | null;
  decidingDocument: DocumentRef | null;
  /** A src/stock RuleId, or 'manual' for a quantity typed by the user. */
  rule: string | null;
  /** Warning codes as the journal keeps them ("LEDGER_DIFFERS: 4"), or notes already in words. */
  warnings: readonly string[];
  status: ItemStatus;
  reason: ItemReason | null;
  /** The last answer or the guard's note, short (for whoever looks into a failure). */
  message: string | null;
}

type Cell = { text: string } | { quantity: Milli | null };

export interface CsvColumn {
  header: string;
  cell: (row: CsvRow) => Cell;
}

type ColumnKey = 'store' | 'productId' | 'code' | 'name' | 'before' | 'computed' | 'written' | 'document' | 'documentId'
  | 'rule' | 'warnings' | 'status' | 'reason' | 'answer';

/** What differs between the languages: the spreadsheet's separator and decimal mark, and every word. */
export interface CsvDialect {
  separator: ';' | ',';
  decimal: ',' | '.';
  headers: Record<ColumnKey, string>;
  /** Item statuses, as the report screen shows them. */
  status: Record<ItemStatus, string>;
  /** Why a product was not written, in the words of the report screen (src/ui messages `reason.*`). */
  reason: Record<ItemReason, string>;
  /** How the quantity was found, per src/stock RuleId (the reason on screen says the same in a sentence). */
  rule: Record<string, string>;
  /** Warnings (src/stock WarningCode) in words; the journal keeps the code and the value at fault. */
  warning: Record<string, (value: string | null) => string>;
}

const RU: CsvDialect = {
  separator: ';',
  decimal: ',',
  headers: {
    store: 'Магазин', productId: 'ID товара', code: 'Код', name: 'Наименование', before: 'Остаток до', computed: 'Рассчитано',
    written: 'Записано', document: 'Решающий документ', documentId: 'ID документа', rule: 'Как рассчитан',
    warnings: 'Предупреждения', status: 'Статус', reason: 'Причина', answer: 'Ответ Облака',
  },
  status: {
    pending: 'ожидает записи',
    sent: 'отправлено, ответ не получен',
    written: 'записано',
    verified: 'записано и проверено',
    mismatch: 'расхождение после записи',
    failed: 'ошибка',
    skipped: 'пропущено',
    unchanged: 'без изменений',
  },
  reason: {
    'not-approved': 'не отмечен для записи',
    undecided: 'нет данных об остатке',
    'not-tracked': 'остаток не ведётся (услуга или группа)',
    'not-in-cloud': 'товара уже нет в Облаке',
    'needs-review': 'после расчёта были новые документы — проверьте товар ещё раз',
    'out-of-range': 'число вне допустимого диапазона Облака',
    rejected: 'Облако отклонило запись',
    'not-found': 'товар не найден в Облаке',
    'rate-limited': 'Облако просит подождать — повторите позже',
    'server-error': 'Облако временно не отвечает — повторите позже',
    network: 'нет связи с Облаком',
    violation: 'Облако отклонило значение',
    account: 'нет доступа: откройте приложение заново из личного кабинета',
    unknown: 'неизвестная причина',
  },
  rule: {
    SELL: 'остаток до продажи минус продано',
    BUYBACK: 'остаток до документа минус возврат выкупа',
    WRITE_OFF: 'остаток до списания минус списано',
    RETURN: 'остаток до документа минус возвращено поставщику',
    PAYBACK: 'остаток до возврата плюс возвращено покупателем',
    BUY: 'остаток до документа плюс выкуплено у клиента',
    ACCEPT: 'остаток до приёмки плюс принято',
    INVENTORY: 'по итогам инвентаризации',
    INVENTORY_UNLISTED: 'нет в полной инвентаризации: остаток 0',
    OPEN_TARE: 'вскрытие тары: не учитывается',
    NO_STOCK_EFFECT: 'документ не меняет остаток',
    UNKNOWN_TYPE: 'документ неизвестного типа: не учитывается',
    LEDGER: 'по журналу движений: инвентаризация или первый остаток плюс все движения после',
    manual: 'указан вручную',
  },
  warning: {
    UNKNOWN_SETTLEMENT_METHOD: (v) => `неизвестный признак способа расчёта${v ? ` «${v}»` : ''}: считаем, что товар передан`,
    MISSING_STOCK_BEFORE: () => 'в документе не указан остаток до документа: взят остаток по более раннему документу',
    NO_STOCK_BEFORE: () => 'ни в одном документе не указан остаток до документа',
    OPEN_TARE_IGNORED: () => 'вскрытие тары не учитывается',
    UNKNOWN_DOCUMENT_TYPE: (v) => `документ неизвестного типа${v ? ` «${v}»` : ''} не учитывается`,
    QUARANTINED_DOCUMENT: () => 'документ с товаром не удалось прочитать, он не учтён',
    SET_HEADER: () => 'продаётся как комплект: остаток списывается по составу',
    INVENTORY_COMPLETENESS_UNKNOWN: () => 'инвентаризация не указывает, полная ли она, и товара в ней нет',
    REPEATED_INVENTORY_LINE: () => 'в инвентаризации товар в нескольких строках: количества сложены',
    LEDGER_DIFFERS: (v) => `по журналу движений получается ${v ? quantityText(v, ',') : 'другой остаток'}`,
    BAD_CLOUD_QUANTITY: (v) => `остаток в Облаке не читается${v ? `: ${v}` : ''}`,
    QUANTITY_OUT_OF_RANGE: () => 'остаток больше, чем принимает Облако (до 7 знаков до запятой)',
    QUANTITY_PRECISION: (v) => `количество дробнее, чем допускает единица товара${v ? ` (знаков после запятой: ${v})` : ''}`,
  },
};

const EN: CsvDialect = {
  separator: ',',
  decimal: '.',
  headers: {
    store: 'Store', productId: 'Product ID', code: 'Code', name: 'Name', before: 'Stock before', computed: 'Computed',
    written: 'Written', document: 'Deciding document', documentId: 'Document ID', rule: 'How computed',
    warnings: 'Warnings', status: 'Status', reason: 'Reason', answer: 'Cloud answer',
  },
  status: {
    pending: 'waiting to be written',
    sent: 'sent, no answer received',
    written: 'written',
    verified: 'written and verified',
    mismatch: 'differs after the write',
    failed: 'error',
    skipped: 'skipped',
    unchanged: 'unchanged',
  },
  reason: {
    'not-approved': 'not ticked for writing',
    undecided: 'no stock data',
    'not-tracked': 'no stock kept (a service or a group)',
    'not-in-cloud': 'the product is no longer in the Cloud',
    'needs-review': 'new documents after the computation: review the product again',
    'out-of-range': 'the number is out of the Cloud’s range',
    rejected: 'the Cloud refused the write',
    'not-found': 'the product was not found in the Cloud',
    'rate-limited': 'the Cloud asks to wait: try again later',
    'server-error': 'the Cloud is not answering: try again later',
    network: 'no connection to the Cloud',
    violation: 'the Cloud refused the value',
    account: 'no access: open the app again from the personal account',
    unknown: 'unknown reason',
  },
  rule: {
    SELL: 'stock before the sale minus the quantity sold',
    BUYBACK: 'stock before the document minus the buyback returned',
    WRITE_OFF: 'stock before writing off minus the quantity written off',
    RETURN: 'stock before the document minus the quantity returned to the supplier',
    PAYBACK: 'stock before the refund plus the quantity the customer returned',
    BUY: 'stock before the document plus the quantity bought from the customer',
    ACCEPT: 'stock before the acceptance plus the quantity accepted',
    INVENTORY: 'by the inventory count',
    INVENTORY_UNLISTED: 'not in a complete inventory count: stock 0',
    OPEN_TARE: 'opening of tare: not counted',
    NO_STOCK_EFFECT: 'the document does not change stock',
    UNKNOWN_TYPE: 'a document of unknown type: not counted',
    LEDGER: 'by the movement ledger: an inventory count or the first stock, plus every movement since',
    manual: 'entered by hand',
  },
  warning: {
    UNKNOWN_SETTLEMENT_METHOD: (v) => `unknown settlement method${v ? ` “${v}”` : ''}: counted as goods handed over`,
    MISSING_STOCK_BEFORE: () => 'the document gives no stock before it: the stock of an earlier document was used',
    NO_STOCK_BEFORE: () => 'no document gives the stock before it',
    OPEN_TARE_IGNORED: () => 'opening of tare is not counted',
    UNKNOWN_DOCUMENT_TYPE: (v) => `a document of unknown type${v ? ` “${v}”` : ''} is not counted`,
    QUARANTINED_DOCUMENT: () => 'a document with the product could not be read and is not counted',
    SET_HEADER: () => 'sold as a set: stock moves on its components',
    INVENTORY_COMPLETENESS_UNKNOWN: () => 'an inventory count does not say whether it is complete and does not list the product',
    REPEATED_INVENTORY_LINE: () => 'the inventory count lists the product on several lines: the counts were added up',
    LEDGER_DIFFERS: (v) => `the movement ledger gives ${v ? quantityText(v, '.') : 'another stock'}`,
    BAD_CLOUD_QUANTITY: (v) => `the Cloud’s stock cannot be read${v ? `: ${v}` : ''}`,
    QUANTITY_OUT_OF_RANGE: () => 'the stock is larger than the Cloud accepts (up to 7 digits before the decimal point)',
    QUANTITY_PRECISION: (v) => `a quantity has more decimals than the product's unit allows${v ? ` (${v})` : ''}`,
  },
};

/** The export's dialect per UI language. */
export const CSV_DIALECTS: Record<Lang, CsvDialect> = { ru: RU, en: EN };

/** A warning as the journal keeps it ("CODE" or "CODE: value") in words; a note already in words stays as it is. */
export function warningWords(text: string, lang: Lang = 'ru'): string {
  const m = /^([A-Z][A-Z_]+)(?:: (.*))?$/s.exec(text);
  const words = m ? CSV_DIALECTS[lang].warning[m[1]!] : undefined;
  return words ? words(m![2] ?? null) : text;
}

/** "4.5" → "4,5" with a decimal comma (a decimal from the journal; other text is returned as is). */
function quantityText(value: string, decimal: ',' | '.'): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value.replace('.', decimal) : value;
}

/** Columns in order (the brief: store, product, code, name, quantity before, computed, written, deciding document, rule, warnings). */
export function csvColumns(lang: Lang = 'ru'): CsvColumn[] {
  const d = CSV_DIALECTS[lang];
  const h = d.headers;
  return [
    { header: h.store, cell: (r) => ({ text: r.storeName || r.storeId }) },
    { header: h.productId, cell: (r) => ({ text: r.productId }) },
    { header: h.code, cell: (r) => ({ text: r.code ?? '' }) },
    { header: h.name, cell: (r) => ({ text: r.name }) },
    { header: h.before, cell: (r) => ({ quantity: r.before }) },
    { header: h.computed, cell: (r) => ({ quantity: r.computed }) },
    { header: h.written, cell: (r) => ({ quantity: r.written }) },
    { header: h.document, cell: (r) => ({ text: describeDocument(r.decidingDocument, lang) }) },
    { header: h.documentId, cell: (r) => ({ text: r.decidingDocument?.id ?? '' }) },
    { header: h.rule, cell: (r) => ({ text: r.rule === null ? '' : d.rule[r.rule] ?? '' }) },
    { header: h.warnings, cell: (r) => ({ text: r.warnings.map((w) => warningWords(w, lang)).join('; ') }) },
    { header: h.status, cell: (r) => ({ text: d.status[r.status] }) },
    { header: h.reason, cell: (r) => ({ text: r.reason === null ? '' : d.reason[r.reason] }) },
    { header: h.answer, cell: (r) => ({ text: r.message ?? '' }) },
  ];
}

/** The whole file as a string, BOM first, in the UI's language. */
export function toCsv(rows: Iterable<CsvRow>, lang: Lang = 'ru'): string {
  const { separator, decimal } = CSV_DIALECTS[lang];
  const columns = csvColumns(lang);
  const lines = [columns.map((c) => quote(neutralise(c.header))).join(separator)];
  for (const row of rows) lines.push(columns.map((c) => renderCell(c.cell(row), decimal)).join(separator));
  return CSV_BOM + lines.join(CSV_EOL) + CSV_EOL;
}

function renderCell(cell: Cell, decimal: ',' | '.'): string {
  if ('quantity' in cell) return cell.quantity === null ? '' : formatQuantity(cell.quantity).replace('.', decimal);
  // Invisible formatting characters go first, so that none can hide a leading «=» from neutralise.
  return quote(neutralise(plainText(cell.text)));
}

/** Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes a text cell that a spreadsheet would evaluate with an apostrophe. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? "'" + text : text;
}

/** Wraps in double quotes, doubling inner quotes. Line breaks inside stay (quoted fields may hold them). */
export function quote(text: string): string {
  return '"' + text.replace(/"/g, '""') + '"';
}

/** "Продажа №15 от 12.03.2025 14:05" / "Sale No. 15 of 2025-03-12 14:05", in the terminal's local time when known, else UTC. */
export function describeDocument(doc: DocumentRef | null, lang: Lang = 'ru'): string {
  if (!doc) return '';
  const number = doc.number === null || doc.number === undefined ? '' : lang === 'ru' ? ` №${doc.number}` : ` No. ${doc.number}`;
  return `${documentTypeName(doc.type, lang)}${number} ${lang === 'ru' ? 'от' : 'of'} ${formatDateTime(doc.closeTime, doc.timeZoneOffset, lang)}`;
}

/** dd.MM.yyyy HH:mm (ru) or yyyy-MM-dd HH:mm (en) in the given offset (ms), or UTC with a "UTC" mark when it is unknown. */
export function formatDateTime(epochMs: number, offsetMs: number | null, lang: Lang = 'ru'): string {
  return formatDocTime({ closeTime: epochMs, timeZoneOffset: offsetMs }, lang);
}
