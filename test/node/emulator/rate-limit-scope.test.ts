/**
 * Rate-limit scope: 'token+uri' (default, as the reference says: one counter per token and URI, so each product's
 * PATCH is counted apart) or 'token' (one counter for every request of a token, so a benchmark sees how close a
 * write-back gets to a limit shared by all its PATCHes). Also the CLI option --rate-limit-scope.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type RateLimit, type RunningEmulator } from '../../../src/emulator/server.ts';
import { admin, call, FIXED_END, type Json } from './helpers.ts';

const patch = (emu: RunningEmulator, store: string, product: string, token?: string) =>
  call(emu, `/stores/${store}/products/${product}`, {
    method: 'PATCH', body: JSON.stringify({ quantity: 1 }), headers: { 'Content-Type': 'application/vnd.evotor.v2+json' }, ...(token ? { token } : {}),
  });

describe('emulator rate-limit scope', () => {
  let now = 1_000_000;
  const running: RunningEmulator[] = [];
  const start = async (rateLimit: RateLimit) => {
    const emu = await startEmulator({
      token: 'rl', tokens: [{ token: 'other' }], clock: () => now, rateLimit,
      store: { seed: 'rl-scope', products: 12, days: 2, docsPerDay: 5, endTime: FIXED_END },
    });
    running.push(emu);
    const store = [...emu.state.stores.keys()][0]!;
    const products = emu.state.store(store)!.products.filter((p) => !p.group && p.fields.type !== 'SERVICE').map((p) => p.id);
    return { emu, store, products };
  };
  afterAll(async () => {
    for (const emu of running) await emu.close();
  });

  it("'token+uri' (the default): each product's PATCH has its own counter", async () => {
    const { emu, store, products } = await start({ limit: 3, windowSeconds: 60 });
    expect((await admin(emu, '')).json.rateLimit).toEqual({ limit: 3, windowSeconds: 60, scope: 'token+uri' });
    const [p1, p2] = products as [string, string];
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await patch(emu, store, p1);
      expect(r.status).toBe(200);
      remaining.push(r.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const over = await patch(emu, store, p1);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
    // another URI, another counter; another token, another counter
    const other = await patch(emu, store, p2);
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('2');
    expect((await patch(emu, store, p1, 'other')).status).toBe(200);
    expect((await call(emu, `/stores/${store}`)).status).toBe(200);
  });

  it("'token': every request of a token shares one counter, other tokens keep theirs, the window resets it", async () => {
    const { emu, store, products } = await start({ limit: 4, windowSeconds: 10, scope: 'token' });
    expect((await admin(emu, '')).json.rateLimit).toEqual({ limit: 4, windowSeconds: 10, scope: 'token' });
    const remaining: string[] = [];
    for (const p of products.slice(0, 4)) {
      const r = await patch(emu, store, p);
      expect(r.status).toBe(200);
      remaining.push(r.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['3', '2', '1', '0']);
    const fifth = await patch(emu, store, products[4]!);
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get('retry-after')).toBe('10');
    expect((await call(emu, `/stores/${store}/products`)).status).toBe(429); // a GET shares the limit too
    const log = (await admin(emu, '/requests')).json.entries as Json[];
    expect(log.filter((e) => e.status === 429).map((e) => e.method)).toEqual(['PATCH', 'GET']);
    const other = await patch(emu, store, products[0]!, 'other');
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-remaining')).toBe('3');
    now += 4_000;
    expect((await patch(emu, store, products[5]!)).headers.get('retry-after')).toBe('6');
    now += 6_000;
    const after = await patch(emu, store, products[5]!);
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-remaining')).toBe('3');
  });

  it('refuses an unknown scope and bad numbers', async () => {
    const store = { seed: 'x', products: 3, days: 1, docsPerDay: 2, endTime: FIXED_END };
    await expect(startEmulator({ rateLimit: { limit: 3, windowSeconds: 60, scope: 'uri' as never }, store })).rejects.toThrow(/scope/);
    await expect(startEmulator({ rateLimit: { limit: 0, windowSeconds: 60 }, store })).rejects.toThrow(/limit/);
    await expect(startEmulator({ rateLimit: { limit: 3, windowSeconds: 0 }, store })).rejects.toThrow(/windowSeconds/);
  });
});

describe('emulator CLI --rate-limit-scope', () => {
  let child: ReturnType<typeof spawn> | null = null;
  const cli = (args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/emulator/cli.ts', '--port', '0', '--days', '1', '--products', '5', '--docs-per-day', '3', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const ready = (c: ReturnType<typeof spawn>) =>
    new Promise<Json>((resolve, reject) => {
      let out = '';
      c.stdout!.on('data', (chunk) => {
        out += String(chunk);
        const m = /EMULATOR_READY (.+)\n/.exec(out);
        if (m) resolve(JSON.parse(m[1]!));
      });
      c.once('exit', (code) => reject(new Error(`exited ${code} before ready: ${out}`)));
    });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('starts with the scope and refuses an unknown one', async () => {
    child = cli(['--rate-limit', '2/30', '--rate-limit-scope', 'token']);
    const { url } = await ready(child);
    const info = await fetch(`${url}/__emulator`).then((r) => r.json() as Promise<Json>);
    expect(info.rateLimit).toEqual({ limit: 2, windowSeconds: 30, scope: 'token' });
    child.kill('SIGTERM');
    child = null;

    const bad = cli(['--rate-limit-scope', 'uri']);
    let err = '';
    bad.stderr!.on('data', (chunk) => (err += String(chunk)));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--rate-limit-scope/);
  }, 30_000);
});
