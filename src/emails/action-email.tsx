import { h, Fragment } from '../http/jsx.js';
import type { Locale } from '../domain/roles.js';
import { translator, type MessageKey, type TranslateParams } from '../i18n/index.js';

export type RenderedEmail = { subject: string; text: string; html: string };

export type ActionEmail = {
  locale: Locale;
  recipientName: string;
  subjectKey: MessageKey;
  bodyKey: MessageKey;
  /** Parameters for both the subject and the body. */
  params?: TranslateParams;
  action?: { labelKey: MessageKey; url: string };
  supportEmail: string;
};

/**
 * The one shape of a portal e-mail: greeting, a paragraph, an optional button with a link,
 * and the footer; rendered as plain text and as HTML (escaped by the JSX runtime) in the recipient's language.
 */
export function renderActionEmail(email: ActionEmail): RenderedEmail {
  const t = translator(email.locale);
  const greeting = t('email.greeting', { name: email.recipientName });
  const body = t(email.bodyKey, email.params);
  const footer = t('email.footer', { support: email.supportEmail });
  const subject = t(email.subjectKey, email.params);
  const actionLabel = email.action ? t(email.action.labelKey) : undefined;

  const text = [
    greeting,
    '',
    body,
    ...(email.action ? ['', `${actionLabel}: ${email.action.url}`] : []),
    '',
    '-- ',
    t('email.signature'),
    footer,
    '',
  ].join('\n');

  const html =
    '<!doctype html>' +
    (
      <html lang={email.locale}>
        <head>
          <meta charset="utf-8" />
          <title>{subject}</title>
        </head>
        <body style="margin:0;padding:24px;background:#f5f3ef;font-family:Arial,Helvetica,sans-serif;color:#1f2a30;">
          <div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px;">
            <p style="font-size:18px;font-weight:bold;color:#1d4e5f;margin-top:0;">{t('email.signature')}</p>
            <p>{greeting}</p>
            <p style="line-height:1.5;">{body}</p>
            {email.action && (
              <>
                <p style="margin:24px 0;">
                  <a
                    href={email.action.url}
                    style="background:#1d4e5f;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block;"
                  >
                    {actionLabel}
                  </a>
                </p>
                <p style="font-size:13px;color:#4a5a62;">
                  {t('email.linkFallback')}
                  <br />
                  <a href={email.action.url} style="color:#1d4e5f;word-break:break-all;">
                    {email.action.url}
                  </a>
                </p>
              </>
            )}
            <p style="font-size:13px;color:#4a5a62;border-top:1px solid #e3ded6;padding-top:12px;">{footer}</p>
          </div>
        </body>
      </html>
    ).value;

  return { subject, text, html };
}
