/**
 * One API version's client and write rate controller, made once per write-back: the fetch handed to the client lets
 * the controller see every write's answer (X-RateLimit-*, 429) and counts the requests for the report.
 */
import type { EvotorClient } from '../api/client.ts';
import type { ApiVersion } from '../model/types.ts';
import { observationFromHeaders, WriteRateController } from './concurrency.ts';

/** What the write-back adds to the API client: a fetch that lets the rate controller see every answer's headers. */
export interface ClientHooks {
  fetch: typeof fetch;
}

export interface Lane {
  client: EvotorClient;
  controller: WriteRateController;
  stats: { requests: number; rateLimited: number };
}

export interface LaneOptions {
  client: (api: ApiVersion, hooks: ClientHooks) => EvotorClient;
  /** The fetch the hooks wrap (default: globalThis.fetch at call time). */
  fetch?: typeof fetch;
  rate?: { initialConcurrency?: number; maxConcurrency?: number };
  now: () => number;
}

export function createLane(api: ApiVersion, options: LaneOptions): Lane {
  const controller = new WriteRateController({ ...options.rate, now: options.now });
  const stats = { requests: 0, rateLimited: 0 };
  const base = options.fetch;
  const observingFetch: typeof fetch = async (input, init) => {
    const response = await (base ?? globalThis.fetch)(input, init);
    const method = (init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET')).toUpperCase();
    if (method !== 'GET') {
      // Only writes share the write budget (Evotor limits per token and URI; reads are paced by src/api).
      stats.requests += 1;
      if (response.status === 429) stats.rateLimited += 1;
      controller.observe(observationFromHeaders(response.status, response.headers, options.now()));
    }
    return response;
  };
  return { client: options.client(api, { fetch: observingFetch }), controller, stats };
}
