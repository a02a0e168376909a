import { iso, isoPlus, type Clock } from '../adapters/clock.js';
import { MailDeliveryError, type Mailer } from '../adapters/mailer.js';
import type { Db } from '../db/database.js';
import { claimDueEmails, markEmailFailed, markEmailRetry, markEmailSent } from '../db/repositories/outbox-repository.js';

/** After this many failed tries an e-mail is given up and shown to admins as failed. */
export const maxEmailAttempts = 8;
const leaseMs = 60_000;

/** Exponential backoff with full jitter: 30 s, 1 min, 2 min … capped at 1 h, times a random 0.5–1. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random() / 2));
}

/**
 * Delivers the e-mails that are due, each claimed under a lease so two workers never send the
 * same row. Returns how many were sent. A crash after sending but before marking can resend
 * once; the fixed Message-ID lets receiving servers and people see it as the same message.
 */
export async function deliverDueEmails(db: Db, clock: Clock, mailer: Mailer, batchSize = 20): Promise<number> {
  const now = clock.now();
  const claimed = await claimDueEmails(db, iso(now), isoPlus(now, leaseMs), batchSize);
  let sent = 0;
  for (const email of claimed) {
    try {
      await mailer.send({
        messageId: email.message_id,
        to: { address: email.to_address, name: email.to_name },
        subject: email.subject,
        text: email.text_body,
        html: email.html_body,
      });
      await markEmailSent(db, email.id, iso(clock.now()));
      sent += 1;
    } catch (error) {
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      const isPermanent = error instanceof MailDeliveryError && error.isPermanent;
      if (isPermanent || email.attempts + 1 >= maxEmailAttempts) {
        await markEmailFailed(db, email.id, message);
      } else {
        await markEmailRetry(db, email.id, isoPlus(clock.now(), retryDelayMs(email.attempts + 1)), message);
      }
    }
  }
  return sent;
}
