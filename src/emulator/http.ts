/**
 * HTTP helpers every route shares: the error type and its V2 and V1 bodies, JSON answers, bodies read under a size
 * limit, cursors and query parameters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultsError } from './faults.ts';
import { OptionsError } from './generator/options.ts';
import type { Violation } from './products.ts';
import { StoreError } from './store.ts';

export const V2_JSON = 'application/vnd.evotor.v2+json';
export const V2_BULK_JSON = 'application/vnd.evotor.v2+bulk+json';

export type Json = Record<string, unknown>;

/** A route's answer before it is sent (the front door may still turn a 200 into a bad body). */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What a route needs to know about its request beyond the HTTP message. */
export interface RequestContext {
  /** The request matches the global faults' `match` (or there is none): the global malformed fault applies. */
  faulted: boolean;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly violations: Violation[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (url: URL) => new HttpError(404, 'NOT_FOUND', `No route for ${url.pathname}`);

export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof StoreError) return new HttpError(e.status, e.status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', e.message, e.subject ? [{ subject: e.subject, reason: e.message }] : []);
  if (e instanceof OptionsError || e instanceof FaultsError) return new HttpError(400, 'BAD_REQUEST', e.message, [{ subject: 'options', reason: e.message }]);
  return new HttpError(500, 'INTERNAL_ERROR', (e as Error)?.message ?? String(e));
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json; charset=utf-8', headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (text !== '') res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.statusCode = status;
  res.end(text);
}

const V1_CODES: Record<number, number> = { 400: 2003, 401: 1001, 402: 1004, 403: 1006, 404: 2003, 413: 2001, 429: 2003 };

/** An error as each API version writes it: V2 `{code, message, violations}`, V1 `{errors: [{code, reason, subject}]}`. */
export function sendError(res: ServerResponse, v1: boolean, err: HttpError, contentType: string): void {
  if (v1) {
    const code = err.message === 'Token expired' ? 1003 : err.violations.length === 0 && err.status === 400 ? 2001 : (V1_CODES[err.status] ?? 0);
    const errors = err.violations.length > 0
      ? err.violations.map((v) => ({ code, reason: v.reason, subject: v.subject }))
      : [{ code, reason: err.message }];
    sendJson(res, err.status, { errors }, contentType, err.headers);
    return;
  }
  const body: Json = { code: err.code, message: err.message };
  if (err.violations.length > 0 || err.status === 400) body.violations = err.violations;
  sendJson(res, err.status, body, contentType, err.headers);
}

/** The request body, refused with 413 once it is over `max` bytes (announced or received). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body over ${max} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body over ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

export function parseJson(buf: Buffer, subject = 'body'): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, 'BAD_REQUEST', 'Malformed JSON', [{ subject, reason: (e as Error).message }]);
  }
}

/** A JSON request body: 415 for another content type, 400 when empty or malformed. */
export function jsonBody(req: IncomingMessage, body: Buffer): unknown {
  const type = String(req.headers['content-type'] ?? '');
  if (type !== '' && !/json/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type} is not supported; use ${V2_JSON}`);
  }
  if (body.length === 0) throw new HttpError(400, 'BAD_REQUEST', 'Request body is required', [{ subject: 'body', reason: 'must not be empty' }]);
  return parseJson(body);
}

/** A cursor carries its page's position (and the filters) as base64url JSON: the server keeps no cursor state. */
export const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodeCursor(text: string): Json {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (v && typeof v === 'object') return v as Json;
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'BAD_REQUEST', 'Invalid cursor', [{ subject: 'cursor', reason: 'not a cursor this server issued' }]);
}

/** An integer query parameter (epoch ms, limit); null when absent, a violation when not an integer. */
export function intParam(url: URL, name: string, violations: Violation[]): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return null;
  if (!/^-?\d+$/.test(raw)) {
    violations.push({ subject: name, reason: 'must be epoch milliseconds (an integer)' });
    return null;
  }
  return Number(raw);
}

/** Document types given repeated or comma-separated; null when none. */
export function typesParam(url: URL, name: string): string[] | null {
  const all = url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return all.length > 0 ? [...new Set(all)] : null;
}
