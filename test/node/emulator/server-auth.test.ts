import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SCOPES, startEmulator, type RunningEmulator } from '../../../src/emulator/server.ts';
import { admin, call } from './helpers.ts';

describe('emulator auth, scopes, errors, rate limits and CORS', () => {
  let emu: RunningEmulator;
  let storeId: string;
  let productId: string;

  beforeAll(async () => {
    emu = await startEmulator({
      token: 'good',
      tokens: [
        { token: 'no-docs', scopes: ALL_SCOPES.filter((s) => s !== 'document:read') },
        { token: 'no-qty', scopes: ['store:read', 'product:read', 'product:write', 'document:read'] },
        { token: 'unpaid', paid: false },
      ],
      rateLimit: { limit: 5, windowSeconds: 30 },
      maxBodyBytes: 1024 * 1024,
      store: { seed: 'srv-auth', products: 20, days: 5, docsPerDay: 20 },
    });
    storeId = [...emu.state.stores.keys()][0]!;
    productId = emu.state.store(storeId)!.products.find((p) => p.fields.type === 'NORMAL')!.id;
  });
  afterAll(() => emu.close());

  it('401 without a token or with a bad one; accepts Bearer, a raw token and X-Authorization', async () => {
    const none = await call(emu, '/stores', { token: null });
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('UNAUTHORIZED');
    expect((await call(emu, '/stores', { token: 'wrong' })).status).toBe(401);
    expect((await call(emu, `/stores/${storeId}`, { headers: { Authorization: 'Bearer good' } })).status).toBe(200);
    expect((await call(emu, `/stores/${storeId}`, { headers: { Authorization: 'bearer good' } })).status).toBe(200);
    expect((await call(emu, `/stores/${storeId}`, { headers: { Authorization: 'good' } })).status).toBe(200);
    expect((await call(emu, `/stores/${storeId}`, { headers: { 'X-Authorization': 'good' } })).status).toBe(200);
  });

  it('403 names the missing scope; without product.quantity:read products have no quantity', async () => {
    const docs = await call(emu, `/stores/${storeId}/documents`, { token: 'no-docs' });
    expect(docs.status).toBe(403);
    expect(docs.json.message).toContain('document:read');
    expect(docs.json.violations).toContainEqual({ subject: 'scope', reason: 'document:read' });
    const products = await call(emu, `/stores/${storeId}/products`, { token: 'no-qty' });
    expect(products.status).toBe(200);
    expect(products.json.items.some((p: any) => 'quantity' in p)).toBe(false);
    const one = await call(emu, `/stores/${storeId}/products/${productId}`, { token: 'no-qty' });
    expect(one.json.quantity).toBeUndefined();
    const patch = await call(emu, `/stores/${storeId}/products/${productId}`, { token: 'no-qty', method: 'PATCH', body: '{"quantity":1}' });
    expect(patch.status).toBe(403);
    expect(patch.json.message).toContain('product.quantity:write');
    const v1 = await call(emu, `/api/v1/inventories/stores/${storeId}/products`, { token: null, headers: { 'X-Authorization': 'no-qty' } });
    expect(v1.status).toBe(200);
    expect(v1.json.some((p: any) => 'quantity' in p)).toBe(false);
  });

  it('402 for an unpaid token and for a store without a subscription', async () => {
    const a = await call(emu, '/stores', { token: 'unpaid' });
    expect(a.status).toBe(402);
    expect(a.json.code).toBe('PAYMENT_REQUIRED');
    await admin(emu, `/stores/${storeId}`, 'PUT', { paid: false });
    expect((await call(emu, `/stores/${storeId}/documents`)).status).toBe(402);
    const v1 = await call(emu, `/api/v1/inventories/stores/${storeId}/products`);
    expect(v1.status).toBe(402);
    expect(v1.json.errors[0].code).toBe(1004);
    await admin(emu, `/stores/${storeId}`, 'PUT', { paid: true });
    expect((await call(emu, `/stores/${storeId}/documents`)).status).toBe(200);
  });

  it('404 for unknown routes, stores and products', async () => {
    expect((await call(emu, '/nothing/here')).status).toBe(404);
    expect((await call(emu, `/stores/${storeId}/unknown`)).status).toBe(404);
    expect((await call(emu, `/api/v1/inventories/stores/${storeId}/nothing`)).status).toBe(404);
  });

  it('413 when the body is over the size limit', async () => {
    const big = JSON.stringify([{ name: 'x'.repeat(1024 * 1024 + 10), type: 'NORMAL' }]);
    const a = await call(emu, `/stores/${storeId}/products`, { method: 'POST', body: big, headers: { 'Content-Type': 'application/vnd.evotor.v2+bulk+json' } });
    expect(a.status).toBe(413);
    expect(a.json.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rate limit per token and URI: headers on every answer, 429 with Retry-After past the limit', async () => {
    emu.state.rate.clear();
    const path = `/stores/${storeId}/products/${productId}`;
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await call(emu, path);
      expect(a.status).toBe(200);
      expect(a.headers.get('x-ratelimit-limit')).toBe('5');
      remaining.push(a.headers.get('x-ratelimit-remaining')!);
      expect(Number(a.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const over = await call(emu, path);
    expect(over.status).toBe(429);
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(30);
    expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
    // another URI, or another token, has its own budget
    expect((await call(emu, `/stores/${storeId}`)).status).toBe(200);
    expect((await call(emu, path, { token: 'no-qty' })).status).toBe(200);
    emu.state.rate.clear();
  });

  it('the window resets after its length', async () => {
    let now = 1_000_000;
    const clocked = await startEmulator({ clock: () => now, rateLimit: { limit: 1, windowSeconds: 10 }, store: { seed: 'rl', products: 5, days: 1, docsPerDay: 5 } });
    try {
      expect((await call(clocked, '/stores')).status).toBe(200);
      const over = await call(clocked, '/stores');
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('10');
      now += 4_000;
      expect((await call(clocked, '/stores')).headers.get('retry-after')).toBe('6');
      now += 6_000;
      expect((await call(clocked, '/stores')).status).toBe(200);
    } finally {
      await clocked.close();
    }
  });

  it('answers CORS preflight for any origin and exposes the rate-limit and violation headers', async () => {
    const res = await fetch(`${emu.url}/stores/${storeId}/products/${productId}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.org',
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'authorization,content-type,x-authorization,accept',
        'Access-Control-Request-Private-Network': 'true',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
    const allowed = res.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const h of ['authorization', 'x-authorization', 'content-type', 'accept']) expect(allowed).toContain(h);
    expect(res.headers.get('access-control-allow-private-network')).toBe('true');
    const get = await call(emu, `/stores/${storeId}`, { headers: { Origin: 'https://app.example.org' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = get.headers.get('access-control-expose-headers')!;
    for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After', 'X-Products-Violations-Count', 'X-Products-Violations'])
      expect(exposed).toContain(h);
    const adminPreflight = await fetch(`${emu.url}/__emulator/faults`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'PUT' } });
    expect(adminPreflight.status).toBe(204);
    expect(adminPreflight.headers.get('access-control-allow-origin')).toBe('*');
  });
});
