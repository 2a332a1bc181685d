/** Products recomputed because documents moved them after the computation: which, from what to what, and why. */
import type { MovedProduct } from '../../writeback/types.ts';
import { docLabel } from '../docs.ts';
import { formatQty, formatSignedQty, t } from '../i18n.ts';
import { Name } from './Name.tsx';

/** `planned`: in the confirmation, before anything is written (the words then speak of the future). */
export function MovedList({ moved, open = true, planned = false }: { moved: readonly MovedProduct[]; open?: boolean; planned?: boolean }) {
  if (moved.length === 0) return null;
  const shown = moved.slice(0, 200);
  return (
    <details class="issues" open={open}>
      <summary>{t('report.moved', { n: moved.length })}</summary>
      <p class="muted small">{t(planned ? 'plan.movedHint' : 'report.movedHint')}</p>
      <ul>
        {shown.map((m) => (
          <li key={m.productId}>
            <strong><Name text={m.name} /></strong>: {formatQty(m.from)} → {formatQty(m.to)}
            {m.adjustments.map((a) => (
              <span key={a.document.id} class="muted small">
                {' '}
                · {docLabel(a.document)}: {a.kind === 'set' ? t('detail.setTo', { value: formatQty(a.quantity) }) : formatSignedQty(a.quantity)}
              </span>
            ))}
          </li>
        ))}
      </ul>
      {moved.length > shown.length && <p class="muted small">{t('report.more', { n: moved.length - shown.length })}</p>}
    </details>
  );
}
