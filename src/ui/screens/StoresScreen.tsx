/** The user's stores with their sync state; choose some, choose how, start. */
import type { StoreSummary } from '../backend.ts';
import { useAppState } from '../context.ts';
import { formatDate, formatDateTime, t, tn } from '../i18n.ts';
import { OptionsPanel } from '../components/OptionsPanel.tsx';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { Name } from '../components/Name.tsx';

function StoreState({ store }: { store: StoreSummary }) {
  switch (store.state) {
    case 'never':
      return <span class="badge">{t('stores.state.never')}</span>;
    case 'running':
      return <span class="badge badge-info">{t('stores.state.running')}</span>;
    case 'paused':
      return <span class="badge badge-warning">{t('stores.state.paused')}</span>;
    case 'cancelled':
      return <span class="badge badge-warning">{t('stores.state.cancelled')}</span>;
    case 'failed':
      return <span class="badge badge-danger">{t('stores.state.failed')}</span>;
    case 'done':
      return (
        <span class="badge badge-success">
          {store.lastSyncedAt === null ? t('stores.state.doneNoDate') : t('stores.state.done', { date: formatDateTime(store.lastSyncedAt, null) })}
        </span>
      );
  }
}

export function StoresScreen() {
  const s = useAppState();
  const list = s.stores.value;
  const selected = s.selected.value;

  if (list.status === 'loading' || list.status === 'idle') {
    return (
      <main class="screen" aria-busy="true">
        <h1>{t('stores.title')}</h1>
        <p role="status">{t('stores.loading')}</p>
      </main>
    );
  }
  if (list.status === 'error') {
    return (
      <main class="screen">
        <h1>{t('stores.title')}</h1>
        <ErrorPanel error={list.error} onRetry={() => void s.loadStores()} />
      </main>
    );
  }
  const stores = list.value;
  const hasV1 = stores.some((x) => selected.has(x.id) && x.apiVersion === 'v1');
  const allSelected = stores.length > 0 && stores.every((x) => selected.has(x.id));
  const anyRunning = stores.some((x) => x.state === 'running' || x.state === 'paused');
  const withResult = stores.filter((x) => x.lastSyncedAt !== null);
  const selectedWithResult = withResult.filter((x) => selected.has(x.id));
  const resultIds = (selectedWithResult.length > 0 ? selectedWithResult : withResult).map((x) => x.id);

  return (
    <main class="screen stores" aria-labelledby="stores-title">
      <h1 id="stores-title">{t('stores.title')}</h1>
      <p class="lead">{t('stores.intro')}</p>
      {stores.length === 0 ? (
        <p class="notice">{t('stores.empty')}</p>
      ) : (
        <fieldset class="card store-list">
          <legend class="visually-hidden">{t('stores.legend')}</legend>
          <label class="choice select-all">
            <input type="checkbox" checked={allSelected} onChange={() => s.selectAllStores(!allSelected)} />
            <span>{t('stores.selectAll')}</span>
          </label>
          <ul>
            {stores.map((store) => (
              <li key={store.id} class="store">
                <label class="choice">
                  <input type="checkbox" checked={selected.has(store.id)} onChange={(e) => s.toggleStore(store.id, (e.currentTarget as HTMLInputElement).checked)} />
                  <span class="store-main">
                    <strong class="store-name"><Name text={store.name} /></strong>
                    {store.address && <span class="muted"><Name text={store.address} /></span>}
                    <span class="muted small">
                      {store.createdAt !== null && t('stores.created', { date: formatDate(store.createdAt, null) })}
                      {store.apiVersion === 'v1' && ` · ${t('stores.apiV1')}`}
                    </span>
                  </span>
                </label>
                <span class="store-state">
                  <StoreState store={store} />
                  {store.state === 'failed' && store.error && <span class="muted small">{t('stores.failedHint')}</span>}
                </span>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      <OptionsPanel hasV1={hasV1} />
      <div class="actions sticky-actions">
        <button type="button" class="button primary" disabled={selected.size === 0} onClick={() => void s.startPull()}>
          {t('stores.start')}
        </button>
        <span class="muted">{selected.size === 0 ? t('stores.chooseFirst') : t('stores.selectedCount', { count: tn('count.stores', selected.size) })}</span>
        {anyRunning && (
          <button type="button" class="button" onClick={s.showProgress}>
            {t('stores.showProgress')}
          </button>
        )}
        {withResult.length > 0 && (
          <button type="button" class="button" onClick={() => void s.openReview(resultIds)}>
            {t('stores.openResult')}
          </button>
        )}
      </div>
      <p class="muted small">{t('stores.startHint')}</p>
    </main>
  );
}
