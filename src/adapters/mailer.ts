import nodemailer from 'nodemailer';

export type OutgoingEmail = {
  messageId: string;
  to: { address: string; name: string | null };
  subject: string;
  text: string;
  html: string;
};

/** Why a delivery failed, and whether trying again later can help. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly isPermanent: boolean,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

export type Mailer = { send(email: OutgoingEmail): Promise<void>; close(): void };

/**
 * Sends over SMTP with short, explicit timeouts (nodemailer's defaults are minutes long).
 * A 5xx answer is permanent; 4xx answers and connection problems are worth another try.
 */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const url = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
    secure: url.protocol === 'smtps:',
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    ignoreTLS: url.searchParams.get('tls') === 'off',
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 15_000,
  });
  return {
    async send(email) {
      try {
        await transport.sendMail({
          from,
          to: email.to.name ? { name: email.to.name, address: email.to.address } : email.to.address,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          headers: { 'Auto-Submitted': 'auto-generated' },
        });
      } catch (error) {
        const responseCode = (error as { responseCode?: number }).responseCode;
        const isPermanent = typeof responseCode === 'number' && responseCode >= 500;
        throw new MailDeliveryError(error instanceof Error ? error.message : String(error), isPermanent);
      }
    },
    close() {
      transport.close();
    },
  };
}
