/**
 * Names for what the page shows: a store's name from the cloud's list, and its terminals' names from the store's
 * device list (V2 `GET /stores/{id}/devices`, V1 `devices/search`), asked once per store and configuration, when its
 * pull starts. A failure only means numbers instead of names (terminals.ts); a passing one is asked again next time.
 */
import type { DeviceInfo } from '../../api/client.ts';
import type { LocalStore } from '../../local/db.ts';
import type { ApiVersion } from '../../model/types.ts';
import type { ResultRow } from '../../pull/computation.ts';
import { serializeError } from '../shared/messages.ts';
import type { SerializedError, StoreTerminals } from '../shared/types.ts';
import type { Account } from './account.ts';
import { buildTerminals, deviceIdsOf } from './terminals.ts';
import { plainName } from './validate.ts';

type DeviceList = { devices: DeviceInfo[] } | { error: SerializedError };

/** Answers about the device list that asking again will not change (cached for the configuration's life). */
const LASTING_DEVICE_ERRORS = new Set(['missing-scope', 'not-found', 'unauthorized', 'payment-required', 'bad-request', 'invalid-response', 'http-error']);

export interface NamesDeps {
  account: Account;
  local: LocalStore;
  lifetime: AbortSignal;
  /** Where the store's device list waits for a connection: with its opening requests, the last of them (slots.ts). */
  openingPriority(storeId: string): number;
  /** How long a result waits for the store's device list before numbering the terminals (default 5 s). */
  devicesWaitMs?: number;
}

export class Names {
  /** Device lists per store: one request per store and configuration (transient failures are asked again). */
  private readonly deviceLists = new Map<string, Promise<DeviceList>>();

  constructor(private readonly deps: NamesDeps) {}

  /**
   * The store's name as the cloud lists it: from the stores seen by listStores, else read once now (a failure only
   * means the id is shown). Never anything a caller passed along by accident.
   */
  async cloudName(storeId: string): Promise<string | null> {
    const known = plainName((await this.deps.local.getStore(storeId))?.name);
    if (known !== null) return known;
    try {
      const stores = await this.deps.account.listStores();
      return plainName(stores.find((s) => s.id.toLowerCase() === storeId.toLowerCase())?.name);
    } catch {
      return null;
    }
  }

  deviceList(storeId: string, api: ApiVersion): Promise<DeviceList> {
    const key = `${api} ${storeId.toLowerCase()}`;
    let list = this.deviceLists.get(key);
    if (!list) {
      const { account, lifetime } = this.deps;
      const client = account.client(api, { retry: { maxRetries: 1, maxNetworkRetries: 1, maxRateLimitRetries: 2 } });
      // One of the store's opening requests: through the connection budget with them (slots.ts).
      list = client.listDevices
        ? account.slots.run(this.deps.openingPriority(storeId), () => client.listDevices!(storeId, lifetime)).then(
            (devices): DeviceList => ({ devices }),
            (error: unknown): DeviceList => ({ error: serializeError(error) }),
          )
        : Promise.resolve<DeviceList>({ error: { name: 'Error', message: 'this client cannot list devices' } });
      this.deviceLists.set(key, list);
      void list.then((r) => {
        const lasting = 'devices' in r || (r.error.code !== undefined && LASTING_DEVICE_ERRORS.has(r.error.code)) || r.error.code === undefined;
        if (!lasting && this.deviceLists.get(key) === list) this.deviceLists.delete(key);
      });
    }
    return list;
  }

  /** Names of the terminals the result names; numbered when the device list fails or is slow (then asked again). */
  async terminals(storeId: string, api: ApiVersion, rows: readonly ResultRow[]): Promise<StoreTerminals> {
    const wait = this.deps.devicesWaitMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<DeviceList>((resolve) => {
      timer = setTimeout(() => resolve({ error: { name: 'TimeoutError', message: `the device list did not answer within ${wait} ms` } }), wait);
    });
    try {
      return buildTerminals(deviceIdsOf(rows), await Promise.race([this.deviceList(storeId, api), slow]));
    } finally {
      clearTimeout(timer);
    }
  }
}
