/**
 * The fast path of normaliseDocument against the reference (zod) path alone, on the benchmark's synthetic documents
 * (compute.bench.ts generate): CPU µs per document on each path and their ratio, measured in this one run, so the
 * figures of src/model/README.md can be checked on any machine. Both paths give the same result
 * (test/unit/model/fast-path.test.ts); nothing here asserts on time.
 *
 *   npx tsx test/bench/normalise.bench.ts             # 20,000 documents of each scenario, 5 repetitions
 *   npx tsx test/bench/normalise.bench.ts --docs=5000 --reps=3
 */
import { pathToFileURL } from 'node:url';
import { normaliseDocument, normaliseDocumentWithZod } from '../../src/model/normalise.ts';
import { generate, SCENARIOS, type Scenario } from './compute.bench.ts';

interface Row {
  scenario: string;
  documents: number;
  lines: number;
  fastUs: number;
  zodUs: number;
  ratio: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Median CPU µs per document of `fn` over every document, `reps` times (after one warm-up run), and how many it
 * accepted (the scenarios hold a few malformed documents on purpose).
 */
function timePerDocument(documents: readonly unknown[], api: Scenario['api'], fn: typeof normaliseDocument, reps: number) {
  const runs: number[] = [];
  let ok = 0;
  for (let r = 0; r <= reps; r++) {
    const began = cpuMs();
    ok = 0;
    for (const raw of documents) if (fn(raw, api).ok) ok++;
    if (r > 0) runs.push(((cpuMs() - began) * 1000) / documents.length);
  }
  runs.sort((a, b) => a - b);
  return { us: runs[Math.floor(runs.length / 2)]!, ok };
}

export function measureNormalise(options: { docs?: number; reps?: number } = {}): Row[] {
  const docs = options.docs ?? 20_000;
  const reps = options.reps ?? 5;
  return ['sell', 'medium', 'medium-v1'].map((name) => {
    const scenario = { ...SCENARIOS.find((s) => s.name === name)!, documents: docs };
    const store = generate(scenario);
    const fast = timePerDocument(store.documents, scenario.api, normaliseDocument, reps);
    const zod = timePerDocument(store.documents, scenario.api, normaliseDocumentWithZod, reps);
    if (fast.ok !== zod.ok) throw new Error(`${name}: the fast path accepted ${fast.ok} documents, the zod path ${zod.ok}`);
    return { scenario: `${name} (${scenario.api})`, documents: docs, lines: store.lines, fastUs: fast.us, zodUs: zod.us, ratio: zod.us / fast.us };
  });
}

function main(): void {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const rows = measureNormalise({ docs: Number(arg('docs') ?? 20_000), reps: Number(arg('reps') ?? 5) });
  console.log('scenario            documents   lines/doc   fast µs/doc   zod µs/doc   zod / fast');
  for (const r of rows) {
    console.log(
      `${r.scenario.padEnd(18)} ${String(r.documents).padStart(10)} ${(r.lines / r.documents).toFixed(1).padStart(11)} ` +
        `${r.fastUs.toFixed(2).padStart(13)} ${r.zodUs.toFixed(2).padStart(12)} ${r.ratio.toFixed(1).padStart(11)}×`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
