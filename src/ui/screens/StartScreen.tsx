/** Without a token: how to open the app from the Evotor personal account, and the demo store when the build has one. */
import { t } from '../i18n.ts';
import { PERSONAL_ACCOUNT_URL } from '../components/ErrorPanel.tsx';

export interface StartScreenProps {
  demoAvailable: boolean;
  invalidToken: boolean;
  onDemo: () => void;
}

export function StartScreen({ demoAvailable, invalidToken, onDemo }: StartScreenProps) {
  return (
    <main class="screen start" aria-labelledby="start-title">
      <h1 id="start-title">{t('start.title')}</h1>
      {invalidToken && (
        <p class="notice notice-warning" role="alert">
          {t('start.invalidToken')}
        </p>
      )}
      <p class="lead">{t('start.why')}</p>
      <ol class="steps">
        <li>
          {t('start.step1')}{' '}
          <a href={PERSONAL_ACCOUNT_URL} target="_blank" rel="noopener noreferrer">
            lk.evotor.ru
          </a>
        </li>
        <li>{t('start.step2')}</li>
        <li>{t('start.step3')}</li>
      </ol>
      <p class="muted">{t('start.notInstalled')}</p>
      <p class="muted">{t('start.safety')}</p>
      {demoAvailable && (
        <section class="card demo" aria-labelledby="demo-title">
          <h2 id="demo-title">{t('start.demoTitle')}</h2>
          <p>{t('start.demoText')}</p>
          <button type="button" class="button primary" onClick={onDemo}>
            {t('start.demoButton')}
          </button>
        </section>
      )}
    </main>
  );
}
