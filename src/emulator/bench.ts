/**
 * Generation benchmark: `npx tsx src/emulator/bench.ts [documents]` (default 1,000,000).
 * Generates a store of about that many documents (20,000 products, 3 terminals, 24 months), then serves a page
 * from the middle of the history and a complete pass over every day, and prints times and memory.
 */
import { RuntimeStore } from './store.ts';
import { v2Document } from './serialize.ts';

export interface BenchResult {
  documents: number;
  generationMs: number;
  /** CPU time of the generation (user + system), less sensitive to other load on the machine than wall time. */
  generationCpuMs: number;
  heapMB: number;
  rssMB: number;
  recordMB: number;
  middlePageMs: number;
  fullScanMs: number;
}

export function bench(documents: number, months = 24, products = 20_000, terminals = 3): BenchResult {
  const days = months * 30.4;
  const docsPerDay = documents / days;
  (globalThis as { gc?: () => void }).gc?.();
  const began = performance.now();
  const cpu = process.cpuUsage();
  const store = new RuntimeStore({ seed: 'bench', products, terminals, months, docsPerDay, endTime: Date.UTC(2025, 5, 30, 21) });
  const generationMs = performance.now() - began;
  const used = process.cpuUsage(cpu);
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  const t0 = performance.now();
  const mid = store.gen.start + (store.gen.end - store.gen.start) / 2;
  const page = store.page({ since: mid, until: null, types: null, device: null }, store.firstOrdinal(mid), 1000);
  JSON.stringify(page.docs.map((d) => v2Document(store.gen, d)));
  const middlePageMs = performance.now() - t0;
  const t1 = performance.now();
  let n = 0;
  store.scan(0, { since: 0, until: null, types: null, device: null }, () => {
    n++;
    return true;
  });
  const fullScanMs = performance.now() - t1;
  if (n !== store.documentCount) throw new Error('scan count mismatch');
  return {
    documents: store.documentCount,
    generationMs: Math.round(generationMs),
    generationCpuMs: Math.round((used.user + used.system) / 1000),
    heapMB: Math.round(mem.heapUsed / 2 ** 20),
    rssMB: Math.round(mem.rss / 2 ** 20),
    recordMB: Math.round(store.gen.stats.recordBytes / 2 ** 20),
    middlePageMs: Math.round(middlePageMs),
    fullScanMs: Math.round(fullScanMs),
  };
}

if (process.argv[1]?.endsWith('bench.ts')) {
  const n = Number(process.argv[2] ?? 1_000_000);
  console.log(JSON.stringify(bench(n)));
}
