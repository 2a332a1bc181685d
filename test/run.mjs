#!/usr/bin/env node
// `npm test`: typecheck, bundle sizes, then every vitest project (unit in jsdom, node, browser in Chromium), then one plain
// summary line `N passed, N failed` that CI reads. Extra arguments go to vitest (e.g. `npm test -- --project unit`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const extra = process.argv.slice(2);
// Only `--project unit` / `--project node` runs need no browser; browser and e2e projects do.
const projects = extra.flatMap((arg, i) => (extra[i - 1] === '--project' ? [arg] : arg.startsWith('--project=') ? [arg.slice(10)] : []));
const onlyNonBrowser = projects.length > 0 && projects.every((p) => p === 'unit' || p === 'node');

if (!onlyNonBrowser && !existsSync(chromium)) {
  console.error(`Chromium was not found at ${chromium}; the browser tests need it.
Install Debian's package:   sudo apt-get update && sudo apt-get install -y chromium
or point CHROMIUM_PATH at another Chromium binary. No browser is ever downloaded by the tests.`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// The e2e tests serve the app with Debian's nginx, as deployed (deploy/); nothing installs it for them.
const nginxFound = [...(process.env.PATH ?? '').split(':'), '/usr/sbin'].some((dir) => dir !== '' && existsSync(`${dir}/nginx`));
const e2eRuns = projects.length === 0 || projects.includes('e2e');
if (e2eRuns && !nginxFound) {
  console.error(`nginx was not found (PATH, /usr/sbin); the e2e tests serve the app with it.
Install Debian's package:   sudo apt-get update && sudo apt-get install -y nginx`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

let passed = 0;
let failed = 0;

console.log('> typecheck (tsc --noEmit, every side: test/typecheck.mjs)');
const tsc = spawnSync('node', ['test/typecheck.mjs'], { stdio: 'inherit' });
if (tsc.status === 0) passed += 1;
else failed += 1;

// The app and embed built once (into a temporary folder) and held to their size budgets: test/bench/bundle-size.ts.
// Only in a run of every project: `npm test -- --project unit` is for a quick look.
if (projects.length === 0) {
  console.log('> bundle sizes (test/bench/bundle-size.ts --check)');
  const sizes = spawnSync('npx', ['tsx', 'test/bench/bundle-size.ts', '--check', '--contents', '0'], { stdio: 'inherit' });
  if (sizes.status === 0) passed += 1;
  else failed += 1;
}

mkdirSync('test-results', { recursive: true });
const report = 'test-results/vitest.json';
console.log('> vitest run');
const vitest = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { stdio: 'inherit' },
);
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed += result.numPassedTests ?? 0;
  // A file that fails to load has no test results of its own: count it once, so it cannot pass unnoticed.
  const brokenFiles = (result.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'),
  ).length;
  failed += (result.numFailedTests ?? 0) + brokenFiles;
}
if (vitest.status !== 0 && failed === 0) failed += 1; // vitest failed before reporting (config error, crash)

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
