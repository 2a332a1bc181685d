import { describe, expect, it } from 'vitest';
import { openingPriority, priorityOf, RequestSlots } from '../../../src/pull/slots.ts';

const later = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('RequestSlots', () => {
  it('never has more requests in flight than its size, and serves the lowest priority first, then arrival', async () => {
    const slots = new RequestSlots(2);
    const started: string[] = [];
    let inFlight = 0;
    let most = 0;
    const gates = new Map<string, ReturnType<typeof later>>();
    const task = (name: string, priority: number) => {
      const gate = later();
      gates.set(name, gate);
      return slots.run(priority, async () => {
        started.push(name);
        most = Math.max(most, ++inFlight);
        await gate.promise;
        inFlight--;
      });
    };
    const all = [task('big-1', 1), task('big-2', 2), task('big-3', 3), task('big-4', 4), task('small-1', 1), task('other-1', 1)];
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual(['big-1', 'big-2']);
    expect(slots.queued).toBe(4);
    gates.get('big-1')!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    // A store's first request goes before a big store's later pages, in the order they asked.
    expect(started).toEqual(['big-1', 'big-2', 'small-1']);
    for (const name of ['big-2', 'small-1', 'other-1', 'big-3', 'big-4']) {
      gates.get(name)?.resolve();
      await new Promise((r) => setTimeout(r, 0));
    }
    await Promise.all(all);
    expect(started).toEqual(['big-1', 'big-2', 'small-1', 'other-1', 'big-3', 'big-4']);
    expect(most).toBe(2);
  });

  it('drops a waiting request when its signal aborts, and frees the slot of a failed one', async () => {
    const slots = new RequestSlots(1);
    const gate = later();
    const first = slots.run(0, () => gate.promise);
    const controller = new AbortController();
    const waiting = slots.run(0, async () => 'never', controller.signal);
    controller.abort(new DOMException('paused', 'AbortError'));
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(slots.queued).toBe(0);
    gate.resolve();
    await first;
    await expect(slots.run(0, async () => {
      throw new Error('refused');
    })).rejects.toThrow('refused');
    await expect(slots.run(0, async () => 'free again')).resolves.toBe('free again');
  });

  it('serves the leading store\'s whole opening first, then the other stores\' openings round by round, then later pages', () => {
    const requests = [
      { name: 'page 2 of A', priority: priorityOf(1, 0) },
      ...['A', 'B', 'C'].flatMap((store, order) => [0, 1, 2, 3].map((index) => ({ name: `${store}${index}`, priority: openingPriority(order, index, order === 0) }))),
    ];
    const served = [...requests].sort((a, b) => a.priority - b.priority).map((r) => r.name);
    expect(served).toEqual(['A0', 'A1', 'A2', 'A3', 'B0', 'C0', 'B1', 'C1', 'B2', 'C2', 'B3', 'C3', 'page 2 of A']);
  });
});
