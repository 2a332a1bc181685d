/**
 * A quantity typed by hand for an undecided product: decimal comma or dot, at most 3 decimals. Committed on Enter or
 * when leaving the field; Escape restores the saved value. An invalid value stays in the field, marked and explained.
 */
import { useEffect, useState } from 'preact/hooks';
import { formatQuantity, type Milli } from '../../model/quantity.ts';
import { lang, t } from '../i18n.ts';
import type { ManualParse } from '../review-model.ts';

export interface ManualInputProps {
  id: string;
  /** The saved value, if any. */
  value: Milli | null;
  label: string;
  onCommit: (text: string | null) => ManualParse | null;
  compact?: boolean;
  /** Called with the error text (or null) so a table can announce it. */
  onError?: (message: string | null) => void;
}

export function manualErrorText(error: 'format' | 'negative' | 'too-large'): string {
  return t(error === 'format' ? 'manual.invalid' : error === 'negative' ? 'manual.negative' : 'manual.tooLarge');
}

/** The saved value as it is typed back into the field: no grouping spaces, decimal comma in Russian. */
function editText(value: Milli | null): string {
  if (value === null) return '';
  const text = formatQuantity(value);
  return lang.value === 'ru' ? text.replace('.', ',') : text;
}

export function ManualInput({ id, value, label, onCommit, compact = false, onError }: ManualInputProps) {
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
    const message = result && !result.ok ? manualErrorText(result.error) : null;
    setError(message);
    onError?.(message);
  };

  const errorId = `${id}-error`;
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
      {error !== null && (
        <span id={errorId} class={compact ? 'visually-hidden' : 'field-error'}>
          {error}
        </span>
      )}
    </span>
  );
}
