import { randomToken } from '../adapters/tokens.js';
import { iso } from '../adapters/clock.js';
import { keptAnswers } from '../memo.js';
import { insertOutboxEmails } from '../db/repositories/outbox-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { RenderedEmail } from '../emails/action-email.js';
import type { Deps } from './deps.js';

/** Removes characters that could end an e-mail header early (CR, LF and other controls). */
export function headerSafe(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

/** The host name Message-IDs end with, worked out once per public address rather than for every write. */
const messageIdDomain = keptAnswers<string, string>(8);

/**
 * Writes e-mails into the outbox, inside the caller's transaction, so they exist exactly when
 * the change that caused them does (several in one statement). The worker delivers them; each
 * Message-ID is fixed here so a retry or a second worker is recognisably the same message.
 */
export async function enqueueEmails(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'publicUrl' | 'mail'>,
  emails: { to: { address: string; name: string }; email: RenderedEmail }[],
): Promise<void> {
  const at = deps.clock.now();
  const now = iso(at);
  const domain = messageIdDomain(deps.publicUrl, () => new URL(deps.publicUrl).hostname || 'konsult.localhost');
  // The time first (base 36, the same length until 2059), then 18 random bytes: unique as before,
  // but in the order written, so the unique index on Message-IDs grows at its end instead of
  // changing a page at random for every e-mail (decision 028).
  const written = at.getTime().toString(36);
  await insertOutboxEmails(
    db,
    emails.map(({ to, email }) => ({
      message_id: `<${written}.${randomToken(18)}@${domain}>`,
      to_address: headerSafe(to.address),
      to_name: headerSafe(to.name),
      subject: headerSafe(email.subject),
      text_body: email.text,
      html_body: email.html,
      status: deps.mail.deliverBySmtp ? 'pending' : 'stored',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
    })),
  );
}

/** Writes one e-mail into the outbox (as enqueueEmails). */
export async function enqueueEmail(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'publicUrl' | 'mail'>,
  to: { address: string; name: string },
  email: RenderedEmail,
): Promise<void> {
  await enqueueEmails(db, deps, [{ to, email }]);
}
