/**
 * The Evotor scopes a request needs (shared/docs/evotor-api.md §1, as the emulator enforces them), so a test can
 * say which scopes the app really used. Reading products counts product.quantity:read too: the app reads the
 * cloud's quantities (review, guard, verification), which Evotor only returns with that scope.
 */
import type { LogEntry } from './browser.ts';

export function scopesOf(entry: Pick<LogEntry, 'method' | 'path'>): string[] {
  const { method, path } = entry;
  const v1 = path.startsWith('/api/v1/');
  if (/\/documents(\/|$)/.test(path)) return ['document:read'];
  if (/\/bulks(\/|$)/.test(path)) return ['product:read'];
  if (/\/(products|product-groups)(\/|$)/.test(path)) {
    if (method === 'GET') return ['product:read', 'product.quantity:read'];
    return ['product:write', 'product.quantity:write'];
  }
  if (v1 ? /\/(stores|devices)\/search$/.test(path) : /^\/stores(\/[^/]+)?(\/devices)?$/.test(path)) return ['store:read'];
  throw new Error(`no scope known for ${method} ${path}`);
}

export function scopesUsed(entries: readonly Pick<LogEntry, 'method' | 'path'>[]): string[] {
  return [...new Set(entries.flatMap(scopesOf))].sort();
}
