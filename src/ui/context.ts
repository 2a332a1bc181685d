/** The app state reaches components through context, so tests render any screen with their own state. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AppState } from './state/index.ts';

export const AppStateContext = createContext<AppState | null>(null);

export function useAppState(): AppState {
  const state = useContext(AppStateContext);
  if (!state) throw new Error('useAppState outside <AppStateContext.Provider>');
  return state;
}
