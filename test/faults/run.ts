/**
 * `npm run test:faults` (issue 7 §2): seeded random fault trials against the real app in Chromium (see trials.ts).
 *
 *   npm run test:faults                              # every kind twice, small stores, 1,000 fuzzed malformed documents
 *   npm run test:faults -- --trials 40 --size medium --seed 12345
 *   npm run test:faults -- --kinds pull-kill,write-reload --trials 6
 *   npm run test:faults -- --help
 *
 * Prints the seed first (re-run a failure with --seed), then one line per trial, then the totals: trials, faults
 * injected, violations and data lost (must be 0). Exit code 1 when any trial found a violation or lost data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO, machineLoad } from '../bench/lib/infra.ts';
import { TRIAL_KINDS, fmtFaults, runFaultSuite, type TrialKind, type TrialSize } from './trials.ts';

const HELP = `npm run test:faults -- [options]
  --trials <n>          number of trials (default ${TRIAL_KINDS.length * 2}: every kind twice)
  --size small|medium|large   store size per trial (default small: 40-80 products, 2-3 months, pages of 50)
  --seed <n>            seed (default: random, printed)
  --malformed <n>       fuzzed malformed documents in a malformed trial (default 1000)
  --kinds a,b           only these kinds: ${TRIAL_KINDS.join(', ')}
  --replay kind:seed,…  re-run exactly these trials (a trial's line prints its kind and seed)
  --json <file>         also write the results as JSON (default bench-results/faults-latest.json)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: String(TRIAL_KINDS.length * 2) },
      size: { type: 'string', default: 'small' },
      seed: { type: 'string' },
      malformed: { type: 'string', default: '1000' },
      kinds: { type: 'string' },
      replay: { type: 'string' },
      json: { type: 'string', default: 'bench-results/faults-latest.json' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const size = values.size as TrialSize;
  if (!['small', 'medium', 'large'].includes(size)) throw new Error('--size must be small, medium or large');
  const kinds = values.kinds ? (values.kinds.split(',').map((k) => k.trim()) as TrialKind[]) : undefined;
  const unknown = (kinds ?? []).filter((k) => !TRIAL_KINDS.includes(k));
  if (unknown.length > 0) throw new Error(`unknown kind(s) ${unknown.join(', ')}; known: ${TRIAL_KINDS.join(', ')}`);
  const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  const trials = Number(values.trials);
  const load = machineLoad();
  console.log(`fault suite: seed ${seed} (re-run with --seed ${seed}), ${trials} trials, size ${size}, load ${load.load1} on ${load.cores} cores`);

  const replay = values.replay ? values.replay.split(',').map((x) => {
    const [kind, trialSeed] = x.split(':');
    if (!TRIAL_KINDS.includes(kind as TrialKind) || !Number.isFinite(Number(trialSeed))) throw new Error(`--replay wants kind:seed, got ${x}`);
    return { kind: kind as TrialKind, seed: Number(trialSeed) };
  }) : undefined;
  const result = await runFaultSuite({
    seed, trials, size, malformed: Number(values.malformed), ...(kinds ? { kinds } : {}), ...(replay ? { replay } : {}),
    log: (line) => console.log(line),
  });

  const out = path.resolve(REPO, String(values.json));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), load: { start: load, end: machineLoad() }, ...result }, null, 2)}\n`);
  const failed = result.trials.filter((t) => t.violations.length > 0);
  console.log('');
  console.log(`seed:            ${seed}`);
  console.log(`trials:          ${result.trials.length} (${failed.length} with violations)`);
  console.log(`faults injected: ${fmtFaults(result.faults)}`);
  console.log(`violations:      ${result.violations}`);
  console.log(`data lost:       ${result.dataLost}`);
  console.log(`time:            ${(result.ms / 1000).toFixed(1)} s; JSON ${path.relative(REPO, out)}`);
  process.exit(result.violations === 0 && result.dataLost === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
