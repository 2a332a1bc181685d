/** What every slice of the app state shares: the screen shown, the error above it, and the one way to fail. */
import { signal } from '@preact/signals';
import { toBackendError, type BackendError } from '../backend.ts';

export type Screen = 'stores' | 'progress' | 'review' | 'write';

export type Loadable<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'error'; error: BackendError };

/** A problem shown above the current screen, with a way to try again when there is one. */
export interface ShownError {
  error: BackendError;
  retry: (() => void) | null;
}

export interface AppStateHooks {
  /** Called on a 401: the token is no longer usable (main.tsx forgets it for this tab). */
  onUnauthorized?: () => void;
}

/** Errors that pass by themselves: one is cleared as soon as the cloud answers again. */
const TRANSIENT: ReadonlySet<BackendError['code']> = new Set(['blocked', 'server-error', 'timeout', 'rate-limited']);

export function setOf<T>(values: Iterable<T>): ReadonlySet<T> {
  return new Set(values);
}

export type Shared = ReturnType<typeof createShared>;

export function createShared(hooks: AppStateHooks) {
  const screen = signal<Screen>('stores');
  const error = signal<ShownError | null>(null);
  /** A 401/402 stops everything: the screens show only what to do next. */
  const fatal = signal<BackendError | null>(null);

  /** Shows an error (a 401/402 as the fatal one), with what «Повторить» does; returns it as a BackendError. */
  function fail(e: unknown, retry: (() => void) | null = null): BackendError {
    const be = toBackendError(e);
    if (be.code === 'unauthorized' || be.code === 'payment-required') {
      fatal.value = be;
      if (be.code === 'unauthorized') hooks.onUnauthorized?.();
    } else {
      error.value = { error: be, retry };
    }
    return be;
  }

  /** The cloud answered again: a passing error shown above the screen has recovered. */
  function clearTransient(): void {
    if (error.value && TRANSIENT.has(error.value.error.code)) error.value = null;
  }

  return { screen, error, fatal, fail, clearTransient };
}
