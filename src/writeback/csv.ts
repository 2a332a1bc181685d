/**
 * CSV export of a write-back result, for Excel as Russian users open it (shared/docs/glossary.md):
 * UTF-8 with a BOM (so Excel does not read Cyrillic as CP1251), `;` as the separator, CRLF line ends,
 * every field quoted (inner quotes doubled), quantities as plain numbers with a decimal point.
 *
 * Formula injection (CSV injection): a text cell that starts with = + - @, a tab or a carriage return is prefixed
 * with an apostrophe, so Excel / LibreOffice show it as text instead of evaluating it. Quantities are not text:
 * they are emitted from Milli through formatQuantity, which can only produce `-?digits(.digits)?`, so a negative
 * quantity stays a number ("-2"), and no text ever goes through the number path.
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
  rule: string | null;
  warnings: readonly string[];
  status: ItemStatus;
  reason: ItemReason | null;
  /** The last answer or the guard's note, short. */
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
  { header: 'Правило', cell: (r) => ({ text: r.rule ?? '' }) },
  { header: 'Предупреждения', cell: (r) => ({ text: r.warnings.join('; ') }) },
  { header: 'Статус', cell: (r) => ({ text: STATUS_RU[r.status] }) },
  { header: 'Причина', cell: (r) => ({ text: [r.reason ?? '', r.message ?? ''].filter(Boolean).join(': ') }) },
];

/** The whole file as a string, BOM first. */
export function toCsv(rows: Iterable<CsvRow>, columns: readonly CsvColumn[] = CSV_COLUMNS): string {
  const lines = [columns.map((c) => quote(neutralise(c.header))).join(CSV_SEPARATOR)];
  for (const row of rows) lines.push(columns.map((c) => renderCell(c.cell(row))).join(CSV_SEPARATOR));
  return CSV_BOM + lines.join(CSV_EOL) + CSV_EOL;
}

function renderCell(cell: Cell): string {
  if ('quantity' in cell) return cell.quantity === null ? '""' : quote(formatQuantity(cell.quantity));
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

/** "SELL №15 от 12.03.2025 14:05 (id …)" in the terminal's local time when known, else UTC. */
export function describeDocument(doc: DocumentRef | null): string {
  if (!doc) return '';
  const number = doc.number !== null && doc.number !== undefined ? ` №${doc.number}` : '';
  return `${doc.type}${number} от ${formatDateTime(doc.closeTime, doc.timeZoneOffset)} (id ${doc.id})`;
}

/** dd.MM.yyyy HH:mm in the given offset (ms), or UTC with a "UTC" mark when the offset is unknown. */
export function formatDateTime(epochMs: number, offsetMs: number | null): string {
  const d = new Date(epochMs + (offsetMs ?? 0));
  const p = (n: number) => String(n).padStart(2, '0');
  const text = `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
  return offsetMs === null ? `${text} UTC` : text;
}
