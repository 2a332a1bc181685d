/**
 * Applying one store's part of a run: guard, write (V2 PATCH per product with adaptive concurrency, or V1 POST of
 * complete products in batches under 10 MB), verify. Every state change is journaled; 'sent' is journaled BEFORE
 * the request leaves, so a crash at any point leaves the journal able to resume (state.ts resume rules).
 */
import type { EvotorClient } from '../api/client.ts';
import { normaliseProduct } from '../model/normalise.ts';
import type { Milli } from '../model/quantity.ts';
import { productKey } from '../stock/index.ts';
import { readCloud } from './cloud.ts';
import type { WriteRateController } from './concurrency.ts';
import { classify, StopRun, type Classified } from './errors.ts';
import { applyNewDocuments, fetchDocumentsSince, guardUntil, salesAfterWrite } from './guard.ts';
import type { Journal } from './journal.ts';
import {
  markAnswered, markFailed, markGone, markNoAnswer, markNotSent, markReread, markSent, reopen, resumeAction,
} from './state.ts';
import type { JournalItem, JournalStore, MovedProduct } from './types.ts';

export interface WriterOptions {
  /** During a long write the guard looks again this often (ms). */
  guardIntervalMs: number;
  /** V1: a batch's estimated JSON size stays under this (Evotor refuses requests over 10 MB). */
  v1BatchBytes: number;
  /** V1: at most this many products per POST. */
  v1BatchSize: number;
  /** V2: at most this many PATCH lanes (the rate controller decides how many actually run). */
  maxLanes: number;
  /** This many writes in a row without any answer (network down, CORS) interrupt the run. */
  maxNoAnswerInARow: number;
  /** A product that failed for a passing reason (429 or 5xx after the client's retries) is queued again within the run up to this many attempts. */
  maxAttemptsPerRun: number;
}

export interface StoreContext {
  journal: Journal;
  client: EvotorClient;
  controller: WriteRateController;
  runId: string;
  store: JournalStore;
  /** This store's items by productKey; kept current by the writer. */
  items: Map<string, JournalItem>;
  signal: AbortSignal;
  now: () => number;
  options: WriterOptions;
  /** Whether a write of this run already succeeded (the write scope is proven). */
  scopeChecked: () => boolean;
  markScopeChecked: () => Promise<void>;
  /** Called whenever an item reaches a state of its own after a write or a re-read. */
  onItem: (item: JournalItem) => void;
  /** Called when the store's work changes phase (for progress). */
  onPhase: (phase: 'guard' | 'writing' | 'verifying') => void;
  /** Saves the store's guard state in the run. */
  saveStore: (store: JournalStore) => Promise<void>;
  moved: MovedProduct[];
  /** Plan-level notes found while writing (unattributed violations…). */
  warn: (text: string) => void;
}

async function save(ctx: StoreContext, item: JournalItem): Promise<JournalItem> {
  ctx.items.set(productKey(item.productId), item);
  await ctx.journal.putItem(item);
  return item;
}

async function saveAll(ctx: StoreContext, items: readonly JournalItem[]): Promise<void> {
  for (const item of items) ctx.items.set(productKey(item.productId), item);
  await ctx.journal.putItems(items);
}

/** One guard pass: documents closed after the cut-off that were not applied yet move the targets. */
export async function guardStore(ctx: StoreContext): Promise<void> {
  const { store } = ctx;
  ctx.onPhase('guard');
  const until = ctx.now();
  const raw = await fetchDocumentsSince(ctx.client, store.storeId, store.cutoff + 1, guardUntil(until), ctx.signal);
  const outcome = applyNewDocuments(raw, store.api, [...ctx.items.values()], store.guardDocumentIds, store.cutoff, ctx.now());
  await saveAll(ctx, outcome.changed);
  ctx.moved.push(...outcome.moved);
  ctx.store = { ...store, guardDocumentIds: outcome.seenIds, guardCheckedAt: until };
  await ctx.saveStore(ctx.store);
}

/** Rounds of "check after the write, write the erased ones again" before the run leaves the rest to the report. */
const AFTER_WRITE_ROUNDS = 4;

/**
 * After a store's writes, before the run calls it verified: a sale closed between the last guard pass and a product's
 * PATCH was erased by it (the PATCH sets the old target). So the guard looks once more, and for the products already
 * written whose new documents the cloud does not show applied on top of our write (guard.ts salesAfterWrite), the
 * target takes them and the product is written again (journaled before sending, as every write), then verified; until
 * a pass finds nothing new. A sale the cloud applied after our PATCH is only recorded, never counted twice.
 */
export async function settleAfterWrite(ctx: StoreContext, write: (ctx: StoreContext) => Promise<void>): Promise<void> {
  for (let round = 0; round < AFTER_WRITE_ROUNDS; round++) {
    const { store } = ctx;
    ctx.onPhase('guard');
    const until = ctx.now();
    // The cloud first, the documents next: every sale the cloud applied by this read is among the documents fetched.
    const { catalogue } = await readCloud(ctx.client, store.storeId, ctx.signal);
    const raw = await fetchDocumentsSince(ctx.client, store.storeId, store.cutoff + 1, guardUntil(until), ctx.signal);
    const written = new Set([...ctx.items.values()].filter((i) => (i.status === 'verified' || i.status === 'mismatch') && i.target !== null)
      .map((i) => productKey(i.productId)));
    // Written products go through the line rules as if still to be written: their movements, not a new target yet.
    const view = [...ctx.items.values()].map((i) => (written.has(productKey(i.productId)) ? { ...i, status: 'pending' as const } : i));
    const outcome = applyNewDocuments(raw, store.api, view, store.guardDocumentIds, store.cutoff, ctx.now());
    const changed: JournalItem[] = [];
    let rewrite = 0;
    for (const next of outcome.changed) {
      const key = productKey(next.productId);
      if (!written.has(key)) {
        changed.push(next);
        continue;
      }
      const item = ctx.items.get(key)!;
      const adjustments = next.adjustments.slice(item.adjustments.length);
      if (next.status === 'skipped' || adjustments.length === 0) {
        ctx.warn(`product ${item.productId}: a new document lists it after it was written but cannot be read; check its stock`);
        continue;
      }
      const cloud = catalogue.get(key)?.product.quantity ?? null;
      const after = salesAfterWrite(item.target!, adjustments, cloud);
      const at = ctx.now();
      if (after.verdict === 'erased') {
        const marked = adjustments.map((a, k) => (k < after.erased ? { ...a, note: `${a.note} (стёрта записью, записано снова)` } : { ...a, note: `${a.note} (учтена облаком после записи)` }));
        changed.push(reopen(item, marked, at));
        rewrite += 1;
      } else {
        const marked = adjustments.map((a) => ({ ...a, note: `${a.note} (учтена облаком после записи)` }));
        const settled = { ...item, target: after.to, adjustments: [...item.adjustments, ...marked], written: cloud, updatedAt: at };
        changed.push(after.verdict === 'applied'
          ? { ...settled, status: 'verified' as const, reason: null }
          : { ...settled, status: 'mismatch' as const, reason: 'unknown' as const, lastAnswer: { status: null, message: `after new documents the cloud holds another quantity than the target with or without them`, at } });
      }
    }
    await saveAll(ctx, changed);
    ctx.moved.push(...outcome.moved.filter((m) => changed.some((c) => c.productId === m.productId)));
    ctx.store = { ...store, guardDocumentIds: outcome.seenIds, guardCheckedAt: until };
    await ctx.saveStore(ctx.store);
    if (rewrite === 0) return;
    await write(ctx);
  }
}

/** Re-reads the cloud and settles the items `which` selects (sent → verified or pending; written → verified/mismatch). */
export async function rereadStore(ctx: StoreContext, which: (item: JournalItem) => boolean): Promise<void> {
  const selected = [...ctx.items.values()].filter(which);
  if (selected.length === 0) return;
  ctx.onPhase('verifying');
  const { catalogue } = await readCloud(ctx.client, ctx.store.storeId, ctx.signal);
  const changed: JournalItem[] = [];
  for (const item of selected) {
    const cloud = catalogue.get(productKey(item.productId));
    let next: JournalItem;
    if (!cloud) next = markGone(item, null, ctx.now());
    else {
      next = markReread(item, cloud.product.quantity, ctx.now());
      if (item.v1Product && cloud.raw && next.status === 'verified') {
        const differs = otherFieldsDiffer(item.v1Product, cloud.raw);
        if (differs.length > 0) next = { ...next, warnings: [...next.warnings, `fields differ from the plan-time read: ${differs.join(', ')}`] };
      }
    }
    if (next !== item) changed.push(next);
  }
  await saveAll(ctx, changed);
  for (const item of changed) if (item.status !== 'pending') ctx.onItem(item);
}

/** Keys of two products (other than quantity) whose values differ. */
export function otherFieldsDiffer(a: Record<string, unknown>, b: unknown): string[] {
  if (typeof b !== 'object' || b === null) return ['(not an object)'];
  const other = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(other)]);
  keys.delete('quantity');
  return [...keys].filter((k) => stableJson(a[k]) !== stableJson(other[k])).sort();
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(stableJson).join(',') + ']';
  if (value && typeof value === 'object') {
    return '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + stableJson((value as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(value) ?? 'undefined';
}

function answeredQuantity(raw: unknown, ctx: StoreContext): Milli | null {
  if (raw === null || raw === undefined) return null;
  const result = normaliseProduct(raw, ctx.store.api);
  return result.ok ? result.product.quantity : null;
}

/** Applies the outcome of a failed request to a sent item; throws to stop the run when it must stop. */
async function settleFailure(ctx: StoreContext, item: JournalItem, c: Classified, error: unknown): Promise<JournalItem> {
  const at = ctx.now();
  switch (c.kind) {
    case 'abort':
      throw error; // stays sent: the write may have landed; resume writes the same target again
    case 'bug':
      await save(ctx, markNoAnswer(item, c.message, at));
      throw error;
    case 'stop':
      await save(ctx, markNotSent(item, c.status, c.message, at));
      throw new StopRun(c.code, c.message, c.scope);
    case 'too-large':
      return save(ctx, markFailed(item, 'rejected', c.status, c.message, at));
    case 'failed':
      return save(ctx, c.reason === 'not-found' ? markGone(item, c.status, at) : markFailed(item, c.reason, c.status, c.message, at));
    case 'no-answer':
      return save(ctx, markNoAnswer(item, c.message, at));
    case 'unverified':
      return save(ctx, markAnswered(item, null, 200, at));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// V2: PATCH {quantity} per product
// ---------------------------------------------------------------------------------------------------------------

export async function writeV2(ctx: StoreContext): Promise<void> {
  ctx.onPhase('writing');
  const queue = [...ctx.items.values()].filter((i) => resumeAction(i, 'v2') === 'write').map((i) => productKey(i.productId));
  let next = 0;
  let halt: unknown = null;
  let noAnswerInARow = 0;

  const writeOne = async (key: string): Promise<void> => {
    await ctx.controller.acquire(ctx.signal);
    let item = ctx.items.get(key)!;
    let released = false;
    const release = () => {
      if (!released) ctx.controller.release();
      released = true;
    };
    try {
      if (resumeAction(item, 'v2') !== 'write') return; // the guard sent it to review meanwhile
      item = await save(ctx, markSent(item, ctx.now())); // journaled BEFORE the request leaves
      let products: unknown[];
      try {
        ({ products } = await ctx.client.setQuantities(ctx.store.storeId, [{ productId: item.productId, quantity: item.target! }], ctx.signal));
      } catch (error) {
        release();
        const c = classify(error);
        item = await settleFailure(ctx, item, c, error);
        if (c.kind === 'no-answer') {
          noAnswerInARow += 1;
          if (noAnswerInARow >= ctx.options.maxNoAnswerInARow) {
            throw new StopRun(c.code, `${noAnswerInARow} writes in a row got no answer (${c.message}); the run is interrupted and continues from the journal`, undefined, 'interrupted');
          }
        }
        if (c.kind === 'failed' && (c.reason === 'rate-limited' || c.reason === 'server-error') && item.attempts < ctx.options.maxAttemptsPerRun) {
          queue.push(key); // later in this run: the rate controller has slowed down meanwhile
          return;
        }
        ctx.onItem(item);
        return;
      }
      release();
      noAnswerInARow = 0;
      item = await save(ctx, markAnswered(item, answeredQuantity(products[0], ctx), 200, ctx.now()));
      if (!ctx.scopeChecked()) await ctx.markScopeChecked();
      ctx.onItem(item);
    } finally {
      release();
    }
  };

  while (next < queue.length) {
    if (!ctx.scopeChecked()) {
      // The first write goes alone: a 403 (missing scope) stops the run before anything else is sent.
      await writeOne(queue[next++]!);
      continue;
    }
    const guardAt = ctx.now() + ctx.options.guardIntervalMs;
    const lane = async () => {
      while (halt === null && next < queue.length && ctx.now() < guardAt) {
        const key = queue[next++]!;
        try {
          await writeOne(key);
        } catch (error) {
          halt ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: ctx.options.maxLanes }, lane));
    if (halt !== null) throw halt;
    // A long write: look for sales made meanwhile before writing the rest.
    if (next < queue.length) {
      await guardStore(ctx);
      ctx.onPhase('writing');
    }
  }

  // Answers that showed no quantity: verify by reading the cloud.
  await rereadStore(ctx, (i) => i.status === 'written');
}

// ---------------------------------------------------------------------------------------------------------------
// V1: POST complete products, batches under 10 MB
// ---------------------------------------------------------------------------------------------------------------

const encoder = new TextEncoder();

/** Splits items into batches whose JSON (estimated from the product as read, +10 % and the target) stays small. */
export function makeV1Batches(items: readonly JournalItem[], maxBytes: number, maxCount: number): JournalItem[][] {
  const batches: JournalItem[][] = [];
  let batch: JournalItem[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = Math.ceil(encoder.encode(JSON.stringify(item.v1Product ?? { uuid: item.productId })).length * 1.1) + 32;
    if (batch.length > 0 && (bytes + size > maxBytes || batch.length >= maxCount)) {
      batches.push(batch);
      batch = [];
      bytes = 2;
    }
    batch.push(item);
    bytes += size + 1;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export async function writeV1(ctx: StoreContext): Promise<void> {
  // Resume: what was sent (or accepted) before is checked against the cloud first.
  await rereadStore(ctx, (i) => resumeAction(i, 'v1') === 'reread');

  const toWrite = [...ctx.items.values()].filter((i) => resumeAction(i, 'v1') === 'write');
  const queue = makeV1Batches(toWrite, ctx.options.v1BatchBytes, ctx.options.v1BatchSize).map((b) => b.map((i) => productKey(i.productId)));

  while (queue.length > 0) {
    const keys = queue.shift()!;
    ctx.onPhase('writing');
    const batch = keys.map((k) => ctx.items.get(k)!).filter((i) => resumeAction(i, 'v1') === 'write');
    if (batch.length === 0) continue;
    const at = ctx.now();
    const sent = batch.map((i) => markSent(i, at));
    await saveAll(ctx, sent); // journaled BEFORE the POST leaves, in one transaction
    let violations: string[];
    try {
      ({ violations } = await ctx.client.setQuantities(
        ctx.store.storeId, sent.map((i) => ({ productId: i.productId, quantity: i.target! })), ctx.signal));
    } catch (error) {
      const c = classify(error);
      const now = ctx.now();
      if (c.kind === 'abort') throw error;
      if (c.kind === 'stop') {
        await saveAll(ctx, sent.map((i) => markNotSent(i, c.status, c.message, now)));
        throw new StopRun(c.code, c.message, c.scope);
      }
      if ((c.kind === 'too-large' || (c.kind === 'failed' && c.reason === 'rejected')) && sent.length > 1) {
        // The whole request was refused, nothing was written: split it to find the culprit (or fit 10 MB).
        await saveAll(ctx, sent.map((i) => markNotSent(i, c.status, c.message, now)));
        const half = Math.ceil(keys.length / 2);
        queue.unshift(keys.slice(0, half), keys.slice(half));
        continue;
      }
      if (c.kind === 'failed' && c.reason === 'not-found') {
        // A product of the batch is gone from the catalogue (nothing was posted): find which, write the others.
        const { catalogue } = await readCloud(ctx.client, ctx.store.storeId, ctx.signal);
        const settled = sent.map((i) =>
          catalogue.has(productKey(i.productId)) ? markNotSent(i, c.status, c.message, now) : markGone(i, c.status, now));
        await saveAll(ctx, settled);
        settled.filter((i) => i.status === 'failed').forEach(ctx.onItem);
        const rest = keys.filter((k) => catalogue.has(k));
        if (rest.length === keys.length) {
          // The client's complaint does not match what we see: do not loop, report.
          const failed = rest.map((k) => markFailed(markSent(ctx.items.get(k)!, now), 'not-found', c.status, c.message, now));
          await saveAll(ctx, failed);
          failed.forEach(ctx.onItem);
        } else if (rest.length > 0) queue.unshift(rest);
        continue;
      }
      if (c.kind === 'no-answer' || c.kind === 'unverified' || c.kind === 'bug') {
        await saveAll(ctx, sent.map((i) => markNoAnswer(i, c.message, now)));
        if (c.kind === 'bug') throw error;
        throw new StopRun(c.kind === 'no-answer' ? c.code : 'no-answer', `a V1 batch got no readable answer (${c.message}); the run is interrupted and continues from the journal`, undefined, 'interrupted');
      }
      const failed = sent.map((i) => markFailed(i, c.kind === 'failed' ? c.reason : 'rejected', c.status, c.message, now));
      await saveAll(ctx, failed);
      failed.forEach(ctx.onItem);
      continue;
    }
    // 200: the cloud does not show quantities in the answer; violations name refused products (first 20).
    const now = ctx.now();
    const unattributed: string[] = [];
    const byViolation = new Map<string, string>();
    for (const text of violations) {
      const hit = sent.find((i) => text.toLowerCase().includes(i.productId.toLowerCase()));
      if (hit) byViolation.set(productKey(hit.productId), text);
      else unattributed.push(text);
    }
    if (unattributed.length > 0) ctx.warn(`V1 store ${ctx.store.storeId}: violations not tied to a product: ${unattributed.join(' | ').slice(0, 500)}`);
    const settled = sent.map((i) => {
      const violation = byViolation.get(productKey(i.productId));
      return violation ? markFailed(i, 'violation', 200, violation, now) : markAnswered(i, null, 200, now);
    });
    await saveAll(ctx, settled);
    settled.filter((i) => i.status === 'failed').forEach(ctx.onItem);
    if (!ctx.scopeChecked()) await ctx.markScopeChecked();
  }

  // Verify: re-read every accepted product; quantity must equal the target.
  await rereadStore(ctx, (i) => i.status === 'written');
}
