/**
 * CSV export of a write-back result, for Excel as Russian users open it (shared/docs/glossary.md):
 * UTF-8 with a BOM (so Excel does not read Cyrillic as CP1251), `;` as the separator, CRLF line ends,
 * text fields quoted (inner quotes doubled), quantities unquoted with a decimal comma ("10,12"): with `;` as the
 * separator, Russian Excel reads "10.12" as a date, "10,12" as a number (issue 16). Every cell is in the merchant's
 * words, as the screens say them: document types, rules, statuses, reasons and warnings, never a code.
 *
 * Formula injection (CSV injection): a text cell that starts with = + - @, a tab or a carriage return is prefixed
 * with an apostrophe, so Excel / LibreOffice show it as text instead of evaluating it. Quantities are not text:
 * they are emitted from Milli through formatQuantity, which can only produce `-?digits(.digits)?` (the dot then
 * becomes a comma), so a negative quantity stays a number ("-2"), and no text ever goes through the number path.
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
import { documentTypeName } from '../stock/index.ts';
import type { DocumentRef, ItemReason, ItemStatus } from './types.ts';

export const CSV_BOM = '\uFEFF';
export const CSV_SEPARATOR = ';';
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

/** Russian status words, as the UI shows them. */
export const STATUS_RU: Record<ItemStatus, string> = {
  pending: 'ожидает записи',
  sent: 'отправлено, ответ не получен',
  written: 'записано',
  verified: 'записано и проверено',
  mismatch: 'расхождение после записи',
  failed: 'ошибка',
  skipped: 'пропущено',
  unchanged: 'без изменений',
};

/** Why a product was not written, in the words of the report screen (src/ui messages `reason.*`). */
export const REASON_RU: Record<ItemReason, string> = {
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
};

/** How the quantity was found, per src/stock RuleId (the reason on screen says the same in a sentence). */
export const RULE_RU: Record<string, string> = {
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
};

/** Warnings (src/stock WarningCode) in words; the journal keeps the code and the value at fault. */
const WARNING_RU: Record<string, (value: string | null) => string> = {
  UNKNOWN_SETTLEMENT_METHOD: (v) => `неизвестный признак способа расчёта${v ? ` «${v}»` : ''}: считаем, что товар передан`,
  MISSING_STOCK_BEFORE: () => 'в документе не указан остаток до документа: взят остаток по более раннему документу',
  NO_STOCK_BEFORE: () => 'ни в одном документе не указан остаток до документа',
  OPEN_TARE_IGNORED: () => 'вскрытие тары не учитывается',
  UNKNOWN_DOCUMENT_TYPE: (v) => `документ неизвестного типа${v ? ` «${v}»` : ''} не учитывается`,
  QUARANTINED_DOCUMENT: () => 'документ с товаром не удалось прочитать, он не учтён',
  SET_HEADER: () => 'продаётся как комплект: остаток списывается по составу',
  INVENTORY_COMPLETENESS_UNKNOWN: () => 'инвентаризация не указывает, полная ли она, и товара в ней нет',
  REPEATED_INVENTORY_LINE: () => 'в инвентаризации товар в нескольких строках: количества сложены',
  LEDGER_DIFFERS: (v) => `по журналу движений получается ${v ? quantityText(v) : 'другой остаток'}`,
  BAD_CLOUD_QUANTITY: (v) => `остаток в Облаке не читается${v ? `: ${v}` : ''}`,
  QUANTITY_OUT_OF_RANGE: () => 'остаток больше, чем принимает Облако (до 7 знаков до запятой)',
};

/** A warning as the journal keeps it ("CODE" or "CODE: value") in words; a note already in words stays as it is. */
export function warningWords(text: string): string {
  const m = /^([A-Z][A-Z_]+)(?:: (.*))?$/s.exec(text);
  const words = m ? WARNING_RU[m[1]!] : undefined;
  return words ? words(m![2] ?? null) : text;
}

/** "4.5" → "4,5" (a decimal from the journal; other text is returned as is). */
function quantityText(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value.replace('.', ',') : value;
}

/** Columns in order (the brief: store, product, code, name, quantity before, computed, written, deciding document, rule, warnings). */
export const CSV_COLUMNS: readonly CsvColumn[] = [
  { header: 'Магазин', cell: (r) => ({ text: r.storeName || r.storeId }) },
  { header: 'ID товара', cell: (r) => ({ text: r.productId }) },
  { header: 'Код', cell: (r) => ({ text: r.code ?? '' }) },
  { header: 'Наименование', cell: (r) => ({ text: r.name }) },
  { header: 'Остаток до', cell: (r) => ({ quantity: r.before }) },
  { header: 'Рассчитано', cell: (r) => ({ quantity: r.computed }) },
  { header: 'Записано', cell: (r) => ({ quantity: r.written }) },
  { header: 'Решающий документ', cell: (r) => ({ text: describeDocument(r.decidingDocument) }) },
  { header: 'ID документа', cell: (r) => ({ text: r.decidingDocument?.id ?? '' }) },
  { header: 'Как рассчитан', cell: (r) => ({ text: r.rule === null ? '' : RULE_RU[r.rule] ?? '' }) },
  { header: 'Предупреждения', cell: (r) => ({ text: r.warnings.map(warningWords).join('; ') }) },
  { header: 'Статус', cell: (r) => ({ text: STATUS_RU[r.status] }) },
  { header: 'Причина', cell: (r) => ({ text: r.reason === null ? '' : REASON_RU[r.reason] }) },
  { header: 'Ответ Облака', cell: (r) => ({ text: r.message ?? '' }) },
];

/** The whole file as a string, BOM first. */
export function toCsv(rows: Iterable<CsvRow>, columns: readonly CsvColumn[] = CSV_COLUMNS): string {
  const lines = [columns.map((c) => quote(neutralise(c.header))).join(CSV_SEPARATOR)];
  for (const row of rows) lines.push(columns.map((c) => renderCell(c.cell(row))).join(CSV_SEPARATOR));
  return CSV_BOM + lines.join(CSV_EOL) + CSV_EOL;
}

function renderCell(cell: Cell): string {
  if ('quantity' in cell) return cell.quantity === null ? '' : formatQuantity(cell.quantity).replace('.', ',');
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

/** "Продажа №15 от 12.03.2025 14:05" in the terminal's local time when known, else UTC. */
export function describeDocument(doc: DocumentRef | null): string {
  if (!doc) return '';
  const number = doc.number !== null && doc.number !== undefined ? ` №${doc.number}` : '';
  return `${documentTypeName(doc.type, 'ru')}${number} от ${formatDateTime(doc.closeTime, doc.timeZoneOffset)}`;
}

/** dd.MM.yyyy HH:mm in the given offset (ms), or UTC with a "UTC" mark when the offset is unknown. */
export function formatDateTime(epochMs: number, offsetMs: number | null): string {
  const d = new Date(epochMs + (offsetMs ?? 0));
  const p = (n: number) => String(n).padStart(2, '0');
  const text = `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
  return offsetMs === null ? `${text} UTC` : text;
}
