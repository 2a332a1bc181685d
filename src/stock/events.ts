/**
 * Layer 1 of the core: one normalised document -> compact rows, one per (document, product), after every line
 * rule (free-price, services, catalogue, sets, settlement, several lines). Pure: no memory of other documents.
 */
import { absQuantity, addQuantity, negateQuantity, ZERO, type Milli } from '../model/quantity.ts';
import { fitsDecimals } from '../model/precision.ts';
import { FREE_PRICE_PRODUCT_ID, type CatalogueProduct, type DocumentLine, type NormalisedDocument } from '../model/types.ts';
import type { Catalogue } from './catalogue.ts';
import { docRef, productKey } from './order.ts';
import { decidesStock, ruleForType } from './rules.ts';
import { classifySettlement } from './settlement.ts';
import type { DocRef, DocumentEvents, ProductEvent, SettlementNote, SkipCounts, UnknownProduct, Warning } from './types.ts';
import { makeWarning } from './warnings.ts';

export function emptySkipCounts(): SkipCounts {
  return {
    freePriceLines: 0, serviceLines: 0, notTrackedLines: 0, unknownProductLines: 0, setHeaderLines: 0,
    noStockEffectDocuments: 0, unknownTypeDocuments: 0, openTareDocuments: 0,
  };
}

export function addSkipCounts(into: SkipCounts, more: SkipCounts): void {
  for (const key of Object.keys(into) as (keyof SkipCounts)[]) into[key] += more[key];
}

interface ProductLines {
  /** productKey(productId): the sort key of the events. */
  key: string;
  productId: string;
  /** The catalogue's entry (when there is a catalogue): computeStock groups rows by it. */
  entry: CatalogueProduct | undefined;
  /** The product's lines in document order: the first, and the others only when there are others. */
  first: DocumentLine | null;
  more: DocumentLine[] | null;
  setHeaders: number;
}

/** Documents of up to this many product groups look groups up by a linear scan instead of a Map. */
const SMALL_DOCUMENT = 8;

/**
 * Turns one document into product events. With a catalogue, lines of unknown products, services, groups and parents
 * of modifications are skipped and counted; without one, only the line itself is judged (free-price, SERVICE).
 * Hot path of the pull and of computeStock, so it allocates little: one productKey per line, no closures, arrays of
 * their final size, a Map only for documents of many products, the inventory's Set only for inventories.
 */
export function toProductEvents(doc: NormalisedDocument, catalogue?: Catalogue): DocumentEvents {
  return productEvents(doc, catalogue, null);
}

/**
 * toProductEvents, also writing the catalogue entry of each event (events[i] is entries[i]'s), so that a caller
 * grouping rows by product (computeStock) need not make and hash productKey(event.productId) again.
 */
export function toProductEventsWithEntries(doc: NormalisedDocument, catalogue: Catalogue, entries: CatalogueProduct[]): DocumentEvents {
  return productEvents(doc, catalogue, entries);
}

function productEvents(doc: NormalisedDocument, catalogue: Catalogue | undefined, entries: CatalogueProduct[] | null): DocumentEvents {
  const meta = doc.meta;
  const ref = docRef(meta);
  const rule = ruleForType(meta.type);
  const skipped = emptySkipCounts();
  const result: DocumentEvents = { doc: ref, rule: rule.id, events: [], inventory: null, skipped, unknownProducts: [] };
  const effect = rule.effect;
  if (effect === 'none' || effect === 'mention') {
    skipped.noStockEffectDocuments = 1;
    // 'mention' still makes its listed products' rows, so their history says in words why nothing moved.
    if (effect === 'none') return result;
  }
  if (effect === 'ignore') skipped.unknownTypeDocuments = 1;
  if (effect === 'flag') skipped.openTareDocuments = 1;
  // Line counts describe documents that move stock; an ignored document is counted once, as a document.
  const counting = decidesStock(effect);
  // Complete inventories matter to every product they do NOT list; so do inventories that do not say.
  const keepsList = meta.type === 'INVENTORY' && meta.completeInventory !== false;

  const lines = doc.lines;
  const groups = new Array<ProductLines>(lines.length);
  let count = 0;
  let byKey: Map<string, ProductLines> | null = null;
  let unknown: Map<string, UnknownProduct> | null = null;
  const listed: Set<string> | null = keepsList ? new Set<string>() : null;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const id = line.productId;
    const key = id === null ? null : productKey(id);
    const isFreePrice = key === null || key === FREE_PRICE_PRODUCT_ID;
    if (listed !== null && !isFreePrice) listed.add(key);
    const entry = !isFreePrice && catalogue ? catalogue.get(key) : undefined;
    if (line.hasSubPositions) {
      // The set itself moves nothing: its components are lines of their own (rules.ts LINE_RULES 'set').
      if (counting) skipped.setHeaderLines += 1;
      if (!isFreePrice && (catalogue ? entry?.tracked === true : true)) {
        let group = findGroup(groups, count, byKey, key);
        if (group === undefined) {
          groups[count++] = group = { key, productId: id!, entry, first: null, more: null, setHeaders: 0 };
          if (byKey !== null) byKey.set(key, group);
          else if (count > SMALL_DOCUMENT) byKey = indexGroups(groups, count);
        }
        group.setHeaders += 1;
      }
      continue;
    }
    if (isFreePrice) {
      if (counting) skipped.freePriceLines += 1;
      continue;
    }
    if (isServiceType(line.productType)) {
      if (counting) skipped.serviceLines += 1;
      continue;
    }
    if (catalogue && !entry) {
      if (counting) {
        skipped.unknownProductLines += 1;
        tallyUnknown((unknown ??= new Map()), id!, line);
      }
      continue;
    }
    if (entry && !entry.tracked) {
      if (counting) {
        if (entry.notTrackedReason === 'service') skipped.serviceLines += 1;
        else skipped.notTrackedLines += 1;
      }
      continue;
    }
    const group = findGroup(groups, count, byKey, key);
    if (group === undefined) {
      const created: ProductLines = { key, productId: id!, entry, first: line, more: null, setHeaders: 0 };
      groups[count++] = created;
      if (byKey !== null) byKey.set(key, created);
      else if (count > SMALL_DOCUMENT) byKey = indexGroups(groups, count);
    } else if (group.first === null) {
      group.first = line;
    } else {
      (group.more ??= []).push(line);
    }
  }

  // One event per product, sorted by productKey.
  sortGroups(groups, count);
  if (count > 0) {
    const events = new Array<ProductEvent>(count);
    const byAdvance = meta.paidByAdvance === true;
    for (let i = 0; i < count; i++) events[i] = makeEvent(ref, rule.id, effect, rule.settlementApplies, byAdvance, groups[i]!);
    if (entries !== null) for (let i = 0; i < count; i++) entries.push(groups[i]!.entry!);
    result.events = events;
  }
  if (unknown !== null) result.unknownProducts = [...unknown.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));

  if (listed !== null) {
    result.inventory = { doc: ref, complete: meta.completeInventory === true ? true : null, listed: [...listed].sort() };
  }
  return result;
}

/** The group of a product key among the first `count`, if any. */
function findGroup(groups: readonly ProductLines[], count: number, byKey: Map<string, ProductLines> | null, key: string): ProductLines | undefined {
  if (byKey !== null) return byKey.get(key);
  for (let i = 0; i < count; i++) if (groups[i]!.key === key) return groups[i];
  return undefined;
}

function indexGroups(groups: readonly ProductLines[], count: number): Map<string, ProductLines> {
  const map = new Map<string, ProductLines>();
  for (let i = 0; i < count; i++) map.set(groups[i]!.key, groups[i]!);
  return map;
}

/**
 * By key, ascending. Insertion sort for the usual handful (Array.prototype.sort sets up a merge state of about a
 * kilobyte per call, once per document); the built-in sort beyond that. Keys are distinct.
 */
function sortGroups(groups: ProductLines[], count: number): void {
  if (count <= 1) return;
  if (count > 16) {
    groups.length = count;
    groups.sort((a, b) => (a.key < b.key ? -1 : 1));
    return;
  }
  for (let i = 1; i < count; i++) {
    const group = groups[i]!;
    let j = i - 1;
    while (j >= 0 && groups[j]!.key > group.key) {
      groups[j + 1] = groups[j]!;
      j--;
    }
    groups[j + 1] = group;
  }
}

/** Whether the line's quantity has no more decimals than its measure_precision allows (true when none is given). */
function fitsPrecision(line: DocumentLine): boolean {
  return line.measurePrecision === undefined || fitsDecimals(line.quantity, line.measurePrecision);
}

/** Line product_type SERVICE, in any case and with spaces around. */
function isServiceType(type: string | null): boolean {
  if (type === null || type === 'NORMAL') return false;
  return type === 'SERVICE' || type.trim().toUpperCase() === 'SERVICE';
}

function makeEvent(
  doc: DocRef, ruleId: ProductEvent['rule'], effect: ReturnType<typeof ruleForType>['effect'],
  settlementApplies: boolean, byAdvance: boolean, group: ProductLines,
): ProductEvent {
  const warnings: Warning[] = [];
  if (group.setHeaders > 0) warnings.push(makeWarning('SET_HEADER', doc, null, group.setHeaders));
  const first = group.first;
  const more = group.more;
  const lineCount = first === null ? 0 : more === null ? 1 : 1 + more.length;
  const event: ProductEvent = {
    doc, productId: group.productId, rule: ruleId, decides: false,
    stockBefore: first === null ? null : first.stockBefore,
    movement: ZERO, setTo: null, handled: ZERO, lines: lineCount, settlements: [], warnings,
    // Always present (undefined when not given): every event keeps one shape, so the fold's loops stay monomorphic.
    measurePrecision: first === null ? undefined : first.measurePrecision,
  };
  if (first === null) return event; // only a set header: nothing to decide

  if (effect === 'decrease' || effect === 'increase') {
    let moved: Milli = ZERO;
    let handled: Milli = ZERO;
    let notes: Map<string, SettlementNote> | null = null;
    for (let i = 0; i < lineCount; i++) {
      const line = i === 0 ? first : more![i - 1]!;
      const quantity = absQuantity(line.quantity);
      handled = addQuantity(handled, quantity);
      if (!fitsPrecision(line)) warnings.push(makeWarning('QUANTITY_PRECISION', doc, String(line.measurePrecision)));
      const settlement = settlementApplies ? classifySettlement(line.settlementMethod) : null;
      if (!settlement || settlement.moves) moved = addQuantity(moved, quantity);
      // Noted when the line states a method, or when the receipt was paid by an advance (its words say so).
      if (settlement && (line.settlementMethod !== null || byAdvance)) {
        const raw = line.settlementMethod ?? '';
        notes ??= new Map();
        let note = notes.get(raw);
        if (note === undefined) {
          note = { kind: settlement.kind, raw, moves: settlement.moves, quantity: ZERO };
          if (byAdvance) note.byAdvance = true;
        }
        note.quantity = addQuantity(note.quantity, quantity);
        notes.set(raw, note);
        if (settlement.kind === 'unknown') warnings.push(makeWarning('UNKNOWN_SETTLEMENT_METHOD', doc, raw));
      }
    }
    event.decides = true;
    event.handled = handled;
    event.movement = effect === 'decrease' ? negateQuantity(moved) : moved;
    if (notes !== null) event.settlements = [...notes.values()].sort((a, b) => (a.raw < b.raw ? -1 : 1));
    return event;
  }
  let handled: Milli = ZERO;
  let counted: Milli = ZERO;
  for (let i = 0; i < lineCount; i++) {
    const line = i === 0 ? first : more![i - 1]!;
    if (effect === 'count' && !fitsPrecision(line)) warnings.push(makeWarning('QUANTITY_PRECISION', doc, String(line.measurePrecision)));
    handled = addQuantity(handled, absQuantity(line.quantity));
    counted = addQuantity(counted, line.quantity);
  }
  event.handled = handled;
  if (effect === 'count') {
    // Inventory: the count is the new stock. Several count lines of one product add up (and are flagged).
    event.decides = true;
    event.setTo = counted;
    if (lineCount > 1) warnings.push(makeWarning('REPEATED_INVENTORY_LINE', doc, null, lineCount));
  } else if (effect === 'flag') {
    warnings.push(makeWarning('OPEN_TARE_IGNORED', doc));
  } else if (effect === 'ignore') {
    warnings.push(makeWarning('UNKNOWN_DOCUMENT_TYPE', doc, doc.rawType));
  }
  return event;
}

function tallyUnknown(unknown: Map<string, UnknownProduct>, productId: string, line: DocumentLine): void {
  const key = productKey(productId);
  const tally = unknown.get(key) ?? { productId, name: null, code: null, lines: 0, documents: 1 };
  tally.lines += 1;
  tally.name ??= line.productName ?? null;
  tally.code ??= line.code ?? null;
  unknown.set(key, tally);
}
