/**
 * The guard against new sales. Just before writing (and when a plan is made, and again every so often during a long
 * write), the documents closed after the computation's cut-off are fetched; each one not applied yet is run through
 * the stock core's line rules (src/stock toProductEvents: settlement method, services, sets, several lines…) and
 * its movement is applied ON TOP of the target:
 * - a sale of 2 after the cut-off lowers the target by 2 (delta), a return raises it;
 * - an inventory sets it to the count (set); a complete inventory sets every tracked product it does not list to 0;
 * - a prepayment (no goods handed over) moves nothing, exactly as in the computation;
 * - a malformed (quarantined) document that lists a product makes it "needs review": it is not written, the user
 *   decides.
 * Only products still to be written (pending, sent, failed) move; every change is recorded on the item
 * (adjustments: document, kind, amount, from, to) and returned so the caller can say which and why.
 */
import type { EvotorClient } from '../api/client.ts';
import { CursorTrail } from '../api/paging.ts';
import { addQuantity, formatQuantity, type Milli } from '../model/quantity.ts';
import { normaliseDocument } from '../model/normalise.ts';
import type { ApiVersion, CatalogueProduct, NormalisedDocument } from '../model/types.ts';
import { buildCatalogue, compareDocs, docRef, documentTypeName, productKey, toProductEvents } from '../stock/index.ts';
import { formatDateTime } from './csv.ts';
import { markForReview, retarget } from './state.ts';
import type { DocumentRef, GuardAdjustment, JournalItem, MovedProduct } from './types.ts';

export interface GuardOutcome {
  /** All the given items, changed ones replaced. */
  items: JournalItem[];
  /** Only the items that changed (to be journaled). */
  changed: JournalItem[];
  /** The ids of every document after the cut-off applied so far (the store's new guardDocumentIds). */
  seenIds: string[];
  /** Products whose target moved or that now need review, with why. */
  moved: MovedProduct[];
  /** New documents read in this pass (after the cut-off, not seen before). */
  newDocuments: number;
  /** The newest close time among them; null when there were none. */
  newest: number | null;
}

const ADJUSTABLE = new Set(['pending', 'sent', 'failed']);

function ref(d: DocumentRef): DocumentRef {
  return { id: d.id, type: d.type, number: d.number, closeTime: d.closeTime, deviceId: d.deviceId, timeZoneOffset: d.timeZoneOffset };
}

function signed(q: Milli): string {
  const text = formatQuantity(q);
  return q > 0 ? '+' + text : text;
}

export function describeMovement(doc: DocumentRef, kind: 'delta' | 'set', quantity: Milli): string {
  const number = doc.number !== null ? ` №${doc.number}` : '';
  const what = (kind === 'set' ? `= ${formatQuantity(quantity)}` : signed(quantity)).replace('.', ',');
  return `${documentTypeName(doc.type, 'ru')}${number} от ${formatDateTime(doc.closeTime, doc.timeZoneOffset)}: ${what}`;
}

/**
 * Applies the documents closed after `cutoff` that are not in `seenIds` to the items of one store. Pure.
 * `rawDocs` may hold documents at or before the cut-off and duplicates (they are ignored).
 */
export function applyNewDocuments(
  rawDocs: readonly unknown[],
  api: ApiVersion,
  items: readonly JournalItem[],
  seenIds: readonly string[],
  cutoff: number,
  now: number,
  /**
   * Items whose base is "as of now" rather than as of the cut-off (a value typed by the user, when the plan is
   * made): the documents of this pass are recorded as seen but do not move them.
   */
  asOfNow: (item: JournalItem) => boolean = () => false,
): GuardOutcome {
  const seen = new Set(seenIds);
  const byKey = new Map<string, JournalItem>();
  for (const item of items) byKey.set(productKey(item.productId), item);
  const changedKeys = new Set<string>();
  const movedNotes = new Map<string, GuardAdjustment[]>();
  const startTargets = new Map<string, Milli | null>();

  // The products of the plan are the catalogue the line rules look at (untracked ones are skipped, as in the core).
  const catalogue = buildCatalogue(items.map((item): CatalogueProduct => ({
    id: item.productId, name: item.name, code: item.code, type: null, measureName: item.measureName,
    quantity: item.before, parentId: null, isGroup: false, tracked: item.reason !== 'not-tracked',
  }))).catalogue;

  const valid: NormalisedDocument[] = [];
  const review: { id: string; productIds: string[]; reason: string; closeTime: number | null }[] = [];
  for (const raw of rawDocs) {
    const result = normaliseDocument(raw, api);
    if (result.ok) {
      const { meta } = result.doc;
      if (meta.closeTime <= cutoff || seen.has(meta.id)) continue;
      seen.add(meta.id);
      valid.push(result.doc);
    } else {
      const q = result.quarantined;
      if ((q.closeTime !== null && q.closeTime <= cutoff) || (q.id !== null && seen.has(q.id))) continue;
      if (q.id !== null) seen.add(q.id);
      review.push({ id: q.id ?? '?', productIds: q.productIds, reason: q.reason, closeTime: q.closeTime });
    }
  }
  valid.sort((a, b) => compareDocs(docRef(a.meta), docRef(b.meta)));

  const touch = (key: string, item: JournalItem, next: JournalItem) => {
    if (!startTargets.has(key)) startTargets.set(key, item.target);
    byKey.set(key, next);
    changedKeys.add(key);
  };
  const adjust = (key: string, doc: DocumentRef, kind: 'delta' | 'set', quantity: Milli) => {
    const item = byKey.get(key);
    if (!item || !ADJUSTABLE.has(item.status) || item.target === null || asOfNow(item)) return;
    const to = kind === 'set' ? quantity : addQuantity(item.target, quantity);
    const adjustment: GuardAdjustment = { document: ref(doc), kind, quantity, from: item.target, to, note: describeMovement(doc, kind, quantity) };
    touch(key, item, retarget(item, adjustment, now));
    movedNotes.set(key, [...(movedNotes.get(key) ?? []), adjustment]);
  };

  for (const doc of valid) {
    const events = toProductEvents(doc, catalogue);
    const listed = new Set<string>();
    for (const event of events.events) {
      const key = productKey(event.productId);
      listed.add(key);
      if (!event.decides) continue;
      if (event.setTo !== null) adjust(key, events.doc, 'set', event.setTo);
      else if (event.movement !== 0) adjust(key, events.doc, 'delta', event.movement);
    }
    if (events.inventory?.complete === true) {
      for (const l of events.inventory.listed) listed.add(l);
      for (const [key, item] of byKey) {
        if (!listed.has(key) && item.reason !== 'not-tracked') adjust(key, events.doc, 'set', 0 as Milli);
      }
    }
  }

  for (const q of review) {
    for (const id of q.productIds) {
      const key = productKey(id);
      const item = byKey.get(key);
      if (!item || !ADJUSTABLE.has(item.status) || asOfNow(item)) continue;
      const when = q.closeTime !== null ? ` от ${formatDateTime(q.closeTime, null)}` : '';
      touch(key, item, markForReview(item, `a new document ${q.id}${when} lists it but cannot be read (${q.reason})`, now));
    }
  }

  const changed = [...changedKeys].map((key) => byKey.get(key)!);
  const moved: MovedProduct[] = changed.map((item) => ({
    productId: item.productId,
    name: item.name,
    from: startTargets.get(productKey(item.productId)) ?? null,
    to: item.status === 'skipped' ? null : item.target,
    adjustments: movedNotes.get(productKey(item.productId)) ?? [],
  }));
  return {
    items: items.map((item) => byKey.get(productKey(item.productId)) ?? item),
    changed,
    seenIds: [...seen],
    moved,
    newDocuments: valid.length + review.length,
    newest: [...valid.map((d) => d.meta.closeTime), ...review.map((r) => r.closeTime)]
      .reduce<number | null>((max, t) => (t !== null && (max === null || t > max) ? t : max), null),
  };
}

/**
 * The upper end of a guard query: this device's clock plus a day, so documents of a terminal whose clock runs ahead
 * are not missed (the guard never relies on this device's clock to order documents).
 */
export function guardUntil(now: number): number {
  return now + 24 * 3600_000;
}

/** V1 asks for at most one month per request (evotor-api.md §4); we stay well under. */
const V1_WINDOW_MS = 28 * 24 * 3600_000;

/**
 * Every document of the store closed in [since, until) (epoch ms; the documents query's reading, evotor-api.md §10),
 * raw. V2 pages by cursor; V1 in windows of at most 28 days. Duplicates across pages are harmless (applyNewDocuments
 * skips seen ids).
 */
export async function fetchDocumentsSince(
  client: EvotorClient, storeId: string, since: number, until: number, signal: AbortSignal,
): Promise<unknown[]> {
  const docs: unknown[] = [];
  if (since >= until) return docs;
  if (client.api === 'v2') {
    // A cloud paging in a circle must not hold «Готовим запись…» forever.
    const trail = new CursorTrail('listDocuments');
    let page = await client.documentPage(storeId, { window: { since, until } }, signal);
    docs.push(...page.items);
    let cursor = trail.next(page.nextCursor);
    while (cursor !== null) {
      page = await client.documentPage(storeId, { cursor }, signal);
      docs.push(...page.items);
      cursor = trail.next(page.nextCursor);
    }
    return docs;
  }
  for (let from = since; from < until; from += V1_WINDOW_MS) {
    const page = await client.documentPage(storeId, { window: { since: from, until: Math.min(until, from + V1_WINDOW_MS) } }, signal);
    docs.push(...page.items);
  }
  return docs;
}

/** What a product already written makes of the new documents that list it (salesAfterWrite). */
export type AfterWrite =
  /** The cloud holds our target with every one of them applied: it moved its stock by them after our write. */
  | { verdict: 'applied'; to: Milli }
  /** The cloud holds our target with only the later ones (or none) applied: our write erased the earlier ones. */
  | { verdict: 'erased'; to: Milli; erased: number }
  /** Neither: something else changed the product (an edit in the back office?); it is reported, not written. */
  | { verdict: 'unclear'; to: Milli };

/**
 * A product whose write landed (target `written`) and new documents listing it (their movements in close order,
 * as applyNewDocuments records them). The cloud applies a sale's movement to its stock when the document arrives
 * (evotor-api.md §10: a sale's initial_quantity is the stock before it; the emulator moves the cloud by it, as the
 * terminal would — src/emulator README), and our PATCH sets an absolute quantity (§5). So the cloud now holds our
 * target with the documents that arrived after the PATCH applied: a suffix, in close order, of the new ones. The
 * true stock is the target with all of them applied. Pure.
 */
export function salesAfterWrite(written: Milli, adjustments: readonly GuardAdjustment[], cloud: Milli | null): AfterWrite {
  const from = (k: number) => adjustments.slice(k).reduce<Milli>((q, a) => (a.kind === 'set' ? a.quantity : addQuantity(q, a.quantity)), written);
  const to = from(0);
  if (cloud === to) return { verdict: 'applied', to };
  for (let k = 1; k <= adjustments.length; k++) if (cloud === from(k)) return { verdict: 'erased', to, erased: k };
  return { verdict: 'unclear', to };
}
