/**
 * Starts queued work one piece per turn of the event loop, in the order it was queued
 * (decision 026). Between two pieces the loop polls its sockets again, so what arrived while a
 * piece ran is read (and queued) before the next piece starts.
 *
 * Why: in one poll Node reads every socket the kernel reports readable and runs each request's
 * synchronous work right there. The kernel (epoll, level-triggered, as libuv uses it) puts the
 * sockets it reported back at the head of its list, in the same order, ahead of any socket that
 * becomes readable later. A connection whose next request arrives a moment after a poll has
 * begun thus misses that round and goes last in the next: under a steady load of writes one
 * request in every round waited for two, and p99 was twice p50. Queued here, the work goes in the
 * order the requests were read, and they are read within one piece's time of arriving.
 *
 * A piece that awaits (PostgreSQL's round trips) goes on in the background: the next one starts
 * on the next turn regardless, as it would have without the queue.
 */
export function inArrivalOrder(): (work: () => void) => void {
  // At most one request per connection waits here (Node holds a connection's next request until
  // its answer is sent), so the queue stays short and shift() cheap.
  const waiting: (() => void)[] = [];

  const startNext = () => {
    const work = waiting.shift()!;
    if (waiting.length > 0) setImmediate(startNext);
    work();
  };

  return (work) => {
    waiting.push(work);
    if (waiting.length === 1) setImmediate(startNext);
  };
}
