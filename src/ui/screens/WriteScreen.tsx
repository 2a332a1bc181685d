/**
 * Writing (or undoing): progress per store, then the report: written / unchanged / failed with the reason / skipped,
 * products the guard recomputed because of new sales, undo, CSV.
 */
import type { ItemReason, ItemSummary, RunResult } from '../../writeback/types.ts';
import { useAppState } from '../context.ts';
import { saveFile } from '../download.ts';
import { formatQty, t, type MessageKey } from '../i18n.ts';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { scopeName } from '../errors.ts';
import { PlanDialog } from '../components/PlanDialog.tsx';
import { MovedList } from '../components/MovedList.tsx';
import { Name } from '../components/Name.tsx';

const REASON_KEYS: Record<ItemReason, MessageKey> = {
  'not-approved': 'reason.notApproved',
  undecided: 'reason.undecided',
  'not-tracked': 'reason.notTracked',
  'not-in-cloud': 'reason.notInCloud',
  'needs-review': 'reason.needsReview',
  'out-of-range': 'reason.outOfRange',
  rejected: 'reason.rejected',
  'not-found': 'reason.notFound',
  'rate-limited': 'reason.rateLimited',
  'server-error': 'reason.serverError',
  network: 'reason.network',
  violation: 'reason.violation',
  account: 'reason.account',
  unknown: 'reason.unknown',
};

export function reasonText(item: Pick<ItemSummary, 'status' | 'reason'>): string {
  if (item.status === 'mismatch') return t('reason.mismatch');
  return item.reason === null ? t('reason.unknown') : t(REASON_KEYS[item.reason]);
}

function WriteProgressView() {
  const s = useAppState();
  const p = s.writeProgress.value;
  const undo = s.writeKind.value === 'undo';
  return (
    <section class="card" aria-labelledby="write-progress-title">
      <h2 id="write-progress-title">{t('write.progressTitle')}</h2>
      <p role="status" aria-live="polite">
        {p ? t(`write.phase.${p.phase}` as MessageKey) : t(undo ? 'write.undoing' : 'write.writing')}
      </p>
      <ProgressBar
        label={t('write.progressTitle')}
        value={p && p.total > 0 ? p.done : null}
        max={p && p.total > 0 ? p.total : null}
        valueText={p ? t('write.done', { done: p.done, total: p.total }) : undefined}
      />
      {p && (
        <p class="muted small">
          {t('write.done', { done: p.done, total: p.total })}
          {p.rateLimited > 0 ? ` · ${t('write.rateLimited', { n: p.rateLimited })}` : ''}
        </p>
      )}
      <p class="muted small">{t(undo ? 'write.undoing' : 'write.writing')}</p>
    </section>
  );
}

function IssueList({ title, items }: { title: string; items: ItemSummary[] }) {
  if (items.length === 0) return null;
  const shown = items.slice(0, 200);
  return (
    <details class="issues" open={items.length <= 20}>
      <summary>
        {title} ({items.length})
      </summary>
      <ul>
        {shown.map((i) => (
          <li key={i.productId}>
            <strong><Name text={i.name} /></strong>
            {i.code ? <span class="muted"> · {i.code}</span> : null}: {reasonText(i)}
            {i.target !== null && <span class="muted"> · {t('report.target', { value: formatQty(i.target) })}</span>}
            {i.message && <span class="muted"> · <Name text={i.message} /></span>}
          </li>
        ))}
      </ul>
      {items.length > shown.length && <p class="muted small">{t('report.more', { n: items.length - shown.length })}</p>}
    </details>
  );
}

function Report({ result }: { result: RunResult }) {
  const s = useAppState();
  const report = result.report;
  const undo = report.kind === 'undo';
  const stores = report.stores;
  const total = stores.reduce(
    (acc, r) => ({ written: acc.written + r.written, unchanged: acc.unchanged + r.unchanged, failed: acc.failed + r.failed, skipped: acc.skipped + r.skipped, remaining: acc.remaining + r.remaining }),
    { written: 0, unchanged: 0, failed: 0, skipped: 0, remaining: 0 },
  );
  const stopped = report.status === 'stopped' || report.status === 'interrupted' || report.remaining > 0;
  const undoable = report.kind === 'write' && report.undoable;
  const moved = stores.flatMap((r) => r.moved);

  const exportCsv = async () => {
    const file = await s.exportCsv();
    if (file) saveFile(file);
  };

  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">{t(undo ? 'report.undoTitle' : 'report.title')}</h2>
      <p role="status" class={total.failed > 0 || stopped ? 'notice notice-warning' : 'notice notice-success'}>
        {stopped ? t('report.incomplete', { remaining: total.remaining }) : total.failed > 0 ? t('report.withFailures') : t(undo ? 'report.undoAllDone' : 'report.allDone')}
      </p>
      {stopped && report.statusReason && (
        <p class="muted">{report.statusReason.scope ? t('report.stoppedScope', { scope: scopeName(report.statusReason.scope) }) : report.statusReason.message}</p>
      )}
      <table class="plain report-table">
        <caption class="visually-hidden">{t(undo ? 'report.undoTitle' : 'report.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('report.col.store')}</th>
            <th scope="col" class="num">
              {t('report.col.written')}
            </th>
            <th scope="col" class="num">
              {t('report.col.unchanged')}
            </th>
            <th scope="col" class="num">
              {t('report.col.failed')}
            </th>
            <th scope="col" class="num">
              {t('report.col.skipped')}
            </th>
          </tr>
        </thead>
        <tbody>
          {stores.map((r) => (
            <tr key={r.storeId}>
              <th scope="row"><Name text={r.storeName} /></th>
              <td class="num">{t('progress.number', { n: r.written })}</td>
              <td class="num">{t('progress.number', { n: r.unchanged })}</td>
              <td class={`num${r.failed > 0 ? ' down' : ''}`}>{t('progress.number', { n: r.failed })}</td>
              <td class="num">{t('progress.number', { n: r.skipped })}</td>
            </tr>
          ))}
        </tbody>
        {stores.length > 1 && (
          <tfoot>
            <tr>
              <th scope="row">{t('report.total')}</th>
              <td class="num">{t('progress.number', { n: total.written })}</td>
              <td class="num">{t('progress.number', { n: total.unchanged })}</td>
              <td class="num">{t('progress.number', { n: total.failed })}</td>
              <td class="num">{t('progress.number', { n: total.skipped })}</td>
            </tr>
          </tfoot>
        )}
      </table>
      {stores.map((r) => (
        <IssueList key={`f-${r.storeId}`} title={t('report.failures', { store: r.storeName })} items={r.failures} />
      ))}
      {stores.map((r) => (
        <IssueList key={`a-${r.storeId}`} title={t('report.attention', { store: r.storeName })} items={r.attention} />
      ))}
      <MovedList moved={moved} />
      <div class="actions">
        {stopped && (
          <button type="button" class="button primary" onClick={() => void s.continueWrite()}>
            {t('report.continue')}
          </button>
        )}
        <button type="button" class="button" onClick={() => void exportCsv()}>
          {t('report.csv')}
        </button>
        {undoable && (
          <button type="button" class="button" onClick={() => void s.prepareUndo()}>
            {t('report.undo')}
          </button>
        )}
        <span class="spacer" />
        <button type="button" class="button quiet" onClick={s.backToStores}>
          {t('report.toStores')}
        </button>
      </div>
      {undoable && (
        <p class="muted small">
          {t('report.undoHint')}{' '}
          <button type="button" class="link" onClick={() => void s.discardUndo()}>
            {t('report.discardUndo')}
          </button>
        </p>
      )}
    </section>
  );
}

export function WriteScreen() {
  const s = useAppState();
  const result = s.result.value;
  const undo = s.writeKind.value === 'undo';
  return (
    <main class="screen write" aria-labelledby="write-title">
      <h1 id="write-title">{t(undo ? 'write.undoTitle' : 'write.title')}</h1>
      {result.status === 'ready' ? <Report result={result.value} /> : result.status === 'loading' ? <WriteProgressView /> : null}
      {result.status === 'error' && (
        <div class="actions">
          <button type="button" class="button quiet" onClick={s.backToStores}>
            {t('report.toStores')}
          </button>
        </div>
      )}
      {s.plan.value.status !== 'idle' && <PlanDialog />}
    </main>
  );
}
