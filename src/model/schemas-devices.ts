/**
 * zod schemas for the terminals (devices) of a store, so explanations can say "терминал Касса 1" instead of an id.
 * - V2 `GET /stores/{store_id}/devices`: a list envelope (`pageEnvelopeSchema`) of `{ id, name, store_id, … }`
 *   (the JSDK names the route; the emulator serves this shape).
 * - V1 `GET api/v1/inventories/devices/search`: an array of `{ uuid, name, storeUuid, … }` for every store.
 * Loose like every schema here: only the id is required, a device without a name is still a device.
 */
import { z } from 'zod';

export const v2DeviceSchema = z.looseObject({
  id: z.string().trim().min(1, 'empty id'),
  name: z.string().nullish(),
  store_id: z.string().nullish(),
});

export const v1DeviceSchema = z.looseObject({
  uuid: z.string().trim().min(1, 'empty id'),
  name: z.string().nullish(),
  storeUuid: z.string().nullish(),
});

