import type { Clock } from './clock.js';

/**
 * Values kept for `ttlMs` by key (at most `maxEntries`, the oldest goes first), for data that
 * may be a few seconds old: nothing is kept when `ttlMs` is 0. Each web process has its own;
 * a change made in one process reaches the others when their copy expires.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 1_000,
  ) {}

  /** The kept value of `key`, or what `load` gives (then kept). */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const now = this.clock.now().getTime();
    const entry = this.#fresh(key, now);
    if (entry) return entry.value;
    const value = await load();
    this.#keep(key, value, now);
    return value;
  }

  /** Keeps `value` for `key` from now on, in place of what was kept (nothing when `ttlMs` is 0). */
  set(key: string, value: V): void {
    if (this.ttlMs > 0) this.#keep(key, value, this.clock.now().getTime());
  }

  #keep(key: string, value: V, now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  /** The kept value of `key` while it is fresh; undefined otherwise (nothing is loaded). */
  peek(key: string): V | undefined {
    return this.#fresh(key, this.clock.now().getTime())?.value;
  }

  #fresh(key: string, now: number): { value: V } | undefined {
    const entry = this.#entries.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  /** Forgets everything (after a change this process made). */
  clear(): void {
    this.#entries.clear();
  }

  /** Waits for a change this process makes, then forgets everything, whether the change was made or not. */
  async clearAfter<T>(change: Promise<T>): Promise<T> {
    try {
      return await change;
    } finally {
      this.clear();
    }
  }
}
