/**
 * `npm start`: the whole product on one machine with no Evotor account. Starts the emulator with demo stores whose
 * history ends now, then the Vite dev server with the demo API base and token baked in (VITE_DEMO_*), and prints
 * the address to open. The app's start screen then offers «Открыть демо-магазин».
 */
import { createServer } from 'vite';
import { DEMO_STORES } from './demo-stores.ts';
import { startEmulator, type EmulatorOptions } from './server.ts';

const DEMO_TOKEN = 'demo-token';
const emulatorPort = Number(process.env.EMULATOR_PORT ?? 8787);
const appPort = Number(process.env.PORT ?? 5173);

const demoStores: EmulatorOptions = {
  token: DEMO_TOKEN,
  storeList: DEMO_STORES.map((s) => ({ ...s, endTime: 'now' as const })),
};
// The app learns the emulator's address from VITE_DEMO_API_BASE, so a busy port just means another free one.
const emulator = await startEmulator({ ...demoStores, port: emulatorPort }).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.warn(`Port ${emulatorPort} is busy; the emulator takes a free one instead.`);
  return startEmulator({ ...demoStores, port: 0 });
});

process.env.VITE_DEMO_API_BASE = emulator.url;
process.env.VITE_DEMO_TOKEN = DEMO_TOKEN;
// The demo's V1 store is pulled and written through V1 (within its history limit, then POST), as an integrator
// would choose it for a store that needs it (launch.ts parseApiChoice).
const v1Ids = [...emulator.state.stores.values()].filter((s) => s.generatorInput.apiVersion === 'v1').map((s) => s.id);
if (v1Ids.length > 0) process.env.VITE_DEMO_API = `v1:${v1Ids.join(',')}`;
const vite = await createServer({ server: { port: appPort, host: '127.0.0.1' } });
await vite.listen();

console.log(`
Evotor Cloud emulator: ${emulator.url}  (token ${DEMO_TOKEN}; admin: ${emulator.url}/__emulator)
Evotor Stock Sync:     ${vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${appPort}/`}
Open the app and choose «Открыть демо-магазин». Ctrl+C stops both.`);

const stop = async () => {
  await Promise.allSettled([vite.close(), emulator.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
