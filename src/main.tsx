/**
 * The app's entry (the composition root): launch (token from the URL, cleaned at once), then the screens over the
 * real backend: the sync worker for pulls and results, the write-back for plans, writes and undo.
 */
import { render } from 'preact';
import { createEvotorClient } from './api/client.ts';
import { createSyncBridge } from './worker/bridge.ts';
import { createWriteback } from './writeback/index.ts';
import { Root } from './ui/App.tsx';
import { setLang } from './ui/i18n.ts';
import { launch, type LaunchEnv, type Session } from './ui/launch.ts';
import { createWorkerBackend } from './ui/worker-backend.ts';
import './ui/styles.css';

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage blocked in a third-party frame: the token then lives in memory only
  }
}

// Read by name so the build replaces them; nothing else of the environment reaches the app.
const env: LaunchEnv = {
  VITE_EVOTOR_API_BASE: import.meta.env.VITE_EVOTOR_API_BASE as string | undefined,
  VITE_DEMO_API_BASE: import.meta.env.VITE_DEMO_API_BASE as string | undefined,
  VITE_DEMO_TOKEN: import.meta.env.VITE_DEMO_TOKEN as string | undefined,
};
const storage = sessionStorageOrNull();
// First thing: read the token and take it out of the address bar.
const started = launch({ href: window.location.href, history: window.history, sessionStorage: storage, env });
setLang(new URL(window.location.href).searchParams.get('lang'));

function createBackend(session: Session) {
  return createWorkerBackend({
    session,
    sync: createSyncBridge(),
    writeback: createWriteback({
      client: (api, hooks) => createEvotorClient({ api, token: session.token, baseUrl: session.apiBase, fetch: hooks.fetch }),
    }),
  });
}

const root = document.getElementById('app');
if (root) render(<Root launch={started} env={env} createBackend={createBackend} sessionStorage={storage} />, root);
