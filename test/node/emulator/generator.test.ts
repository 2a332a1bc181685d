import { describe, expect, it } from 'vitest';
import { decodeDocumentId, evotorDate, yyyymmdd } from '../../../src/emulator/generator/format.ts';
import { OptionsError, S_ABSENT } from '../../../src/emulator/generator/options.ts';
import { replay } from '../../../src/emulator/generator/replay.ts';
import { generateStore, materialiseDay, type GeneratedStore } from '../../../src/emulator/generator/simulate.ts';
import type { GenDoc } from '../../../src/emulator/generator/day.ts';
import { v1Document, v2Document } from '../../../src/emulator/serialize.ts';
import { FIXED_END, STORE_ID_RE } from './helpers.ts';

const MEDIUM = { seed: 'gen-medium', products: 80, terminals: 1, days: 75, docsPerDay: 60, completeInventoryEveryDays: 20, settlementStyle: 'mixed' as const };

function allDocs(store: GeneratedStore): GenDoc[] {
  const out: GenDoc[] = [];
  for (let d = 0; d < store.days; d++) out.push(...materialiseDay(store, d));
  return out;
}

function servedText(store: GeneratedStore): string {
  return allDocs(store).map((d) => JSON.stringify(v2Document(store, d))).join('\n');
}

describe('generator', () => {
  const medium = generateStore(MEDIUM);
  const docs = allDocs(medium);
  const served = docs.map((d) => v2Document(medium, d) as Record<string, any>);

  it('is deterministic: same options give the same documents and truth byte for byte', () => {
    const again = generateStore(MEDIUM);
    expect(again.id).toBe(medium.id);
    expect(servedText(again)).toBe(servedText(medium));
    expect(Array.from(again.truth)).toEqual(Array.from(medium.truth));
    const v1a = allDocs(again).map((d) => JSON.stringify(v1Document(again, d))).join('\n');
    const v1b = docs.map((d) => JSON.stringify(v1Document(medium, d))).join('\n');
    expect(v1a).toBe(v1b);
  });

  it('gives a different store for a different seed', () => {
    const other = generateStore({ ...MEDIUM, seed: 'gen-other' });
    expect(other.id).not.toBe(medium.id);
    expect(servedText(other)).not.toBe(servedText(medium));
  });

  it('regenerates any day independently, identically', () => {
    const d = 33;
    const first = materialiseDay(medium, d).map((x) => JSON.stringify(v2Document(medium, x)));
    materialiseDay(medium, 3);
    const fresh = generateStore(MEDIUM);
    const second = materialiseDay(fresh, d).map((x) => JSON.stringify(v2Document(fresh, x)));
    expect(second).toEqual(first);
  });

  it('store id begins with its creation date and is uppercase', () => {
    const m = STORE_ID_RE.exec(medium.id);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(yyyymmdd(medium.start, medium.options.timeZoneOffsetMs));
    expect(medium.end).toBe(FIXED_END);
  });

  it('documents are sorted by close time, unique, and their ids decode to their day', () => {
    const ids = new Set<string>();
    let last = -Infinity;
    let ordinal = 0;
    for (let d = 0; d < medium.days; d++) {
      for (const doc of materialiseDay(medium, d)) {
        expect(doc.time).toBeGreaterThanOrEqual(last);
        expect(doc.time).toBeLessThanOrEqual(medium.end);
        last = doc.time;
        expect(ids.has(doc.id)).toBe(false);
        ids.add(doc.id);
        expect(decodeDocumentId(doc.id)?.day).toBe(d);
        ordinal++;
      }
    }
    expect(ordinal).toBe(medium.documentCount);
  });

  it('writes every document type, settlement method (both spellings) and product kind', () => {
    const types = new Set(served.map((d) => d.type));
    for (const t of ['SELL', 'PAYBACK', 'BUY', 'BUYBACK', 'ACCEPT', 'WRITE_OFF', 'RETURN', 'INVENTORY', 'REVALUATION', 'CASH_INCOME', 'CASH_OUTCOME', 'OPEN_SESSION', 'CLOSE_SESSION', 'CORRECTION'])
      expect(types, t).toContain(t);
    const methods = new Set<string>();
    let absent = 0;
    for (const d of served) for (const p of d.body.positions ?? []) {
      if (d.type !== 'SELL') continue;
      if (p.settlement_method) methods.add(p.settlement_method.type);
      else absent++;
    }
    for (const m of ['FULL_PREPAYMENT', 'PARTIAL_PREPAYMENT', 'ADVANCE', 'FULL_SETTLEMENT', 'PARTIAL_SETTLEMENT', 'CREDIT', 'CREDIT_PAYMENT',
      'FullPrepayment', 'FullSettlement', 'Lend', 'LoanPayment']) expect(methods, m).toContain(m);
    expect(absent).toBeGreaterThan(0);
    const productTypes = new Set(served.flatMap((d) => (d.body.positions ?? []).map((p: any) => p.product_type)));
    for (const t of ['NORMAL', 'SERVICE', 'ALCOHOL_NOT_MARKED', 'ALCOHOL_MARKED']) expect(productTypes).toContain(t);
    const kinds = new Set(medium.catalogue.products.map((p) => p.kind));
    for (const k of ['category', 'variantParent', 'piece', 'weighted', 'service', 'alcohol', 'alcoholMarked', 'modification', 'set']) expect(kinds).toContain(k);
  });

  it('writes exact quantities with at most 3 decimals, as numbers and as strings', () => {
    const forms = new Set<string>();
    let fractional = 0;
    for (const d of served) for (const p of [...(d.body.positions ?? []), ...(d.body.positions ?? []).flatMap((x: any) => x.sub_positions ?? [])]) {
      for (const key of ['quantity', 'initial_quantity']) {
        const v = p[key];
        if (v === undefined) continue;
        forms.add(typeof v);
        expect(String(v)).toMatch(/^-?\d{1,7}(\.\d{1,3})?$/);
        if (/\.\d*[1-9]/.test(String(v))) fractional++;
      }
    }
    expect(forms).toEqual(new Set(['number', 'string']));
    expect(fractional).toBeGreaterThan(0);
  });

  it('links follow-ups to their origin: returns to an earlier sale, settlements after prepayments, credit payments after credits', () => {
    const byId = new Map(served.map((d) => [d.id, d]));
    const paybacks = served.filter((d) => d.type === 'PAYBACK' || d.type === 'BUYBACK');
    expect(paybacks.length).toBeGreaterThan(0);
    for (const d of paybacks) {
      const base = byId.get(d.body.base_document_id);
      expect(base, d.id).toBeDefined();
      expect(base!.type).toBe(d.type === 'PAYBACK' ? 'SELL' : 'BUY');
      expect(Date.parse(base!.close_date.replace('+0000', 'Z'))).toBeLessThan(Date.parse(d.close_date.replace('+0000', 'Z')));
      const baseProducts = new Set(base!.body.positions.map((p: any) => p.product_id));
      for (const p of d.body.positions) expect(baseProducts.has(p.product_id)).toBe(true);
    }
    // every prepayment's goods are later sold again with a full settlement (unless the follow-up falls after the end)
    const prepayments = docs.filter((d) => d.type === 'SELL' && d.settlement === 0);
    const settled = docs.filter((d) => d.type === 'SELL' && d.settlement === 3);
    const key = (d: GenDoc) => d.lines.map((l) => `${l.p}:${l.qty}`).join(',');
    const settledKeys = new Set(settled.map(key));
    const matched = prepayments.filter((p) => settledKeys.has(key(p)));
    expect(matched.length).toBeGreaterThan(prepayments.length / 2);
  });

  it('writes free-price lines with a null id and with the reserved id', () => {
    const ids = served.flatMap((d) => (d.body.positions ?? []).filter((p: any) => p.product_name === 'Товар по свободной цене').map((p: any) => p.product_id));
    expect(ids).toContain(null);
    expect(ids).toContain('390067bf-e8d3-4fcc-8c30-fbfd77a0a70d');
  });

  it('sets: the header names a set product that keeps no stock, its sub-positions are goods', () => {
    const headers = served.flatMap((d) => (d.body.positions ?? []).filter((p: any) => p.sub_positions?.length));
    expect(headers.length).toBeGreaterThan(0);
    const sets = new Set(medium.catalogue.products.filter((p) => p.kind === 'set').map((p) => p.id));
    for (const h of headers) {
      expect(sets.has(h.product_id)).toBe(true);
      for (const s of h.sub_positions) expect(medium.catalogue.products[medium.catalogue.byId.get(s.product_id)!]!.tracked).toBe(true);
    }
  });

  it('a complete inventory really zeroes every unlisted tracked product', () => {
    let checked = 0;
    replay(medium, undefined, ({ doc, stock }) => {
      if (doc.type !== 'INVENTORY' || !doc.complete) return;
      const listed = new Set(doc.lines.map((l) => l.p));
      expect(listed.size).toBeLessThan(medium.catalogue.tracked.length);
      for (const p of medium.catalogue.tracked) if (!listed.has(p)) expect(stock[p]).toBe(0);
      for (const l of doc.lines) expect(stock[l.p]).toBe(l.counted);
      checked++;
    });
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('with one terminal and no offline periods, initial_quantity is exactly the true stock before the document', () => {
    let lines = 0;
    const before = new Float64Array(medium.catalogue.products.length);
    replay(medium, undefined, ({ doc, stock }) => {
      for (const l of doc.lines.flatMap((x) => [x, ...(x.subs ?? [])])) {
        if (l.p < 0 || !medium.catalogue.products[l.p]!.tracked) continue;
        expect(l.initial, `${doc.type} ${doc.id}`).toBe(before[l.p]);
        lines++;
      }
      before.set(stock);
    });
    expect(lines).toBeGreaterThan(1000);
  });

  it('replay reproduces the final truth of the forward simulation', () => {
    expect(Array.from(replay(medium))).toEqual(Array.from(medium.truth));
  });

  it('with several terminals, some initial_quantity values are stale (differ from the true stock before)', () => {
    const multi = generateStore({ seed: 'gen-multi', products: 40, terminals: 3, days: 30, docsPerDay: 80, randomOffline: 3 });
    let stale = 0;
    let total = 0;
    const prev = new Float64Array(multi.catalogue.products.length);
    replay(multi, undefined, ({ doc, stock }) => {
      for (const l of doc.lines.flatMap((x) => [x, ...(x.subs ?? [])])) {
        if (l.p < 0 || !multi.catalogue.products[l.p]!.tracked) continue;
        total++;
        if (l.initial !== prev[l.p]) stale++;
      }
      prev.set(stock);
    });
    expect(total).toBeGreaterThan(1000);
    expect(stale).toBeGreaterThan(0);
    // the truth itself does not depend on terminals
    expect(Array.from(replay(multi))).toEqual(Array.from(multi.truth));
  });

  it('cloud edits change what terminals see; the truth stays the replay of the documents', () => {
    const base = { seed: 'gen-edits', products: 30, terminals: 1, days: 20, docsPerDay: 40 };
    const plain = generateStore(base);
    const edited = generateStore({ ...base, cloudEdits: 25 });
    expect(edited.cloudEdits.length).toBe(25);
    let stale = 0;
    const before = new Float64Array(edited.catalogue.products.length);
    replay(edited, undefined, ({ doc, stock }) => {
      for (const l of doc.lines) if (l.p >= 0 && edited.catalogue.products[l.p]!.tracked && l.initial !== before[l.p]) stale++;
      before.set(stock);
    });
    expect(stale).toBeGreaterThan(0);
    expect(Array.from(replay(edited))).toEqual(Array.from(edited.truth));
    // the same documents, apart from what depends on the terminal's view (initial_quantity, order quantities)
    expect(edited.documentCount).toBe(plain.documentCount);
    expect(materialiseDay(edited, 5).map((d) => d.id)).toEqual(materialiseDay(plain, 5).map((d) => d.id));
  });

  it('V1-era stores have no settlement methods, sets or complete inventories', () => {
    const v1 = generateStore({ seed: 'gen-v1', products: 60, days: 50, docsPerDay: 40, apiVersion: 'v1', completeInventoryEveryDays: 10 });
    const all = allDocs(v1);
    expect(all.every((d) => d.settlement === S_ABSENT)).toBe(true);
    expect(all.some((d) => d.lines.some((l) => l.subs))).toBe(false);
    expect(all.some((d) => d.type === 'INVENTORY' && d.complete)).toBe(false);
    expect(all.some((d) => d.type === 'PAYBACK')).toBe(true);
  });

  it('import mode starts from stock imported into the cloud, anchored by initial_quantity', () => {
    const s = generateStore({ seed: 'gen-import', products: 20, days: 5, docsPerDay: 20, initialStock: 'import' });
    expect(materialiseDay(s, 0).some((d) => d.type === 'ACCEPT' && d.lines.length > 50)).toBe(false);
    const first = allDocs(s).find((d) => d.type === 'SELL' && d.lines.some((l) => l.p >= 0 && s.catalogue.products[l.p]!.tracked));
    const line = first!.lines.find((l) => l.p >= 0 && s.catalogue.products[l.p]!.tracked)!;
    expect(line.initial).toBeGreaterThan(0);
  });

  it('validates options', () => {
    expect(() => generateStore({ terminals: 0 })).toThrow(OptionsError);
    expect(() => generateStore({ products: -1 })).toThrow(OptionsError);
    expect(() => generateStore({ apiVersion: 'v3' as never })).toThrow(/apiVersion/);
    expect(() => generateStore({ nonsense: 1 } as never)).toThrow(/unknown generator option/);
    expect(() => generateStore({ offline: [{ terminal: 0, from: 10, to: 5 }] })).toThrow(/after/);
  });

  it('endTime "now" ends the history at the given now', () => {
    const now = Date.UTC(2026, 0, 15, 12, 0, 0);
    const s = generateStore({ seed: 'now', products: 10, days: 3, docsPerDay: 10, endTime: 'now' }, { now });
    expect(s.end).toBe(now);
    expect(evotorDate(s.end)).toBe('2026-01-15T12:00:00.000+0000');
  });
});
