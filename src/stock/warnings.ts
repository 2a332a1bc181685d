/**
 * Warnings are aggregated per (code, value): a product sold 500 times with an unknown settlement method gets one
 * warning with count 500 naming the newest document, so memory per product stays bounded.
 */
import { compareDocs } from './order.ts';
import type { DocRef, Warning, WarningCode } from './types.ts';

/**
 * Warnings that make a product need the merchant's attention before anything is written: a document that lists it
 * could not be read (quarantined: a quantity "1e308", "NaN", 20 digits…), so its newest document may be the broken
 * one and the value the guide took from an older document may be wrong. Such a product is not proposed (unticked
 * in the review, left out of a plan as `needs-review`) and is written only when the merchant ticks it after seeing
 * why (the reason in words: explain.ts). So is a product named by two documents of one id that differ
 * (`DUPLICATE_DOCUMENT` on the product): which of them is true cannot be told. Conservative on purpose: a broken document's own close time may be what
 * could not be read, so an older-looking one is not trusted to be older.
 */
export const ATTENTION_WARNINGS: ReadonlySet<string> = new Set<WarningCode>(['QUARANTINED_DOCUMENT', 'DUPLICATE_DOCUMENT']);

/** Whether these warnings (codes, or the warning objects) make the product need attention. */
export function needsAttention(warnings: readonly (string | { code: string })[] | undefined): boolean {
  return warnings !== undefined && warnings.some((w) => ATTENTION_WARNINGS.has(typeof w === 'string' ? w : w.code));
}

export function makeWarning(code: WarningCode, doc: DocRef | null, value: string | null = null, count = 1): Warning {
  return { code, count, doc, documentId: doc?.id ?? null, value };
}

export class WarningBag {
  /** Made on the first warning: most products never get one. */
  private byKey: Map<string, Warning> | null = null;

  add(warning: Warning): void {
    const key = `${warning.code}\u0000${warning.value ?? ''}`;
    const byKey = (this.byKey ??= new Map());
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...warning });
      return;
    }
    seen.count += warning.count;
    if (isNewer(warning, seen)) {
      seen.doc = warning.doc;
      seen.documentId = warning.documentId;
    }
  }

  addAll(warnings: Iterable<Warning>): void {
    if (Array.isArray(warnings)) {
      for (let i = 0; i < warnings.length; i++) this.add(warnings[i] as Warning);
      return;
    }
    for (const warning of warnings) this.add(warning);
  }

  get size(): number {
    return this.byKey === null ? 0 : this.byKey.size;
  }

  /** Sorted by code, then value: stable output whatever the input order. */
  toArray(): Warning[] {
    if (this.byKey === null || this.byKey.size === 0) return [];
    return [...this.byKey.values()]
      .map((w) => ({ ...w }))
      .sort((a, b) => cmp(a.code, b.code) || cmp(a.value ?? '', b.value ?? ''));
  }
}

/** Newest document wins; a quarantined document (no DocRef) is compared by id so the choice is still deterministic. */
function isNewer(candidate: Warning, current: Warning): boolean {
  if (candidate.doc && current.doc) return compareDocs(candidate.doc, current.doc) > 0;
  if (candidate.doc || current.doc) return candidate.doc !== null;
  return cmp(candidate.documentId ?? '', current.documentId ?? '') > 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
