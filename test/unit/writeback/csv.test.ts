import { describe, expect, it } from 'vitest';
import { CSV_BOM, CSV_DIALECTS, describeDocument, neutralise, toCsv, type CsvRow } from '../../../src/writeback/csv.ts';
import type { ItemReason } from '../../../src/writeback/types.ts';
import { milli } from '../../../src/model/quantity.ts';

function row(over: Partial<CsvRow> = {}): CsvRow {
  return {
    storeName: 'Магазин на Ленина', storeId: '20180417-2396-4075-808C-50046017B78F',
    productId: '0b3c8f7e-1111-4222-8333-444455556666', code: '17', name: 'Молоко 3,2% "Домик"',
    before: milli(0), computed: milli(7000), written: milli(7000),
    decidingDocument: { id: 'd1', type: 'SELL', number: 15, closeTime: Date.UTC(2025, 2, 12, 11, 5), deviceId: 'dev', timeZoneOffset: 3 * 3600_000 },
    rule: 'SELL', warnings: [], status: 'verified', reason: null, message: null,
    ...over,
  };
}

/**
 * Reads the CSV back as a spreadsheet would (RFC 4180 with `;`, or `,` for English): quoted cells are text (inner
 * quotes doubled, the separator and CRLF allowed inside), unquoted cells are read as they stand. Returns each cell
 * with whether it was quoted.
 */
function parseCells(csv: string, separator = ';'): { value: string; quoted: boolean }[][] {
  const out: { value: string; quoted: boolean }[][] = [];
  let cells: { value: string; quoted: boolean }[] = [];
  let i = 0;
  while (i < csv.length) {
    let value = '';
    let j = i;
    const quoted = csv[i] === '"';
    if (quoted) {
      j = i + 1;
      for (;;) {
        if (csv[j] === '"' && csv[j + 1] === '"') { value += '"'; j += 2; continue; }
        if (csv[j] === '"') break;
        value += csv[j];
        j += 1;
      }
      j += 1;
    } else {
      while (j < csv.length && csv[j] !== separator && csv[j] !== '\r') value += csv[j++];
      expect(value).not.toContain('"');
    }
    cells.push({ value, quoted });
    if (csv[j] === separator) { i = j + 1; continue; }
    expect(csv.slice(j, j + 2)).toBe('\r\n');
    out.push(cells);
    cells = [];
    i = j + 2;
  }
  return out;
}

const parse = (csv: string): string[][] => parseCells(csv).map((line) => line.map((c) => c.value));

/**
 * How a spreadsheet in the file's language reads an unquoted cell: a number with a decimal comma (Russian: a dot would
 * make a date) or a decimal point (English), else text.
 */
function asNumber(cell: { value: string; quoted: boolean }, lang: 'ru' | 'en' = 'ru'): number | null {
  const number = lang === 'ru' ? /^-?\d+(,\d+)?$/ : /^-?\d+(\.\d+)?$/;
  if (cell.quoted || !number.test(cell.value)) return null;
  return Number(cell.value.replace(',', '.'));
}

describe('toCsv', () => {
  it('starts with a UTF-8 BOM, uses ; and CRLF, quotes every text field, ends with CRLF', () => {
    const csv = toCsv([row()]);
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const body = csv.slice(1);
    expect(body.endsWith('\r\n')).toBe(true);
    expect(body.replace(/\r\n/g, '')).not.toMatch(/\n|\r/);
    const [header, line] = parse(body);
    expect(header).toHaveLength(14);
    expect(header?.[0]).toBe('Магазин');
    expect(line?.[3]).toBe('Молоко 3,2% "Домик"');
    expect(body).toContain('"Молоко 3,2% ""Домик"""');
  });

  it('keeps Cyrillic as UTF-8 (what Excel reads thanks to the BOM)', () => {
    const bytes = new TextEncoder().encode(toCsv([row()]));
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder('utf-8').decode(bytes)).toContain('Магазин на Ленина');
  });

  it('writes quantities unquoted with a decimal comma and no grouping, so Russian Excel reads numbers, not dates', () => {
    const [, line] = parseCells(toCsv([row({ before: milli(10_120), computed: milli(9_999_999_999), written: milli(20_200) })]).slice(1));
    expect(line?.slice(4, 7).map((c) => c.value)).toEqual(['10,12', '9999999,999', '20,2']);
    expect(line?.slice(4, 7).map((c) => asNumber(c))).toEqual([10.12, 9999999.999, 20.2]);
  });

  it('keeps a negative quantity a plain number, not neutralised', () => {
    const [, line] = parseCells(toCsv([row({ before: milli(-2000), computed: milli(-125) })]).slice(1));
    expect(line?.slice(4, 6).map((c) => asNumber(c))).toEqual([-2, -0.125]);
  });

  it('leaves empty cells for unknown quantities', () => {
    const [, line] = parse(toCsv([row({ before: null, written: null })]).slice(1));
    expect(line?.[4]).toBe('');
    expect(line?.[6]).toBe('');
  });

  it.each(['=HYPERLINK("http://x")', '+1+2', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])(
    'neutralises a text cell starting with %j',
    (name) => {
      const [, line] = parse(toCsv([row({ name, code: name })]).slice(1));
      expect(line?.[3]).toBe("'" + name);
      expect(line?.[2]).toBe("'" + name);
    },
  );

  it('does not touch harmless text, nor a formula character later in the text', () => {
    expect(neutralise('Сок =яблочный')).toBe('Сок =яблочный');
    expect(neutralise('')).toBe('');
  });

  it('keeps line breaks and separators inside quoted text', () => {
    const [, line] = parse(toCsv([row({ name: 'a;b\r\nc' })]).slice(1));
    expect(line?.[3]).toBe('a;b\r\nc');
  });

  it('describes the deciding document as the screens do, in the terminal local time; its id has a column of its own', () => {
    expect(describeDocument(row().decidingDocument)).toBe('Продажа №15 от 12.03.2025 14:05');
    expect(describeDocument(null)).toBe('');
    const [header, line] = parse(toCsv([row()]).slice(1));
    expect(line?.[header!.indexOf('ID документа')]).toBe('d1');
  });

  it('words warnings, rule, status and reason as the screens do; the cloud\'s answer has a column of its own', () => {
    const [header, line] = parse(toCsv([row({ warnings: ['LEDGER_DIFFERS: 4.5', 'UNKNOWN_SETTLEMENT_METHOD: barter', 'Продажа №3 от 01.12.2026 10:00: -1'], status: 'failed', reason: 'rejected', message: '400 quantity' })]).slice(1));
    const cell = (name: string) => line?.[header!.indexOf(name)];
    expect(cell('Предупреждения')).toBe('по журналу движений получается 4,5; неизвестный признак способа расчёта «barter»: считаем, что товар передан; Продажа №3 от 01.12.2026 10:00: -1');
    expect(cell('Как рассчитан')).toBe('остаток до продажи минус продано');
    expect(cell('Статус')).toBe('ошибка');
    expect(cell('Причина')).toBe('Облако отклонило запись');
    expect(cell('Ответ Облака')).toBe('400 quantity');
  });

  it.each(['ru', 'en'] as const)('read back (%s), holds numbers as numbers and no code a merchant would not know, for every rule, reason and warning', (lang) => {
    const words = CSV_DIALECTS[lang];
    const rules = [...Object.keys(words.rule)];
    const reasons = Object.keys(words.reason) as ItemReason[];
    const warnings = ['UNKNOWN_SETTLEMENT_METHOD: x', 'MISSING_STOCK_BEFORE', 'NO_STOCK_BEFORE', 'OPEN_TARE_IGNORED', 'UNKNOWN_DOCUMENT_TYPE: MOVE',
      'QUARANTINED_DOCUMENT: bad', 'SET_HEADER', 'INVENTORY_COMPLETENESS_UNKNOWN', 'REPEATED_INVENTORY_LINE', 'LEDGER_DIFFERS: 2952',
      'BAD_CLOUD_QUANTITY: 1e3', 'QUANTITY_OUT_OF_RANGE', 'QUANTITY_PRECISION: 0'];
    const types = ['SELL', 'PAYBACK', 'ACCEPT', 'WRITE_OFF', 'INVENTORY', 'RETURN', 'BUY', 'BUYBACK'] as const;
    const rows = rules.map((rule, i) => row({
      rule, reason: reasons[i % reasons.length]!, warnings, status: 'skipped', before: milli(10_120), computed: milli(-2952_000),
      name: 'Кофе, зерно "Эфиопия"', decidingDocument: { ...row().decidingDocument!, type: types[i % types.length]! },
    }));
    const [header, ...lines] = parseCells(toCsv(rows, lang).slice(1), words.separator);
    const names = header!.map((c) => c.value);
    const h = words.headers;
    const idColumns = new Set([h.productId, h.documentId, h.answer]);
    for (const line of lines) {
      expect(line).toHaveLength(names.length);
      line.forEach((cell, i) => {
        const column = names[i]!;
        if ([h.before, h.computed, h.written].includes(column)) {
          expect(cell.value === '' || asNumber(cell, lang) !== null, `${column}: ${cell.value}`).toBe(true);
          return;
        }
        if (idColumns.has(column)) return;
        // A code: a word in capitals with an underscore or of Latin capitals only (SELL, LEDGER_DIFFERS, not-approved).
        // A value the document itself sent is quoted «…» / “…” (an unknown type or settlement method), as on screen.
        expect(cell.value.replace(/«[^»]*»|“[^”]*”/g, '«»'), column).not.toMatch(/\b[A-Z]{3,}(_[A-Z]+)*\b|\b[a-z]+-[a-z]+\b/);
        // The words are the file's language: no Cyrillic in an English file but the store's and the product's own names.
        if (lang === 'en' && column !== h.store && column !== h.name) expect(cell.value, column).not.toMatch(/[а-яё]/i);
      });
      expect(line[names.indexOf(h.name)]!.value).toBe('Кофе, зерно "Эфиопия"');
      expect(asNumber(line[names.indexOf(h.before)]!, lang)).toBe(10.12);
      expect(asNumber(line[names.indexOf(h.computed)]!, lang)).toBe(-2952);
    }
    expect(lines).toHaveLength(rules.length);
  });

  it('in English: `,` between cells, a decimal point, English words and dates (issue 16, the CSV in the UI\'s language)', () => {
    const csv = toCsv([row({ before: milli(10_120), computed: milli(9_999_999_999), written: milli(20_200), warnings: ['LEDGER_DIFFERS: 4.5'] })], 'en');
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    const [header, line] = parseCells(csv.slice(1), ',');
    expect(header!.map((c) => c.value)).toEqual(['Store', 'Product ID', 'Code', 'Name', 'Stock before', 'Computed', 'Written',
      'Deciding document', 'Document ID', 'How computed', 'Warnings', 'Status', 'Reason', 'Cloud answer']);
    expect(line!.slice(4, 7).map((c) => c.value)).toEqual(['10.12', '9999999.999', '20.2']);
    expect(line!.slice(4, 7).map((c) => asNumber(c, 'en'))).toEqual([10.12, 9999999.999, 20.2]);
    const cell = (name: string) => line![header!.findIndex((c) => c.value === name)]!.value;
    expect(cell('Deciding document')).toBe('Sale No. 15 of 2025-03-12 14:05');
    expect(cell('How computed')).toBe('stock before the sale minus the quantity sold');
    expect(cell('Warnings')).toBe('the movement ledger gives 4.5');
    expect(cell('Status')).toBe('written and verified');
    // The Russian file is unchanged by it: `;` and a decimal comma.
    const [, ru] = parseCells(toCsv([row({ before: milli(10_120) })], 'ru').slice(1), ';');
    expect(ru![4]!.value).toBe('10,12');
  });

  it('gives only the header for no rows', () => {
    expect(parse(toCsv([]).slice(1))).toHaveLength(1);
  });
});
