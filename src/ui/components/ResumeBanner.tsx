/** Opening the app with unfinished work: offer to continue exactly where it stopped. */
import { useAppState } from '../context.ts';
import type { RunReport } from '../../writeback/types.ts';
import { formatMonth, t, tn } from '../i18n.ts';

/** Products written so far (verified, or accepted without a re-read). */
export const writtenOf = (r: RunReport): number => r.counts.verified + r.counts.written;

export function ResumeBanner() {
  const s = useAppState();
  const work = s.pending.value;
  if (!work) return null;
  const run = work.run;
  const lines: string[] = [];
  if (run) {
    const written = writtenOf(run);
    lines.push(t(run.kind === 'undo' ? 'resume.undo' : 'resume.write', { written, total: written + run.remaining }));
  }
  for (const p of work.pulls) {
    const where = p.currentMonth ? t('resume.pullAt', { month: formatMonth(p.currentMonth), pages: p.pages }) : t('resume.pullStart');
    lines.push(t('resume.pull', { store: s.storeName(p.storeId), where }));
  }
  const canContinue = run !== null || work.pulls.length > 0;
  return (
    <section class="banner banner-resume" aria-labelledby="resume-title">
      <h2 id="resume-title" class="banner-title">{t(canContinue ? 'resume.title' : 'resume.undoTitle')}</h2>
      {lines.map((line) => (
        <p key={line}>{line}</p>
      ))}
      {work.undoable && <p>{tn('resume.undoable', writtenOf(work.undoable))}</p>}
      <div class="actions">
        {canContinue && (
          <button type="button" class="button primary" onClick={() => void s.resumePending()}>
            {t(run ? 'resume.continueWrite' : 'resume.continuePull')}
          </button>
        )}
        {work.undoable && (
          <button type="button" class="button" onClick={s.showUndoable}>
            {t('resume.showReport')}
          </button>
        )}
        <button type="button" class="button quiet" onClick={s.dismissPending}>
          {t('resume.later')}
        </button>
      </div>
    </section>
  );
}
