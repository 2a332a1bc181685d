/**
 * Reading an answer's body: as a stream with a size cap, so a cloud (or a proxy) that sends hundreds of megabytes
 * cannot fill the page's memory, then as JSON, telling apart why a body cannot be read (retry.ts decides which of
 * them one more try may fix).
 */
import type { UnreadableBody } from './retry.ts';

/** Far above any real page (a page of documents is a few MB), far below what would hurt a browser tab. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/**
 * The body as text, at most `limit` bytes (BodyTooLarge beyond, the rest is not read). Rejects with the signal's
 * reason when it aborts, and with the stream's error when the connection drops mid-body.
 */
export async function readBodyText(response: Response, limit: number, signal: AbortSignal): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '');
  if (declared > limit) {
    void response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(`the answer declares ${declared} bytes, over the ${limit}-byte cap`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await raceAbort(reader.read(), signal);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw new BodyTooLarge(`the answer is over the ${limit}-byte cap`);
      chunks.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    throw error;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Why a whole body did not parse as JSON: an HTML page, JSON cut short, or other text. */
export function unparsedKind(text: string): UnreadableBody {
  const start = text.trimStart()[0];
  if (start === '<') return 'html';
  if (start === '{' || start === '[') return 'truncated';
  return 'not-json';
}

export const BODY_DETAIL: Record<UnreadableBody, string> = {
  truncated: 'the body ended before its JSON did (the connection was cut)',
  html: 'a web page came instead of JSON (a login page or a proxy’s error page?)',
  'not-json': 'the body is not JSON',
  'too-large': `the body is over ${MAX_BODY_BYTES / 1024 / 1024} MB`,
};

/** Rejects as soon as `signal` aborts, even if the promise (e.g. a body read from a test fetch) ignores it. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}
