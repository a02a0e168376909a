import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpMailer, type Mailer } from '../../src/adapters/mailer.js';
import { queueAccountEmail } from '../../src/use-cases/account-emails.js';
import { deliverDueEmails } from '../../src/workers/outbox-worker.js';
import { lastEmailTo } from '../support/emails.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('e-mail delivery over SMTP', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let mailer: Mailer;

  beforeEach(async () => {
    smtp = await startSmtpSink();
    // SMTP_URL set: e-mails are queued as pending for the worker instead of only stored.
    t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    mailer = createSmtpMailer(smtp.url, 'Konsult <noreply@konsult.test>');
  });
  afterEach(async () => {
    mailer.close();
    await t.close();
    await smtp.close();
  });

  async function registerSomeone(email: string) {
    const browser = t.browser();
    await browser.post(
      '/register',
      { name: 'Mari Maasikas', email, password: 'a calm and long passphrase', passwordRepeat: 'a calm and long passphrase' },
      { formPage: '/register' },
    );
  }

  it('delivers the verification e-mail with its Message-ID, in text and HTML', async () => {
    const browser = t.browser();
    await browser.post(
      '/register',
      { name: 'Õie Mäger', email: 'oie@example.ee', password: 'a calm and long passphrase', passwordRepeat: 'a calm and long passphrase' },
      { formPage: '/register' },
    );
    const queued = await lastEmailTo(t, 'oie@example.ee');
    expect(queued.status).toBe('pending');

    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(1);

    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.messageId).toBe(queued.message_id);
    expect(mail.subject).toBe('Kinnitage oma e-posti aadress');
    expect(mail.text).toContain('http://konsult.test/verify-email?token=');
    expect(mail.html).toContain('Õie Mäger');
    expect((await lastEmailTo(t, 'oie@example.ee')).status).toBe('sent');
    // Delivered once: a second pass finds nothing due.
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('keeps a temporarily refused e-mail and delivers it once the server accepts again', async () => {
    await registerSomeone('later@example.ee');
    smtp.refuseWith(451);
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(0);
    const waiting = await lastEmailTo(t, 'later@example.ee');
    expect(waiting.status).toBe('pending');
    expect(waiting.attempts).toBe(1);

    smtp.refuseWith(undefined);
    // Not due yet: the retry waits for its backoff.
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(0);
    t.clock.advance(60 * 60_000);
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(1);
    expect(smtp.received).toHaveLength(1);
    expect((await lastEmailTo(t, 'later@example.ee')).status).toBe('sent');
  });

  it('marks a permanently refused e-mail as failed and does not retry it', async () => {
    await registerSomeone('nobody@example.ee');
    smtp.refuseWith(550);
    await deliverDueEmails(t.deps.db, t.clock, mailer);
    const failed = await lastEmailTo(t, 'nobody@example.ee');
    expect(failed.status).toBe('failed');
    expect(failed.last_error).toContain('550');
    smtp.refuseWith(undefined);
    t.clock.advance(24 * 3_600_000);
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(0);
  });

  it('cannot be made to add headers through a name with a line break', async () => {
    // The forms refuse line breaks in names; this goes around them, straight to the outbox.
    await queueAccountEmail(t.deps.db, t.deps, { email: 'header@example.ee', name: 'Mari\r\nBcc: spy@evil.example', locale: 'en' }, {
      subjectKey: 'notices.passwordChanged.title',
      bodyKey: 'notices.passwordChanged.body',
    });
    expect(await deliverDueEmails(t.deps.db, t.clock, mailer)).toBe(1);
    const mail = smtp.received[0]!;
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.subject).toBe('Your password was changed');
    const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    expect(to?.value).toEqual([{ address: 'header@example.ee', name: 'Mari Bcc: spy@evil.example' }]);
  });
});
