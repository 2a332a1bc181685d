/** The emulator's admin API (/__emulator/, src/emulator/README.md) as the browser, e2e and fault tests call it. Runs in Node and in the browser. */
export function emulatorAdmin(emulatorUrl: string) {
  async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${emulatorUrl}/__emulator${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`emulator admin ${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
  return {
    admin,
    /** A new store from generator options (see src/emulator/generator/options.ts). */
    createStore: (options: Record<string, unknown>) =>
      admin<{ storeId: string; documentCount: number; trackedProducts: number }>('POST', '/stores', options),
    /** The true stock of every tracked product, as decimal text by product id. */
    truth: async (storeId: string) => (await admin<{ truth: Record<string, string> }>('GET', `/stores/${storeId}/truth`)).truth,
    /** The cloud's quantities now (what GET products would show), by product id. */
    cloud: async (storeId: string) => (await admin<{ quantities: Record<string, string | null> }>('GET', `/stores/${storeId}/cloud`)).quantities,
  };
}
