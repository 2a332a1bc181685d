/**
 * CPU time spent by this process (the emulator runs in it) and by Chromium's processes, grouped by kind (browser,
 * renderer, gpu, utility...), read from /proc: where the time of a pull with no network wait goes on a machine the
 * emulator shares with the browser.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export type CpuSample = Record<string, number>;

/** Milliseconds of CPU (user + system) per kind; `emulator` is this Node process. */
export function sampleCpu(): CpuSample {
  const own = process.cpuUsage();
  const sample: CpuSample = { emulator: (own.user + own.system) / 1000 };
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return sample;
  }
  for (const pid of pids) {
    try {
      if (!readlinkSync(`/proc/${pid}/exe`).includes('chromium')) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
      const type = args.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser';
      const sub = args.find((a) => a.startsWith('--utility-sub-type='))?.slice(19).split('.').pop();
      const kind = sub ? `${type}:${sub}` : type;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sample[kind] = (sample[kind] ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      // the process ended, or is not ours to read
    }
  }
  return sample;
}

/** after − before, per kind, in whole milliseconds. */
export function cpuSince(before: CpuSample, after: CpuSample = sampleCpu()): CpuSample {
  const out: CpuSample = {};
  for (const [kind, ms] of Object.entries(after)) out[kind] = Math.round(ms - (before[kind] ?? 0));
  return out;
}
