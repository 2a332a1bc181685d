/**
 * Prints deploy/site.conf.template filled in, for an nginx you run yourself:
 *
 *   npx tsx deploy/render-site.ts > /etc/nginx/conf.d/evotor-stock-sync.conf      (Debian's nginx)
 *     from HOST (127.0.0.1), PORT (8080), ROOT (./dist, made absolute), EVOTOR_API_UPSTREAM (https://api.evotor.ru),
 *     FRAME_ANCESTORS (partner origins that may frame the app, besides https://*.evotor.ru)
 *
 *   npx tsx deploy/render-site.ts --image                                           (deploy/Dockerfile)
 *     a template for the official image: the policy is filled in, ${HOST} ${PORT} ${ROOT} ${EVOTOR_API_UPSTREAM}
 *     ${FRAME_ANCESTORS} are left for the image's envsubst at container start.
 */
import { resolve } from 'node:path';
import { parseOrigins } from './csp.ts';
import { DEFAULT_UPSTREAM, normaliseUpstream, renderSite } from './nginx.ts';

const env = process.env;
const image = process.argv.includes('--image');
const keep = (name: string) => `\${${name}}`;
try {
  process.stdout.write(renderSite(image
    ? { host: keep('HOST'), port: keep('PORT'), root: keep('ROOT'), upstream: keep('EVOTOR_API_UPSTREAM'), frameAncestors: [keep('FRAME_ANCESTORS')] }
    : {
      host: env.HOST ?? '127.0.0.1',
      port: env.PORT ?? '8080',
      root: resolve(env.ROOT ?? 'dist'),
      upstream: normaliseUpstream(env.EVOTOR_API_UPSTREAM ?? DEFAULT_UPSTREAM),
      frameAncestors: parseOrigins(env.FRAME_ANCESTORS),
    }));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
