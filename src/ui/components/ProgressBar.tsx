/** An accessible progress bar; `value` null shows an indeterminate bar. */
export interface ProgressBarProps {
  label: string;
  value: number | null;
  max: number | null;
  /** Spoken instead of the percentage ("5 месяцев из 36"). */
  valueText?: string;
  tone?: 'main' | 'secondary';
}

export function ProgressBar({ label, value, max, valueText, tone = 'main' }: ProgressBarProps) {
  const known = value !== null && max !== null && max > 0;
  const pct = known ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return (
    <div
      class={`bar bar-${tone}${known ? '' : ' bar-indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={known ? 0 : undefined}
      aria-valuemax={known ? max : undefined}
      aria-valuenow={known ? value : undefined}
      aria-valuetext={valueText}
    >
      <div class="bar-fill" style={{ width: known ? `${pct}%` : undefined }} />
    </div>
  );
}
