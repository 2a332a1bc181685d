/// <reference lib="webworker" />
// A module worker that runs the write-back as the sync worker will: no DOM, IndexedDB and fetch only.
import { createEvotorClient } from '../../../src/api/client.ts';
import { createWriteback } from '../../../src/writeback/index.ts';
import type { CreatePlanStore } from '../../../src/writeback/types.ts';

self.onmessage = async (event: MessageEvent<{ emulator: string; token: string; journal: string; plan: CreatePlanStore }>) => {
  const { emulator, token, journal, plan } = event.data;
  try {
    const wb = await createWriteback({
      client: (api, hooks) => createEvotorClient({ api, token, baseUrl: emulator, fetch: hooks.fetch }),
      journalName: journal,
    });
    const { report: planned } = await wb.createPlan({ stores: [plan] });
    let progressCalls = 0;
    const { report } = await wb.applyPlan(planned.runId, { onProgress: () => { progressCalls += 1; } });
    const csv = await wb.exportCsv(planned.runId);
    wb.close();
    self.postMessage({ ok: true, report, progressCalls, csvLength: csv.length, hasDocument: typeof document !== 'undefined' });
  } catch (error) {
    self.postMessage({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
};
