/**
 * The component tree's root. `Root` turns the launch result into a session (or the start screen) and creates the
 * app state over a backend for it; `AppView` renders the screens of a given state (tests render it directly).
 * One flow, no top-level navigation: stores → progress → review → write/report, with resume and errors on top.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { SyncBackendFactory } from './backend.ts';
import { AppStateContext, useAppState } from './context.ts';
import { lang, setLang, t } from './i18n.ts';
import { forgetSession, startDemo, type LaunchEnv, type LaunchResult, type Session } from './launch.ts';
import { createAppState, type AppState } from './state/index.ts';
import { ErrorPanel } from './components/ErrorPanel.tsx';
import { LocalData } from './components/LocalData.tsx';
import { ResumeBanner } from './components/ResumeBanner.tsx';
import { StartScreen } from './screens/StartScreen.tsx';
import { StoresScreen } from './screens/StoresScreen.tsx';
import { ProgressScreen } from './screens/ProgressScreen.tsx';
import { ReviewScreen } from './screens/ReviewScreen.tsx';
import { WriteScreen } from './screens/WriteScreen.tsx';

export function Header({ demo }: { demo: boolean }) {
  const other = lang.value === 'ru' ? 'en' : 'ru';
  return (
    <header class="app-header">
      <span class="app-title">{t('app.title')}</span>
      {demo && <span class="badge badge-info">{t('app.demo')}</span>}
      <span class="spacer" />
      <button type="button" class="button quiet small" lang={other} onClick={() => setLang(other)} aria-label={t('app.switchLanguage')}>
        {t('app.otherLanguage')}
      </button>
    </header>
  );
}

/**
 * On every screen change, focus moves to the new screen's heading (it would fall to <body> with the removed
 * button), so keyboard and screen reader users land where the new screen starts. Not on the first render.
 */
function useFocusHeadingOnChange(key: string, onFirst: boolean) {
  const ref = useRef<HTMLDivElement>(null);
  const first = useRef(!onFirst);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = ref.current?.querySelector<HTMLElement>('main h1, main h2');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }, [key]);
  return ref;
}

function Screens({ focusFirst }: { focusFirst: boolean }) {
  const s = useAppState();
  const fatal = s.fatal.value;
  const ref = useFocusHeadingOnChange(fatal ? 'fatal' : s.screen.value, focusFirst);
  if (fatal) {
    return (
      <div ref={ref}>
        <main class="screen">
          <ErrorPanel error={fatal} fatal reached={s.cloudReached.value} />
        </main>
      </div>
    );
  }
  const shown = s.error.value;
  const failedPulls = [...s.progress.value.values()].some((p) => p.phase === 'failed');
  let screen;
  switch (s.screen.value) {
    case 'stores':
      screen = <StoresScreen />;
      break;
    case 'progress':
      screen = <ProgressScreen />;
      break;
    case 'review':
      screen = <ReviewScreen />;
      break;
    case 'write':
      screen = <WriteScreen />;
      break;
  }
  return (
    <div ref={ref}>
      {shown && <ErrorPanel error={shown.error} reached={s.cloudReached.value} onRetry={shown.retry || failedPulls ? s.retryShown : null} onDismiss={s.dismissError} />}
      {shown?.error.code === 'disk-full' && <LocalData />}
      <ResumeBanner />
      {screen}
    </div>
  );
}

/** `focusFirst`: the app replaces another screen (the start screen's demo button): its heading takes the focus. */
export function AppView({ state, demo = false, focusFirst = false }: { state: AppState; demo?: boolean; focusFirst?: boolean }) {
  return (
    <AppStateContext.Provider value={state}>
      <div class="app" lang={lang.value}>
        <Header demo={demo} />
        <Screens focusFirst={focusFirst} />
      </div>
    </AppStateContext.Provider>
  );
}

export interface RootProps {
  launch: LaunchResult;
  env: LaunchEnv;
  createBackend: SyncBackendFactory;
  /** sessionStorage (or null): where launch keeps the token for a reload of this tab. */
  sessionStorage: Storage | null;
}

export function Root({ launch, env, createBackend, sessionStorage }: RootProps) {
  const [session, setSession] = useState<Session | null>(launch.kind === 'session' ? launch.session : null);
  const app = useMemo(() => {
    if (!session) return null;
    const backend = createBackend(session);
    return { backend, state: createAppState(backend, { onUnauthorized: () => forgetSession(sessionStorage) }) };
  }, [session]);
  const state = app?.state ?? null;
  useEffect(() => {
    if (!app) return;
    void app.state.init();
    return () => {
      app.state.dispose();
      app.backend.dispose();
    };
  }, [app]);

  if (!state || !session) {
    return (
      <div class="app" lang={lang.value}>
        <Header demo={false} />
        <StartScreen
          demoAvailable={launch.kind === 'no-token' && launch.demoAvailable}
          invalidToken={launch.kind === 'no-token' && launch.invalidToken}
          onDemo={() => setSession(startDemo(env, sessionStorage))}
        />
      </div>
    );
  }
  return <AppView state={state} demo={session.demo} focusFirst={launch.kind !== 'session'} />;
}
