/**
 * A proxy in front of the emulator that corrupts the documents of chosen stores only, with the emulator's own
 * corruption rules (src/emulator/faults.ts). The emulator's `malformedRate` fault applies to every store at once,
 * which would break browser tests of other files running in parallel; this keeps the damage to one store.
 */
import http from 'node:http';
import { corrupt, malformation } from '../../src/emulator/faults.ts';
import { listenOnLoopback } from '../lib/listen.ts';

export interface MalformingProxy {
  url: string;
  close(): Promise<void>;
}

export async function startMalformingProxy(emulatorUrl: string): Promise<MalformingProxy> {
  const target = new URL(emulatorUrl);
  const rules = new Map<string, { malformedRate: number; malformedSeed: string }>();
  const server = http.createServer((req, res) => {
    if (req.url === '/__malform' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const rule = JSON.parse(body) as { storeId: string; malformedRate: number; malformedSeed: string };
        rules.set(rule.storeId.toUpperCase(), { malformedRate: rule.malformedRate, malformedSeed: rule.malformedSeed });
        res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
      });
      return;
    }
    const url = new URL(req.url ?? '/', target);
    const store = /^\/(?:stores|api\/v1\/inventories\/stores)\/([^/]+)\/documents$/.exec(url.pathname)?.[1];
    const rule = req.method === 'GET' && store ? rules.get(decodeURIComponent(store).toUpperCase()) : undefined;
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        if (!rule || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const v1 = url.pathname.startsWith('/api/v1/');
          const page = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: unknown[] } | unknown[];
          const items = Array.isArray(page) ? page : (page.items ?? []);
          items.forEach((doc, i) => {
            const d = doc as Record<string, unknown>;
            const kind = malformation(String(d[v1 ? 'uuid' : 'id']), rule);
            if (kind) items[i] = corrupt(d, kind, v1);
          });
          const text = JSON.stringify(page);
          res.writeHead(200, { ...answer.headers, 'content-length': Buffer.byteLength(text) });
          res.end(text);
        });
      },
    );
    upstream.on('error', (error) => res.writeHead(502).end(String(error)));
    req.pipe(upstream);
  });
  return listenOnLoopback(server);
}
