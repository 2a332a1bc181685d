/**
 * The requests of every store's pull share one budget of connections (the browser keeps about 6 per origin over
 * HTTP/1.1; more would only queue inside the browser, where we cannot choose the order). A request waits for a slot
 * in order of priority, then arrival (see priorityOf): every store's opening requests (its device list, its first
 * product page, its newest month and the rest of its history) go before any store's later pages, store after store in
 * the order they were started, so a big store never waits behind the later pages of small ones, and the first store
 * is ready after a round trip or two. The cloud's rate limit is kept by the pacer (src/api/pacing.ts), per URI,
 * before each request is sent.
 */
export const DEFAULT_CONNECTIONS = 6;

/**
 * A request's place in the queue: `level` 0 for a store's opening requests, then the number of requests its pull has
 * sent; `order`, the store's place among the stores started (first started, first served on one level).
 */
export function priorityOf(level: number, order: number): number {
  return level * 1_000_000 + order;
}

/**
 * An opening request's place (level 0): the store that leads a start sends all its opening requests first, so its
 * review comes after one round trip; every other store's opening goes round by round (`index`: the request's place
 * in its store's opening), every store's first request before any store's second, so the last of many stores started
 * together (often the big one) does not wait for every earlier store's whole opening.
 */
export function openingPriority(order: number, index: number, lead: boolean): number {
  return (lead ? 0 : 1 + index) * 100_000 + order;
}

interface Waiter {
  priority: number;
  seq: number;
  grant: () => void;
}

export class RequestSlots {
  private active = 0;
  private seq = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly size: number = DEFAULT_CONNECTIONS) {
    if (!(Number.isInteger(size) && size > 0)) throw new RangeError(`RequestSlots: size must be a positive integer, got ${size}`);
  }

  /** Runs `task` once a slot is free (lower `priority` first); the slot is freed when it settles. */
  async run<T>(priority: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(priority, signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Requests waiting for a slot (for tests and progress). */
  get queued(): number {
    return this.waiting.length;
  }

  private acquire(priority: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.size && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        priority, seq: this.seq++,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // Sorted insert: the queue is short (a few requests per running store).
      let i = this.waiting.length;
      while (i > 0 && (this.waiting[i - 1]!.priority > priority)) i--;
      this.waiting.splice(i, 0, waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.grant(); // the slot passes straight to the next request
    else this.active--;
  }
}
