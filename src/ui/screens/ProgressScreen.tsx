/**
 * Per-store progress: months, pages, documents, products decided, ETA; pause, resume, cancel. Background fetching
 * of older months (the result is already usable) is shown as such. The phase line of each store is a polite live
 * region; the numbers are not (they change every second and would drown a screen reader).
 */
import type { PullProgress } from '../backend.ts';
import { useAppState } from '../context.ts';
import { formatDuration, formatMonth, t, type MessageKey } from '../i18n.ts';
import { useState } from 'preact/hooks';
import { Dialog } from '../components/Dialog.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { LocalData } from '../components/LocalData.tsx';
import { describeError } from '../errors.ts';
import { Name } from '../components/Name.tsx';

const WAITING: Record<string, MessageKey> = { server: 'progress.waitingServer', timeout: 'progress.waitingServer', network: 'progress.waitingNetwork', body: 'progress.waitingServer' };

/** What a wait is for: a 429 asks us to wait, a 5xx or a timeout is the cloud not answering, a lost network is ours. */
function waitingKey(reason: string): MessageKey {
  return WAITING[reason] ?? 'progress.waiting';
}

function phaseText(p: PullProgress, repeated: boolean): string {
  switch (p.phase) {
    case 'queued':
      return t('progress.phase.queued');
    case 'products':
      return t('progress.phase.products');
    case 'documents':
      return p.currentMonth ? t('progress.phase.documentsMonth', { month: formatMonth(p.currentMonth) }) : t('progress.phase.documents');
    case 'background':
      return p.currentMonth ? t('progress.phase.backgroundMonth', { month: formatMonth(p.currentMonth) }) : t('progress.phase.background');
    case 'done':
      return t(p.stopReason === 'all-decided' && p.monthsTotal !== null && p.monthsDone < p.monthsTotal ? 'progress.phase.doneEarly' : 'progress.phase.done');
    case 'paused':
      return t('progress.phase.paused');
    case 'cancelled':
      return t(p.resultReady ? 'progress.phase.stoppedWithResult' : 'progress.phase.cancelled');
    case 'failed':
      return p.error && !repeated ? describeError(p.error, undefined, true).title : t('progress.phase.failed');
  }
}

/** Cancelling asks first, and says what is kept: the pages already loaded (the next start continues from them). */
function CancelDialog({ name, onConfirm, onClose }: { name: string; onConfirm: () => void; onClose: () => void }) {
  return (
    <Dialog titleId="cancel-title" descriptionId="cancel-body" onClose={onClose} initialFocus=".cancel-keep">
      <h2 id="cancel-title">{t('progress.cancelTitle', { store: name })}</h2>
      <p id="cancel-body">{t('progress.cancelBody')}</p>
      <div class="actions">
        <button type="button" class="button" onClick={onConfirm}>
          {t('progress.cancelConfirm')}
        </button>
        <button type="button" class="button primary cancel-keep" onClick={onClose}>
          {t('progress.cancelKeep')}
        </button>
      </div>
    </Dialog>
  );
}

/** Waits for the cloud's rate limit (src/api WaitInfo reasons), as opposed to a retry after an error. */
const LIMIT_WAITS: ReadonlySet<string> = new Set(['rate-limit', 'pacing']);

export function StoreProgress({ progress: p, name }: { progress: PullProgress; name: string }) {
  const s = useAppState();
  const [confirming, setConfirming] = useState(false);
  const active = p.phase === 'queued' || p.phase === 'products' || p.phase === 'documents' || p.phase === 'background';
  const monthsText = p.monthsTotal === null ? t('progress.monthsOpen', { done: p.monthsDone }) : t('progress.months', { done: p.monthsDone, total: p.monthsTotal });
  const decidedText = t('progress.decided', { done: p.productsDecided, total: p.productsTotal });
  const titleId = `progress-${p.storeId}`;
  // The same error is already above the screen, with its «Повторить»: the card does not say it again.
  const repeated = p.error !== null && s.error.value?.error.code === p.error.code;
  // Waiting for the cloud's request limit: the time left is the wait, however fast the pages came before it.
  const limitWait = p.waiting && LIMIT_WAITS.has(p.waiting.reason) && p.phase !== 'failed' ? Math.max(0, p.waiting.until - Date.now()) : null;
  return (
    <section class={`card store-progress phase-${p.phase}`} aria-labelledby={titleId}>
      <header class="card-head">
        <h2 id={titleId}><Name text={name} /></h2>
        <p class="phase" aria-live="polite">
          {phaseText(p, repeated)}
        </p>
      </header>
      <ProgressBar
        label={t('progress.monthsLabel', { store: name })}
        value={p.phase === 'products' || p.phase === 'queued' ? null : p.monthsDone}
        max={p.monthsTotal}
        valueText={monthsText}
      />
      <ProgressBar
        label={t('progress.decidedLabel', { store: name })}
        value={p.productsTotal > 0 ? p.productsDecided : null}
        max={p.productsTotal > 0 ? p.productsTotal : null}
        valueText={decidedText}
        tone="secondary"
      />
      <dl class="stats">
        <div>
          <dt>{t('progress.monthsTerm')}</dt>
          <dd>{monthsText}</dd>
        </div>
        <div>
          <dt>{t('progress.pagesTerm')}</dt>
          <dd>{t('progress.number', { n: p.pages })}</dd>
        </div>
        <div>
          <dt>{t('progress.documentsTerm')}</dt>
          <dd>{t('progress.number', { n: p.documents })}</dd>
        </div>
        <div>
          <dt>{t('progress.decidedTerm')}</dt>
          <dd>{decidedText}</dd>
        </div>
        {active && (
          <div>
            <dt>{t('progress.etaTerm')}</dt>
            <dd>{limitWait !== null ? t('progress.etaWaitingLimit', { wait: formatDuration(limitWait) }) : p.etaMs === null ? t('progress.etaUnknown') : formatDuration(p.etaMs)}</dd>
          </div>
        )}
      </dl>
      {p.phase === 'background' && <p class="hint">{t('progress.backgroundHint')}</p>}
      {p.waiting && p.phase !== 'failed' && (
        <p class="hint">{limitWait !== null ? t('progress.waitingLimit', { wait: formatDuration(limitWait) }) : t(waitingKey(p.waiting.reason))}</p>
      )}
      {p.error && p.phase !== 'failed' && <p class="hint warning">{describeError(p.error, undefined, true).title}</p>}
      {p.phase === 'failed' && p.error && !repeated && <p class="hint">{describeError(p.error, undefined, true).action}</p>}
      {p.phase === 'failed' && p.error?.code === 'disk-full' && !repeated && <LocalData />}
      <div class="actions">
        {active && p.phase !== 'background' && (
          <button type="button" class="button" onClick={() => void s.pausePull(p.storeId)} aria-label={t('progress.pauseStore', { store: name })}>
            {t('progress.pause')}
          </button>
        )}
        {(p.phase === 'paused' || p.phase === 'failed') && (
          <button
            type="button"
            class="button primary"
            onClick={() => void s.resumePull(p.storeId)}
            // The visible word must be part of the name (axe label-content-name-mismatch): «Повторить» is not in «Продолжить…».
            aria-label={p.phase === 'failed' ? undefined : t('progress.resumeStore', { store: name })}
            aria-describedby={p.phase === 'failed' ? titleId : undefined}
          >
            {t(p.phase === 'failed' ? 'progress.retry' : 'progress.resume')}
          </button>
        )}
        {(active || p.phase === 'paused') && (
          <button
            type="button"
            class="button quiet"
            // Stopping background fetching keeps the result: nothing to confirm. Cancelling a pull asks first.
            onClick={() => (p.phase === 'background' ? void s.cancelPull(p.storeId) : setConfirming(true))}
            aria-label={t(p.phase === 'background' ? 'progress.stopBackgroundStore' : 'progress.cancelStore', { store: name })}
          >
            {t(p.phase === 'background' ? 'progress.stopBackground' : 'progress.cancel')}
          </button>
        )}
      </div>
      {confirming && (
        <CancelDialog
          name={name}
          onClose={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void s.cancelPull(p.storeId);
          }}
        />
      )}
    </section>
  );
}

export function ProgressScreen() {
  const s = useAppState();
  const progress = s.progress.value;
  const ids = [...s.selected.value].filter((id) => progress.has(id));
  const shown = ids.length > 0 ? ids : [...progress.keys()];
  const ready = s.readyStoreIds.value;
  const allReady = shown.length > 0 && shown.every((id) => progress.get(id)?.resultReady);
  return (
    <main class="screen progress" aria-labelledby="progress-title">
      <h1 id="progress-title">{t('progress.title')}</h1>
      <p class="lead">{t('progress.intro')}</p>
      {shown.length === 0 && <p role="status">{t('progress.starting')}</p>}
      {shown.map((id) => {
        const p = progress.get(id);
        return p ? <StoreProgress key={id} progress={p} name={s.storeName(id)} /> : null;
      })}
      <div class="actions sticky-actions">
        <button type="button" class={`button${allReady ? ' primary' : ''}`} disabled={ready.length === 0} onClick={() => void s.openReview()}>
          {t('progress.toReview')}
        </button>
        {ready.length > 0 && !allReady && <span class="muted">{t('progress.partialReady')}</span>}
        <button type="button" class="button quiet" onClick={s.showStores}>
          {t('progress.backToStores')}
        </button>
      </div>
    </main>
  );
}
