/**
 * The app as deployed: Debian's nginx with deploy/ (global-setup.ts starts it as `npm run serve` does), the production
 * build (no API base) and the emulator as EVOTOR_API_UPSTREAM. The whole flow and the embed go through the
 * same-origin pass-through with no CORS preflight; every response has the security headers; the access and error
 * logs never hold the token, also when it came in the query; and the pass-through is not an open proxy.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, test } from 'vitest';
import { contentSecurityPolicy } from '../../deploy/csp.ts';
import { SITE_TEMPLATE, startNginx } from '../../deploy/nginx.ts';
import manifest from '../../manifest.json' with { type: 'json' };
import { PASS_THROUGH_PATH, readUrlCredentials } from '../../src/ui/launch.ts';
import { freePort } from '../lib/listen.ts';
import { startRecorder, type RecordedRequest } from './servers.ts';
import {
  APP, DIST, NGINX_LOGS, PARTNER, RECORDER, TOKEN, cloud, createStore, lastSeq, requestLog, truth, type E2EBrowser, useBrowser,
} from './browser.ts';

let b: E2EBrowser;
useBrowser((opened) => (b = opened));

const appPort = Number(new URL(APP).port);

/** One raw HTTP/1.1 exchange (fetch cannot send an absolute-form target or a foreign Host); the status line's code. */
function rawStatus(head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: appPort });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
    socket.write(`${head}\r\nConnection: close\r\n\r\n`);
  });
}

const auth = { authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.evotor.v2+json' };

/** Every request the emulator (the upstream) saw since `seq`. */
async function upstreamSaw(seq: number): Promise<string[]> {
  return (await requestLog(seq)).map((e) => `${e.method} ${e.path}`);
}

function logs(): { access: string; error: string } {
  return { access: readFileSync(NGINX_LOGS.access, 'utf8'), error: readFileSync(NGINX_LOGS.error, 'utf8') };
}

describe('hosted by nginx with the pass-through', () => {
  test('stores → pull → review → write back through /evotor/ with no preflight; the query token never reaches a log', async () => {
    const { page } = b;
    const { storeId } = await createStore({ seed: 'e2e-hosted', name: 'Лавка на Речной', products: 15, terminals: 1, days: 20, docsPerDay: 20, endTime: 'now' });
    const expected = await truth(storeId);
    // Loops below compare every product: there must be some.
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    const seq = await lastSeq();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));

    // The query form Evotor's documentation shows (the recommended frame URL keeps the token in the hash instead).
    await page.goto('about:blank');
    await page.goto(`${APP}/?token=${TOKEN}&user_id=e2e-user`);
    await page.getByRole('heading', { name: 'Магазины' }).waitFor({ state: 'visible', timeout: 30_000 });
    expect(page.url()).not.toContain(TOKEN);
    await page.getByRole('checkbox', { name: /Лавка на Речной/ }).check();
    await page.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }).click();
    await page.getByRole('button', { name: 'Проверить результат' }).click({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Проверка остатков' }).waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Записать остатки в Облако…' }).click();
    await page.getByRole('button', { name: 'Записать остатки', exact: true }).click();
    await page.getByRole('heading', { name: 'Отчёт о записи' }).waitFor({ state: 'visible', timeout: 60_000 });
    await page.getByText('Все отмеченные остатки записаны и проверены.').first().waitFor();
    const after = await cloud(storeId);
    for (const [productId, quantity] of Object.entries(expected)) expect(Number(after[productId]), productId).toBe(Number(quantity));

    // Every API call went to our own origin, and the upstream received the calls and not a single preflight.
    const api = requests.filter((r) => r.includes('/evotor/'));
    expect(api.length).toBeGreaterThan(5);
    expect(api.every((r) => r.includes(`${APP}/evotor/`))).toBe(true);
    const saw = await upstreamSaw(seq);
    expect(saw).toContain('GET /stores');
    expect(saw.some((r) => r.startsWith(`PATCH /stores/${storeId}/products/`))).toBe(true);
    expect(saw.filter((r) => r.startsWith('OPTIONS'))).toEqual([]);
    expect(b.pageErrors).toEqual([]);

    const { access, error } = logs();
    expect(access).toContain('"GET /evotor/stores HTTP/1.1" 200');
    expect(access).toMatch(/"PATCH \/evotor\/stores\/[^ ]+\/products\/[^ ]+ HTTP\/1\.1" 200/);
    for (const text of [access, error]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(/token=|user_id=|Bearer|authorization/i);
    }
  });

  test('the embed on our own example page uses the pass-through too (its blob worker under our CSP)', async () => {
    const { page } = b;
    const { storeId } = await createStore({ seed: 'e2e-hosted-embed', name: 'Киоск у вокзала', products: 10, terminals: 1, days: 15, docsPerDay: 15, endTime: 'now' });
    const seq = await lastSeq();
    await page.goto(`${APP}/embed-example.html`);
    await page.waitForFunction(() => customElements.get('evotor-stock-sync') !== undefined);
    await page.getByLabel('Токен Облака Эвотор').fill(TOKEN);
    await page.getByLabel('Магазины (store-ids, через запятую)').fill(storeId);
    await page.getByRole('button', { name: 'Подключить' }).click();
    await page.getByRole('button', { name: 'start()' }).click();
    // The first one (it comes again when the rows change: once the pull is complete).
    await page.getByText(/review-ready: магазин/).first().waitFor({ timeout: 60_000 });
    const saw = await upstreamSaw(seq);
    expect(saw.some((r) => r.startsWith(`GET /stores/${storeId}/documents`))).toBe(true);
    expect(saw.filter((r) => r.startsWith('OPTIONS'))).toEqual([]);
    expect(b.pageErrors).toEqual([]);
  });

  test('every response carries the policy, no-referrer and nosniff; hashed assets are immutable, index.html is revalidated, text is gzipped', async () => {
    const index = await fetch(`${APP}/`);
    const html = await index.text();
    const asset = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)![1]!;
    const responses = {
      index,
      asset: await fetch(`${APP}${asset}`),
      embed: await fetch(`${APP}/evotor-stock-sync.js`),
      example: await fetch(`${APP}/embed-example.html`),
      api: await fetch(`${APP}/evotor/stores`, { headers: auth }),
      refused: await fetch(`${APP}/evotor/bulks`, { headers: auth }),
    };
    const policy = contentSecurityPolicy({ frameAncestors: [PARTNER] });
    for (const [name, response] of Object.entries(responses)) {
      expect(response.headers.get('content-security-policy'), name).toBe(name === 'example' ? contentSecurityPolicy({ frameAncestors: [PARTNER], examplePage: true }) : policy);
      expect(response.headers.get('referrer-policy'), name).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
    }
    expect(policy).toContain("default-src 'self'; script-src 'self'");
    expect(policy).toContain("worker-src 'self' blob:; connect-src 'self'");
    expect(policy).toContain(`frame-ancestors https://*.evotor.ru ${PARTNER}`);
    expect(responses.index.headers.get('cache-control')).toBe('no-cache');
    expect(responses.asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(responses.embed.headers.get('cache-control')).toBe('no-cache');
    expect(responses.api.headers.get('cache-control')).toBe('no-store');
    expect(responses.api.headers.get('access-control-allow-origin')).toBeNull();
    // Same origin: the rate-limit headers the pacing reads need no CORS exposure (§6).
    expect(responses.api.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect(responses.asset.headers.get('content-encoding')).toBe('gzip');
    expect(responses.embed.headers.get('content-encoding')).toBe('gzip');
    // For hosts that send no header, index.html says the same (but frame-ancestors, which a meta tag cannot carry).
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replaceAll('&#39;', "'");
    expect(meta).toBe(contentSecurityPolicy());
    expect(readFileSync(`${DIST}/index.html`, 'utf8')).toContain('http-equiv="Content-Security-Policy"');
  });

  test('not an open proxy: only the app\'s methods and paths reach the upstream; traversal, absolute URLs and other hosts are refused', async () => {
    const seq = await lastSeq();
    const recorder = new URL(RECORDER);
    const refused: [string, string, number][] = [
      ['DELETE', '/evotor/stores', 403],
      ['PUT', `/evotor/stores/X/products`, 403],
      ['OPTIONS', '/evotor/stores', 403],
      ['PATCH', '/evotor/stores', 403],
      ['GET', '/evotor/bulks', 403],
      ['GET', '/evotor/stores/%2e%2e/%2e%2e/__emulator/requests', 404],
      ['GET', '/evotor/../__emulator/requests', 404],
      ['GET', '/evotor/stores%2F..%2F..%2F__emulator%2Frequests', 404],
      ['GET', `/evotor/${RECORDER}/stores`, 403],
      ['GET', `/evotor//${recorder.host}/stores`, 403],
      ['GET', '/evotor/__emulator/requests', 403],
    ];
    for (const [method, path, status] of refused) {
      expect(await rawStatus(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}`), `${method} ${path}`).toBe(status);
    }
    // An absolute URL in the request line (a proxy request), for a foreign host or even for the upstream itself.
    expect(await rawStatus(`GET ${RECORDER}/stores HTTP/1.1\r\nHost: ${recorder.host}\r\nAuthorization: Bearer ${TOKEN}`)).toBe(400);
    expect(await rawStatus(`GET http://127.0.0.1:${appPort}/evotor/stores HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}`)).toBe(400);
    expect(await rawStatus(`CONNECT ${recorder.host} HTTP/1.1\r\nHost: ${recorder.host}`)).toBe(400);
    // A foreign Host header changes nothing: the upstream is fixed by the configuration.
    expect(await rawStatus(`GET /evotor/stores HTTP/1.1\r\nHost: ${recorder.host}\r\nAuthorization: Bearer ${TOKEN}\r\nAccept: application/vnd.evotor.v2+json`)).toBe(200);
    // Bodies over Evotor's 10 MB limit stop at nginx.
    const big = await fetch(`${APP}/evotor/api/v1/inventories/stores/X/products`, { method: 'POST', headers: { 'x-authorization': TOKEN }, body: 'x'.repeat(10 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);

    expect(await upstreamSaw(seq)).toEqual(['GET /stores']);
    expect(((await (await fetch(`${RECORDER}/__recorded`)).json()) as unknown[])).toEqual([]);
    const { access, error } = logs();
    expect(access + error).not.toContain(TOKEN);
  });

  test('the pass-through forwards Authorization and nothing of our site: no cookies, Origin or Referer, and no cookie back', async () => {
    const upstream = await startRecorder();
    const port = await freePort();
    const nginx = await startNginx({ host: '127.0.0.1', port, root: DIST, upstream: upstream.url, stdio: 'ignore' });
    try {
      const response = await fetch(`${nginx.url}/evotor/stores`, {
        headers: { ...auth, cookie: 'ours=secret', origin: nginx.url, referer: `${nginx.url}/?token=${TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const seen = (await (await fetch(`${upstream.url}/__recorded`)).json()) as RecordedRequest[];
      expect(seen).toEqual([{ method: 'GET', url: '/stores', authorization: true, cookie: false, origin: false, referer: false }]);
    } finally {
      await nginx.stop();
      await upstream.close();
    }
  });

  test('manifest.json agrees: the frame URL keeps the token in the hash, the pass-through\'s path and methods', () => {
    const frame = manifest.webApp.frameUrl.replace('${token}', TOKEN).replace('${uid}', 'u1');
    expect(new URL(frame).search).toBe('');
    const read = readUrlCredentials(frame);
    expect([read.token, read.uid]).toEqual([TOKEN, 'u1']);
    expect(read.cleanedUrl).not.toContain(TOKEN);
    expect(manifest.hosting.passThrough).toBe(`${PASS_THROUGH_PATH}/`);
    const template = readFileSync(SITE_TEMPLATE, 'utf8');
    const methods = new Set([...template.matchAll(/"~\^\(?([A-Z|]+)\)? \/evotor\//g)].flatMap((m) => m[1]!.split('|')));
    expect([...methods].sort()).toEqual([...manifest.hosting.methods].sort());
  });
});
