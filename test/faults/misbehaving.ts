/**
 * Trials of a cloud that misbehaves on 200s (issue 12 §2, §3, §6), run by trials.ts like the others: from a random
 * page of a pull the emulator (src/emulator/faults.ts) pages in a circle, sends rate-limit headers saying "nothing
 * left for 23 days" (or a short real limit), or bodies that are HTML, text or cut short. The pull must fail soon with
 * the right typed error (a user resumes it, as the harness does) or go on, never loop, wait for days or retry a body
 * that will not change; then end equal to the uninterrupted run. And every reference run is checked against the
 * emulator's ground truth (checkTruth), not only against itself.
 */
import type { CompactRow } from '../bench/harness/main.ts';
import type { Env, HarnessEvent } from './trials.ts';

export const MISBEHAVING_KINDS = ['cursor-cycle', 'rate-limit-headers', 'bad-body'] as const;
export type MisbehavingKind = (typeof MISBEHAVING_KINDS)[number];
export const isMisbehaving = (kind: string): kind is MisbehavingKind => (MISBEHAVING_KINDS as readonly string[]).includes(kind);

/** Emulator faults set at a page of the pull, cleared after some failures of the pull or some requests. */
export interface CloudFault {
  kind: MisbehavingKind;
  atPage: number;
  faults: Record<string, unknown>;
  /** Cleared after the pull failed this many times, or after this many API requests of the store. */
  clearAfter: { failures: number } | { requests: number };
  /** More requests than this while it is on: the client ran away (a violation), and the fault is cleared. */
  maxRequests: number;
  /** The longest the fault may take before it is cleared (a client waiting for days would exceed it). */
  maxMs: number;
}

export interface CloudOutcome {
  /** Emulator log seq when the fault was set, and when it was cleared (null: it never started). */
  from: number | null;
  to: number | null;
  ms: number;
  /** Failures of the pull from the fault on (the last bad answer's failure comes after it is cleared), by error code. */
  failures: Record<string, number>;
}

export function misbehavingPlan(kind: MisbehavingKind, storeId: string, pageAt: () => number, random: () => number): CloudFault {
  const listings = `^GET /stores/${storeId}/(documents|products)$`;
  switch (kind) {
    case 'cursor-cycle':
      // Documents page A → B → A: every resume meets the circle again, until the fault is cleared.
      return {
        kind, atPage: pageAt(), faults: { pagingLoop: true, match: `^GET /stores/${storeId}/documents$` },
        clearAfter: { failures: 1 + Math.floor(random() * 3) }, maxRequests: 40, maxMs: 60_000,
      };
    case 'rate-limit-headers': {
      // Half the trials: "0 left, reset in 23 days" (not believed); the others a short real limit (waited for).
      const far = random() < 0.5;
      const requests = 6 + Math.floor(random() * 7);
      return {
        kind, atPage: pageAt(),
        faults: { rateLimitHeaders: far ? { remaining: 0, resetSeconds: 23 * 86_400 } : { remaining: 1, resetSeconds: 1 }, match: listings },
        clearAfter: { requests }, maxRequests: requests + 10, maxMs: far ? 30_000 : 30_000 + requests * 2_000,
      };
    }
    case 'bad-body': {
      const body = (['html', 'text', 'truncated'] as const)[Math.floor(random() * 3)]!;
      return {
        kind, atPage: pageAt(), faults: { badBodyRate: 1, badBody: body, match: listings },
        clearAfter: { requests: 2 + Math.floor(random() * 6) }, maxRequests: 20, maxMs: 60_000,
      };
    }
  }
}

/** Sets the fault when `start()` is called, watches the pull's failures and requests, clears it. */
export function misbehave(env: Env, storeId: string, fault: CloudFault, violations: string[]) {
  const outcome: CloudOutcome = { from: null, to: null, ms: 0, failures: {} };
  let stopped = false;
  let lastStatus: string | undefined;
  const onEvent = (e: HarnessEvent) => {
    if (e.kind !== 'pull' || e.storeId !== storeId) return;
    // Until the pull ends: the failure of the fault's last request comes after the fault is cleared.
    if (e.status === 'failed' && lastStatus !== 'failed' && outcome.from !== null && !stopped) {
      const code = e.error?.code ?? e.error?.name ?? 'error';
      outcome.failures[code] = (outcome.failures[code] ?? 0) + 1;
    }
    lastStatus = e.status;
  };
  const clear = () => {
    if (outcome.from === null || outcome.to !== null) return;
    outcome.to = env.emu.state.logSeq;
    env.cloudFault = false;
    env.emu.state.setFaults({}, true);
  };
  return {
    outcome,
    start() {
      if (stopped) return;
      const trial = env.trial;
      const began = Date.now();
      outcome.from = env.emu.state.logSeq;
      env.cloudFault = true;
      env.events.add(onEvent);
      env.emu.state.setFaults({ seed: `cloud-${storeId}`, ...fault.faults }, true);
      void (async () => {
        while (!stopped && env.trial === trial && outcome.to === null) {
          const requests = storeRequests(env, storeId, outcome.from!, Infinity);
          const failures = Object.values(outcome.failures).reduce((a, b) => a + b, 0);
          outcome.ms = Date.now() - began;
          if ('requests' in fault.clearAfter ? requests >= fault.clearAfter.requests : failures >= fault.clearAfter.failures) break;
          if (requests > fault.maxRequests) {
            violations.push(`${fault.kind}: ${requests} requests while the fault was on, more than ${fault.maxRequests}: the client ran away`);
            break;
          }
          if (outcome.ms > fault.maxMs) {
            violations.push(`${fault.kind}: the fault was still on after ${Math.round(outcome.ms / 1000)} s (${requests} requests): the client waited or looped`);
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
        if (env.trial === trial) clear();
      })();
    },
    stop() {
      stopped = true;
      env.events.delete(onEvent);
      clear();
    },
  };
}

function storeRequests(env: Env, storeId: string, from: number, to: number) {
  let n = 0;
  for (const e of env.emu.state.log) if (e.seq > from && e.seq <= to && e.path.includes(storeId)) n++;
  return n;
}

/** What each kind must show, once the pull has ended (its final state is compared with the reference by the caller). */
export function checkMisbehaving(env: Env, storeId: string, fault: CloudFault, outcome: CloudOutcome, faults: Record<string, number>, violations: string[], checks: string[]): void {
  if (outcome.from === null) {
    checks.push(`${fault.kind}: the pull ended before the fault's page`);
    return;
  }
  const to = outcome.to ?? Infinity;
  const requests = storeRequests(env, storeId, outcome.from, to);
  const failures = Object.entries(outcome.failures);
  const count = (code: string) => outcome.failures[code] ?? 0;
  const other = failures.filter(([code]) => code !== (fault.kind === 'cursor-cycle' ? 'paging-loop' : 'invalid-response'));
  if (other.length > 0) violations.push(`${fault.kind}: the pull failed with ${other.map(([c, n]) => `${c} ×${n}`).join(', ')}`);
  const seconds = (outcome.ms / 1000).toFixed(1);
  switch (fault.kind) {
    case 'cursor-cycle': {
      const n = count('paging-loop');
      faults['cursor cycles met (pull failed with paging-loop, resumed)'] = (faults['cursor cycles met (pull failed with paging-loop, resumed)'] ?? 0) + n;
      checks.push(`documents paged A → B → A: the pull failed with paging-loop ${n} time(s) in ${requests} requests (${seconds} s) and was resumed`);
      break;
    }
    case 'rate-limit-headers': {
      const far = (fault.faults['rateLimitHeaders'] as { resetSeconds: number }).resetSeconds > 60;
      const label = far ? 'rate-limit headers "0 left for 23 days" (200s)' : 'rate-limit headers, a short real limit (200s)';
      faults[label] = (faults[label] ?? 0) + requests;
      if (failures.length > 0) violations.push(`${fault.kind}: headers on 200s made the pull fail`);
      checks.push(`${requests} answers with ${far ? '0 left, reset in 23 days' : '1 left, reset in 1 s'}: the pull went on (${seconds} s)`);
      break;
    }
    case 'bad-body': {
      const kind = fault.faults['badBody'] as string;
      const bad = env.emu.state.log.filter((e) => e.seq > outcome.from! && e.seq <= to && e.fault === `bad-body:${kind}`).length;
      const n = count('invalid-response');
      // A whole body that is not JSON is never tried again; a body cut short once. Months fetched side by side
      // (src/pull) can meet bad answers in the same run, which then fails once for all of them: at most one failure
      // per bad answer (per two when cut short, one retry each). A body that is not JSON fails at least once; cut-short
      // bodies spread over requests side by side may each be retried into a good answer, so none need fail.
      const expected = kind === 'truncated' ? Math.floor(bad / 2) : bad;
      const least = kind === 'truncated' ? 0 : Math.min(1, expected);
      if (n > expected || n < least) violations.push(`bad-body ${kind}: ${bad} bad answers made the pull fail ${n} time(s), expected ${least} to ${expected} (${kind === 'truncated' ? 'one retry each' : 'no retry'})`);
      checks.push(`${bad} ${kind} 200 bodies: the pull failed at once ${n} time(s) with invalid-response (${kind === 'truncated' ? 'after one retry' : 'no retry'}) and was resumed`);
      break;
    }
  }
}

/** The emulator's ground truth (its generator's own simulation) of a store: decimal text by product id. */
export function truthOf(env: Env, storeId: string): Record<string, string> {
  return env.emu.state.store(storeId)!.truthJson().truth as Record<string, string>;
}

/**
 * The uninterrupted reference against the ground truth. Every product the documents decide without a warning has
 * its true stock. One with a warning (the ledger differs, a terminal's stock-before disagrees with another's, a
 * document type the reference does not name…) is shown to the merchant as doubtful: it may differ, and is counted.
 */
export function checkTruth(env: Env, storeId: string, rows: readonly CompactRow[], violations: string[], checks: string[]): void {
  const truth = truthOf(env, storeId);
  let compared = 0;
  let undecided = 0;
  let flagged = 0;
  let flaggedOff = 0;
  let off = 0;
  for (const row of rows) {
    const t = truth[row.productId];
    if (t === undefined) continue;
    if (row.status !== 'resolved') {
      undecided++;
      continue;
    }
    if (row.warnings.length > 0) {
      flagged++;
      if (row.quantity !== t) flaggedOff++;
      continue;
    }
    compared++;
    if (row.quantity !== t) {
      off++;
      if (off <= 5) violations.push(`reference: product ${row.productId} computed ${row.quantity} with no warning, the emulator's ground truth is ${t}`);
    }
  }
  if (off > 5) violations.push(`reference: ${off} products without a warning differ from the emulator's ground truth`);
  checks.push(`the uninterrupted run equals the emulator's ground truth for ${compared} products without a warning` +
    ` (${flagged} with a warning, ${flaggedOff} of them off the truth${undecided > 0 ? `; ${undecided} undecided within the period` : ''})`);
}
