/**
 * A call's signal (the page may abort any call: shared/api.ts) joined with the worker's life, for the work that
 * call does alone. Work shared by several calls (the store list read once) is not cancelled by one of them.
 */
export function callSignal(lifetime: AbortSignal, signal: AbortSignal | undefined): AbortSignal {
  return signal ? AbortSignal.any([lifetime, signal]) : lifetime;
}
