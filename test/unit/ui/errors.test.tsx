import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toBackendError, type BackendError } from '../../../src/ui/backend.ts';
import { ErrorPanel } from '../../../src/ui/components/ErrorPanel.tsx';
import { describeError } from '../../../src/ui/errors.ts';
import { setLang } from '../../../src/ui/i18n.ts';

const err = (code: BackendError['code'], params: BackendError['params'] = {}, message = 'dev text'): BackendError => ({ code, params, status: null, message });

afterEach(() => {
  cleanup();
  setLang('ru');
});

describe('describeError', () => {
  it('401: reopen from the personal account, no retry; «истёк» only for an access that worked before (issue 16 item 14)', () => {
    const never = describeError(err('unauthorized'));
    expect(never.title).toBe('Облако Эвотор не принимает ссылку, по которой открыто приложение');
    expect(never.title + never.action).not.toContain('истёк');
    expect(never.reopen).toBe(true);
    const d = describeError(err('unauthorized'), 'ru', true);
    expect(d.title).toBe('Доступ к Облаку Эвотор истёк');
    expect(d.action).toContain('Откройте приложение заново из личного кабинета Эвотор');
    expect(d.reopen).toBe(true);
    expect(d.retryable).toBe(false);
  });

  it('402: not paid or not installed', () => {
    const d = describeError(err('payment-required'));
    expect(d.title).toBe('Приложение не оплачено или не установлено');
    expect(d.action).toContain('подписка оплачена');
    expect(d.reopen).toBe(true);
  });

  it('403: names the missing permission in words and by its scope', () => {
    const d = describeError(err('missing-scope', { scope: 'product.quantity:write' }));
    expect(d.title).toBe('Приложению не хватает права: изменение остатков (product.quantity:write)');
    expect(d.admin).toContain('product.quantity:write');
    expect(d.admin).toContain('dev.evotor.ru');
    expect(d.retryable).toBe(false);
    expect(describeError(err('missing-scope', { scope: 'weird:scope' })).title).toContain('weird:scope');
  });

  it('blocked (network or CORS): the merchant is told about the connection; the proxy only in the note for the administrator', () => {
    const d = describeError(err('blocked', { baseUrl: 'https://api.evotor.ru', origin: 'https://app.example' }));
    expect(d.title).toBe('Нет связи с Облаком Эвотор');
    expect(d.title + d.action).not.toMatch(/CORS|прокси/);
    expect(d.action).toContain('временно недоступно');
    expect(d.admin).toContain('https://app.example');
    expect(d.admin).toContain('VITE_EVOTOR_API_BASE');
    expect(d.admin).toContain('api-base');
    expect(d.retryable).toBe(true);
  });

  it('blocked after the cloud answered this session: the connection was lost, no CORS talk at all (issue 16 item 14)', () => {
    const d = describeError(err('blocked', { baseUrl: 'https://api.evotor.ru', origin: 'https://app.example' }), 'ru', true);
    expect(d.title).toBe('Связь с Облаком Эвотор прервалась');
    expect(d.admin).toBeNull();
    expect(JSON.stringify(d)).not.toMatch(/CORS|прокси/);
  });

  it('5xx and rate limits say that work continues where it stopped', () => {
    expect(describeError(err('server-error', { status: 503 })).title).toContain('503');
    expect(describeError(err('server-error', { status: 503 })).action).toContain('с того же места');
    expect(describeError(err('rate-limited')).action).toContain('с того же места');
  });

  it('speaks English when switched', () => {
    setLang('en');
    expect(describeError(err('unauthorized'), 'en', true).title).toBe('Access to Evotor Cloud has expired');
  });
});

describe('toBackendError', () => {
  it('keeps a serialized ApiError (code and params) and drops non-plain params', () => {
    const e = toBackendError({ name: 'ApiError', code: 'missing-scope', params: { scope: 'document:read', nested: { x: 1 } }, status: 403, message: 'm' });
    expect(e).toEqual({ code: 'missing-scope', params: { scope: 'document:read' }, status: 403, message: 'm' });
  });

  it('a full disk, raised here or in the worker (which sends { name, message }), is disk-full and says what to do', () => {
    expect(toBackendError(new DOMException('full', 'QuotaExceededError')).code).toBe('disk-full');
    const fromWorker = toBackendError({ name: 'QuotaExceededError', message: 'The quota has been exceeded.' });
    expect(fromWorker.code).toBe('disk-full');
    setLang('ru');
    const text = describeError(fromWorker);
    expect(text.title).toBe('На диске не хватает места для данных приложения');
    expect(text.action).toMatch(/Ничего не потеряно.*Освободите место на диске или удалите здесь загруженные данные магазинов/);
    expect(text.action).not.toMatch(/Обновите страницу|Перезагрузите/);
  });

  it('turns a storage failure into storage and anything else into internal', () => {
    expect(toBackendError(new DOMException('closed', 'InvalidStateError')).code).toBe('storage');
    const internal = toBackendError(new TypeError('x is undefined'));
    expect(internal).toMatchObject({ code: 'internal', message: 'TypeError: x is undefined' });
    expect(toBackendError({ code: 'no-such-code' }).code).toBe('internal');
  });
});

describe('ErrorPanel', () => {
  it('shows what to do, a link to the personal account for 401, and server text only as text', () => {
    const onRetry = vi.fn();
    render(<ErrorPanel error={err('unauthorized', {}, '<img src=x onerror="alert(1)">')} onRetry={onRetry} reached />);
    screen.getByRole('alert');
    screen.getByRole('heading', { name: 'Доступ к Облаку Эвотор истёк' });
    const link = screen.getByRole('link', { name: 'Открыть личный кабинет' }) as HTMLAnchorElement;
    expect(link.href).toBe('https://lk.evotor.ru/');
    // Not retryable: no retry button.
    expect(screen.queryByRole('button', { name: 'Повторить' })).toBeNull();
    expect(document.querySelector('img')).toBeNull();
    screen.getByText('<img src=x onerror="alert(1)">');
  });

  it('offers retry for a network block and calls it', () => {
    const onRetry = vi.fn();
    render(<ErrorPanel error={err('blocked', { baseUrl: 'https://api.evotor.ru', origin: 'https://x' })} onRetry={onRetry} onDismiss={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Повторить' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
    screen.getByRole('button', { name: 'Закрыть' });
  });
});
