/**
 * Warnings are aggregated per (code, value): a product sold 500 times with an unknown settlement method gets one
 * warning with count 500 naming the newest document, so memory per product stays bounded.
 */
import { compareDocs } from './order.ts';
import type { DocRef, Warning, WarningCode } from './types.ts';

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
