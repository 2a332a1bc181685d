/**
 * When the disk is full: the stores whose pulled data this browser keeps, each with a way to remove it (it can be
 * pulled again; the journal of writes and their undo is kept). Only this account's stores are listed (the worker
 * shows no other), and only those not being pulled right now.
 */
import { useId, useState } from 'preact/hooks';
import { useAppState } from '../context.ts';
import { t } from '../i18n.ts';
import { Name } from './Name.tsx';

export function LocalData() {
  const s = useAppState();
  const [removed, setRemoved] = useState<string[]>([]);
  const titleId = useId();
  const stores = [...s.progress.value.values()].filter((p) => p.phase !== 'products' && p.phase !== 'documents' && p.phase !== 'background' && p.phase !== 'queued');
  if (stores.length === 0 && removed.length === 0) return null;
  return (
    <section class="local-data" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('localData.title')}</h3>
      <p class="hint">{t('localData.hint')}</p>
      <ul>
        {stores.map((p) => (
          <li key={p.storeId}>
            <Name text={s.storeName(p.storeId)} />{' '}
            <button
              type="button"
              class="button"
              onClick={() => void s.forgetStore(p.storeId).then(() => setRemoved((r) => [...r, s.storeName(p.storeId)]))}
            >
              {t('localData.remove', { store: s.storeName(p.storeId) })}
            </button>
          </li>
        ))}
      </ul>
      {removed.length > 0 && (
        <p role="status">{removed.map((name) => t('localData.removed', { store: name })).join('. ')}</p>
      )}
    </section>
  );
}
