/** How to compute: by the latest document (the guide) or by the movement ledger; how far back to read. */
import { useAppState } from '../context.ts';
import { t, tn } from '../i18n.ts';

export const HORIZON_CHOICES: readonly (number | null)[] = [null, 3, 6, 12, 24, 36];

export function OptionsPanel({ hasV1 }: { hasV1: boolean }) {
  const s = useAppState();
  const o = s.options.value;
  return (
    <fieldset class="card options">
      <legend>{t('options.title')}</legend>
      <div class="field" role="radiogroup" aria-labelledby="method-label">
        <span id="method-label" class="field-label">{t('options.method')}</span>
        <label class="choice">
          <input type="radio" name="method" value="latest-document" checked={o.method === 'latest-document'} onChange={() => s.setOptions({ method: 'latest-document' })} />
          <span>
            <strong>{t('options.method.latest')}</strong>
            <span class="hint">{t('options.method.latestHint')}</span>
          </span>
        </label>
        <label class="choice">
          <input type="radio" name="method" value="ledger" checked={o.method === 'ledger'} onChange={() => s.setOptions({ method: 'ledger' })} />
          <span>
            <strong>{t('options.method.ledger')}</strong>
            <span class="hint">{t('options.method.ledgerHint')}</span>
          </span>
        </label>
      </div>
      <div class="field">
        <label class="field-label" for="horizon">
          {t('options.horizon')}
        </label>
        <select
          id="horizon"
          value={o.horizonMonths === null ? 'all' : String(o.horizonMonths)}
          onChange={(e) => {
            const v = (e.currentTarget as HTMLSelectElement).value;
            s.setOptions({ horizonMonths: v === 'all' ? null : Number(v) });
          }}
        >
          {HORIZON_CHOICES.map((m) => (
            <option key={String(m)} value={m === null ? 'all' : String(m)}>
              {m === null ? t('options.horizon.all') : tn('options.horizon.months', m)}
            </option>
          ))}
        </select>
        <span class="hint">{t('options.horizon.hint')}</span>
        {hasV1 && <span class="hint">{t('options.horizon.v1Note')}</span>}
      </div>
      <label class="choice">
        <input type="checkbox" checked={o.fullPeriod} onChange={(e) => s.setOptions({ fullPeriod: (e.currentTarget as HTMLInputElement).checked })} />
        <span>
          <strong>{t('options.fullPeriod')}</strong>
          <span class="hint">{t(o.method === 'ledger' ? 'options.fullPeriodLedger' : 'options.fullPeriodHint')}</span>
        </span>
      </label>
    </fieldset>
  );
}
