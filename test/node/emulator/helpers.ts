/** Helpers for the emulator tests: HTTP calls, paging through documents, and an independent replay of physical movements. */
import { parseQuantity, type Milli } from '../../../src/model/quantity.ts';
import type { RunningEmulator } from '../../../src/emulator/server.ts';

export type Json = Record<string, any>;

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function call(emu: RunningEmulator | string, path: string, init: RequestInit & { token?: string | null } = {}): Promise<Answer> {
  const base = typeof emu === 'string' ? emu : emu.url;
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? (typeof emu === 'string' ? null : emu.token) : init.token;
  if (token !== null && !headers.has('authorization') && !headers.has('x-authorization')) headers.set('Authorization', `Bearer ${token}`);
  if (!headers.has('accept')) headers.set('Accept', 'application/vnd.evotor.v2+json');
  const res = await fetch(base + path, { ...init, headers });
  const text = await res.text();
  let json: any = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function admin(emu: RunningEmulator, path: string, method = 'GET', body?: unknown): Promise<Answer> {
  return call(emu.url, `/__emulator${path}`, {
    method,
    token: null,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
}

/** Follows next_cursor sending only ?cursor=…; returns every item and the number of pages. */
export async function allPages(emu: RunningEmulator, firstPath: string, token?: string): Promise<{ items: Json[]; pages: number; raw: string[] }> {
  const items: Json[] = [];
  const raw: string[] = [];
  let path = firstPath;
  const base = firstPath.split('?')[0]!;
  for (let pages = 1; ; pages++) {
    const a = await call(emu, path, token === undefined ? {} : { token });
    if (a.status !== 200) throw new Error(`${path}: ${a.status} ${a.text}`);
    raw.push(a.text);
    items.push(...a.json.items);
    const next = a.json.paging?.next_cursor;
    if (!next) return { items, pages, raw };
    path = `${base}?cursor=${encodeURIComponent(next)}`;
  }
}

/** Exact thousandths from a served quantity (number or decimal string). */
export const q = (v: unknown): Milli => parseQuantity(v);

/** Evotor's names (evotor-api.md §10, the emulator's default), the emulator's own upper spelling, the terminal SDK's. */
const GOODS_NOT_HANDED_OVER = new Set([
  'PREPAYMENT_FULL', 'PREPAYMENT_PARTIAL', 'ADVANCE', 'CREDIT_CHECKOUT',
  'FULL_PREPAYMENT', 'PARTIAL_PREPAYMENT', 'CREDIT_PAYMENT',
  'FullPrepayment', 'PartialPrepayment', 'AdvancePayment', 'LoanPayment',
]);
const DIRECTION: Record<string, number> = { SELL: -1, PAYBACK: 1, BUY: 1, BUYBACK: -1, ACCEPT: 1, WRITE_OFF: -1, RETURN: -1 };

/**
 * An independent replay of physical movements from served V2 documents (written for the tests, sharing no code
 * with the generator): direction by type, no goods for prepayment/advance/credit payment, set headers move
 * nothing but their sub-positions do, services and free-price lines have no stock, INVENTORY sets the counted
 * quantity and a complete one zeroes every unlisted stock-keeping product.
 *
 * `onDocument` gets the stock before each document (to check initial_quantity).
 */
export function replayDocuments(
  docs: Json[],
  stockKeeping: Set<string>,
  onDocument?: (doc: Json, before: Map<string, Milli>) => void,
): Map<string, Milli> {
  const stock = new Map<string, Milli>();
  for (const id of stockKeeping) stock.set(id, 0 as Milli);
  for (const doc of docs) {
    onDocument?.(doc, stock);
    const positions: Json[] = doc.body?.positions ?? [];
    if (doc.type === 'INVENTORY') {
      const listed = new Set<string>();
      for (const p of positions) {
        if (!stockKeeping.has(p.product_id)) continue;
        stock.set(p.product_id, q(p.quantity));
        listed.add(p.product_id);
      }
      if (doc.body.complete_inventory === true) for (const id of stockKeeping) if (!listed.has(id)) stock.set(id, 0 as Milli);
      continue;
    }
    const dir = DIRECTION[doc.type as string];
    if (dir === undefined) continue;
    for (const p of positions) {
      if (p.settlement_method && GOODS_NOT_HANDED_OVER.has(p.settlement_method.type)) continue;
      const lines: Json[] = p.sub_positions && p.sub_positions.length > 0 ? p.sub_positions : [p];
      for (const l of lines) {
        if (!stockKeeping.has(l.product_id)) continue;
        stock.set(l.product_id, ((stock.get(l.product_id) ?? 0) + dir * q(l.quantity)) as Milli);
      }
    }
  }
  return stock;
}

/** Products that keep stock, from GET /products: not groups, not services, not set headers seen in documents. */
export function stockKeepingProducts(products: Json[], docs: Json[]): Set<string> {
  const setHeaders = new Set<string>();
  for (const d of docs) for (const p of d.body?.positions ?? []) if (p.sub_positions?.length) setHeaders.add(p.product_id);
  return new Set(products.filter((p) => !p.group && p.type !== 'SERVICE' && !setHeaders.has(p.id)).map((p) => p.id));
}

export const STORE_ID_RE = /^(\d{8})-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
export const FIXED_END = Date.UTC(2025, 5, 30, 21, 0, 0);
