/**
 * `npm run serve`: the built app behind Debian's nginx, as in production: dist/ with the security headers and the
 * same-origin pass-through /evotor/ → EVOTOR_API_UPSTREAM. Builds first when dist/ is missing or older than the
 * sources. Installs nothing: without nginx it says how to get it. Ctrl+C stops it.
 *
 *   PORT (8080)  HOST (127.0.0.1; 0.0.0.0 to listen on every interface)  EVOTOR_API_UPSTREAM (https://api.evotor.ru)
 *   FRAME_ANCESTORS (partner origins that may frame the app, besides https://*.evotor.ru)  ROOT (dist)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseOrigins } from './csp.ts';
import { DEFAULT_UPSTREAM, findNginx, normaliseUpstream, startNginx } from './nginx.ts';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const root = process.env.ROOT ?? 'dist';
const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'deploy/csp.ts', 'package-lock.json'];

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const nginx = findNginx();
if (nginx === null) {
  fail(`nginx was not found (looked on PATH and in /usr/sbin). Install Debian's package, then run this again:
  sudo apt-get install nginx
npm run serve installs nothing by itself.`);
}
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`);
let upstream: string;
let frameAncestors: string[];
try {
  upstream = normaliseUpstream(process.env.EVOTOR_API_UPSTREAM ?? DEFAULT_UPSTREAM);
  frameAncestors = parseOrigins(process.env.FRAME_ANCESTORS);
} catch (error) {
  fail((error as Error).message);
}

if (root === 'dist') {
  const built = Math.min(newest(join(root, 'index.html')), newest(join(root, 'evotor-stock-sync.js')));
  if (built === 0 || Math.max(...sources.map(newest)) > built) {
    console.log(built === 0 ? 'dist/ is missing: building it (npm run build).' : 'The sources changed since dist/ was built: building it again (npm run build).');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    if (build.status !== 0) fail('The build failed (see above); nothing is served.');
  }
} else if (!existsSync(join(root, 'index.html'))) {
  fail(`ROOT=${root} has no index.html: point it at a built dist/ folder.`);
}

const server = await startNginx({ host, port, root, upstream, frameAncestors, nginx }).catch((error: Error) => fail(error.message));
const shown = host === '0.0.0.0' ? `http://127.0.0.1:${port}` : server.url;
console.log(`
Evotor Stock Sync (nginx ${nginx}): ${shown}/
  dist:         ${root}/
  pass-through: ${shown}/evotor/ → ${upstream}
  frame URL:    https://<your host>/#/?token=\${token}&user_id=\${uid}
Access log below (no query strings, no tokens). Ctrl+C stops it.
`);

// Ctrl+C reaches nginx too (same process group); it stops, and so does this script.
const stop = () => void server.stop();
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code = await server.exited;
process.exit(code === 0 || code === null ? 0 : code);
