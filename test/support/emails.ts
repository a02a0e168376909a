import type { OutboxEmailRow } from '../../src/db/schema.js';
import type { TestApp } from './test-app.js';

/** Every e-mail written to an address, oldest first. */
export async function emailsTo(t: TestApp, address: string): Promise<OutboxEmailRow[]> {
  return t.deps.db.selectFrom('outbox_emails').selectAll().where('to_address', '=', address).orderBy('id').execute();
}

/** The newest e-mail to an address; fails the test when there is none. */
export async function lastEmailTo(t: TestApp, address: string): Promise<OutboxEmailRow> {
  const all = await emailsTo(t, address);
  const last = all.at(-1);
  if (!last) throw new Error(`no e-mail to ${address}`);
  return last;
}

/** The first portal link in an e-mail's text, as a path with query (what a browser would open). */
export function linkIn(email: OutboxEmailRow, publicUrl = 'http://konsult.test'): string {
  const match = new RegExp(`${publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/[^\\s]*)`).exec(email.text_body);
  if (!match?.[1]) throw new Error(`no link in e-mail "${email.subject}"`);
  return match[1];
}
