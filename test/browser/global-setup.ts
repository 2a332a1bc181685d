/**
 * Browser tests' global setup (Node side): starts the Evotor Cloud emulator in-process on 127.0.0.1 and a
 * cross-origin proxy, and provides their addresses to the tests (see README.md for the keys).
 */
import type { TestProject } from 'vitest/node';
import { startCrossOriginProxy } from './cross-origin-proxy.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the emulator, e.g. http://127.0.0.1:41234 (no trailing slash). */
    emulatorUrl: string;
    /** The token the emulator accepts. */
    emulatorToken: string;
    /** Another origin (127.0.0.1, other port) that proxies to whatever target a test sets: for cross-origin tests. */
    crossOriginProxyUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const proxy = await startCrossOriginProxy();
  project.provide('crossOriginProxyUrl', proxy.url);
  project.provide('emulatorUrl', '');
  project.provide('emulatorToken', '');
  return async () => {
    await proxy.close();
  };
}
