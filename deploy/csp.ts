/**
 * The Content-Security-Policy of every page we serve, in one place: nginx sends it as a header (deploy/nginx.ts
 * fills it into site.conf.template) and the build writes it into index.html as a meta tag (vite.config.ts), for
 * hosts that send no header. Scripts only from our origin, never inline or eval'd; the worker from our origin or,
 * for the embed, a blob of the page's; API calls only to our origin (the /evotor/ pass-through) unless a direct
 * build names its API base.
 */

/** The Evotor personal account frames the app from these origins (shared/docs/evotor-api.md §7). */
export const PERSONAL_ACCOUNT_ORIGINS = ['https://*.evotor.ru'] as const;

export interface PolicyOptions {
  /** Origins the page may call besides its own: a direct build's API base. None behind the pass-through. */
  connect?: readonly string[];
  /** The embed example page: its own inline <style> and its `data:` icon. The app itself has neither. */
  examplePage?: boolean;
  /**
   * Who may frame the page: the personal account and these partner origins. Left out of a meta tag, where browsers
   * ignore it (and say so in the console).
   */
  frameAncestors?: readonly string[] | null;
}

export function contentSecurityPolicy(options: PolicyOptions = {}): string {
  const directives = [
    "default-src 'self'",
    "script-src 'self'",
    options.examplePage ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    ...(options.examplePage ? ["img-src 'self' data:"] : []),
    "worker-src 'self' blob:",
    ["connect-src 'self'", ...(options.connect ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  if (options.frameAncestors) directives.push(['frame-ancestors', ...PERSONAL_ACCOUNT_ORIGINS, ...options.frameAncestors].join(' '));
  return directives.join('; ');
}

/** A CSP source naming an origin: scheme, host (a leading `*.` allowed), optional port; nothing that could end a directive. */
const ORIGIN_SOURCE = /^https?:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/;

/** Partner origins from a space- or comma-separated list (FRAME_ANCESTORS); throws on anything that is not an origin. */
export function parseOrigins(list: string | undefined): string[] {
  const origins = (list ?? '').split(/[\s,]+/).filter((o) => o !== '');
  for (const origin of origins) {
    if (!ORIGIN_SOURCE.test(origin)) throw new Error(`not an origin: ${JSON.stringify(origin)} (expected e.g. https://portal.example or https://*.partner.example)`);
  }
  return origins;
}
