/**
 * A proxy in front of the emulator for the fault suite: the app talks to it as to Evotor Cloud.
 * - Records every PATCH (product, quantity sent, answer status), since the emulator's log has no bodies: a write
 *   lost or doubled shows here, and a hook sees each PATCH leave (to kill the page at a chosen write).
 * - Corrupts the documents of stores registered with `fuzz(storeId, rule)` (fuzz.ts), and remembers which.
 * Everything else passes through untouched (CORS preflights included: the emulator answers them).
 */
import http from 'node:http';
import { fuzzDocument, fuzzStream, productIdsOf, type FuzzRule } from './fuzz.ts';
import { listenOnLoopback } from '../lib/listen.ts';

export interface PatchRecord {
  seq: number;
  storeId: string;
  productId: string;
  quantity: string;
  status: number;
}

export interface CorruptedDocument {
  id: string;
  kind: string;
  keepsId: boolean;
  quarantineId: string | null;
  productIds: string[];
}

export interface FaultProxy {
  url: string;
  patches: PatchRecord[];
  /** Called as each PATCH leaves for the emulator, with the number sent so far (all stores). */
  onPatch: ((count: number) => void) | null;
  fuzz(storeId: string, rule: FuzzRule): void;
  /** Documents corrupted so far, by store (each counted once, however often it was served). */
  corrupted(storeId: string): Map<string, CorruptedDocument>;
  close(): Promise<void>;
}

export async function startFaultProxy(emulatorUrl: string): Promise<FaultProxy> {
  const target = new URL(emulatorUrl);
  const rules = new Map<string, FuzzRule>();
  const corrupted = new Map<string, Map<string, CorruptedDocument>>();
  const proxy: FaultProxy = {
    url: '',
    patches: [],
    onPatch: null,
    fuzz(storeId, rule) {
      rules.set(storeId.toUpperCase(), rule);
      corrupted.set(storeId.toUpperCase(), corrupted.get(storeId.toUpperCase()) ?? new Map());
    },
    corrupted: (storeId) => corrupted.get(storeId.toUpperCase()) ?? new Map(),
    close: async () => undefined,
  };
  let patchCount = 0;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const docs = /^\/stores\/([^/]+)\/documents$/.exec(url.pathname);
    const patch = req.method === 'PATCH' ? /^\/stores\/([^/]+)\/products\/([^/]+)$/.exec(url.pathname) : null;
    const rule = req.method === 'GET' && docs ? rules.get(decodeURIComponent(docs[1]!).toUpperCase()) : undefined;
    const bodyChunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => bodyChunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(bodyChunks);
      let record: PatchRecord | null = null;
      if (patch) {
        let quantity = '?';
        try {
          quantity = String((JSON.parse(body.toString('utf8')) as { quantity?: unknown }).quantity);
        } catch {
          // recorded as '?'
        }
        record = { seq: ++patchCount, storeId: decodeURIComponent(patch[1]!), productId: decodeURIComponent(patch[2]!), quantity, status: 0 };
        proxy.patches.push(record);
        proxy.onPatch?.(patchCount);
      }
      const upstream = http.request(
        { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
        (answer) => {
          if (record) record.status = answer.statusCode ?? 0;
          // The emulator cut the connection mid-body (a truncated body): the client sees the same cut.
          answer.on('close', () => {
            if (!answer.complete) res.socket?.destroy();
          });
          if (!rule || answer.statusCode !== 200) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const page = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: unknown[] };
            const items = page.items ?? [];
            const seen = corrupted.get(decodeURIComponent(docs![1]!).toUpperCase())!;
            items.forEach((doc, i) => {
              const id = String((doc as { id?: unknown }).id);
              const random = fuzzStream(id, rule);
              if (!random) return;
              const fuzzed = fuzzDocument(doc as Record<string, unknown>, random);
              items[i] = fuzzed.doc;
              if (!seen.has(id)) seen.set(id, { id, kind: fuzzed.kind, keepsId: fuzzed.keepsId, quarantineId: fuzzed.quarantineId, productIds: productIdsOf(doc) });
            });
            const text = JSON.stringify(page);
            res.writeHead(200, { ...answer.headers, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          });
        },
      );
      upstream.on('error', () => {
        if (record) record.status = 0;
        // The emulator dropped or never answered (an injected fault): the client sees the same.
        res.socket?.destroy();
      });
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  });
  Object.assign(proxy, await listenOnLoopback(server));
  return proxy;
}
