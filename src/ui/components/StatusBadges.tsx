/** The status of a review row in words: what will happen to it, and whether its history has a break or a warning. */
import { t } from '../i18n.ts';
import type { ViewRow } from '../review-model.ts';

export function StatusBadges({ row, manual }: { row: ViewRow; manual: boolean }) {
  let main;
  switch (row.status) {
    case 'change':
      main = <span class="badge badge-change">{t('status.change')}</span>;
      break;
    case 'same':
      main = <span class="badge badge-same">{t('status.same')}</span>;
      break;
    case 'undecided':
      main = manual ? <span class="badge badge-manual">{t('status.manual')}</span> : <span class="badge badge-undecided">{t('status.undecided')}</span>;
      break;
    case 'not-tracked':
      main = <span class="badge badge-muted">{t('status.notTracked')}</span>;
      break;
  }
  return (
    <span class="badges">
      {main}
      {row.chainBreak && <span class="badge badge-break">{t('status.chainBreak')}</span>}
      {row.warning && <span class="badge badge-warning">{t('status.warning')}</span>}
      {row.row.provisional && row.status !== 'not-tracked' && <span class="badge badge-muted">{t('status.provisional')}</span>}
    </span>
  );
}
