/**
 * The configured account: its clients (every one shares the worker's pacer: one token's limits), the API each store
 * is pulled and written through, the connection budget of its pulls, and the stores its token may see. One per
 * configure(): a new configuration starts with a fresh store list.
 *
 * Jobs, results, decisions and the journal belong to the origin, not to the account: anything of a store outside
 * this token's store list (a store of another account that used this browser) is neither shown, resumed, exported
 * nor undone, and it stays on disk untouched.
 */
import { createEvotorClient, type ClientOptions, type EvotorClient, type StoreInfo } from '../../api/client.ts';
import { ApiError } from '../../api/errors.ts';
import type { RateLimitPacer } from '../../api/pacing.ts';
import type { LocalStore } from '../../local/db.ts';
import type { ApiVersion } from '../../model/types.ts';
import { RequestSlots } from '../../pull/slots.ts';
import type { RunReport } from '../../writeback/types.ts';
import type { SyncConfig } from '../shared/types.ts';
import { requireId } from './validate.ts';

export interface AccountDeps {
  pacer: RateLimitPacer;
  local: LocalStore;
  now(): number;
  /** The worker's life: the store list is read under it. */
  lifetime: AbortSignal;
  /** Replaced in tests. */
  createClient?: (options: ClientOptions) => EvotorClient;
}

export type ClientExtras = Pick<ClientOptions, 'onWait' | 'fetch' | 'retry'>;

/** Store ids are compared as the cloud does, without regard to case. */
export const storeKey = (id: string): string => id.toLowerCase();

/** What a store the token does not list looks like from here: not found, as the cloud would answer. */
export function notListed(storeId: string): ApiError {
  return new ApiError({
    code: 'not-found', status: 404, operation: 'listStores', params: { resource: `store ${storeId}` },
    message: `store ${storeId} is not in this account's store list`,
  });
}

export class Account {
  /** Every pull's requests share the browser's connections (slots.ts): stores need no limit of their own. */
  readonly slots: RequestSlots;
  /** The cloud's store list of this configuration (listStores). */
  private storeList: Promise<StoreInfo[]> | null = null;
  /** The ids (lower case) of the stores the token lists. */
  private visible: Promise<ReadonlySet<string>> | null = null;
  /** The same list once read, so that a pause or cancel stops the pull at once, with no turn in between. */
  private visibleNow: ReadonlySet<string> | null = null;

  constructor(readonly config: SyncConfig, private readonly deps: AccountDeps) {
    this.slots = new RequestSlots(config.connections ?? undefined);
  }

  /** The API a store is pulled and written through: V1 for the stores the integrator named, else the session's. */
  apiOf(storeId: string): ApiVersion {
    const key = storeKey(storeId);
    return this.config.v1Stores?.some((id) => storeKey(id) === key) ? 'v1' : this.config.api;
  }

  /** A client of this account for an API version. */
  client(api: ApiVersion = this.config.api, extra: ClientExtras = {}): EvotorClient {
    const config = this.config;
    const retry = config.retry || extra.retry ? { ...config.retry, ...extra.retry } : undefined;
    const options: ClientOptions = {
      api, token: config.token, pacer: this.deps.pacer,
      ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(retry ? { retry } : {}),
      ...(extra.onWait ? { onWait: extra.onWait } : {}),
      ...(extra.fetch ? { fetch: extra.fetch } : {}),
    };
    return (this.deps.createClient ?? createEvotorClient)(options);
  }

  /**
   * The cloud's stores: asked once per configuration (a start), then again only when `refresh` asks; every other
   * caller (the screens after each status change, store names, the account's stores) gets the same answer, also
   * while it is being read. A failed answer is not kept.
   */
  listStores(refresh = false): Promise<StoreInfo[]> {
    if (refresh || this.storeList === null) {
      const reading = this.readStoreList();
      reading.catch(() => {
        if (this.storeList === reading) this.storeList = null;
      });
      this.storeList = reading;
    }
    return this.storeList;
  }

  private async readStoreList(): Promise<StoreInfo[]> {
    const stores = await this.client().listStores(this.deps.lifetime);
    this.visibleNow = new Set(stores.map((s) => storeKey(s.id)));
    this.visible = Promise.resolve(this.visibleNow);
    // Kept for names after a reload; a full disk (or a closed database) must not hide the cloud's list.
    const seenAt = this.deps.now();
    await this.deps.local.putStores(stores.map((s) => ({ ...s, api: this.apiOf(s.id), seenAt }))).catch(() => undefined);
    return stores;
  }

  /** The ids (lower case) of the stores the current token lists; a failure is asked again next time. */
  visibleStores(): Promise<ReadonlySet<string>> {
    if (!this.visible) {
      const reading = this.listStores().then((stores) => new Set(stores.map((s) => storeKey(s.id))));
      reading.catch(() => {
        if (this.visible === reading) this.visible = null;
      });
      this.visible = reading;
    }
    return this.visible;
  }

  /**
   * Refuses a store the current token does not list, as the cloud would (404): its local data stays unseen.
   * Synchronous once the list is known (undefined: seen), else a promise.
   */
  mustSee(storeId: string): Promise<void> | undefined {
    requireId(storeId, 'storeId');
    const check = (visible: ReadonlySet<string>) => {
      if (!visible.has(storeKey(storeId))) throw notListed(storeId);
    };
    if (this.visibleNow) return void check(this.visibleNow);
    return this.visibleStores().then(check);
  }

  /** The runs of this account: those whose every store the token lists. */
  async ownRuns(runs: readonly RunReport[]): Promise<RunReport[]> {
    if (runs.length === 0) return [];
    const visible = await this.visibleStores();
    return runs.filter((r) => r.stores.every((s) => visible.has(storeKey(s.storeId))));
  }
}
