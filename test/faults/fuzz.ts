/**
 * Fuzzed malformed documents (issue 7 §2): a served V2 document is corrupted, by a seeded random choice that
 * depends only on (seed, document id), so a page fetched again is corrupted the same way. Every mutation breaks a
 * rule src/model/README.md states, so the document must be quarantined and reported, never applied:
 *
 * - not an object at all (a string, a number, null, an array);
 * - `id` missing, empty, or not a string;  `type` missing, empty, or not a string;
 * - `close_date` missing or not a date (`"31.02.2024 25:61"`, `"2024-02-30T…"`, `""`, `true`, an object…);
 * - `body.positions` not an array;
 * - a position's `quantity` or `initial_quantity` not an exact decimal of ≤ 3 decimals (`"1,5 шт"`, `"1.23456"`,
 *   `1.2345`, `"0x10"`, `"NaN"`, `""`, `true`, `{}`, `[]`, Arabic digits…), in any position or sub-position;
 * - on a stock document, a product position's `quantity` removed or null.
 * Mixed with noise that does not matter (unknown fields, unicode in names) so the documents also look odd.
 */
import { fnv1a } from '../../src/model/hash.ts';
import { FREE_PRICE_PRODUCT_ID } from '../../src/model/types.ts';
import { rngFrom } from '../bench/lib/random.ts';

export interface FuzzRule {
  seed: string;
  /** Share of documents corrupted, in [0, 1]. */
  rate: number;
  /** Exactly these documents (ids) instead of a share. */
  ids?: ReadonlySet<string>;
}

export const STOCK_TYPES = new Set(['SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'ACCEPT', 'WRITE_OFF', 'RETURN', 'INVENTORY', 'OPEN_TARE']);

const BAD_QUANTITIES: unknown[] = ['1,5 шт', 'abc', '1.23456', 1.2345, '', ' ', '--1', '0x10', 'NaN', 'Infinity', '١٢', true, {}, [], [1], { value: 1 }, '½', '1 000,5', '12.3.4'];
const BAD_DATES: unknown[] = ['31.02.2024 25:61', 'not a date', '', '2024-13-45T99:99:99.000+0000', '2024-02-30T10:00:00.000+0000', true, {}, [], null];
const BAD_IDS: unknown[] = ['', '   ', null, {}, [], true, 'number'];
const BAD_TYPES: unknown[] = ['', '  ', 7, null, {}, [], false];
const NOT_OBJECTS: unknown[] = ['garbage', 0, null, [], [{ id: 'x' }], 'null'];
const NOT_ARRAYS: unknown[] = ['positions', 3, {}, { 0: { quantity: 1 } }, true];

/** Whether (and with which random stream) this document is corrupted. */
export function fuzzStream(documentId: string, rule: FuzzRule): (() => number) | null {
  if (rule.ids) {
    if (!rule.ids.has(documentId)) return null;
  } else {
    if (rule.rate <= 0) return null;
    const h = fnv1a(`${rule.seed}|${documentId.toLowerCase()}`);
    if (h / 4294967296 >= rule.rate) return null;
  }
  return rngFrom(fnv1a(`${rule.seed}|kind|${documentId.toLowerCase()}`));
}

type Json = Record<string, unknown>;

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}

function clone(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Every position and sub-position of a V2 document. */
function positionsOf(doc: Json): Json[] {
  const body = doc.body as Json | undefined;
  const positions = Array.isArray(body?.positions) ? (body!.positions as Json[]) : [];
  const out: Json[] = [];
  for (const p of positions) {
    out.push(p);
    if (Array.isArray(p.sub_positions)) out.push(...(p.sub_positions as Json[]));
  }
  return out;
}

export interface Fuzzed {
  doc: unknown;
  kind: string;
  /** The id is still readable, so the quarantine record names the document. */
  keepsId: boolean;
  /**
   * The id the quarantine record should carry: the original when it is intact, the number as text when the id was
   * replaced by a (unique, per document) number, else null (the record is keyed by its page position).
   */
  quarantineId: string | null;
}

/** A line of a catalogued product with a quantity: losing that quantity must quarantine the document. A free-price
 * line (the reserved id, evotor-api.md §4, §10) needs no quantity, so removing it corrupts nothing. */
function isCatalogueLine(p: Json): boolean {
  return typeof p.product_id === 'string' && p.product_id.toLowerCase() !== FREE_PRICE_PRODUCT_ID && p.quantity !== undefined;
}

/** A corrupted copy of a V2 document (the original is left alone). */
export function fuzzDocument(original: Json, random: () => number): Fuzzed {
  const doc = clone(original) as Json;
  const positions = positionsOf(doc);
  const stockLines = STOCK_TYPES.has(String(doc.type)) ? positions.filter(isCatalogueLine) : [];
  const kinds = ['not-object', 'id', 'type', 'close-date', 'missing-date'];
  if (doc.body && Array.isArray((doc.body as Json).positions)) kinds.push('positions-not-array');
  if (positions.some((p) => p.quantity !== undefined)) kinds.push('quantity', 'quantity', 'quantity');
  if (positions.some((p) => p.initial_quantity !== undefined && p.initial_quantity !== null)) kinds.push('initial-quantity');
  if (stockLines.length > 0) kinds.push('stock-quantity-missing');
  const kind = pick(kinds, random);
  // Noise that matters to no rule: an unknown field and an odd name.
  if (random() < 0.5) doc[`x_fuzz_${Math.floor(random() * 1000)}`] = pick([null, 1, 'zzz', { a: [1, 2] }, '\u202e\u0000'], random);
  switch (kind) {
    case 'not-object':
      return { doc: pick(NOT_OBJECTS, random), kind, keepsId: false, quarantineId: null };
    case 'id': {
      if (random() < 0.4) {
        delete doc.id;
        return { doc, kind, keepsId: false, quarantineId: null };
      }
      const bad = pick(BAD_IDS, random);
      // A number where a string belongs; unique per document (one id for two documents would make them one).
      const n = 1_000_000_000 + Math.floor(random() * 1_000_000_000);
      doc.id = bad === 'number' ? n : bad;
      return { doc, kind, keepsId: false, quarantineId: bad === 'number' ? String(n) : null };
    }
    case 'type':
      if (random() < 0.4) delete doc.type;
      else doc.type = pick(BAD_TYPES, random);
      return { doc, kind, keepsId: true, quarantineId: String(original.id) };
    case 'close-date':
      doc.close_date = pick(BAD_DATES, random);
      return { doc, kind, keepsId: true, quarantineId: String(original.id) };
    case 'missing-date':
      delete doc.close_date;
      return { doc, kind, keepsId: true, quarantineId: String(original.id) };
    case 'positions-not-array':
      (doc.body as Json).positions = pick(NOT_ARRAYS, random);
      return { doc, kind, keepsId: true, quarantineId: String(original.id) };
    case 'quantity': {
      const withQuantity = positionsOf(doc).filter((p) => p.quantity !== undefined);
      pick(withQuantity, random).quantity = clone(pick(BAD_QUANTITIES, random));
      return { doc, kind, keepsId: true, quarantineId: String(original.id) };
    }
    case 'initial-quantity': {
      const withInitial = positionsOf(doc).filter((p) => p.initial_quantity !== undefined && p.initial_quantity !== null);
      pick(withInitial, random).initial_quantity = clone(pick(BAD_QUANTITIES, random));
      return { doc, kind, keepsId: true, quarantineId: String(original.id) };
    }
    default: {
      const lines = positionsOf(doc).filter(isCatalogueLine);
      const line = pick(lines, random);
      if (random() < 0.5) delete line.quantity;
      else line.quantity = null;
      return { doc, kind: 'stock-quantity-missing', keepsId: true, quarantineId: String(original.id) };
    }
  }
}

/** Product ids a (possibly corrupted) document names anywhere, as the model's quarantine collects them. */
export function productIdsOf(doc: unknown): string[] {
  const ids = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Json)) {
        if (k === 'product_id' && typeof v === 'string') ids.add(v);
        else walk(v);
      }
    }
  };
  walk(doc);
  return [...ids];
}
