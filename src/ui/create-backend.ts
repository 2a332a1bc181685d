/**
 * The one way to get the real SyncBackend: it spawns the sync worker (pulls, computation, decisions and the
 * write-back all run there) and returns the thin adapter over its bridge. Used by the app (src/main.tsx) and by the
 * embeddable element (src/embed), so both behave the same.
 *
 *   const backend = createBackend({ apiBase: 'https://api.evotor.ru', token });      // V2 account, default worker
 *   const backend = createBackend({ apiBase, token, api: 'v1', lang: 'en', scriptUrl: new URL('./worker.js', ourScript) });
 *   ...
 *   backend.dispose();   // stops the worker; pulls and writes continue from IndexedDB next time
 *
 * For screens that take a `SyncBackendFactory` (session → backend), `backendFactory(options)` adapts it.
 */
import type { ApiVersion } from '../model/types.ts';
import { createSyncBridge } from '../sync/page/bridge.ts';
import type { SyncBackend, SyncBackendFactory } from './backend.ts';
import type { Lang } from './i18n.ts';
import type { Session } from './launch.ts';
import { createWorkerBackend } from './worker-backend.ts';

export interface CreateBackendOptions {
  /**
   * Evotor's API root (`https://api.evotor.ru`) or a proxy that forwards to it. Set by the build or by the
   * embedding page, never taken from the page's URL: the token goes wherever this points.
   */
  apiBase: string;
  /** The Evotor cloud token. Handed to the worker's memory only: never stored, logged or exported. */
  token: string;
  /** The account's API version. Default 'v2'. */
  api?: ApiVersion;
  /** Stores that need API V1 (pulled within its history limit, written by POST); the others use `api`. */
  v1Stores?: readonly string[];
  /**
   * The language of the few words the backend makes itself (terminals without a name: "№ 2" / "#2"). Default:
   * the UI's current language (i18n `lang`), read on every call. The screens' language is set with `setLang`.
   */
  lang?: Lang;
  /**
   * Where the worker script is, when not next to this module: e.g. the built worker on the host that serves the
   * embed script. Another origin than the page is fine (spawn.ts starts it through a same-origin blob).
   */
  scriptUrl?: URL | string;
  /**
   * IndexedDB database names: the pull cache (default 'evotor-stock-sync') and the write-back journal (default
   * 'evotor-stock-sync-journal'). Only for tests or several independent instances on one page.
   */
  dbName?: string;
  journalName?: string;
}

/** Spawns the sync worker and returns the SyncBackend over it. `dispose()` terminates the worker. */
export function createBackend(options: CreateBackendOptions): SyncBackend {
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('createBackend: a token is required');
  if (typeof options.apiBase !== 'string' || options.apiBase === '') throw new TypeError('createBackend: apiBase is required');
  const sync = createSyncBridge(options.scriptUrl !== undefined ? { scriptUrl: options.scriptUrl } : {});
  return createWorkerBackend({
    sync,
    token: options.token,
    apiBase: options.apiBase,
    ...(options.api !== undefined ? { api: options.api } : {}),
    ...(options.v1Stores !== undefined ? { v1Stores: options.v1Stores } : {}),
    ...(options.lang !== undefined ? { lang: options.lang } : {}),
    ...(options.dbName !== undefined ? { dbName: options.dbName } : {}),
    ...(options.journalName !== undefined ? { journalName: options.journalName } : {}),
  });
}

/** A SyncBackendFactory (what `Root` and the embed take): the session gives the token, API base and API choice. */
export function backendFactory(options: Omit<CreateBackendOptions, 'token' | 'apiBase'> = {}): SyncBackendFactory {
  return (session: Session) => {
    const choice = session.v1Stores === 'all' ? { api: 'v1' as const } : session.v1Stores ? { v1Stores: session.v1Stores } : {};
    return createBackend({ ...options, ...choice, token: session.token, apiBase: session.apiBase });
  };
}
