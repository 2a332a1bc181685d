/**
 * Starting the sync worker, also when the app's script is served from another origin than the page that embeds
 * it (a partner portal loading our script from our host): browsers refuse `new Worker(crossOriginUrl)`.
 */
import workerUrl from '../worker/worker.ts?worker&url';

/** The built worker script, next to this module: on the origin our script came from, whatever the page's. */
export function defaultWorkerUrl(): URL {
  return new URL(workerUrl, import.meta.url);
}

const OPTIONS: WorkerOptions = { type: 'module', name: 'evotor-stock-sync' };

export function spawnSyncWorker(scriptUrl: URL | string = defaultWorkerUrl()): Worker {
  const url = new URL(scriptUrl, globalThis.location?.href);
  if (url.origin === globalThis.location?.origin) {
    try {
      return new Worker(url, OPTIONS);
    } catch (error) {
      // A sandboxed or otherwise odd page may refuse even this; the blob route below still works there.
      if (!(error instanceof DOMException && error.name === 'SecurityError')) throw error;
    }
  }
  return blobWorker(url);
}

/**
 * A blob URL has the page's origin, so the worker may start from it; a module worker may then import a module
 * from any origin that allows it by CORS. Relative imports inside the real script still resolve against its own
 * URL, so the built chunks load from our host. (Fetching the script text into a blob instead would break those.)
 */
export function blobWorker(url: URL): Worker {
  const source = `import ${JSON.stringify(url.href)};\n`;
  const blobUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(blobUrl, OPTIONS);
  const revoke = () => URL.revokeObjectURL(blobUrl);
  worker.addEventListener('message', revoke, { once: true });
  worker.addEventListener('error', revoke, { once: true });
  return worker;
}
