import { iso, isoPlus, type Clock } from '../adapters/clock.js';
import { MailDeliveryError, type Mailer } from '../adapters/mailer.js';
import type { Db } from '../db/database.js';
import type { OutboxEmailRow } from '../db/schema.js';
import { claimDueEmails, markEmailFailed, markEmailRetry, markEmailSent, releaseEmailLease } from '../db/repositories/outbox-repository.js';

/** After this many failed tries an e-mail is given up and shown to admins as failed. */
export const maxEmailAttempts = 8;
/** How long a claim holds an e-mail for one worker. */
export const emailLeaseMs = 60_000;
/** The longest one SMTP send can take (the mailer's connection, greeting and socket timeouts). */
const sendBudgetMs = 25_000;
/** How many e-mails one pass claims unless told otherwise. */
export const emailBatchSize = 20;

/** Exponential backoff with full jitter: 30 s, 1 min, 2 min … capped at 1 h, times a random 0.5–1. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random() / 2));
}

export type DeliveryOptions = {
  /** How many e-mails one pass claims (default 20). */
  batchSize?: number;
  /** How many SMTP sends run at once (default 4). */
  concurrency?: number;
  /** Asked before each e-mail: a stopping worker hands the rest of its batch back at once. */
  shouldStop?: () => boolean;
};

/**
 * Delivers the e-mails that are due, each claimed under a lease so two workers never send the
 * same row. Returns how many were sent. A crash after sending but before marking can resend
 * once; the fixed Message-ID lets receiving servers and people see it as the same message.
 * An e-mail whose lease is about to run out (a slow server ate the batch's time) is handed
 * back unsent rather than sent while another worker may already hold it.
 */
export async function deliverDueEmails(db: Db, clock: Clock, mailer: Mailer, options: DeliveryOptions = {}): Promise<number> {
  const now = clock.now();
  const leaseUntil = isoPlus(now, emailLeaseMs);
  const claimed = await claimDueEmails(db, iso(now), leaseUntil, options.batchSize ?? emailBatchSize);
  let sent = 0;
  const deliverOne = async (email: OutboxEmailRow) => {
    if (options.shouldStop?.() || clock.now().getTime() > now.getTime() + emailLeaseMs - sendBudgetMs) {
      await releaseEmailLease(db, email.id, leaseUntil);
      return;
    }
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
  };
  // A few SMTP conversations at once: each costs round trips and the server's greeting pause,
  // so one at a time leaves the worker mostly waiting. Oldest first within the batch.
  const queue = [...claimed];
  const lanes = Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, async () => {
    for (let email = queue.shift(); email; email = queue.shift()) await deliverOne(email);
  });
  await Promise.all(lanes);
  return sent;
}
