/** Documents and chain breaks in words, with the glossary's names ("Продажа №123 от 12.03.2025 14:05"). */
import { tryParseQuantity } from '../model/quantity.ts';
import type { DocumentType } from '../model/types.ts';
import { terminalName } from '../stock/explain.ts';
import type { ChainBreak } from '../stock/types.ts';
import { formatDateTime, formatQty, formatSignedQty, lang, t, type MessageKey } from './i18n.ts';

interface DocLike {
  type: DocumentType;
  rawType?: string;
  number: number | null;
  closeTime: number;
  timeZoneOffset: number | null;
}

const TYPE_KEYS: Record<DocumentType, MessageKey> = {
  SELL: 'doc.SELL', PAYBACK: 'doc.PAYBACK', BUY: 'doc.BUY', BUYBACK: 'doc.BUYBACK', ACCEPT: 'doc.ACCEPT',
  RETURN: 'doc.RETURN', WRITE_OFF: 'doc.WRITE_OFF', INVENTORY: 'doc.INVENTORY', REVALUATION: 'doc.REVALUATION',
  OPEN_TARE: 'doc.OPEN_TARE', CASH_INCOME: 'doc.CASH_INCOME', CASH_OUTCOME: 'doc.CASH_OUTCOME',
  OPEN_SESSION: 'doc.OPEN_SESSION', CLOSE_SESSION: 'doc.CLOSE_SESSION', POS_OPEN_SESSION: 'doc.OPEN_SESSION',
  FPRINT: 'doc.FPRINT', X_REPORT: 'doc.X_REPORT', Z_REPORT: 'doc.Z_REPORT', CORRECTION: 'doc.CORRECTION', UNKNOWN: 'doc.UNKNOWN',
};

export function docTypeName(doc: Pick<DocLike, 'type' | 'rawType'>): string {
  const name = t(TYPE_KEYS[doc.type]);
  return doc.type === 'UNKNOWN' && doc.rawType ? `${name} ${doc.rawType}` : name;
}

/**
 * "Продажа №123 от 12.03.2025 14:05" in the terminal's time zone, with ", терминал 2" when the store's terminal
 * names are given (a name that already says «терминал» is not prefixed again).
 */
export function docLabel(doc: DocLike & { deviceId?: string }, deviceNames?: Readonly<Record<string, string>>): string {
  const date = formatDateTime(doc.closeTime, doc.timeZoneOffset);
  const type = docTypeName(doc);
  const label = doc.number === null ? t('doc.labelNoNumber', { type, date }) : t('doc.label', { type, number: String(doc.number), date });
  const terminal = doc.deviceId ? deviceNames?.[doc.deviceId] : undefined;
  return terminal === undefined ? label : t('doc.withTerminal', { label, terminal: terminalName(terminal, lang.value) });
}

/** Decimal text from the core ("0.875") for people ("0,875 кг"); unreadable text is shown as is. */
export function formatQtyText(text: string | null, unit: string | null): string {
  if (text === null) return '—';
  const value = tryParseQuantity(text);
  return value === null ? text : formatQty(value, unit);
}

/** "После «Продажа №12 …» ожидали 7 шт, а «Приёмка №3 …» начинается с 10 шт (+3 шт)". */
export function breakText(b: ChainBreak, unit: string | null, deviceNames?: Readonly<Record<string, string>>): string {
  const size = tryParseQuantity(b.size);
  return t('detail.break', {
    previous: docLabel(b.previous, deviceNames),
    next: docLabel(b.next, deviceNames),
    expected: formatQtyText(b.expected, unit),
    found: formatQtyText(b.found, unit),
    size: size === null ? b.size : formatSignedQty(size, unit),
  });
}
