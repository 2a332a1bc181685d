/**
 * The fault suite at its small size, inside `npm test` (issue 7 §2). The full suite is `npm run test:faults`
 * (test/faults/run.ts, README there); this runs one trial of most kinds on small stores: the real app (harness
 * page built with Vite) in Debian's Chromium through playwright-core, its own emulator and fault proxy, so nothing
 * is shared with the browser tests running meanwhile. A failure prints the seed: FAULTS_SEED=<seed> re-runs it.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFaultSuite, fmtFaults, type TrialKind, type TrialResult as TrialOutcome } from '../faults/trials.ts';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KINDS: TrialKind[] = [
  'pull-kill', 'pull-reload', 'pull-storm', 'pull-token', 'malformed', 'write-kill', 'write-reload', 'write-storm', 'write-token',
  'cursor-cycle', 'rate-limit-headers', 'bad-body', 'two-tabs', 'second-account', 'write-sales',
];

describe.skipIf(!existsSync(chromium))('fault suite (small)', () => {
  it('kills, reloads, 5xx/timeout/429 storms, token expiry and fuzzed malformed documents lose nothing', { timeout: 480_000 }, async () => {
    const seed = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const lines: string[] = [];
    const result = await runFaultSuite({ seed, trials: KINDS.length, size: 'small', malformed: 150, kinds: KINDS, log: (l) => lines.push(l) });
    console.log(`[faults] seed ${seed} (FAULTS_SEED=${seed} to re-run): ${result.trials.length} trials in ${(result.ms / 1000).toFixed(1)} s; ` +
      `faults injected: ${fmtFaults(result.faults)}; violations ${result.violations}; data lost ${result.dataLost}`);
    // A trial that injected nothing, or whose harness could not finish it (a kill racing the harness's own call into
    // the worker on a busy machine), proves nothing either way: such a kind gets up to two more seeded trials. Any
    // other violation, and any data lost, in any trial fails the test.
    const unfinished = (v: string) => v.startsWith('the trial could not finish');
    const inconclusive = (t: TrialOutcome) => !Object.values(t.faults).some((v) => v > 0) || t.violations.some(unfinished);
    const realProblems = (trials: TrialOutcome[], runSeed: number) => trials.flatMap((t) =>
      t.violations.filter((v) => !unfinished(v)).map((v) => `seed ${runSeed}, trial ${t.index} ${t.kind} (trial seed ${t.seed}): ${v}`));
    const problems = realProblems(result.trials, seed);
    if (problems.length > 0) console.log(lines.join('\n'));
    expect(problems).toEqual([]);
    expect(result.dataLost).toBe(0);
    let missing = result.trials.filter(inconclusive).map((t) => t.kind);
    for (let retry = 1; retry <= 2 && missing.length > 0; retry++) {
      const again = await runFaultSuite({ seed: seed + retry, trials: missing.length, size: 'small', malformed: 150, kinds: missing });
      console.log(`[faults] retry ${retry} for ${missing.join(', ')} (seed ${seed + retry}): violations ${again.violations}; data lost ${again.dataLost}`);
      expect(realProblems(again.trials, seed + retry)).toEqual([]);
      expect(again.dataLost).toBe(0);
      missing = again.trials.filter(inconclusive).map((t) => t.kind);
    }
    expect(missing, 'kinds with no conclusive trial in three').toEqual([]);
  });
});
