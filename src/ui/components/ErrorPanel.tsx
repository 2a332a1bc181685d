/** A readable error: what happened, what to do next, details for whoever configures the app. Text only, never HTML. */
import type { BackendError } from '../backend.ts';
import { describeError } from '../errors.ts';
import { t } from '../i18n.ts';

export const PERSONAL_ACCOUNT_URL = 'https://lk.evotor.ru/';

export interface ErrorPanelProps {
  error: BackendError;
  onRetry?: (() => void) | null;
  onDismiss?: (() => void) | null;
  /** A whole-screen problem (401, 402): larger, no dismiss. */
  fatal?: boolean;
  /** The cloud answered this session before (describeError). */
  reached?: boolean;
}

export function ErrorPanel({ error, onRetry, onDismiss, fatal = false, reached = false }: ErrorPanelProps) {
  const text = describeError(error, undefined, reached);
  return (
    <section class={`error-panel${fatal ? ' error-fatal' : ''}`} role="alert" aria-labelledby="error-title">
      <h2 id="error-title" class="error-title">{text.title}</h2>
      <p class="error-action">{text.action}</p>
      {text.admin && <p class="error-admin">{text.admin}</p>}
      <div class="actions">
        {text.reopen && (
          <a class="button primary" href={PERSONAL_ACCOUNT_URL} target="_top" rel="noopener">
            {t('error.openPersonalAccount')}
          </a>
        )}
        {onRetry && text.retryable && (
          <button type="button" class="button primary" onClick={onRetry}>
            {t('error.retry')}
          </button>
        )}
        {onDismiss && !fatal && (
          <button type="button" class="button" onClick={onDismiss}>
            {t('error.dismiss')}
          </button>
        )}
      </div>
      {text.detail !== '' && (
        <details class="error-detail">
          <summary>{t('error.details')}</summary>
          <pre>{text.detail}</pre>
        </details>
      )}
    </section>
  );
}
