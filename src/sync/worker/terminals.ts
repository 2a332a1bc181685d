/**
 * The store's terminals for explanations and timelines: the names from the cloud's device list, and a number for
 * every terminal (shown when there is no name, e.g. when the list cannot be read: 403 without store:read, 404).
 * Pure; device ids are matched case-insensitively (the JSDK upper-cases them, documents may not).
 */
import type { DeviceInfo } from '../../api/client.ts';
import type { ResultRow } from '../../pull/computation.ts';
import type { SerializedError, StoreTerminals, TerminalInfo } from '../shared/types.ts';

/** Every device id the result's documents name (deciding, derived-from, ledger, the newest chain break). */
export function deviceIdsOf(rows: readonly ResultRow[]): Set<string> {
  const ids = new Set<string>();
  for (const row of rows) {
    if (row.decidedBy && row.decidedBy.deviceId !== '') ids.add(row.decidedBy.deviceId);
    if (row.derived?.from && row.derived.from.deviceId !== '') ids.add(row.derived.from.deviceId);
    if (row.ledger?.from && row.ledger.from.deviceId !== '') ids.add(row.ledger.from.deviceId);
    const b = row.lastChainBreak;
    if (b && b.previous.deviceId !== '') ids.add(b.previous.deviceId);
    if (b && b.next.deviceId !== '') ids.add(b.next.deviceId);
  }
  return ids;
}

/**
 * Numbers 1, 2, … by id over every terminal known (the documents' and the cloud's), so a number does not depend
 * on which products are shown; names where the cloud gave them.
 */
export function buildTerminals(
  documentDeviceIds: Iterable<string>,
  listed: { devices: readonly DeviceInfo[] } | { error: SerializedError },
): StoreTerminals {
  const devices = 'devices' in listed ? listed.devices : [];
  const names = new Map(devices.map((d) => [d.id.toLowerCase(), d.name]));
  const spelling = new Map<string, string>();
  for (const d of devices) spelling.set(d.id.toLowerCase(), d.id);
  // The documents' spelling wins: the UI looks names up by the documents' device ids.
  for (const id of documentDeviceIds) spelling.set(id.toLowerCase(), id);
  const keys = [...spelling.keys()].sort();
  const byId: Record<string, TerminalInfo> = {};
  keys.forEach((key, i) => {
    byId[spelling.get(key)!] = { number: i + 1, name: names.get(key) ?? null };
  });
  return 'devices' in listed
    ? { byId, source: 'cloud', error: null }
    : { byId, source: 'numbered', error: listed.error };
}
