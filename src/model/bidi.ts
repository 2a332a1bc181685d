/**
 * Untrusted text (store, product and terminal names from the cloud, server messages) made safe to show: it must
 * not pose as other text. Two things make it do so:
 * - Unicode's invisible formatting characters: the directional embeddings, overrides and isolates (U+202A–U+202E,
 *   U+2066–U+2069), the direction marks (U+200E, U+200F, U+061C) and the zero-width ones (U+200B–U+200D,
 *   U+2060–U+2064, U+FEFF). «photo\u202Egnp.exe» shows as «photoexe.png»; a zero-width space makes two names
 *   that look the same differ, or hides an «=» from a spreadsheet's formula check. A merchant's names have no
 *   use for them, so `plainText` removes them (the name in Evotor is not changed; only what we show or export).
 * - Right-to-left letters (Hebrew, Arabic…) reorder the neutral text around them, such as the quantity after a
 *   name in a sentence. The screens show names in `<bdi>` (an isolate); in a sentence built from a message,
 *   `isolated` wraps such a name in FSI…PDI (U+2068, U+2069), the same isolate as text. Names without
 *   right-to-left letters are left as they are (no invisible characters in labels and copied text for nothing).
 * Pure; the UI (i18n, components) and the CSV (src/writeback/csv.ts) use it.
 */

const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
/** Strong right-to-left letters (Hebrew, Arabic, Syriac, Thaana, NKo… and their presentation forms). */
const RIGHT_TO_LEFT = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFC]|\uD802[\uDC00-\uDFFF]|\uD803[\uDC00-\uDE7F]|\uD83A[\uDC00-\uDFFF]|\uD83B[\uDC00-\uDEFF]/;

export const FIRST_STRONG_ISOLATE = '\u2068';
export const POP_DIRECTIONAL_ISOLATE = '\u2069';

/** The text without the invisible formatting characters that could make it look like something else. */
export function plainText(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** `plainText`, isolated from the text around it (FSI…PDI) when it holds right-to-left letters. */
export function isolated(text: string): string {
  const plain = plainText(text);
  return RIGHT_TO_LEFT.test(plain) ? FIRST_STRONG_ISOLATE + plain + POP_DIRECTIONAL_ISOLATE : plain;
}
