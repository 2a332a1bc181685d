import { describe, expect, it } from 'vitest';
import { CSV_BOM, describeDocument, neutralise, toCsv, type CsvRow } from '../../../src/writeback/csv.ts';
import { milli } from '../../../src/model/quantity.ts';

function row(over: Partial<CsvRow> = {}): CsvRow {
  return {
    storeName: 'Магазин на Ленина', storeId: '20180417-2396-4075-808C-50046017B78F',
    productId: '0b3c8f7e-1111-4222-8333-444455556666', code: '17', name: 'Молоко 3,2% "Домик"',
    before: milli(0), computed: milli(7000), written: milli(7000),
    decidingDocument: { id: 'd1', type: 'SELL', number: 15, closeTime: Date.UTC(2025, 2, 12, 11, 5), deviceId: 'dev', timeZoneOffset: 3 * 3600_000 },
    rule: 'sell', warnings: [], status: 'verified', reason: null, message: null,
    ...over,
  };
}

/** Splits the CSV text into cells (handles quoted fields with `;`, doubled quotes and CRLF inside). */
function parse(csv: string): string[][] {
  const out: string[][] = [];
  let cells: string[] = [];
  let i = 0;
  while (i < csv.length) {
    expect(csv[i]).toBe('"');
    let j = i + 1;
    let value = '';
    for (;;) {
      if (csv[j] === '"' && csv[j + 1] === '"') { value += '"'; j += 2; continue; }
      if (csv[j] === '"') break;
      value += csv[j];
      j += 1;
    }
    cells.push(value);
    j += 1;
    if (csv[j] === ';') { i = j + 1; continue; }
    expect(csv.slice(j, j + 2)).toBe('\r\n');
    out.push(cells);
    cells = [];
    i = j + 2;
  }
  return out;
}

describe('toCsv', () => {
  it('starts with a UTF-8 BOM, uses ; and CRLF, quotes every field, ends with CRLF', () => {
    const csv = toCsv([row()]);
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const body = csv.slice(1);
    expect(body.endsWith('\r\n')).toBe(true);
    expect(body.replace(/\r\n/g, '')).not.toMatch(/\n|\r/);
    const [header, line] = parse(body);
    expect(header).toHaveLength(12);
    expect(header?.[0]).toBe('Магазин');
    expect(line?.[3]).toBe('Молоко 3,2% "Домик"');
    expect(body).toContain('"Молоко 3,2% ""Домик"""');
  });

  it('keeps Cyrillic as UTF-8 (what Excel reads thanks to the BOM)', () => {
    const bytes = new TextEncoder().encode(toCsv([row()]));
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder('utf-8').decode(bytes)).toContain('Магазин на Ленина');
  });

  it('writes quantities with a decimal point and no grouping, including weighted goods and 7-digit values', () => {
    const [, line] = parse(toCsv([row({ before: milli(875), computed: milli(9_999_999_999), written: milli(1500) })]).slice(1));
    expect(line?.slice(4, 7)).toEqual(['0.875', '9999999.999', '1.5']);
  });

  it('keeps a negative quantity a plain number, not neutralised', () => {
    const [, line] = parse(toCsv([row({ before: milli(-2000), computed: milli(-125) })]).slice(1));
    expect(line?.[4]).toBe('-2');
    expect(line?.[5]).toBe('-0.125');
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

  it('describes the deciding document in the terminal local time', () => {
    expect(describeDocument(row().decidingDocument)).toBe('SELL №15 от 12.03.2025 14:05 (id d1)');
    expect(describeDocument(null)).toBe('');
  });

  it('joins warnings and shows status and reason in Russian', () => {
    const [, line] = parse(toCsv([row({ warnings: ['chain break', 'unknown settlement'], status: 'failed', reason: 'rejected', message: '400 quantity' })]).slice(1));
    expect(line?.[9]).toBe('chain break; unknown settlement');
    expect(line?.[10]).toBe('ошибка');
    expect(line?.[11]).toBe('rejected: 400 quantity');
  });

  it('gives only the header for no rows', () => {
    expect(parse(toCsv([]).slice(1))).toHaveLength(1);
  });
});
