/**
 * Store-wide bookkeeping shared by computeStock and the accumulator: the catalogue, quarantine, skip counts,
 * unknown products and types, settlement values seen, and the final assembly of StockResult.
 */
import { normaliseDocument, normaliseProduct } from '../model/normalise.ts';
import type { ApiVersion, CatalogueProduct, NormalisedDocument } from '../model/types.ts';
import { buildCatalogue, type Catalogue } from './catalogue.ts';
import { emptySkipCounts, toProductEvents, toProductEventsWithEntries } from './events.ts';
import { productKey } from './order.ts';
import { ruleForType } from './rules.ts';
import { classifySettlement } from './settlement.ts';
import type {
  DocumentEvents, ProductStock, QuarantinedDocumentReport, SettlementKind, SkipCounts, StockResult, UnknownProduct, Warning,
} from './types.ts';
import { makeWarning, WarningBag } from './warnings.ts';

export class StoreTally {
  readonly api: ApiVersion;
  readonly catalogue: Catalogue;
  /** Catalogue products sorted by key: the output order. */
  readonly products: CatalogueProduct[];
  readonly quarantinedProducts: { id: string | null; reason: string }[] = [];
  readonly storeWarnings = new WarningBag();
  documentsGiven = 0;
  documentsRead = 0;
  duplicateDocuments = 0;

  private readonly productWarnings = new Map<string, WarningBag>();
  private readonly quarantined: QuarantinedDocumentReport[] = [];
  private readonly skipped: SkipCounts = emptySkipCounts();
  private readonly unknownProducts = new Map<string, UnknownProduct & { newest: number }>();
  private readonly unknownTypes = new Map<string, number>();
  private readonly byType = new Map<string, number>();
  private readonly settlementValues = new Map<string, { raw: string; kind: SettlementKind; lines: number }>();

  constructor(api: ApiVersion, rawProducts: readonly unknown[]) {
    this.api = api;
    const entries: CatalogueProduct[] = [];
    for (const raw of rawProducts) {
      const result = normaliseProduct(raw, api);
      if (!result.ok) {
        this.quarantinedProducts.push({ id: result.id, reason: result.reason });
        continue;
      }
      entries.push(result.product);
      for (const text of result.warnings) this.warnProduct(result.product.id, makeWarning('BAD_CLOUD_QUANTITY', null, text));
    }
    const built = buildCatalogue(entries);
    this.catalogue = built.catalogue;
    for (const id of built.duplicates) this.storeWarnings.add({ ...makeWarning('DUPLICATE_PRODUCT', null, id) });
    this.products = [...built.catalogue.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p);
    this.quarantinedProducts.sort((a, b) => ((a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0));
  }

  /** Validates one raw document; a malformed one is quarantined (its products flagged) and null is returned. */
  normalise(raw: unknown): NormalisedDocument | null {
    this.documentsGiven += 1;
    const result = normaliseDocument(raw, this.api);
    if (result.ok) return result.doc;
    const q = result.quarantined;
    this.quarantined.push({ id: q.id, type: q.type, closeTime: q.closeTime, reason: q.reason, productIds: q.productIds });
    for (const id of q.productIds) {
      this.warnProduct(id, { ...makeWarning('QUARANTINED_DOCUMENT', null, q.reason), documentId: q.id });
    }
    return null;
  }

  /** Counts one valid, distinct document and returns its product rows. */
  read(doc: NormalisedDocument): DocumentEvents {
    return this.readWithEntries(doc, null);
  }

  /** read(), also writing each event's catalogue entry to `entries` (see toProductEventsWithEntries). */
  readWithEntries(doc: NormalisedDocument, entries: CatalogueProduct[] | null): DocumentEvents {
    const meta = doc.meta;
    this.documentsRead += 1;
    this.byType.set(meta.rawType, (this.byType.get(meta.rawType) ?? 0) + 1);
    const events = entries === null ? toProductEvents(doc, this.catalogue) : toProductEventsWithEntries(doc, this.catalogue, entries);
    addSkips(this.skipped, events.skipped);
    if (meta.type === 'UNKNOWN') this.unknownTypes.set(meta.rawType, (this.unknownTypes.get(meta.rawType) ?? 0) + 1);
    for (const u of events.unknownProducts) {
      const key = productKey(u.productId);
      const seen = this.unknownProducts.get(key);
      const newer = !seen || meta.closeTime >= seen.newest;
      this.unknownProducts.set(key, {
        productId: seen?.productId ?? u.productId,
        name: (newer ? u.name : null) ?? seen?.name ?? u.name,
        code: (newer ? u.code : null) ?? seen?.code ?? u.code,
        lines: (seen?.lines ?? 0) + u.lines,
        documents: (seen?.documents ?? 0) + 1,
        newest: Math.max(seen?.newest ?? -Infinity, meta.closeTime),
      });
    }
    if (ruleForType(meta.type).settlementApplies) {
      const lines = doc.lines;
      for (let i = 0; i < lines.length; i++) {
        const raw = lines[i]!.settlementMethod;
        if (raw === null) continue;
        const seen = this.settlementValues.get(raw);
        if (seen) seen.lines += 1;
        else this.settlementValues.set(raw, { raw, kind: classifySettlement(raw).kind, lines: 1 });
      }
    }
    return events;
  }

  /** Warnings that come from outside the product's rows (quarantine, catalogue). */
  extraWarnings(productId: string): Warning[] {
    return this.productWarnings.get(productKey(productId))?.toArray() ?? [];
  }

  result(products: ProductStock[], history: StockResult['history']): StockResult {
    const count = (status: ProductStock['status']) => products.filter((p) => p.status === status).length;
    return {
      api: this.api,
      history,
      products,
      skipped: {
        ...this.skipped,
        unknownProducts: [...this.unknownProducts.values()]
          .map(({ newest: _newest, ...u }) => u)
          .sort((a, b) => (productKey(a.productId) < productKey(b.productId) ? -1 : 1)),
        unknownTypes: sortedRecord(this.unknownTypes),
      },
      quarantined: [...this.quarantined].sort(compareQuarantined),
      quarantinedProducts: this.quarantinedProducts,
      counts: {
        documents: this.documentsGiven,
        documentsRead: this.documentsRead,
        duplicateDocuments: this.duplicateDocuments,
        quarantinedDocuments: this.quarantined.length,
        products: products.length,
        resolved: count('resolved'),
        unresolved: count('unresolved'),
        notTracked: count('not_tracked'),
        byType: sortedRecord(this.byType),
      },
      settlementValues: [...this.settlementValues.values()].map((v) => ({ ...v })).sort((a, b) => (a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0)),
      warnings: this.storeWarnings.toArray(),
    };
  }

  warnProduct(productId: string, warning: Warning): void {
    const key = productKey(productId);
    let bag = this.productWarnings.get(key);
    if (!bag) this.productWarnings.set(key, (bag = new WarningBag()));
    bag.add(warning);
  }
}

/** If SkipCounts grows a field, this stops compiling: add the field to addSkips below. */
type SkipFields = 'freePriceLines' | 'serviceLines' | 'notTrackedLines' | 'unknownProductLines' | 'setHeaderLines'
  | 'noStockEffectDocuments' | 'unknownTypeDocuments' | 'openTareDocuments';
const SKIP_FIELDS_COVERED: Exclude<keyof SkipCounts, SkipFields> extends never ? true : never = true;
void SKIP_FIELDS_COVERED;

/** addSkipCounts for two SkipCounts made here, field by field (no key list per document). */
function addSkips(into: SkipCounts, more: SkipCounts): void {
  into.freePriceLines += more.freePriceLines;
  into.serviceLines += more.serviceLines;
  into.notTrackedLines += more.notTrackedLines;
  into.unknownProductLines += more.unknownProductLines;
  into.setHeaderLines += more.setHeaderLines;
  into.noStockEffectDocuments += more.noStockEffectDocuments;
  into.unknownTypeDocuments += more.unknownTypeDocuments;
  into.openTareDocuments += more.openTareDocuments;
}

function sortedRecord(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function compareQuarantined(a: QuarantinedDocumentReport, b: QuarantinedDocumentReport): number {
  const ta = a.closeTime ?? Number.MAX_SAFE_INTEGER;
  const tb = b.closeTime ?? Number.MAX_SAFE_INTEGER;
  const text = (x: string | null) => x ?? '';
  return ta - tb || (text(a.id) < text(b.id) ? -1 : text(a.id) > text(b.id) ? 1 : 0) || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0);
}
