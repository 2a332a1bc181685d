/**
 * <evotor-stock-sync> in jsdom over the in-memory backend: attributes → session, start/apply/undo through the app
 * state (the same calls the buttons make), the events and their details, errors. The real build, worker and
 * emulator are in test/e2e/embed.test.ts.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createElementClass, EVENTS, type EmbedError, type EvotorStockSyncElement } from '../../../src/embed/element.tsx';
import { embedRows, rowsFingerprint } from '../../../src/embed/rows.ts';
import type { SyncBackend } from '../../../src/ui/backend.ts';
import { setLang } from '../../../src/ui/i18n.ts';
import type { Session } from '../../../src/ui/launch.ts';
import { MemoryBackend, productStock, progress, reviewRow, runReport, store } from '../ui/memory-backend.ts';

const NAME = 'evotor-stock-sync-test';
const TOKEN = 'embed-test-token-123';
const sessions: Session[] = [];
let backends: MemoryBackend[] = [];
let next: () => MemoryBackend = () => new MemoryBackend();

beforeAll(() => {
  customElements.define(
    NAME,
    createElementClass({
      createBackend: (session: Session): SyncBackend => {
        sessions.push(session);
        const backend = next();
        backends.push(backend);
        return backend;
      },
      env: { VITE_EVOTOR_API_BASE: 'https://api.evotor.example' },
    }),
  );
});

afterEach(() => {
  document.body.innerHTML = '';
  sessions.length = 0;
  backends = [];
  next = () => new MemoryBackend();
  setLang('ru');
});

const tick = () => new Promise((r) => setTimeout(r, 0));

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (predicate()) return;
    await tick();
  }
  throw new Error(`timed out: ${what}`);
}

function mount(attributes: Record<string, string>): { el: EvotorStockSyncElement; events: { type: string; detail: any }[] } {
  const el = document.createElement(NAME) as EvotorStockSyncElement;
  const events: { type: string; detail: any }[] = [];
  for (const type of EVENTS) el.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent).detail }));
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  document.body.append(el);
  return { el, events };
}

const text = (el: Element) => el.shadowRoot!.textContent ?? '';

function shopBackend(): MemoryBackend {
  const b = new MemoryBackend();
  b.stores = [store('s1', 'Ленина'), store('s2', 'Мира')];
  b.rows.set('s1', [
    reviewRow('s1', productStock('a', { name: 'Молоко', quantity: '7', cloudQuantity: '0' })),
    reviewRow('s1', productStock('b', { name: 'Сыр', quantity: '0.875', cloudQuantity: '0.875' })),
    reviewRow('s1', productStock('c', { name: 'Хлеб', status: 'unresolved', quantity: null, quantityMilli: null, decidedBy: null, rule: null, ledgerQuantity: null, cloudQuantity: '3.000' })),
  ]);
  b.plan = { runId: 'run-1', kind: 'write', stores: [], moved: [] };
  b.result = { report: runReport('run-1'), moved: [] };
  return b;
}

describe('<evotor-stock-sync>', () => {
  it('without a token says what is missing; a method call rejects and sends one error event', async () => {
    const { el, events } = mount({});
    await tick();
    expect(el.shadowRoot).not.toBeNull();
    expect(text(el)).toContain('Токен Облака Эвотор не задан.');
    expect(sessions).toEqual([]);
    const error = (await el.apply().catch((e: unknown) => e)) as EmbedError;
    expect(error.name).toBe('EmbedError');
    expect(error.detail.code).toBe('config');
    expect(events.filter((e) => e.type === 'error').map((e) => e.detail.code)).toEqual(['config']);
  });

  it('token and api-base set in one go start one session; a wrong api-base starts none and says why', async () => {
    const { el, events } = mount({ token: TOKEN, 'api-base': 'https://proxy.partner.example/evotor/' });
    el.setAttribute('lang', 'ru');
    await until(() => text(el).includes('Ленина') || backends.length > 0, 'session');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ token: TOKEN, apiBase: 'https://proxy.partner.example/evotor', source: 'embed' });

    el.setAttribute('api-base', 'http://api.evil.example');
    await tick();
    expect(sessions).toHaveLength(1);
    expect(text(el)).toContain('Адрес API задан неверно.');
    expect(events.at(-1)).toMatchObject({ type: 'error', detail: { code: 'config', title: 'Адрес API задан неверно.' } });
    setLang('en');
    await tick();
    expect(text(el)).toContain('The API address is not valid.');
  });

  it('the build’s API base when the page gives none', async () => {
    mount({ token: TOKEN });
    await until(() => sessions.length === 1, 'session');
    expect(sessions[0]!.apiBase).toBe('https://api.evotor.example');
  });

  it('start() pulls the store-ids; review-ready carries the rows once per change; apply() writes what the review approves; undo() restores', async () => {
    const backend = shopBackend();
    next = () => backend;
    const { el, events } = mount({ token: TOKEN, 'store-ids': 's1' });
    await until(() => text(el).includes('Мира'), 'stores listed');

    await el.start();
    expect(backend.callsOf('startPull').map((a) => a[0])).toEqual(['s1']);
    backend.emit({ type: 'pull-progress', progress: progress('s1', { phase: 'background', resultReady: true }) });
    backend.emit({ type: 'review-changed', storeId: 's1' });
    await until(() => events.some((e) => e.type === 'review-ready'), 'review-ready');
    const ready = events.find((e) => e.type === 'review-ready')!.detail;
    expect(ready.storeId).toBe('s1');
    expect(ready.rows).toEqual([
      { storeId: 's1', productId: 'a', name: 'Молоко', cloudQuantity: '0', quantity: '7', status: 'change', chainBreak: false, warning: false },
      { storeId: 's1', productId: 'b', name: 'Сыр', cloudQuantity: '0.875', quantity: '0.875', status: 'same', chainBreak: false, warning: false },
      { storeId: 's1', productId: 'c', name: 'Хлеб', cloudQuantity: '3', quantity: null, status: 'undecided', chainBreak: false, warning: false },
    ]);
    expect(events.find((e) => e.type === 'progress')!.detail).toMatchObject({ kind: 'pull', storeId: 's1', phase: 'background' });
    // Every started store has a result: the element shows the review, as the user would open it.
    await until(() => text(el).includes('Проверка остатков'), 'review shown');

    // The same result again (another background page that changed nothing): no new event.
    backend.emit({ type: 'review-changed', storeId: 's1' });
    await tick();
    await tick();
    expect(events.filter((e) => e.type === 'review-ready')).toHaveLength(1);
    // Background fetching decides «Хлеб»: announced again.
    backend.rows.set('s1', [...backend.rows.get('s1')!.slice(0, 2), reviewRow('s1', productStock('c', { name: 'Хлеб', quantity: '5', cloudQuantity: '3' }))]);
    backend.emit({ type: 'review-changed', storeId: 's1' });
    await until(() => events.filter((e) => e.type === 'review-ready').length === 2, 'second review-ready');
    expect(events.filter((e) => e.type === 'review-ready')[1]!.detail.rows[2]).toMatchObject({ productId: 'c', quantity: '5', status: 'change' });

    // The user unticked a product in the table; apply() writes what the review approves: it stays unticked.
    await backend.setApproval('s1', ['a'], false);
    const report = await el.apply();
    expect(report.runId).toBe('run-1');
    expect(backend.callsOf('setApproval')).toEqual([['s1', ['a'], false]]);
    expect(backend.callsOf('planWrite')).toEqual([[['s1']]]);
    expect(backend.callsOf('runWrite')).toEqual([['run-1']]);
    expect(events.filter((e) => e.type === 'applied').map((e) => e.detail.runId)).toEqual(['run-1']);
    await until(() => text(el).includes('Отчёт о записи'), 'report shown');

    backend.plan = { runId: 'undo-1', kind: 'undo', stores: [], moved: [] };
    backend.result = { report: runReport('undo-1', { kind: 'undo', undoOf: 'run-1', undoable: false }), moved: [] };
    const undone = await el.undo();
    expect(undone.kind).toBe('undo');
    expect(backend.callsOf('planUndo')).toEqual([['run-1']]);
    expect(events.filter((e) => e.type === 'applied').map((e) => e.detail.kind)).toEqual(['write', 'undo']);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('apply({ approveAll: true }) ticks every row before the plan; anything else is not that', async () => {
    const backend = shopBackend();
    next = () => backend;
    const { el } = mount({ token: TOKEN, 'store-ids': 's1' });
    await until(() => text(el).includes('Мира'), 'stores listed');
    await el.start();
    backend.emit({ type: 'pull-progress', progress: progress('s1', { phase: 'done', resultReady: true }) });
    await backend.setApproval('s1', ['a'], false);
    await el.apply({ approveAll: 'yes' } as never);
    expect(backend.callsOf('setApproval')).toEqual([['s1', ['a'], false]]);
    await el.apply({ approveAll: true });
    expect(backend.callsOf('setApproval').at(-1)).toEqual(['s1', ['a', 'b', 'c'], true]);
    const order = backend.calls.map((c) => c.method);
    expect(order.lastIndexOf('setApproval')).toBeLessThan(order.lastIndexOf('planWrite'));
  });

  it('a failing write is one error event and a rejection with the same detail', async () => {
    const backend = shopBackend();
    backend.failNext.set('runWrite', { code: 'server-error', params: {}, status: 503, message: '503 from the cloud' });
    next = () => backend;
    const { el, events } = mount({ token: TOKEN, 'store-ids': 's1' });
    await until(() => text(el).includes('Ленина'), 'stores listed');
    await el.start();
    backend.emit({ type: 'pull-progress', progress: progress('s1', { phase: 'done', resultReady: true }) });
    const error = (await el.apply().catch((e: unknown) => e)) as EmbedError;
    expect(error.detail).toMatchObject({ code: 'server-error', status: 503, message: '503 from the cloud' });
    expect(error.detail.title.length).toBeGreaterThan(0);
    expect(error.detail.action.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'error').map((e) => e.detail.code)).toEqual(['server-error']);
  });

  it('undo() with nothing to undo rejects with not-ready; a store that fails is an error event with its id', async () => {
    const backend = shopBackend();
    next = () => backend;
    const { el, events } = mount({ token: TOKEN });
    await until(() => text(el).includes('Ленина'), 'stores listed');
    await expect(el.undo()).rejects.toMatchObject({ detail: { code: 'not-ready' } });
    backend.emit({ type: 'pull-progress', progress: progress('s2', { phase: 'failed', error: { code: 'missing-scope', params: { scope: 'document:read' }, status: 403, message: '403' } }) });
    backend.emit({ type: 'pull-progress', progress: progress('s2', { phase: 'failed', error: { code: 'missing-scope', params: { scope: 'document:read' }, status: 403, message: '403' } }) });
    const errors = events.filter((e) => e.type === 'error').map((e) => e.detail);
    expect(errors.map((e) => [e.code, e.storeId])).toEqual([['not-ready', null], ['missing-scope', 's2']]);
  });

  it('removed from the page, it stops its backend; moved within the page, it keeps it', async () => {
    const { el } = mount({ token: TOKEN });
    await until(() => backends.length === 1, 'session');
    const dispose = vi.spyOn(backends[0]!, 'dispose');
    const other = document.createElement('div');
    document.body.append(other);
    other.append(el);
    await tick();
    expect(dispose).not.toHaveBeenCalled();
    el.remove();
    await tick();
    expect(dispose).toHaveBeenCalledTimes(1);
  });
});

describe('review-ready rows', () => {
  it('canonical decimals, statuses, and a fingerprint that changes with what a page can see', () => {
    const result = { storeId: 's', method: 'latest-document' as const, complete: false, deviceNames: {}, rows: [reviewRow('s', productStock('a', { quantity: '1.500', cloudQuantity: '1.5' }))] };
    const rows = embedRows(result, result.rows);
    expect(rows).toEqual([{ storeId: 's', productId: 'a', name: 'Товар a', cloudQuantity: '1.5', quantity: '1.5', status: 'same', chainBreak: false, warning: false }]);
    expect(rowsFingerprint(false, rows)).toBe(rowsFingerprint(false, embedRows(result, result.rows)));
    expect(rowsFingerprint(true, rows)).not.toBe(rowsFingerprint(false, rows));
    expect(rowsFingerprint(false, [{ ...rows[0]!, quantity: '2' }])).not.toBe(rowsFingerprint(false, rows));
  });
});
