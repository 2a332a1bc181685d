/**
 * Layer 1 of the core: one normalised document -> compact rows, one per (document, product), after every line
 * rule (free-price, services, catalogue, sets, settlement, several lines). Pure: no memory of other documents.
 */
import { absQuantity, addQuantity, negateQuantity, ZERO, type Milli } from '../model/quantity.ts';
import { FREE_PRICE_PRODUCT_ID, type DocumentLine, type NormalisedDocument } from '../model/types.ts';
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
  productId: string;
  lines: DocumentLine[];
  setHeaders: number;
}

/**
 * Turns one document into product events. With a catalogue, lines of unknown products, services, groups and parents
 * of modifications are skipped and counted; without one, only the line itself is judged (free-price, SERVICE).
 */
export function toProductEvents(doc: NormalisedDocument, catalogue?: Catalogue): DocumentEvents {
  const ref = docRef(doc.meta);
  const rule = ruleForType(doc.meta.type);
  const skipped = emptySkipCounts();
  const result: DocumentEvents = { doc: ref, rule: rule.id, events: [], inventory: null, skipped, unknownProducts: [] };
  if (rule.effect === 'none') {
    skipped.noStockEffectDocuments = 1;
    return result;
  }
  if (rule.effect === 'ignore') skipped.unknownTypeDocuments = 1;
  if (rule.effect === 'flag') skipped.openTareDocuments = 1;
  // Line counts describe documents that move stock; an ignored document is counted once, as a document.
  const counting = decidesStock(rule.effect);
  const count = (key: keyof SkipCounts) => {
    if (counting) skipped[key] += 1;
  };

  const byProduct = new Map<string, ProductLines>();
  const unknown = new Map<string, UnknownProduct>();
  const listed = new Set<string>();
  const groupOf = (productId: string): ProductLines => {
    const key = productKey(productId);
    let group = byProduct.get(key);
    if (!group) byProduct.set(key, (group = { productId, lines: [], setHeaders: 0 }));
    return group;
  };

  for (const line of doc.lines) {
    const id = line.productId;
    const isFreePrice = id === null || productKey(id) === FREE_PRICE_PRODUCT_ID;
    if (!isFreePrice) listed.add(productKey(id));
    const entry = !isFreePrice && catalogue ? catalogue.get(productKey(id)) : undefined;
    if (line.hasSubPositions) {
      // The set itself moves nothing: its components are lines of their own (rules.ts LINE_RULES 'set').
      count('setHeaderLines');
      if (!isFreePrice && (catalogue ? entry?.tracked === true : true)) groupOf(id).setHeaders += 1;
      continue;
    }
    if (isFreePrice) {
      count('freePriceLines');
      continue;
    }
    if ((line.productType ?? '').trim().toUpperCase() === 'SERVICE') {
      count('serviceLines');
      continue;
    }
    if (catalogue && !entry) {
      count('unknownProductLines');
      if (counting) tallyUnknown(unknown, id, line);
      continue;
    }
    if (entry && !entry.tracked) {
      count(entry.notTrackedReason === 'service' ? 'serviceLines' : 'notTrackedLines');
      continue;
    }
    groupOf(id).lines.push(line);
  }

  for (const group of byProduct.values()) result.events.push(makeEvent(ref, rule.id, rule.effect, rule.settlementApplies, group));
  result.events.sort((a, b) => (productKey(a.productId) < productKey(b.productId) ? -1 : 1));
  result.unknownProducts = [...unknown.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));

  // Complete inventories matter to every product they do NOT list; so do inventories that do not say.
  if (doc.meta.type === 'INVENTORY' && doc.meta.completeInventory !== false) {
    result.inventory = { doc: ref, complete: doc.meta.completeInventory === true ? true : null, listed: [...listed].sort() };
  }
  return result;
}

function makeEvent(
  doc: DocRef, ruleId: ProductEvent['rule'], effect: ReturnType<typeof ruleForType>['effect'],
  settlementApplies: boolean, group: ProductLines,
): ProductEvent {
  const warnings: Warning[] = [];
  if (group.setHeaders > 0) warnings.push(makeWarning('SET_HEADER', doc, null, group.setHeaders));
  const event: ProductEvent = {
    doc, productId: group.productId, rule: ruleId, decides: false,
    stockBefore: group.lines[0]?.stockBefore ?? null,
    movement: ZERO, setTo: null, handled: ZERO, lines: group.lines.length, settlements: [], warnings,
  };
  if (group.lines.length === 0) return event; // only a set header: nothing to decide
  for (const line of group.lines) event.handled = addQuantity(event.handled, absQuantity(line.quantity));

  if (effect === 'decrease' || effect === 'increase') {
    let moved: Milli = ZERO;
    const notes = new Map<string, SettlementNote>();
    for (const line of group.lines) {
      const quantity = absQuantity(line.quantity);
      const settlement = settlementApplies ? classifySettlement(line.settlementMethod) : null;
      if (!settlement || settlement.moves) moved = addQuantity(moved, quantity);
      if (settlement && line.settlementMethod !== null) {
        const raw = line.settlementMethod;
        const note = notes.get(raw) ?? { kind: settlement.kind, raw, moves: settlement.moves, quantity: ZERO };
        note.quantity = addQuantity(note.quantity, quantity);
        notes.set(raw, note);
        if (settlement.kind === 'unknown') warnings.push(makeWarning('UNKNOWN_SETTLEMENT_METHOD', doc, raw));
      }
    }
    event.decides = true;
    event.movement = effect === 'decrease' ? negateQuantity(moved) : moved;
    event.settlements = [...notes.values()].sort((a, b) => (a.raw < b.raw ? -1 : 1));
  } else if (effect === 'count') {
    // Inventory: the count is the new stock. Several count lines of one product add up (and are flagged).
    let counted: Milli = ZERO;
    for (const line of group.lines) counted = addQuantity(counted, line.quantity);
    event.decides = true;
    event.setTo = counted;
    if (group.lines.length > 1) warnings.push(makeWarning('REPEATED_INVENTORY_LINE', doc, null, group.lines.length));
  } else if (effect === 'flag') {
    warnings.push(makeWarning('OPEN_TARE_IGNORED', doc));
  } else {
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
