/**
 * The Evotor Cloud emulator: a Node http server on 127.0.0.1 serving the V2 and V1 APIs as the reference
 * (shared/docs/evotor-api.md) describes them, over synthetic stores whose ground truth is known, with fault
 * injection and an admin API under /__emulator/ (no token, CORS open) for tests and demos.
 *
 * This file starts the server and sends each request on its way: preflight, admin (admin.ts), or the API through
 * the front door (front-door.ts) to the V2 (routes-v2.ts) or V1 (routes-v1.ts) routes. It is the emulator's one
 * entry point: everything a caller needs is exported from here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isAdminPath, serveAdmin } from './admin.ts';
import { admit, allowCors, answerPreflight, injectFaults, sendBadBody } from './front-door.ts';
import { readBody, sendError, sendJson, toHttpError, V2_JSON } from './http.ts';
import { routeV1 } from './routes-v1.ts';
import { routeV2 } from './routes-v2.ts';
import { EmulatorState, type EmulatorOptions } from './state.ts';

export { addMonthsClamped, V1_MAX_PERIOD_MS } from './routes-v1.ts';
export {
  ALL_SCOPES, EmulatorState, RATE_LIMIT_SCOPES,
  type EmulatorOptions, type LogEntry, type RateLimit, type RateLimitScope, type StoreSpec, type TokenSpec,
} from './state.ts';

export interface RunningEmulator {
  url: string;
  token: string;
  port: number;
  state: EmulatorState;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const state = new EmulatorState(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(state, req, res).catch((e) => {
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL_ERROR', message: (e as Error).message });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token: state.defaultToken,
    port,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

async function handle(state: EmulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const began = state.clock();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  allowCors(res);
  if (method === 'OPTIONS') {
    answerPreflight(req, res);
    if (!isAdminPath(url.pathname)) {
      state.record({ time: new Date(began).toISOString(), method, path: url.pathname, query: url.search.slice(1), status: 204, durationMs: 0 });
    }
    return;
  }
  if (isAdminPath(url.pathname)) return serveAdmin(state, req, res, url, method);
  return serveApi(state, req, res, url, method, began);
}

/** An API request: faults, rate limit and authentication, then its route; every one is logged. */
async function serveApi(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL, method: string, began: number): Promise<void> {
  const log = (status: number, fault?: string) =>
    state.record({
      time: new Date(began).toISOString(), method, path: url.pathname, query: url.search.slice(1), status,
      durationMs: state.clock() - began, ...(fault ? { fault } : {}),
    });
  const v1 = url.pathname.startsWith('/api/v1/');
  const contentType = v1 ? 'application/json; charset=utf-8' : `${V2_JSON}; charset=utf-8`;
  // The faults of this request's start apply to all of it, even if the admin API changes them meanwhile.
  const f = state.faults;
  const { faulted, badBody, answered } = await injectFaults(state, f, req, res, { method, path: url.pathname, v1, contentType });
  if (answered) {
    log(answered.status, answered.fault);
    return;
  }
  let status = 500;
  try {
    const body = method === 'GET' || method === 'DELETE' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, state.maxBodyBytes);
    const ts = admit(state, f, faulted, req, res, url.pathname);
    const ctx = { faulted };
    const result = v1 ? routeV1(state, ctx, ts, req, url, method, body) : routeV2(state, ctx, ts, req, url, method, body);
    status = result.status;
    if (badBody && result.status === 200) {
      sendBadBody(res, f.badBody, result.body, contentType);
      log(200, `bad-body:${f.badBody}`);
      return;
    }
    sendJson(res, result.status, result.body, contentType, result.headers ?? {});
  } catch (e) {
    const err = toHttpError(e);
    status = err.status;
    if (err.status === 413) res.setHeader('Connection', 'close');
    sendError(res, v1, err, contentType);
  }
  log(status);
}
