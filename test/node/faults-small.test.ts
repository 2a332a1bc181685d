/**
 * The fault suite at its small size, inside `npm test` (issue 7 §2). The full suite is `npm run test:faults`
 * (test/faults/run.ts, README there); this runs one trial of most kinds on small stores: the real app (harness
 * page built with Vite) in Debian's Chromium through playwright-core, its own emulator and fault proxy, so nothing
 * is shared with the browser tests running meanwhile. A failure prints the seed: FAULTS_SEED=<seed> re-runs it.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runFaultSuite, fmtFaults, type TrialKind } from '../faults/trials.ts';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KINDS: TrialKind[] = ['pull-kill', 'pull-reload', 'pull-storm', 'pull-token', 'malformed', 'write-kill', 'write-reload', 'write-storm', 'write-token'];

describe.skipIf(!existsSync(chromium))('fault suite (small)', () => {
  it('kills, reloads, 5xx/timeout/429 storms, token expiry and fuzzed malformed documents lose nothing', { timeout: 240_000 }, async () => {
    const seed = Number(process.env.FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const lines: string[] = [];
    const result = await runFaultSuite({ seed, trials: KINDS.length, size: 'small', malformed: 150, kinds: KINDS, log: (l) => lines.push(l) });
    console.log(`[faults] seed ${seed} (FAULTS_SEED=${seed} to re-run): ${result.trials.length} trials in ${(result.ms / 1000).toFixed(1)} s; ` +
      `faults injected: ${fmtFaults(result.faults)}; violations ${result.violations}; data lost ${result.dataLost}`);
    const problems = result.trials.flatMap((t) => t.violations.map((v) => `seed ${seed}, trial ${t.index} ${t.kind} (trial seed ${t.seed}): ${v}`));
    if (problems.length > 0) console.log(lines.join('\n'));
    expect(problems).toEqual([]);
    expect(result.dataLost).toBe(0);
    // Every kind must inject something (a trial that injected nothing proves nothing). Whether a kill lands before
    // the operation ends depends on timing on a busy machine, so such a kind gets up to two more trials with other
    // seeds; each of those must lose nothing either.
    const injected = (t: { faults: Record<string, number> }) => Object.values(t.faults).some((v) => v > 0);
    let missing = result.trials.filter((t) => !injected(t)).map((t) => t.kind);
    for (let retry = 1; retry <= 2 && missing.length > 0; retry++) {
      const again = await runFaultSuite({ seed: seed + retry, trials: missing.length, size: 'small', malformed: 150, kinds: missing });
      console.log(`[faults] retry ${retry} for ${missing.join(', ')} (seed ${seed + retry}): violations ${again.violations}; data lost ${again.dataLost}`);
      expect(again.trials.flatMap((t) => t.violations)).toEqual([]);
      expect(again.dataLost).toBe(0);
      missing = again.trials.filter((t) => !injected(t)).map((t) => t.kind);
    }
    expect(missing, 'kinds that injected no fault in three trials').toEqual([]);
  });
});
