/**
 * Gives the browser a turn (rendering, input) between two pieces of work, so a long job is many short tasks.
 * scheduler.yield() where the browser has it; else a MessageChannel message, which hidden tabs do not throttle
 * (setTimeout there waits a second or more).
 */
type Scheduler = { yield?: () => Promise<void> };

export function yieldToBrowser(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
