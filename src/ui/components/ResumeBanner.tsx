/** Opening the app with unfinished work: offer to continue exactly where it stopped. */
import { useAppState } from '../context.ts';
import type { PullProgress } from '../backend.ts';
import type { RunReport } from '../../writeback/types.ts';
import { formatMonth, t, tn } from '../i18n.ts';

/** Products written so far (verified, or accepted without a re-read). */
export const writtenOf = (r: RunReport): number => r.counts.verified + r.counts.written;

/** Where a pull stopped: "на месяце 6 из 13 (июль 2026), загружено страниц: 40", or "в самом начале". */
export function stoppedAt(p: PullProgress): string {
  if (p.monthsDone === 0 && p.pages === 0) return t('resume.pullStart');
  const month = p.currentMonth ? ` (${formatMonth(p.currentMonth)})` : '';
  if (p.monthsTotal === null) return t('resume.pullPages', { pages: p.pages });
  return t('resume.pullAt', { k: Math.min(p.monthsDone + 1, p.monthsTotal), n: p.monthsTotal, month, pages: p.pages });
}

/** Pulls that went on by themselves after a reload, and where they had stopped. */
function ResumedNotice() {
  const s = useAppState();
  const resumed = s.resumedPulls.value;
  if (resumed.length === 0) return null;
  return (
    <section class="notice notice-info resumed" role="status">
      {resumed.map((p) => (
        <p key={p.storeId}>{t('resume.pullResumed', { store: s.storeName(p.storeId), where: stoppedAt(p) })}</p>
      ))}
      <button type="button" class="button small quiet" onClick={s.dismissResumed}>
        {t('resume.ok')}
      </button>
    </section>
  );
}

export function ResumeBanner() {
  const s = useAppState();
  const work = s.pending.value;
  if (!work) return <ResumedNotice />;
  const run = work.run;
  const lines: string[] = [];
  if (run) {
    const written = writtenOf(run);
    lines.push(t(run.kind === 'undo' ? 'resume.undo' : 'resume.write', { written, total: written + run.remaining }));
  }
  for (const p of work.pulls) lines.push(t('resume.pull', { store: s.storeName(p.storeId), where: stoppedAt(p) }));
  const canContinue = run !== null || work.pulls.length > 0;
  return (
    <>
    <ResumedNotice />
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
    </>
  );
}
