/**
 * A separate process that increments a counter in a shared SQLite file `count` times, each time
 * in a transaction that reads, yields to the event loop, then writes: the pattern that fails
 * with SQLITE_BUSY under a plain BEGIN when another process writes the same file.
 * Usage: tsx test/support/sqlite-writer.ts <file> <count>
 */
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';

const [file, countText] = process.argv.slice(2);
const handle = openDatabase(`sqlite:${file}`);
let errors = 0;
for (let i = 0; i < Number(countText); i += 1) {
  try {
    await handle.db.transaction().execute(async (trx) => {
      const row = await sql<{ value: number }>`select value from counter where id = 1`.execute(trx);
      await new Promise((resolve) => setImmediate(resolve));
      await sql`update counter set value = ${(row.rows[0]?.value ?? 0) + 1} where id = 1`.execute(trx);
    });
  } catch (error) {
    errors += 1;
    console.error(String(error));
  }
}
await handle.destroy();
process.stdout.write(JSON.stringify({ errors }));
