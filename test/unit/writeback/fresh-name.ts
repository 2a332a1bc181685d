let counter = 0;
/** A fresh journal database name per test (fake-indexeddb keeps databases for the whole file). */
export function freshName(): string {
  counter += 1;
  return `journal-test-${counter}-${Math.random().toString(36).slice(2)}`;
}
