type Waiter<V> = { resolve(value: V | undefined): void; reject(error: unknown): void };

/**
 * Lookups by key, answered together: every lookup asked while none is being answered, or while
 * one is, goes into the next single call of `lookupMany` (decision 025). On PostgreSQL every
 * statement is a round trip that costs the web process and the backend far more than the rows it
 * reads, and under load many requests want the same kind of row at once.
 *
 * A lookup is never answered by a call that began before it was asked: it waits for the next
 * one, so what it reads is at least as new as a query of its own would have read. The first
 * lookup waits for the event loop's check phase (`setImmediate`), so the requests read from the
 * network in the same turn go together; the call then sends at most `maxKeys` keys, and the
 * rest go in the call after it.
 */
export class CoalescedLookups<V> {
  readonly #waiting = new Map<string, Waiter<V>[]>();
  #draining = false;

  constructor(
    private readonly lookupMany: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxKeys: number,
  ) {}

  lookup(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#waiting.set(key, [{ resolve, reject }]);
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#waiting.size > 0) {
      const batch = new Map<string, Waiter<V>[]>();
      for (const [key, waiters] of this.#waiting) {
        if (batch.size >= this.maxKeys) break;
        batch.set(key, waiters);
      }
      for (const key of batch.keys()) this.#waiting.delete(key);
      try {
        const found = await this.lookupMany([...batch.keys()]);
        for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(found.get(key));
      } catch (error) {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.#draining = false;
  }
}
