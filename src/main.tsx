/**
 * The app's entry (the composition root): launch (token from the URL, cleaned at once), then the screens over the
 * real backend (create-backend.ts): the sync worker does the pulls, results, decisions, plans, writes and undo;
 * the page only renders.
 */
import { render } from 'preact';
import { Root } from './ui/App.tsx';
import { backendFactory } from './ui/create-backend.ts';
import { followLangOnPage } from './ui/i18n.ts';
import { launch, type LaunchEnv } from './ui/launch.ts';
import './page.css';
import './ui/styles.css';

function storageOrNull(kind: 'sessionStorage' | 'localStorage'): Storage | null {
  try {
    return window[kind];
  } catch {
    return null; // storage blocked in a third-party frame: the token (or the language) then lives in memory only
  }
}

// Read by name so the build replaces them; nothing else of the environment reaches the app.
const env: LaunchEnv = {
  VITE_EVOTOR_API_BASE: import.meta.env.VITE_EVOTOR_API_BASE as string | undefined,
  VITE_DEMO_API_BASE: import.meta.env.VITE_DEMO_API_BASE as string | undefined,
  VITE_DEMO_TOKEN: import.meta.env.VITE_DEMO_TOKEN as string | undefined,
  VITE_EVOTOR_API: import.meta.env.VITE_EVOTOR_API as string | undefined,
  VITE_DEMO_API: import.meta.env.VITE_DEMO_API as string | undefined,
};
const storage = storageOrNull('sessionStorage');
// First thing: read the token and take it out of the address bar.
const started = launch({ href: window.location.href, history: window.history, sessionStorage: storage, env });
followLangOnPage(document, storageOrNull('localStorage'), new URL(window.location.href).searchParams.get('lang'));

const createBackend = backendFactory();

const root = document.getElementById('app');
if (root) render(<Root launch={started} env={env} createBackend={createBackend} sessionStorage={storage} />, root);
