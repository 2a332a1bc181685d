/**
 * E2E global setup (Node): the Evotor Cloud emulator in-process, the production `npm run build` (no API base: the
 * app calls the pass-through on its own origin) into test-results/e2e-dist, served by Debian's nginx with deploy/
 * (the same start as `npm run serve`) whose /evotor/ forwards to the emulator; a partner portal on another port, and
 * a recorder playing a hostile API. Keys for `inject()` are documented in README.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startNginx } from '../../deploy/nginx.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { freePort } from '../lib/listen.ts';
import { startPartnerServer, startRecorder } from './servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The emulator's base URL (the upstream of the app host's /evotor/ pass-through). */
    e2eEmulatorUrl: string;
    /** A token with exactly manifest.json's scopes. */
    e2eToken: string;
    /** The built app (test-results/e2e-dist) on its own origin: nginx with deploy/, /evotor/ → the emulator. */
    e2eAppUrl: string;
    /** nginx's stdout (its access log) and stderr (its error log), as files. */
    e2eNginxLogs: { access: string; error: string };
    /** Another origin: the embed example page, loading the script from e2eAppUrl, under a strict CSP. */
    e2ePartnerUrl: string;
    /** A hostile "API" that records requests (GET /__recorded). */
    e2eRecorderUrl: string;
    /** The folder the build wrote (dist/ of this run). */
    e2eDist: string;
    /** Ids of the stores made at start, in order: [main demo store, second store]. */
    e2eStores: string[];
  }
}

export const E2E_TOKEN = 'e2e-token-0123456789';

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${output}`))));
  });
}

export default async function setup(project: TestProject) {
  const manifest = JSON.parse(readFileSync('manifest.json', 'utf8')) as { scopes: string[] };
  const emulator = await startEmulator({
    port: 0,
    token: E2E_TOKEN,
    // The app must work with exactly what the manifest asks for.
    scopes: manifest.scopes,
    pageSize: 100,
    productPageSize: 100,
    logLimit: 200_000,
    storeList: [
      { seed: 'e2e-1', name: 'Магазин «У дома»', products: 30, terminals: 1, days: 45, docsPerDay: 30, endTime: 'now' },
      { seed: 'e2e-2', name: 'Кофейня на Садовой', products: 20, terminals: 1, days: 30, docsPerDay: 20, endTime: 'now' },
    ],
  });
  const dist = resolve('test-results/e2e-dist');
  rmSync(dist, { recursive: true, force: true });
  // The real build script as a deployment runs it: no API base, so the app and the embed use the pass-through.
  const { VITE_EVOTOR_API_BASE: _direct, ...env } = process.env;
  await run('npm', ['run', '--silent', 'build'], { ...env, EVOTOR_OUT_DIR: dist });
  // The partner page must know our origin before nginx starts (its frame-ancestors name the partner).
  const port = await freePort();
  const appOrigin = `http://127.0.0.1:${port}`;
  const partner = await startPartnerServer({ examplePage: join(dist, 'embed-example.html'), scriptOrigin: appOrigin, apiOrigin: emulator.url });
  const logDir = resolve('test-results/nginx');
  mkdirSync(logDir, { recursive: true });
  const logs = { access: join(logDir, 'access.log'), error: join(logDir, 'error.log') };
  const app = await startNginx({
    host: '127.0.0.1', port, root: dist, upstream: emulator.url,
    // The personal-account stand-in (/lk) lives on the partner origin: a configured partner origin may frame the app.
    frameAncestors: [partner.url],
    stdio: ['ignore', openSync(logs.access, 'w'), openSync(logs.error, 'w')],
  });
  const recorder = await startRecorder();

  project.provide('e2eEmulatorUrl', emulator.url);
  project.provide('e2eToken', E2E_TOKEN);
  project.provide('e2eAppUrl', app.url);
  project.provide('e2eNginxLogs', logs);
  project.provide('e2ePartnerUrl', partner.url);
  project.provide('e2eRecorderUrl', recorder.url);
  project.provide('e2eDist', dist);
  project.provide('e2eStores', [...emulator.state.stores.keys()]);

  return async () => {
    await Promise.all([app.stop(), partner.close(), recorder.close()]);
    await emulator.close();
  };
}
