#!/usr/bin/env node
// `npm run typecheck` (and the first step of `npm test`): tsc over every tsconfig, so that each side of the app is
// checked with only the globals it has (tsconfig.json says which is which). Exits 1 when any of them fails.
import { spawnSync } from 'node:child_process';

const PROJECTS = ['tsconfig.json', 'tsconfig.page.json', 'tsconfig.worker.json', 'tsconfig.core.json', 'tsconfig.node.json'];

let failed = 0;
for (const project of PROJECTS) {
  const tsc = spawnSync('npx', ['tsc', '--noEmit', '-p', project], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error(`typecheck: ${project} failed`);
    failed += 1;
  }
}
process.exit(failed === 0 ? 0 : 1);
