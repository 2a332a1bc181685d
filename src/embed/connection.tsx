/**
 * What the element's shadow root shows: a session (the app's screens over their state and backend, its events
 * relayed) or a notice saying why there is none.
 */
import { render } from 'preact';
import { effect, untracked } from '@preact/signals';
import { AppView, Header } from '../ui/App.tsx';
import type { BackendError, SyncBackend } from '../ui/backend.ts';
import { lang } from '../ui/i18n.ts';
import { createAppState, type AppState } from '../ui/state/index.ts';
import type { Problem } from './config.ts';
import { et } from './messages.ts';
import { createRelay, type Relay, type RelayOut } from './relay.ts';

export interface Connection {
  key: string;
  backend: SyncBackend;
  state: AppState;
  relay: Relay;
  /** Resolves with this connection once its state has loaded the stores, the progress and the pending work. */
  ready: Promise<Connection>;
  stop: () => void;
}

export interface ConnectionOut extends RelayOut {
  /** The error the state shows (above the screen, or the fatal one). */
  shown(error: BackendError): void;
  /** The state has loaded (called before `ready` resolves). */
  loaded(conn: Connection): void;
}

/** Renders the screens of a new app state over `backend` into `mount`. */
export function openConnection(key: string, backend: SyncBackend, mount: HTMLElement, out: ConnectionOut): Connection {
  const state = createAppState(backend);
  const relay = createRelay(backend, state, out);
  // Before the state subscribes: the relay sees a progress first, and opens the review once the state has it.
  const offBackend = backend.subscribe(relay.onEvent);
  const offErrors = effect(() => {
    const error = state.fatal.value ?? state.error.value?.error ?? null;
    if (error) untracked(() => out.shown(error));
  });
  const conn: Connection = {
    key,
    backend,
    state,
    relay,
    ready: state.init().then(() => {
      out.loaded(conn);
      return conn;
    }),
    stop: () => {
      relay.close();
      offBackend();
      offErrors();
      state.dispose();
      backend.dispose();
    },
  };
  render(<AppView state={state} />, mount);
  return conn;
}

/** Why there is no session (no token, a wrong api-base), in the element's language; null empties the root. */
export function renderNotice(mount: HTMLElement, problem: Problem | null): void {
  render(problem ? <Notice title={() => et(problem.title)} action={() => et(problem.action)} /> : null, mount);
}

function Notice({ title, action }: { title: () => string; action: () => string }) {
  return (
    <div class="app" lang={lang.value}>
      <Header demo={false} />
      <main class="screen">
        <div class="error-panel" role="alert">
          <h1 class="error-title">{title()}</h1>
          <p>{action()}</p>
        </div>
      </main>
    </div>
  );
}
