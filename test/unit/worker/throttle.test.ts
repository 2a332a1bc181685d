// Progress messages (src/sync/worker/progress.ts Throttle): urgent changes go at the end of their task, once however
// many were made in it; the others at most once per interval.
import { describe, expect, it, vi } from 'vitest';
import { Throttle } from '../../../src/sync/worker/progress.ts';

describe('Throttle', () => {
  it('sends the urgent changes of one task once, after it, and paces the others', async () => {
    vi.useFakeTimers();
    try {
      let now = 1_000;
      let sent = 0;
      const throttle = new Throttle(100, () => now, () => sent++);
      throttle.push(true); // a store queued ...
      throttle.push(true); // ... and launched in the same task
      expect(sent).toBe(0);
      await Promise.resolve();
      expect(sent).toBe(1);
      // A page committed 10 ms later: held until the interval is over, then sent once.
      now += 10;
      throttle.push(false);
      throttle.push(false);
      await vi.advanceTimersByTimeAsync(89);
      expect(sent).toBe(1);
      now += 90;
      await vi.advanceTimersByTimeAsync(1);
      expect(sent).toBe(2);
      // An urgent change meanwhile replaces a pending paced one.
      now += 10;
      throttle.push(false);
      throttle.push(true);
      await Promise.resolve();
      expect(sent).toBe(3);
      await vi.advanceTimersByTimeAsync(200);
      expect(sent).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
