/** The status of a review row in words: what will happen to it, and whether its history has a break or a warning. */
import { needsAttention } from '../../stock/warnings.ts';
import { t } from '../i18n.ts';
import type { ViewRow } from '../review-model.ts';

interface Badge {
  kind: string;
  text: string;
}

/** The row's badges, in order: what happens to it, then what to look at (the print table lists the same words). */
export function statusBadges(row: ViewRow, manual: boolean, ledger = false): Badge[] {
  const out: Badge[] = [];
  switch (row.status) {
    case 'change':
      out.push({ kind: 'change', text: t('status.change') });
      break;
    case 'same':
      out.push({ kind: 'same', text: t('status.same') });
      break;
    case 'undecided':
      out.push(manual ? { kind: 'manual', text: t('status.manual') } : { kind: 'undecided', text: t('status.undecided') });
      break;
    case 'not-tracked':
      out.push({ kind: 'muted', text: t('status.notTracked') });
      break;
  }
  if (ledger) out.push({ kind: 'info', text: t('status.ledger') });
  if (row.negative) out.push({ kind: 'danger', text: t('status.negative') });
  if (row.chainBreak) out.push({ kind: 'break', text: t('status.chainBreak') });
  if (needsAttention(row.row.stock.warnings)) out.push({ kind: 'warning', text: t('status.attention') });
  else if (row.warning) out.push({ kind: 'warning', text: t('status.warning') });
  if (row.row.provisional && row.status !== 'not-tracked') out.push({ kind: 'muted', text: t('status.provisional') });
  return out;
}

export function StatusBadges({ row, manual, ledger = false }: { row: ViewRow; manual: boolean; ledger?: boolean }) {
  return (
    <span class="badges">
      {statusBadges(row, manual, ledger).map((b) => (
        <span key={b.text} class={`badge badge-${b.kind}`}>
          {b.text}
        </span>
      ))}
    </span>
  );
}
