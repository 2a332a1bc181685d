// Names that pose as others (issue 12, item 8): a right-to-left override or a zero-width character in a store or
// product name neither reorders the name nor the text around it, on the screens, in sentences, and in the CSV.
import { cleanup, render, screen, within } from '@testing-library/preact';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolated, plainText } from '../../../src/model/bidi.ts';
import { AppView } from '../../../src/ui/App.tsx';
import { setLang, t } from '../../../src/ui/i18n.ts';
import { createAppState, type AppState } from '../../../src/ui/state/index.ts';
import { toCsv } from '../../../src/writeback/csv.ts';
import { MemoryBackend, productStock, reviewRow, store } from './memory-backend.ts';

const SPOOF = 'photo\u202Egnp.exe';
const HIDDEN = 'Мо\u200Bлоко\u2066';
const HEBREW = 'חנות';

let state: AppState;
beforeAll(() => setLang('ru'));
afterEach(() => {
  cleanup();
  state?.dispose();
});

describe('plainText and isolated', () => {
  it('remove overrides, embeddings, isolates, marks and zero-width characters; isolate right-to-left names only', () => {
    expect(plainText(SPOOF)).toBe('photognp.exe');
    expect(plainText(HIDDEN)).toBe('Молоко');
    expect(plainText('a\u202Ab\u202Bc\u202Cd\u202De\u200Ef\u200Fg\u061Ch\u2060i\uFEFFj\u2067k\u2068l\u2069')).toBe('abcdefghijkl');
    expect(isolated('Ленина, 5')).toBe('Ленина, 5');
    expect(isolated(HEBREW + '\u202E')).toBe(`\u2068${HEBREW}\u2069`);
  });

  it('a name in a sentence cannot reorder the words around it', () => {
    expect(t('report.failures', { store: SPOOF })).not.toContain('\u202E');
    expect(t('report.failures', { store: HEBREW })).toContain(`\u2068${HEBREW}\u2069`);
  });
});

describe('on the screens', () => {
  it('store and product names are shown in <bdi>, without the characters that disguise them', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', SPOOF, { address: HIDDEN })];
    backend.rows.set('s1', [reviewRow('s1', productStock('a', { name: SPOOF }))]);
    state = createAppState(backend);
    await state.init();
    const view = render(<AppView state={state} />);
    const storeName = view.container.querySelector('.store-name')!;
    expect(storeName.querySelector('bdi')?.textContent).toBe('photognp.exe');
    expect(view.container.textContent).not.toMatch(/[\u202E\u200B\u2066]/);
    expect(view.container.textContent).toContain('Молоко');
    cleanup();

    await state.openReview(['s1']);
    render(<AppView state={state} />);
    const grid = screen.getByRole('grid');
    const nameButton = within(grid).getByRole('button', { name: /photognp\.exe/ });
    expect(nameButton.querySelector('bdi')?.textContent).toBe('photognp.exe');
    expect(nameButton.getAttribute('title')).toBe('photognp.exe');
  });
});

describe('in the CSV', () => {
  it('text cells lose the disguising characters, and a hidden one cannot smuggle a formula past the check', () => {
    const row = {
      storeName: HEBREW, storeId: 's1', productId: 'p1', code: '\u200B=1+1', name: SPOOF, before: null, computed: null, written: null,
      decidingDocument: null, rule: null, warnings: [], status: 'skipped' as const, reason: null, message: null,
    };
    const csv = toCsv([row]);
    expect(csv.slice(1)).not.toMatch(/[\u202E\u200B\u2068\u2069]/);
    expect(csv).toContain('"photognp.exe"');
    expect(csv).toContain(`"'=1+1"`);
    expect(csv).toContain(`"${HEBREW}"`);
  });
});
