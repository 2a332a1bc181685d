/**
 * A product's detail, docked to the side: its figures, the reason in words, chain breaks, manual entry for an
 * undecided product, and its documents on a timeline with a small chart of the reconstructed stock.
 */
import { useAppState } from '../context.ts';
import { breakText, docLabel, docTypeName, formatQtyText } from '../docs.ts';
import { explainEvent } from '../../stock/explain.ts';
import { explainRow } from '../explain.ts';
import { formatDateTime, formatQty, formatSignedQty, lang, t } from '../i18n.ts';
import { difference, effectiveQuantity, proposesChange, takesLedger, type ViewRow } from '../review-model.ts';
import { buildTimeline } from '../timeline.ts';
import { Dialog } from './Dialog.tsx';
import { ManualInput } from './ManualInput.tsx';
import { StatusBadges } from './StatusBadges.tsx';
import { StockChart } from './StockChart.tsx';
import { describeError } from '../errors.ts';
import { Name } from './Name.tsx';

const BREAKS_SHOWN = 5;

function History({ row }: { row: ViewRow }) {
  const s = useAppState();
  const h = s.detailHistory.value;
  const unit = row.row.stock.measureName;
  if (h.status === 'loading' || h.status === 'idle') return <p role="status">{t('detail.historyLoading')}</p>;
  if (h.status === 'error') {
    const text = describeError(h.error);
    return (
      <p class="notice notice-warning" role="alert">
        {text.title}. {text.action}
      </p>
    );
  }
  const points = buildTimeline(h.value.events, h.value.stock ?? { chainBreaks: [], decidedBy: row.row.stock.decidedBy });
  if (points.length === 0) return <p class="muted">{t('detail.historyEmpty')}</p>;
  const names = s.deviceNames(row.row.storeId);
  const newestFirst = points.slice().reverse();
  return (
    <>
      <StockChart points={points} unit={unit} />
      {!h.value.complete && <p class="muted small">{t('detail.historyPartial')}</p>}
      {/* A scrolled region is reachable by keyboard (axe scrollable-region-focusable). */}
      <div class="timeline-wrap" tabIndex={0} role="region" aria-label={t('detail.history')}>
        <table class="plain timeline">
          <caption class="visually-hidden">{t('detail.history')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('detail.col.document')}</th>
              <th scope="col">{t('detail.col.terminal')}</th>
              <th scope="col" class="num">
                {t('detail.col.before')}
              </th>
              <th scope="col" class="num">
                {t('detail.col.movement')}
              </th>
              <th scope="col" class="num">
                {t('detail.col.after')}
              </th>
            </tr>
          </thead>
          <tbody>
            {newestFirst.map((p) => {
              const e = p.event;
              // What the document did in words (a prepayment, a credit payment, a correction; src/stock explainEvent).
              const words = explainEvent(e, lang.value);
              const terminal = e.doc.deviceId === '' ? undefined : names[e.doc.deviceId] ?? `${e.doc.deviceId.slice(0, 8)}…`;
              return (
                <tr key={e.doc.id} class={`${p.deciding ? 'deciding' : ''}${p.chainBreak ? ' has-break' : ''}`}>
                  <th scope="row">
                    <span class="doc-type">{docTypeName(e.doc)}</span>
                    <span class="muted small">
                      {e.doc.number !== null ? `№${e.doc.number} · ` : ''}
                      {formatDateTime(e.doc.closeTime, e.doc.timeZoneOffset)}
                    </span>
                    {p.deciding && <span class="badge badge-info">{t('detail.deciding')}</span>}
                    {p.chainBreak && <span class="badge badge-break" title={breakText(p.chainBreak, unit, names)}>{t('status.chainBreak')}</span>}
                    {!e.decides && <span class="badge badge-muted">{t('detail.notCounted')}</span>}
                    {words && <span class="event-words small">{words}</span>}
                  </th>
                  <td class="terminal" title={e.doc.deviceId}>
                    {terminal === undefined ? '—' : terminal}
                  </td>
                  <td class="num">{formatQty(e.stockBefore, unit)}</td>
                  <td class="num">{e.setTo !== null ? t('detail.setTo', { value: formatQty(e.setTo, unit) }) : formatSignedQty(e.movement, unit)}</td>
                  <td class="num">{formatQty(p.after, unit)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The newest chain breaks: from the product's full result once its history is read, the newest one until then. */
function ChainBreaks({ row }: { row: ViewRow }) {
  const s = useAppState();
  const h = s.detailHistory.value;
  const stock = row.row.stock;
  const full = h.status === 'ready' ? h.value.stock : null;
  const breaks = full?.chainBreaks ?? (stock.lastChainBreak ? [stock.lastChainBreak] : []);
  const count = full?.chainBreaks.length ?? stock.chainBreakCount;
  if (count === 0) return null;
  const names = s.deviceNames(row.row.storeId);
  return (
    <>
      <h3>{t('detail.breaks', { n: count })}</h3>
      <ul class="breaks">
        {/* The newest breaks matter most; the timeline below marks every one. */}
        {breaks.slice(-BREAKS_SHOWN).reverse().map((b) => (
          <li key={`${b.previous.id}-${b.next.id}`}>{breakText(b, stock.measureName, names)}</li>
        ))}
      </ul>
      {count > BREAKS_SHOWN && <p class="muted small">{t('detail.moreBreaks', { n: count - BREAKS_SHOWN })}</p>}
    </>
  );
}

export function ProductDetail({ row }: { row: ViewRow }) {
  const s = useAppState();
  const stock = row.row.stock;
  const unit = stock.measureName;
  const m = s.manual.value.get(row.key);
  const diff = difference(row, m);
  const proposes = proposesChange(row, m);
  const approved = proposes && !s.notApproved.value.has(row.key);
  const ledger = takesLedger(row, m);
  const reason = explainRow(row.row, lang.value, s.deviceNames(row.row.storeId), ledger ? 'ledger' : s.reviewMeta.value.get(row.row.storeId)?.method);
  return (
    <Dialog titleId="detail-title" onClose={s.closeDetail} variant="side" initialFocus={row.status === 'undecided' ? '#detail-manual' : '.detail-close'}>
      <div class="detail-head">
        <h2 id="detail-title"><Name text={stock.name} /></h2>
        <button type="button" class="button quiet detail-close" onClick={s.closeDetail} aria-label={t('detail.close')}>
          ✕
        </button>
      </div>
      <p class="muted">
        {stock.code ? t('detail.code', { code: stock.code }) : t('detail.noCode')}
        {s.reviewStoreIds.value.length > 1 ? ` · ${s.storeName(row.row.storeId)}` : ''}
      </p>
      <StatusBadges row={row} manual={m !== undefined} ledger={ledger} />
      <dl class="figures">
        <div>
          <dt>{t('detail.cloud')}</dt>
          <dd>{formatQty(row.cloud, unit)}</dd>
        </div>
        <div>
          <dt>{t('detail.computed')}</dt>
          <dd>{row.status === 'undecided' ? (m === undefined ? '—' : `${formatQty(m, unit)} (${t('status.manual')})`) : formatQty(effectiveQuantity(row, m), unit)}</dd>
        </div>
        <div>
          <dt>{t('detail.difference')}</dt>
          <dd>{diff === null ? '—' : formatSignedQty(diff, unit)}</dd>
        </div>
        {stock.ledgerQuantity !== null && stock.ledgerQuantity !== stock.quantity && (
          <div>
            <dt>{t('detail.ledger')}</dt>
            <dd>{formatQtyText(stock.ledgerQuantity, unit)}</dd>
          </div>
        )}
      </dl>
      {row.ledger !== null && (
        <p>
          <button type="button" class="button small" onClick={() => s.takeLedger([row.key], !ledger)}>
            {ledger ? t('detail.dropLedger', { value: formatQty(row.computed, unit) }) : t('detail.takeLedger', { value: formatQty(row.ledger, unit) })}
          </button>
        </p>
      )}
      <h3>{t('detail.reason')}</h3>
      <p class="reason-full">{reason}</p>
      {stock.decidedBy && <p class="muted small">{t('detail.decidedBy', { document: docLabel(stock.decidedBy, s.deviceNames(row.row.storeId)) })}</p>}
      <ChainBreaks row={row} />
      {row.status === 'undecided' && (
        <section class="card manual-card" aria-labelledby="manual-title">
          <h3 id="manual-title">{t('detail.manualTitle')}</h3>
          <p class="muted">{t('detail.manualHint')}</p>
          <label for="detail-manual" class="field-label">
            {t('detail.manualLabel', { unit: unit ?? '' })}
          </label>
          <ManualInput id="detail-manual" value={m ?? null} unit={unit} label={t('manual.label', { name: stock.name })} onCommit={(text) => s.setManual(row.key, text)} />
        </section>
      )}
      {proposes && (
        <label class="choice approve">
          <input type="checkbox" checked={approved} onChange={(e) => s.setApproved([row.key], (e.currentTarget as HTMLInputElement).checked)} />
          <span>{t('detail.approve')}</span>
        </label>
      )}
      <h3>{t('detail.history')}</h3>
      <History row={row} />
    </Dialog>
  );
}
