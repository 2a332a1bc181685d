/**
 * A quantity typed by hand for an undecided product: decimal comma or dot, as many decimals as the product's unit allows. Committed on Enter or
 * when leaving the field; Escape restores the saved value. An invalid value stays in the field, marked and explained.
 */
import { useEffect, useState } from 'preact/hooks';
import { formatQuantity, type Milli } from '../../model/quantity.ts';
import { lang, t } from '../i18n.ts';
import type { ManualError, ManualParse } from '../review-model.ts';

export interface ManualInputProps {
  id: string;
  /** The saved value, if any. */
  value: Milli | null;
  label: string;
  onCommit: (text: string | null) => ManualParse | null;
  compact?: boolean;
  /** Called with the error text (or null) so a table can show it next to the field. */
  onError?: (message: string | null) => void;
  /** The product's unit: the error says what it allows («шт» — whole numbers). */
  unit?: string | null;
  /** Where a compact field's error is shown (its id), for aria-describedby. */
  errorId?: string;
}

/** What is wrong and what is allowed, for this product's unit and the decimals its documents allow. */
export function manualErrorText(error: ManualError, decimals = 3, unit: string | null = null): string {
  switch (error) {
    case 'negative':
      return t('manual.negative');
    case 'too-large':
      return t('manual.tooLarge');
    case 'whole':
    case 'decimals':
    case 'format':
      if (decimals === 0) return t('manual.whole', { unit: unit ?? '' });
      if (decimals === 1) return t('manual.oneDecimal', { unit: unit ?? '' });
      if (decimals === 2) return t('manual.twoDecimals', { unit: unit ?? '' });
      return t('manual.invalid');
  }
}

/** The saved value as it is typed back into the field: no grouping spaces, decimal comma in Russian. */
function editText(value: Milli | null): string {
  if (value === null) return '';
  const text = formatQuantity(value);
  return lang.value === 'ru' ? text.replace('.', ',') : text;
}

export function ManualInput({ id, value, label, onCommit, compact = false, onError, unit = null, errorId: shownAt }: ManualInputProps) {
  const [text, setText] = useState(editText(value));
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setText(editText(value));
    setError(null);
  }, [value]);

  const commit = () => {
    const trimmed = text.trim();
    if (trimmed === editText(value) && error === null) return;
    const result = onCommit(trimmed === '' ? null : trimmed);
    const message = result && !result.ok ? manualErrorText(result.error, result.decimals, unit) : null;
    setError(message);
    onError?.(message);
  };

  const errorId = compact && shownAt ? shownAt : `${id}-error`;
  return (
    <span class={`manual${compact ? ' manual-compact' : ''}`}>
      <input
        id={id}
        class="manual-input"
        type="text"
        inputMode="decimal"
        autoComplete="off"
        spellcheck={false}
        placeholder={t('manual.placeholder')}
        aria-label={label}
        aria-invalid={error !== null}
        aria-describedby={error !== null ? errorId : undefined}
        title={error ?? undefined}
        value={text}
        onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            setText(editText(value));
            setError(null);
            onError?.(null);
          }
        }}
      />
      {error !== null && !(compact && shownAt) && (
        <span id={errorId} class={compact ? 'visually-hidden' : 'field-error'}>
          {error}
        </span>
      )}
    </span>
  );
}
