/**
 * The e2e tests' web servers besides the app's host (nginx with deploy/, global-setup.ts), all on 127.0.0.1:
 * - a partner portal on another port (another origin) serving the embed example page, its script tag pointing at
 *   the app's host, under a strict Content-Security-Policy; and, at /lk, a page that plays the personal account
 *   (the app in its iframe);
 * - a recorder that plays a hostile API base and records every request it gets (a crafted link must send nothing there).
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { listenOnLoopback, type LocalServer } from '../lib/listen.ts';

export type Server = LocalServer;

/**
 * A partner portal: `/` is the embed example page with its scripts taken from `scriptOrigin` (our host), served with
 * a CSP a careful portal would have: scripts only from our host (none inline),
 * workers only from blob: (the inlined worker), connections only to the API, no eval, nothing else loaded.
 */
export function startPartnerServer(options: { examplePage: string; scriptOrigin: string; apiOrigin: string }): Promise<Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/lk') {
        // The personal account's page: the app opens in an iframe of our origin (the test adds the frame).
        const page = '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Личный кабинет</title></head><body style="margin:0"><main><h1 style="font:16px sans-serif;margin:8px">Личный кабинет</h1></main></body></html>';
        const frameCsp = `default-src 'none'; frame-src ${options.scriptOrigin}; style-src 'unsafe-inline'`;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': frameCsp }).end(page);
        return;
      }
      if (path !== '/') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      // Both scripts (the embed and the example's own code) come from our host, as a portal would include them.
      const html = (await readFile(options.examplePage, 'utf8')).replaceAll('<script src="./', `<script src="${options.scriptOrigin}/`);
      const csp = [
        "default-src 'none'",
        `script-src ${options.scriptOrigin}`,
        'worker-src blob:',
        `connect-src ${options.apiOrigin}`,
        "style-src 'unsafe-inline'",
        'img-src data:',
        "base-uri 'none'",
        "form-action 'none'",
      ].join('; ');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store' }).end(html);
    })();
  });
  return listenOnLoopback(server);
}

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: boolean;
  /** Headers that must never cross a pass-through: present or not. */
  cookie: boolean;
  origin: boolean;
  referer: boolean;
}

/** Answers everything with 200 `{}`, open CORS and a cookie (a hostile API would), recording each request; `/__recorded` lists them. */
export async function startRecorder(): Promise<Server> {
  const seen: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/__recorded') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
      return;
    }
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization !== undefined || req.headers['x-authorization'] !== undefined,
      cookie: req.headers.cookie !== undefined,
      origin: req.headers.origin !== undefined,
      referer: req.headers.referer !== undefined,
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': '*',
      'set-cookie': 'session=hostile; Path=/',
    }).end('{"items":[]}');
  });
  return listenOnLoopback(server);
}
