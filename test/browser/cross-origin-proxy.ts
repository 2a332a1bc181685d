/**
 * A reverse proxy on another port of 127.0.0.1 = another origin than the test page. Tests point it at the page's
 * own server (POST /__proxy/target with the origin as text), then load scripts through it to play a partner page
 * that embeds our script from our host. It adds CORS headers, as a script host for embedding must.
 * Under /__nocors/ it plays an API whose CORS policy refuses browser calls.
 */
import http from 'node:http';
import { listenOnLoopback } from '../lib/listen.ts';

export interface CrossOriginProxy {
  url: string;
  close(): Promise<void>;
}

export async function startCrossOriginProxy(): Promise<CrossOriginProxy> {
  let target: URL | null = null;
  const server = http.createServer((req, res) => {
    const cors = {
      'access-control-allow-origin': req.headers.origin ?? '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
    };
    // /__nocors/...: answers like an API that does not allow browser calls (no CORS headers at all).
    if (req.url?.startsWith('/__nocors/')) {
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, { 'content-type': 'application/json' }).end(req.method === 'OPTIONS' ? '' : '{"items":[]}');
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    if (req.url === '/__proxy/target' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = new URL(body.trim());
        // Only this machine: the tests never reach anything else.
        if (url.hostname !== '127.0.0.1') {
          res.writeHead(400, cors).end('only 127.0.0.1 targets');
          return;
        }
        target = url;
        res.writeHead(204, cors).end();
      });
      return;
    }
    if (!target) {
      res.writeHead(503, cors).end('no target yet');
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...cors });
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => res.writeHead(502, cors).end(String(error)));
    req.pipe(upstream);
  });
  return listenOnLoopback(server);
}
