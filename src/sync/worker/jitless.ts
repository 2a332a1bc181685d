/**
 * Imported first by the worker's entry, before any schema exists: zod compiles object parsers with `new Function`
 * unless told not to, and the pages we serve forbid eval (deploy/csp.ts). Under that policy zod's probe would fail
 * anyway, but the browser reports it as a CSP violation; jitless mode never probes.
 */
import { z } from 'zod';

z.config({ jitless: true });
