/**
 * Review: the summary, filters, search, the table of every product, and the way to apply. Nothing is written
 * before the confirmation.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useAppState } from '../context.ts';
import { saveFile } from '../download.ts';
import { formatDate, formatMonth, formatQty, formatSignedQty, lang, t, tn } from '../i18n.ts';
import { difference, effectiveQuantity, STATUS_FILTERS, takesLedger, type StatusFilter, type ViewRow } from '../review-model.ts';
import { explainRow } from '../explain.ts';
import { fillPrintTable, printOnDemand, type PrintColumn } from '../print.ts';
import { statusBadges } from '../components/StatusBadges.tsx';
import { ReviewTable } from '../components/ReviewTable.tsx';
import { ProductDetail } from '../components/ProductDetail.tsx';
import { PlanDialog } from '../components/PlanDialog.tsx';
import { isolated } from '../../model/bidi.ts';

const FILTER_LABEL: Record<StatusFilter, () => string> = {
  all: () => t('filter.all'),
  change: () => t('filter.change'),
  same: () => t('filter.same'),
  undecided: () => t('filter.undecided'),
  negative: () => t('filter.negative'),
  'chain-break': () => t('filter.chainBreak'),
  warning: () => t('filter.warning'),
  'not-tracked': () => t('filter.notTracked'),
};

function Summary() {
  const s = useAppState();
  const sum = s.summary.value;
  const multi = s.reviewStoreIds.value.length > 1;
  return (
    <section class="summary" aria-label={t('summary.label')}>
      <div class="figure figure-main">
        <span class="figure-label">{t('summary.changes')}</span>
        <span class="figure-value">{tn('count.products', sum.changes)}</span>
        {multi && sum.changes > 0 && <span class="figure-note">{tn('count.inStores', sum.stores)}</span>}
        {sum.notApproved > 0 && <span class="figure-note">{tn('summary.notApproved', sum.notApproved)}</span>}
      </div>
      <div class="figure">
        <span class="figure-label">{t('summary.difference')}</span>
        {sum.byUnit.length === 0 ? (
          <span class="figure-value">0</span>
        ) : (
          sum.byUnit.map((u) => (
            <span class="figure-value" key={u.unit ?? ''}>
              <span class="up">{formatSignedQty(u.increase)}</span> / <span class="down">{formatQty(u.decrease, u.unit)}</span>
            </span>
          ))
        )}
        <span class="figure-note">{t('summary.differenceNote')}</span>
      </div>
      <div class="figure">
        <span class="figure-label">{t('summary.undecided')}</span>
        <span class="figure-value">{tn('count.products', sum.undecided)}</span>
        {sum.manual > 0 && <span class="figure-note">{tn('summary.manual', sum.manual)}</span>}
      </div>
      <div class="figure">
        <span class="figure-label">{t('summary.total')}</span>
        <span class="figure-value">{tn('count.products', sum.products)}</span>
        {sum.chainBreaks > 0 && <span class="figure-note">{tn('summary.chainBreaks', sum.chainBreaks)}</span>}
      </div>
    </section>
  );
}

function BackgroundNotice() {
  const s = useAppState();
  const progress = s.progress.value;
  const running = s.reviewStoreIds.value.map((id) => progress.get(id)).filter((p) => p !== undefined && p.phase === 'background');
  if (running.length === 0) return null;
  return (
    <div class="notice notice-info background" role="status">
      {running.map((p) => (
        <p key={p!.storeId}>
          {t('review.background', { store: s.storeName(p!.storeId), month: p!.currentMonth ? formatMonth(p!.currentMonth) : '…' })}{' '}
          <button type="button" class="button small quiet" onClick={() => void s.cancelPull(p!.storeId)}>
            {t('review.backgroundStop')}
          </button>
        </p>
      ))}
    </div>
  );
}

/** Stores that became ready after this review was opened (issue 16 item 5). */
function MoreReadyNotice() {
  const s = useAppState();
  const more = s.readyNotShown.value.length;
  if (more === 0) return null;
  return (
    <div class="notice notice-info more-ready" role="status">
      <p>
        {tn('review.moreReady', more)} —{' '}
        <button type="button" class="button small" onClick={() => void s.showReadyStores()}>
          {t('review.moreReadyShow')}
        </button>
      </p>
    </div>
  );
}

/**
 * Products no loaded document names: how deep the documents were read, and older months when there are any
 * (issue 16 item 11).
 */
function NoDocumentsNotice() {
  const s = useAppState();
  const progress = s.progress.value;
  const undecided = new Map<string, number>();
  for (const r of s.allRows.value) if (r.status === 'undecided') undecided.set(r.row.storeId, (undecided.get(r.row.storeId) ?? 0) + 1);
  const stores = s.reviewStoreIds.value.filter((id) => (undecided.get(id) ?? 0) > 0 && progress.get(id)?.loadedSince != null);
  if (stores.length === 0) return null;
  return (
    <div class="notice notice-info no-documents" role="status" aria-label={t('review.noDocuments')}>
      {stores.map((id) => {
        const p = progress.get(id)!;
        const loading = p.phase === 'background' || p.phase === 'documents';
        return (
          <p key={id}>
            {t('review.noDocumentsLoaded', { store: s.storeName(id), count: tn('count.products', undecided.get(id)!), date: formatDate(p.loadedSince!, null) })}{' '}
            {loading ? t('review.noDocumentsLoading') : p.olderMonths ? (
              <button type="button" class="button small" onClick={() => void s.loadOlderMonths(id)}>
                {t('review.loadOlder')}
              </button>
            ) : t('review.noDocumentsAll')}
          </p>
        );
      })}
    </div>
  );
}

function Toolbar() {
  const s = useAppState();
  const counts = s.filterCounts.value;
  const current = s.statusFilter.value;
  const [text, setText] = useState(s.search.value);
  // Filtering 50,000 rows on every key is fine, but waiting for a pause in typing keeps the field smooth.
  useEffect(() => {
    const timer = setTimeout(() => (s.search.value = text), 150);
    return () => clearTimeout(timer);
  }, [text]);
  const storeIds = s.reviewStoreIds.value;
  const visible = s.visibleRows.value;
  const sum = s.summary.value;
  const shownKeys = () => visible.map((r) => r.key);
  return (
    <div class="toolbar">
      <div class="filters" role="group" aria-label={t('filter.label')}>
        {STATUS_FILTERS.filter((f) => f === 'all' || f === current || counts[f] > 0).map((f) => (
          <button key={f} type="button" class={`chip${f === current ? ' chip-on' : ''}`} aria-pressed={f === current} onClick={() => (s.statusFilter.value = f)}>
            {FILTER_LABEL[f]()} <span class="chip-count">{counts[f]}</span>
          </button>
        ))}
      </div>
      <div class="toolbar-row">
        <label class="search">
          <span class="visually-hidden">{t('review.searchLabel')}</span>
          <input type="search" placeholder={t('review.searchPlaceholder')} value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
        </label>
        {storeIds.length > 1 && (
          <label class="store-filter">
            <span>{t('review.storeLabel')}</span>
            <select
              value={s.storeFilter.value ?? ''}
              onChange={(e) => {
                const v = (e.currentTarget as HTMLSelectElement).value;
                s.storeFilter.value = v === '' ? null : v;
              }}
            >
              <option value="">{t('review.allStores')}</option>
              {storeIds.map((id) => (
                <option key={id} value={id}>
                  {isolated(s.storeName(id))}
                </option>
              ))}
            </select>
          </label>
        )}
        <span class="muted" role="status">
          {t('review.shown', { count: tn('count.products', visible.length) })}
        </span>
        <span class="spacer" />
        {sum.ledgerDiffers > 0 && (
          <button
            type="button"
            class="button small"
            // Every flagged row at once, not only those shown: the count says how many.
            onClick={() => s.takeLedger(s.allRows.value.filter((r) => r.ledger !== null).map((r) => r.key), sum.ledgerTaken < sum.ledgerDiffers)}
          >
            {sum.ledgerTaken < sum.ledgerDiffers ? t('review.takeLedgerAll', { n: sum.ledgerDiffers }) : t('review.dropLedgerAll', { n: sum.ledgerDiffers })}
          </button>
        )}
        <button type="button" class="button small" onClick={() => s.setApproved(shownKeys(), true)}>
          {t('review.approveShown')}
        </button>
        <button type="button" class="button small" onClick={() => s.setApproved(shownKeys(), false)}>
          {t('review.unapproveShown')}
        </button>
      </div>
    </div>
  );
}

/** The review as the print table shows it: every column of the grid, the status and the whole reason in words. */
function PrintTable() {
  const s = useAppState();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const container = ref.current;
    const win = container?.ownerDocument.defaultView;
    if (!container || !win) return;
    return printOnDemand(win, container, (c) => {
      const manual = s.manual.peek();
      const multi = s.reviewStoreIds.peek().length > 1;
      const l = lang.peek();
      const unit = (r: ViewRow) => r.row.stock.measureName;
      const columns: PrintColumn<ViewRow>[] = [
        { header: t('review.col.name'), cell: (r) => (multi ? `${r.row.stock.name} (${s.storeName(r.row.storeId)})` : r.row.stock.name) },
        { header: t('review.col.code'), cell: (r) => r.row.stock.code ?? '' },
        { header: t('review.col.cloud'), cell: (r) => formatQty(r.cloud, unit(r)), numeric: true },
        { header: t('review.col.computed'), cell: (r) => formatQty(effectiveQuantity(r, manual.get(r.key)), unit(r)), numeric: true },
        { header: t('review.col.difference'), cell: (r) => { const d = difference(r, manual.get(r.key)); return d === null ? '—' : formatSignedQty(d, unit(r)); }, numeric: true },
        {
          header: t('review.col.status'),
          cell: (r) => {
            const ledger = takesLedger(r, manual.get(r.key));
            const method = ledger ? 'ledger' : s.reviewMeta.peek().get(r.row.storeId)?.method;
            return `${statusBadges(r, manual.has(r.key), ledger).map((b) => b.text).join(', ')}. ${explainRow(r.row, l, s.deviceNames(r.row.storeId), method)}`;
          },
        },
      ];
      fillPrintTable(c, t('review.tableLabel'), columns, s.visibleRows.peek());
    });
  }, []);
  return <div ref={ref} class="print-only" />;
}

export function ReviewScreen() {
  const s = useAppState();
  const loading = s.rowsLoading.value.size > 0 && s.allRows.value.length === 0;
  const sum = s.summary.value;
  const planState = s.plan.value;
  const detail = s.detailRow.value;

  const exportCsv = async () => {
    const file = await s.exportCsv();
    if (file) saveFile(file);
  };

  return (
    <main class="screen review" aria-labelledby="review-title">
      <div class="screen-head">
        <h1 id="review-title">{t('review.title')}</h1>
        <button type="button" class="button quiet" onClick={s.showStores}>
          {t('review.backToStores')}
        </button>
      </div>
      <BackgroundNotice />
      <MoreReadyNotice />
      <NoDocumentsNotice />
      {loading ? (
        <p role="status">{t('review.loading')}</p>
      ) : (
        <>
          <Summary />
          <Toolbar />
          <ReviewTable />
          <PrintTable />
        </>
      )}
      <div class="actions sticky-actions apply-bar">
        <button type="button" class="button primary" disabled={sum.changes === 0 || planState.status === 'loading'} onClick={() => void s.prepareApply()}>
          {t('review.apply')}
        </button>
        <span class="muted">{sum.changes === 0 ? t('review.nothingToApply') : t('review.applyNote', { count: tn('count.products', sum.changes) })}</span>
        <span class="spacer" />
        <button type="button" class="button" onClick={() => void exportCsv()}>
          {t('review.exportCsv')}
        </button>
      </div>
      {detail && <ProductDetail row={detail} />}
      {planState.status !== 'idle' && <PlanDialog />}
    </main>
  );
}
