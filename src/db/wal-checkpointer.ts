import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite copies its write-ahead log back into the database (a checkpoint) inside the commit that
 * finds the log at `wal_autocheckpoint` pages or more: that commit, and with it the web process's
 * only thread, waits while the pages are read from the log and written to the database and both
 * files are synced. At SQLite's default of 1 000 pages, under a steady write load one commit in
 * sixteen did, for 20–30 ms, and those commits were 70 % of all the time spent committing
 * (decision 019).
 *
 * A thread of its own, with a connection of its own, looks at the log every `intervalMs` and
 * checkpoints it (PASSIVE: it never blocks a reader or a writer) as soon as `batchPages` wait
 * to be copied. When writes pause, it copies everything and the next write starts the log again
 * from the beginning. Under a steady load it never finds such a pause (only a write can restart
 * the log, and only when every page has been copied at the moment it begins), so the commits'
 * own checkpoint stays on as the log's limit: at `handOverPages` (the portal sets the commits'
 * `wal_autocheckpoint` to it, decision 029) a commit copies the last few pages, the log is
 * complete, and the next write starts it again. If the thread stops, SQLite simply does all the
 * copying again.
 *
 * Once the log has reached `handOverPages` the thread leaves it alone: only one checkpoint runs
 * at a time, and a commit whose checkpoint finds the thread's one running skips its own. On a
 * busy machine the thread's checkpoints then kept beating the commits' to it, and the log grew
 * to 4 000 pages before one commit found every page copied.
 */
export type WalCheckpointer = {
  /** Stops the thread after its current checkpoint. */
  stop(): Promise<void>;
};

export type WalCheckpointerOptions = {
  intervalMs?: number;
  batchPages?: number;
  /** The log's length at which the commits checkpoint it themselves (their `wal_autocheckpoint`); SQLite's default unless set. */
  handOverPages?: number;
  onError?: (error: unknown) => void;
  /** Called when the thread ends by itself (it could not open the database), not after `stop()`. */
  onEnded?: () => void;
};

// The thread's code: plain CommonJS, so it runs the same from the built files and from the sources.
const threadCode = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
// The pages at which a commit checkpoints the log itself.
const handOverPages = workerData.handOverPages ?? db.pragma('wal_autocheckpoint', { simple: true });
let failing = false;
const timer = setInterval(() => {
  try {
    const [log] = db.pragma('wal_checkpoint(NOOP)');
    if (log.log < handOverPages && log.log - log.checkpointed >= workerData.batchPages) db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
  } catch (error) {
    // A full disk, say: reported once, tried again on the next round.
    if (!failing) parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
    failing = true;
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Starts checkpointing the write-ahead log of the SQLite database in `file` on a thread of its own. */
export function startWalCheckpointer(file: string, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(threadCode, { eval: true, workerData: { driver, file, intervalMs: options.intervalMs ?? 20, batchPages: options.batchPages ?? 200, handOverPages: options.handOverPages } });
  // The thread never keeps the process alive by itself.
  worker.unref();
  // The thread ends if it cannot open the database; a checkpoint that fails is reported, and tried again.
  worker.on('error', (error) => options.onError?.(error));
  worker.on('message', (message: { error: string }) => options.onError?.(new Error(`checkpoint failed: ${message.error}`)));
  let running = true;
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      running = false;
      if (!stopping) options.onEnded?.();
      resolve();
    }),
  );

  return {
    async stop() {
      if (!running) return;
      stopping = true;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
