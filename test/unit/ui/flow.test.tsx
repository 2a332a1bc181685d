import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { milli } from '../../../src/model/quantity.ts';
import type { ProductEvent } from '../../../src/stock/types.ts';
import { AppView, Root } from '../../../src/ui/App.tsx';
import type { SyncBackend } from '../../../src/ui/backend.ts';
import type { RunResult } from '../../../src/writeback/types.ts';
import { setLang } from '../../../src/ui/i18n.ts';
import type { Session } from '../../../src/ui/launch.ts';
import { createAppState, type AppState } from '../../../src/ui/state/index.ts';
import { DOC_TIME, MemoryBackend, productStock, progress, reviewRow, runReport, store, TZ_MSK } from './memory-backend.ts';

let state: AppState | null = null;
afterEach(() => {
  cleanup();
  state?.dispose();
  state = null;
  setLang('ru');
});

async function mount(backend: MemoryBackend) {
  state = createAppState(backend);
  await state.init();
  render(<AppView state={state} />);
  return state;
}

describe('stores and options', () => {
  it('lists stores with their state, multi-selects, and starts each with the chosen options', async () => {
    const backend = new MemoryBackend();
    backend.stores = [
      store('s1', 'Ленина, 5', { state: 'done', lastSyncedAt: DOC_TIME }),
      store('s2', 'Мира, 12', { state: 'failed', error: { code: 'server-error', params: { status: 502 }, status: 502, message: '' } }),
      store('s3', 'Склад', { apiVersion: 'v1' }),
    ];
    await mount(backend);
    screen.getByText('Ошибка загрузки');
    screen.getByText('Ещё не загружался');
    screen.getByText(/^Загружен \d\d\.\d\d\.2025/);
    const start = screen.getByRole('button', { name: 'Загрузить документы и рассчитать остатки' }) as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: /Ленина, 5/ }));
    fireEvent.click(screen.getByRole('checkbox', { name: /Склад/ }));
    screen.getByText('Выбрано: 2 магазина');
    // A V1 store is selected: its history limit is explained.
    screen.getByText(/Магазины на API V1/);
    fireEvent.click(screen.getByRole('radio', { name: /По журналу движений/ }));
    expect((screen.getByRole('checkbox', { name: /Загрузить весь период/ }) as HTMLInputElement).checked).toBe(true);
    fireEvent.change(screen.getByRole('combobox', { name: 'Глубина истории' }), { target: { value: '12' } });
    fireEvent.click(start);
    await waitFor(() => expect(backend.callsOf('startPull')).toHaveLength(2));
    const opts = { method: 'ledger', horizonMonths: 12, fullPeriod: true };
    expect(backend.callsOf('startPull')).toEqual([['s1', opts], ['s3', opts]]);
    // Focus moves to the new screen's heading, not to <body> (issue 16 item 18).
    const heading = screen.getByRole('heading', { level: 1, name: 'Загрузка документов' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    fireEvent.click(screen.getByRole('button', { name: 'К списку магазинов' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'Магазины' })));
  });
});

describe('progress', () => {
  it('a wait for the cloud\'s request limit is shown as such, with how long, also as the time left (issue 12 §3)', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    const s = await mount(backend);
    s.toggleStore('s1', true);
    await s.startPull();
    backend.emit({ type: 'pull-progress', progress: progress('s1', { etaMs: 20_000, waiting: { reason: 'pacing', until: Date.now() + 4 * 60_000 + 5_000 } }) });
    const lenina = await screen.findByRole('region', { name: 'Ленина' });
    within(lenina).getByText('ждём лимит облака: ≈ 4 мин');
    within(lenina).getByText(/ограничивает число запросов: ждём ≈ 4 мин/);
    expect(within(lenina).queryByText('меньше минуты')).toBeNull();
    // A retry after an error is not a limit: the usual words.
    backend.emit({ type: 'pull-progress', progress: progress('s1', { etaMs: 20_000, waiting: { reason: 'server', until: Date.now() + 2_000 } }) });
    await waitFor(() => within(lenina).getByText('меньше минуты'));
    within(lenina).getByText(/временно не отвечает/);
  });

  it('shows months, pages, documents, decided products and ETA per store, with pause/resume/cancel', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина'), store('s2', 'Мира')];
    const s = await mount(backend);
    s.toggleStore('s1', true);
    s.toggleStore('s2', true);
    await s.startPull();
    backend.emit({ type: 'pull-progress', progress: progress('s1', { monthsDone: 5, monthsTotal: 36, pages: 1234, documents: 45678, productsDecided: 800, productsTotal: 1000, etaMs: 80 * 60_000, currentMonth: '2024-11' }) });
    backend.emit({ type: 'pull-progress', progress: progress('s2', { phase: 'background', resultReady: true, currentMonth: '2023-02' }) });
    const lenina = await screen.findByRole('region', { name: 'Ленина' });
    expect(within(lenina).getByText('Загружаем документы: ноябрь 2024').getAttribute('aria-live')).toBe('polite');
    const bar = within(lenina).getByRole('progressbar', { name: 'Месяцы, магазин «Ленина»' });
    expect(bar.getAttribute('aria-valuenow')).toBe('5');
    expect(bar.getAttribute('aria-valuemax')).toBe('36');
    expect(bar.getAttribute('aria-valuetext')).toBe('5 из 36');
    within(lenina).getByText('1 234');
    within(lenina).getByText('45 678');
    within(lenina).getByText('800 из 1 000');
    within(lenina).getByText('≈ 1 ч 20 мин');
    const mira = screen.getByRole('region', { name: 'Мира' });
    within(mira).getByText('Результат готов. Догружаем в фоне: февраль 2023');

    fireEvent.click(within(lenina).getByRole('button', { name: 'Приостановить загрузку магазина «Ленина»' }));
    fireEvent.click(within(mira).getByRole('button', { name: 'Остановить догрузку магазина «Мира»' }));
    await waitFor(() => expect(backend.callsOf('cancelPull')).toEqual([['s2']]));
    expect(backend.callsOf('pausePull')).toEqual([['s1']]);

    backend.emit({ type: 'pull-progress', progress: progress('s1', { phase: 'paused' }) });
    fireEvent.click(await within(lenina).findByRole('button', { name: 'Продолжить загрузку магазина «Ленина»' }));
    await waitFor(() => expect(backend.callsOf('resumePull')).toEqual([['s1']]));

    // Cancel asks first and says the loaded pages are kept (issue 16 item 8).
    backend.emit({ type: 'pull-progress', progress: progress('s1') });
    fireEvent.click(await within(lenina).findByRole('button', { name: 'Отменить загрузку магазина «Ленина»' }));
    const ask = screen.getByRole('dialog', { name: 'Отменить загрузку: Ленина?' });
    within(ask).getByText(/Загруженные страницы сохранятся/);
    expect(backend.callsOf('cancelPull')).toEqual([['s2']]);
    fireEvent.click(within(ask).getByRole('button', { name: 'Продолжить загрузку' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(backend.callsOf('cancelPull')).toEqual([['s2']]);
    fireEvent.click(within(lenina).getByRole('button', { name: 'Отменить загрузку магазина «Ленина»' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Отменить загрузку' }));
    await waitFor(() => expect(backend.callsOf('cancelPull')).toEqual([['s2'], ['s1']]));

    // One store ready: review can start with it.
    backend.rows.set('s2', [reviewRow('s2', productStock('a'))]);
    fireEvent.click(screen.getByRole('button', { name: 'Проверить результат' }));
    await screen.findByRole('heading', { level: 1, name: 'Проверка остатков' });
    expect(backend.callsOf('reviewRows')).toEqual([['s2']]);
    screen.getByText(/догружаем старые документы в фоне \(февраль 2023\)/);
  });

  it('a 401 from any store stops everything and says to reopen from the personal account', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    const onUnauthorized = vi.fn();
    state = createAppState(backend, { onUnauthorized });
    await state.init();
    render(<AppView state={state} />);
    backend.emit({ type: 'pull-progress', progress: progress('s1', { phase: 'failed', error: { code: 'unauthorized', params: {}, status: 401, message: '' } }) });
    await screen.findByRole('heading', { name: 'Доступ к Облаку Эвотор истёк' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('button', { name: /Загрузить документы/ })).toBeNull();
  });

  it('a wait for a 5xx says the cloud is not answering, not the 429 wording (issue 16 item 14)', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    await mount(backend);
    state!.showProgress();
    backend.emit({ type: 'pull-progress', progress: progress('s1', { waiting: { reason: 'server', until: Date.now() + 5000 } }) });
    await screen.findByText(/Облако Эвотор временно не отвечает/);
    expect(screen.queryByText(/попросило подождать/)).toBeNull();
    // A 429's wait is the cloud's limit, with how long (issue 12 §3).
    backend.emit({ type: 'pull-progress', progress: progress('s1', { waiting: { reason: 'rate-limit', until: Date.now() + 5000 } }) });
    await screen.findByText(/ограничивает число запросов: ждём меньше минуты/);
  });

  it('the top «Повторить» retries the failed pulls, the error is shown once, and leaves when the cloud answers again (issue 16 item 12)', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    await mount(backend);
    state!.showProgress();
    const down = { name: 'ApiError', code: 'blocked', params: {}, status: null, message: 'fetch failed' };
    backend.failNext.set('listStores', down);
    void state!.loadStores();
    backend.emit({ type: 'pull-progress', progress: progress('s1', { phase: 'failed', error: { code: 'blocked', params: {}, status: null, message: '' } }) });
    await screen.findByRole('heading', { name: 'Связь с Облаком Эвотор прервалась' });
    // Once: the card does not repeat the title and what to do.
    expect(screen.getAllByText('Связь с Облаком Эвотор прервалась')).toHaveLength(1);
    expect(screen.getAllByText(/Проверьте подключение к интернету/)).toHaveLength(1);
    const retries = screen.getAllByRole('button', { name: /Повторить/ });
    fireEvent.click(retries[0]!);
    await waitFor(() => expect(backend.callsOf('resumePull')).toEqual([['s1']]));
    expect(backend.callsOf('listStores').length).toBeGreaterThanOrEqual(3);
    // The store list came again: the error has recovered and leaves the screen.
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Связь с Облаком Эвотор прервалась' })).toBeNull());
  });

  it('a recovered pull clears a passing error shown above the screen; cards are named without the store list (issue 16 items 12, 13)', async () => {
    const backend = new MemoryBackend();
    backend.failNext.set('listStores', { name: 'ApiError', code: 'server-error', params: { status: 503 }, status: 503, message: '503' });
    await mount(backend);
    state!.showProgress();
    await screen.findByRole('heading', { name: /временно не отвечает/ });
    backend.emit({ type: 'pull-progress', progress: progress('s-raw-id', { storeName: 'Кофейня на Мира' }) });
    await screen.findByRole('heading', { name: 'Кофейня на Мира' });
    expect(screen.queryByText(/s-raw-id/)).toBeNull();
    await waitFor(() => expect(screen.queryByRole('heading', { name: /временно не отвечает/ })).toBeNull());
  });

  it('a 403 on the store list names the permission and can be retried', async () => {
    const backend = new MemoryBackend();
    backend.failNext.set('listStores', { name: 'ApiError', code: 'missing-scope', params: { scope: 'store:read' }, status: 403, message: '403' });
    await mount(backend);
    expect(screen.getAllByText('Приложению не хватает права: просмотр магазинов (store:read)').length).toBeGreaterThan(0);
  });
});

describe('resume', () => {
  it('offers to continue an interrupted write exactly where it stopped', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    backend.pending = {
      pulls: [progress('s1', { phase: 'paused', currentMonth: '2024-03', pages: 17 })],
      run: runReport('run-7', { status: 'interrupted', remaining: 80, counts: { pending: 80, sent: 0, written: 0, verified: 40, mismatch: 0, failed: 0, skipped: 0, unchanged: 0 } }),
      undoable: null,
    };
    backend.result = { report: runReport('run-7', { stores: [] }), moved: [] };
    await mount(backend);
    const banner = screen.getByRole('region', { name: 'Есть незавершённая работа' });
    within(banner).getByText('Запись остатков прервалась: записано 40 из 120. Продолжить с того же места?');
    within(banner).getByText(/Загрузка магазина «Ленина» остановилась на месяце 4 из 36 \(март 2024\), загружено страниц: 17/);
    fireEvent.click(within(banner).getByRole('button', { name: 'Продолжить запись' }));
    await waitFor(() => expect(backend.callsOf('runWrite')).toEqual([['run-7']]));
    // The write comes first; the pull is not resumed at the same time.
    expect(backend.callsOf('resumePull')).toHaveLength(0);
  });

  it('offers to continue unfinished pulls', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина'), store('s2', 'Мира')];
    backend.pending = { pulls: [progress('s1', { phase: 'paused' }), progress('s2', { phase: 'paused', currentMonth: null })], run: null, undoable: null };
    await mount(backend);
    fireEvent.click(screen.getByRole('button', { name: 'Продолжить загрузку' }));
    await waitFor(() => expect(backend.callsOf('resumePull')).toEqual([['s1'], ['s2']]));
    screen.getByRole('heading', { level: 1, name: 'Загрузка документов' });
  });

  it('a pull a reload interrupted goes on by itself and the notice says where it stopped; a paused one waits (issue 16 item 7)', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина'), store('s2', 'Мира')];
    backend.pending = {
      pulls: [
        progress('s1', { phase: 'paused', interrupted: true, monthsDone: 5, monthsTotal: 13, currentMonth: null, pages: 40 }),
        progress('s2', { phase: 'paused', monthsDone: 0, pages: 0, currentMonth: null }),
      ],
      run: null, undoable: null,
    };
    await mount(backend);
    await waitFor(() => expect(backend.callsOf('resumePull')).toEqual([['s1']]));
    screen.getByRole('heading', { level: 1, name: 'Загрузка документов' });
    screen.getByText('Загрузка магазина «Ленина» прервалась на месяце 6 из 13, загружено страниц: 40 и продолжается сама с того же места.');
    // The paused one is offered, and said to be at the very start because it is.
    screen.getByText(/Загрузка магазина «Мира» остановилась в самом начале/);
    expect(screen.queryByText(/«Ленина» остановилась/)).toBeNull();
  });

  it('keeps the undo of a finished write available after a reload', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    backend.pending = { pulls: [], run: null, undoable: runReport('run-3', { counts: { pending: 0, sent: 0, written: 0, verified: 12, mismatch: 0, failed: 0, skipped: 0, unchanged: 0 } }) };
    await mount(backend);
    screen.getByText('Прошлую запись (12 товаров) ещё можно отменить.');
    fireEvent.click(screen.getByRole('button', { name: 'Открыть отчёт' }));
    await screen.findByRole('button', { name: 'Отменить запись — вернуть прежние остатки' });
    fireEvent.click(screen.getByRole('button', { name: 'Отмена больше не нужна' }));
    await waitFor(() => expect(backend.callsOf('discardUndo')).toEqual([['run-3']]));
    expect(screen.queryByRole('button', { name: 'Отменить запись — вернуть прежние остатки' })).toBeNull();
  });
});

describe('states of an earlier session', () => {
  it('the undo offered at start speaks of the earlier write only until a newer write runs (issue 16 item 9)', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина', { state: 'done', lastSyncedAt: DOC_TIME })];
    backend.rows.set('s1', [reviewRow('s1', productStock('a', { quantity: '7', cloudQuantity: '0' }))]);
    backend.pending = { pulls: [], run: null, undoable: runReport('run-3', { counts: { pending: 0, sent: 0, written: 0, verified: 12, mismatch: 0, failed: 0, skipped: 0, unchanged: 0 } }) };
    let finish: (r: RunResult) => void = () => {};
    backend.plan = { runId: 'run-4', kind: 'write', stores: [{ storeId: 's1', storeName: 'Ленина', products: 1, byUnit: [] }], moved: [] };
    backend.runWrite = async () => new Promise<RunResult>((resolve) => (finish = resolve));
    const s = await mount(backend);
    screen.getByText('Прошлую запись (12 товаров) ещё можно отменить.');
    await s.openReview(['s1']);
    await s.prepareApply();
    void s.confirmPlan();
    await screen.findByRole('heading', { level: 1, name: 'Запись остатков в Облако Эвотор' });
    // While the newer write runs, and after it, nothing speaks of the earlier one.
    expect(screen.queryByText(/Прошлую запись/)).toBeNull();
    finish({ report: runReport('run-4'), moved: [] });
    await screen.findByRole('button', { name: 'Отменить запись — вернуть прежние остатки' });
    expect(screen.queryByText(/Прошлую запись/)).toBeNull();
  });

  it('a filter and search from an earlier review are reset in the next one (issue 16 item 10)', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина', { state: 'done', lastSyncedAt: DOC_TIME }), store('s2', 'Мира', { state: 'done', lastSyncedAt: DOC_TIME })];
    backend.rows.set('s1', [reviewRow('s1', productStock('a', { status: 'unresolved', quantity: null, ledgerQuantity: null }))]);
    backend.rows.set('s2', [reviewRow('s2', productStock('b', { quantity: '7', cloudQuantity: '0' }))]);
    const s = await mount(backend);
    await s.openReview(['s1']);
    s.statusFilter.value = 'undecided';
    s.search.value = 'товар';
    await s.openReview(['s2']);
    expect(s.statusFilter.value).toBe('all');
    expect(s.search.value).toBe('');
    expect(s.visibleRows.value.map((r) => r.row.stock.productId)).toEqual(['b']);
  });
});

describe('the ledger\'s value (issue 16 item 2)', () => {
  it('can be taken for one product in the detail and for every flagged product at once, with the reason saying it', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина', { state: 'done', lastSyncedAt: DOC_TIME })];
    const differs = (id: string, q: string, l: string) => reviewRow('s1', productStock(id, { name: `Товар ${id}`, quantity: q, ledgerQuantity: l, cloudQuantity: '0',
      warnings: [{ code: 'LEDGER_DIFFERS', count: 1, doc: productStock('x').decidedBy, documentId: 'x', value: l }] }));
    backend.rows.set('s1', [differs('a', '2952', '2951'), differs('b', '10', '12'), reviewRow('s1', productStock('c', { quantity: '5', ledgerQuantity: '5', cloudQuantity: '0' }))]);
    const s = await mount(backend);
    await s.openReview(['s1']);
    await s.openDetail('s1/a');
    const detail = await screen.findByRole('dialog');
    fireEvent.click(within(detail).getByRole('button', { name: /^Взять значение журнала движений: 2\s951\sшт$/ }));
    await waitFor(() => expect(backend.callsOf('setManualQuantity')).toEqual([['s1', 'a', '2951']]));
    within(detail).getByText(/^По журналу движений: все документы начиная с/);
    within(detail).getByText('По журналу движений', { selector: '.badge' });
    s.closeDetail();
    // All flagged at once: the one already taken stays, the other is taken too.
    fireEvent.click(screen.getByRole('button', { name: 'Взять значения журнала движений у всех, где он расходится (2)' }));
    await waitFor(() => expect(backend.callsOf('setManualQuantity')).toEqual([['s1', 'a', '2951'], ['s1', 'a', '2951'], ['s1', 'b', '12']]));
    expect(s.summary.value).toMatchObject({ ledgerDiffers: 2, ledgerTaken: 2 });
    fireEvent.click(screen.getByRole('button', { name: 'Вернуть значения по последним документам (2)' }));
    await waitFor(() => expect(backend.callsOf('setManualQuantity').slice(-2)).toEqual([['s1', 'a', null], ['s1', 'b', null]]));
    expect(s.summary.value.ledgerTaken).toBe(0);
  });
});

describe('printing the review (issue 16 item 20)', () => {
  it('prints every row the filters show as a table, not the rows in view, and removes it after', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина', { state: 'done', lastSyncedAt: DOC_TIME })];
    backend.rows.set('s1', Array.from({ length: 300 }, (_, i) => reviewRow('s1', productStock(`p${i}`, { name: `Товар ${i} <b>`, quantity: String(i), cloudQuantity: '1' }))));
    const s = await mount(backend);
    await s.openReview(['s1']);
    await screen.findByRole('grid');
    // The grid renders a window of rows only.
    expect(document.querySelectorAll('.grid-row').length).toBeLessThan(100);
    window.dispatchEvent(new Event('beforeprint'));
    const table = document.querySelector('.print-only table')!;
    expect(table.querySelectorAll('tbody tr')).toHaveLength(300);
    expect([...table.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual(['Товар', 'Код', 'В Облаке', 'Расчёт', 'Расхождение', 'Статус и причина']);
    const p5 = [...table.querySelectorAll('tbody tr')].find((tr) => tr.textContent!.includes('Товар 5 <b>'))!;
    expect(p5.querySelectorAll('td')[5]!.textContent).toMatch(/^Изменится\. /);
    expect(table.querySelector('b')).toBeNull();
    window.dispatchEvent(new Event('afterprint'));
    expect(document.querySelector('.print-only table')).toBeNull();
  });
});

describe('product detail', () => {
  const dev = 'DEV-1';
  const doc = (id: string, type: ProductEvent['doc']['type'], n: number, day: number) => ({ id, type, rawType: type, number: n, closeTime: DOC_TIME + day * 86_400_000, deviceId: dev, timeZoneOffset: TZ_MSK });
  const ev = (d: ProductEvent['doc'], before: number | null, movement: number, setTo: number | null = null): ProductEvent => ({
    doc: d, productId: 'a', rule: d.type === 'INVENTORY' ? 'INVENTORY' : 'SELL', decides: true, stockBefore: before === null ? null : milli(before), movement: milli(movement), setTo: setTo === null ? null : milli(setTo), handled: milli(Math.abs(movement)), lines: 1, settlements: [], warnings: [],
  });

  it('shows the reason from the core, the documents on a timeline, a chart with the chain break marked', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    backend.deviceNames.set('s1', { [dev]: '2' });
    const inv = doc('d1', 'INVENTORY', 1, 0);
    const sale = doc('d2', 'SELL', 5, 1);
    const last = doc('d3', 'SELL', 123, 2);
    const stock = productStock('a', {
      name: 'Молоко 1 л', decidedBy: last, quantity: '7', stockBefore: '10', movement: '-3', cloudQuantity: '0',
      chainBreaks: [{ previous: sale, next: last, expected: '8', found: '10', size: '2' }],
    });
    backend.rows.set('s1', [reviewRow('s1', stock)]);
    backend.stocks.set('a', stock);
    backend.histories.set('a', [ev(last, 10_000, -3000), ev(inv, null, 0, 10_000), ev(sale, 10_000, -2000)]);
    const s = await mount(backend);
    await s.openReview(['s1']);
    await s.openDetail('s1/a');
    const dialog = await screen.findByRole('dialog', { name: 'Молоко 1 л' });
    // The reason comes from src/stock explainProduct, with the terminal's name.
    within(dialog).getByText(/Продажа №123 от 14\.03\.2025 14:05, терминал 2: остаток до 10 − продано 3 = 7 шт/);
    await waitFor(() => expect(within(dialog).getAllByRole('row').length).toBe(4));
    const rows = within(dialog).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelector('.doc-type')!.textContent)).toEqual(['Продажа', 'Продажа', 'Инвентаризация']);
    expect(rows[0]!.className).toContain('deciding');
    expect(rows[0]!.className).toContain('has-break');
    const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((c) => c.textContent!.replace(/\u00a0/g, ' '));
    expect(cells(rows[0]!)).toEqual(['2', '10 шт', '−3 шт', '7 шт']);
    expect(cells(rows[2]!)[2]).toBe('= 10 шт');
    const chart = within(dialog).getByRole('img');
    expect(chart.getAttribute('aria-label')!.replace(/\u00a0/g, ' ')).toBe('Восстановленный остаток по документам: от 7 шт до 10 шт, документов: 3, разрывов цепочки: 1');
    expect(chart.querySelectorAll('.chart-break')).toHaveLength(1);
    expect(chart.querySelectorAll('.chart-dot.deciding')).toHaveLength(1);
    expect(dialog.querySelector('.breaks li')!.textContent!.replace(/\u00a0/g, ' ')).toBe(
      'После документа «Продажа №5 от 13.03.2025 14:05, терминал 2» остаток должен был быть 8 шт, а в документе «Продажа №123 от 14.03.2025 14:05, терминал 2» касса указала остаток до 10 шт (+2 шт).',
    );
  });

  // evotor-api.md §10: a prepaid order is a PREPAYMENT_FULL receipt, later a CHECKOUT_FULL receipt paid by an ADVANCE payment.
  it('explains both receipts of a prepaid order in words in the history', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    const prepaid = doc('p1', 'SELL', 40, 0);
    const final = doc('p2', 'SELL', 41, 2);
    const stock = productStock('a', { name: 'Торт', decidedBy: final, quantity: '8', stockBefore: '10', movement: '-2', cloudQuantity: '0' });
    backend.rows.set('s1', [reviewRow('s1', stock)]);
    backend.stocks.set('a', stock);
    backend.histories.set('a', [
      { ...ev(prepaid, 10_000, 0), settlements: [{ kind: 'full_prepayment', raw: 'PREPAYMENT_FULL', moves: false, quantity: milli(2000) }] },
      { ...ev(final, 10_000, -2000), settlements: [{ kind: 'full_settlement', raw: 'CHECKOUT_FULL', moves: true, quantity: milli(2000), byAdvance: true }] },
    ]);
    const s = await mount(backend);
    await s.openReview(['s1']);
    await s.openDetail('s1/a');
    const dialog = await screen.findByRole('dialog', { name: 'Торт' });
    await waitFor(() => expect(within(dialog).getAllByRole('row').length).toBe(3));
    const words = within(dialog).getAllByRole('row').slice(1).map((r) => r.querySelector('.event-words')?.textContent);
    expect(words).toEqual(['Полный расчёт по предоплате: товар передан.', 'Полная предоплата: товар не передан, остаток не меняется.']);
  });

  it('lets the user enter the stock of an undecided product in the detail', async () => {
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Ленина')];
    backend.rows.set('s1', [reviewRow('s1', productStock('u', { name: 'Гвозди', status: 'unresolved', quantity: null, decidedBy: null, rule: null, ledgerQuantity: null, measureName: 'кг', cloudQuantity: '1' }))]);
    const s = await mount(backend);
    await s.openReview(['s1']);
    await s.openDetail('s1/u');
    const dialog = await screen.findByRole('dialog', { name: 'Гвозди' });
    const input = within(dialog).getByRole('textbox', { name: 'Остаток товара «Гвозди» вручную' });
    await waitFor(() => expect(document.activeElement).toBe(input));
    fireEvent.input(input, { target: { value: '2.5' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(backend.callsOf('setManualQuantity')).toEqual([['s1', 'u', '2.5']]);
    within(dialog).getByText('+1,5 кг');
  });
});

describe('start without a token', () => {
  it('explains how to open the app and offers the demo store when the build has one', async () => {
    const created: Session[] = [];
    const backend = new MemoryBackend();
    const factory = (session: Session): SyncBackend => {
      created.push(session);
      return backend;
    };
    const env = { VITE_DEMO_API_BASE: 'http://127.0.0.1:8787', VITE_DEMO_TOKEN: 'demo-token-0001' };
    render(<Root launch={{ kind: 'no-token', demoAvailable: true, invalidToken: false }} env={env} createBackend={factory} sessionStorage={null} />);
    screen.getByRole('heading', { name: 'Откройте приложение из личного кабинета Эвотор' });
    screen.getByText(/«Приложения» → «Мои покупки»/);
    expect(created).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Открыть демо-магазин' }));
    await screen.findByRole('heading', { level: 1, name: 'Магазины' });
    // The start screen's button is gone: focus moves to the new screen's heading (issue 16 item 18).
    await waitFor(() => expect(document.activeElement?.tagName).toBe('H1'));
    expect(created).toEqual([{ token: 'demo-token-0001', uid: null, apiBase: 'http://127.0.0.1:8787', demo: true, source: 'demo' }]);
    screen.getByText('Демо-магазин');
  });

  it('has no demo button when the build has no emulator, and switches to English', () => {
    render(<Root launch={{ kind: 'no-token', demoAvailable: false, invalidToken: true }} env={{}} createBackend={() => new MemoryBackend()} sessionStorage={null} />);
    expect(screen.queryByRole('button', { name: 'Открыть демо-магазин' })).toBeNull();
    expect(screen.getByRole('alert').textContent).toContain('не содержит действующего токена');
    fireEvent.click(screen.getByRole('button', { name: 'Switch the app to English' }));
    screen.getByRole('heading', { name: 'Open the app from your Evotor personal account' });
    expect(document.querySelector('.app')!.getAttribute('lang')).toBe('en');
  });
});
