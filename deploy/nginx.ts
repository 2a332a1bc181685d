/**
 * Runs Debian's nginx in the foreground with deploy/site.conf.template: `npm run serve` (deploy/serve.ts) and the
 * e2e tests (test/e2e/global-setup.ts) start it the same way. Everything nginx writes (pid, temp files, the rendered
 * configuration) lives in one temporary folder, so it runs as root or not and never touches /etc/nginx or /var.
 */
import { spawn, execFileSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentSecurityPolicy } from './csp.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SITE_TEMPLATE = join(here, 'site.conf.template');
const MAIN_TEMPLATE = join(here, 'nginx.conf.template');

export const DEFAULT_UPSTREAM = 'https://api.evotor.ru';

/** nginx on PATH, else Debian's /usr/sbin/nginx (not on a normal user's PATH); null when it is not installed. */
export function findNginx(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'nginx');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

/** Fills `${NAME}` from values; a name without a value is an error, so a template and its caller cannot drift. */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}}`);
    return value;
  });
}

/**
 * The upstream as nginx may use it: an http(s) origin, no path, query or credentials, nothing that could end a
 * directive. Plain http only for a loopback host (the emulator).
 */
export function normaliseUpstream(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`EVOTOR_API_UPSTREAM is not a URL: ${JSON.stringify(value)}`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  const plain = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  if (!plain || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new Error(`EVOTOR_API_UPSTREAM must be an https origin (http only on 127.0.0.1), e.g. ${DEFAULT_UPSTREAM}; got ${JSON.stringify(value)}`);
  }
  return url.origin;
}

export interface SiteValues {
  /** The address and port nginx listens on (`listen HOST:PORT`). */
  host: string;
  port: string;
  /** The folder with the built app (dist/). */
  root: string;
  /** EVOTOR_API_UPSTREAM, already normalised. */
  upstream: string;
  /** Partner origins allowed to frame the app, besides the personal account. */
  frameAncestors: readonly string[];
}

/** site.conf.template with every value filled in. */
export function renderSite(values: SiteValues): string {
  return renderTemplate(readFileSync(SITE_TEMPLATE, 'utf8'), {
    HOST: values.host,
    PORT: values.port,
    ROOT: values.root,
    EVOTOR_API_UPSTREAM: values.upstream,
    CSP_APP: contentSecurityPolicy({ frameAncestors: values.frameAncestors }),
    CSP_EXAMPLE: contentSecurityPolicy({ frameAncestors: values.frameAncestors, examplePage: true }),
  });
}

export interface NginxOptions {
  host: string;
  port: number;
  root: string;
  upstream: string;
  frameAncestors?: readonly string[];
  /** Where nginx's stdout (the access log) and stderr (errors) go; default: this process's. */
  stdio?: StdioOptions;
  nginx?: string;
}

export interface RunningNginx {
  url: string;
  child: ChildProcess;
  /** Resolves with nginx's exit code once it has stopped and its temporary folder is gone. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * As root, nginx's workers would run as `nobody`, who may not read a checkout under /root: they run as the folder's
 * owner (root itself when the owner has no name here, as with files from another machine in a container).
 */
function userLine(root: string): string {
  if (process.getuid?.() !== 0) return '';
  const { uid, gid } = statSync(root);
  const lookup = (database: string, id: number) => {
    try {
      return execFileSync('getent', [database, String(id)], { encoding: 'utf8' }).split(':')[0] || null;
    } catch {
      return null;
    }
  };
  return `user ${lookup('passwd', uid) ?? 'root'} ${lookup('group', gid) ?? 'root'};`;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

/** Starts nginx in the foreground and resolves once it accepts connections (rejects if it exits first). */
export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  const nginx = options.nginx ?? findNginx();
  if (nginx === null) throw new Error('nginx is not installed: sudo apt-get install nginx');
  const root = resolve(options.root);
  const site = renderSite({ host: options.host, port: String(options.port), root, upstream: normaliseUpstream(options.upstream), frameAncestors: options.frameAncestors ?? [] });
  const user = userLine(root);
  const temp = mkdtempSync(join(tmpdir(), 'evotor-nginx-'));
  writeFileSync(join(temp, 'site.conf'), site);
  writeFileSync(join(temp, 'nginx.conf'), renderTemplate(readFileSync(MAIN_TEMPLATE, 'utf8'), { TEMP: temp, USER_LINE: user }));

  // -e: the error log before the configuration is read (Debian's default is a file under /var/log).
  const child = spawn(nginx, ['-e', 'stderr', '-p', temp, '-c', join(temp, 'nginx.conf')], { stdio: options.stdio ?? 'inherit' });
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      rmSync(temp, { recursive: true, force: true });
      resolveExit(code);
    });
    child.once('error', () => {
      rmSync(temp, { recursive: true, force: true });
      resolveExit(null);
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 15_000;
  // The pid file is written once nginx holds its port: before it, an open port may be someone else's.
  while (!existsSync(join(temp, 'nginx.pid')) || !(await portOpen(options.host, options.port))) {
    if (gone) throw new Error(`nginx stopped before it listened on ${options.host}:${options.port} (its messages are above)`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`nginx did not listen on ${options.host}:${options.port} within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${options.port}`,
    child,
    exited,
    stop: () => {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}
