import { h, Fragment, keptParts, type Children } from '../jsx.js';
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from '../context.js';
import { CsrfInput } from './components.js';

type LayoutProps = { ctx: PageContext; title: string; children: Children };

function MailboxIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <path
        d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2.3V17h16V7.3l-8 5.3-8-5.3zM5.2 7l6.8 4.5L18.8 7H5.2z"
        fill="currentColor"
      />
    </svg>
  );
}

/** Everything the site header shows but the CSRF token: what it is kept by. */
type HeaderInputs = {
  t: PageContext['t'];
  locale: PageContext['locale'];
  currentPath: string;
  isSignedIn: boolean;
  unreadCount: number;
  isStaff: boolean;
  canReadSentEmail: boolean;
};

/** Site headers drawn, by their inputs: every page draws one, and most are alike. */
const keptHeaders = keptParts(1_000);

/**
 * The page's header: the language switch, the visitor's own links (mailbox with the unread
 * count, My menu, account, sign out) and the main menu. Everything on a page that depends on
 * who is looking is here (and in `main` where a page says so); public pages kept in memory put
 * each visitor's own header in (PublicPageCache). Drawn once for each set of inputs and kept;
 * each page puts its own CSRF token in.
 */
export function SiteHeader({ ctx }: { ctx: PageContext }) {
  const { actor } = ctx;
  const inputs: HeaderInputs = {
    t: ctx.t,
    locale: ctx.locale,
    currentPath: ctx.currentPath,
    isSignedIn: actor !== undefined,
    unreadCount: actor ? ctx.unreadCount : 0,
    isStaff: actor ? actor.roles.includes('admin') || actor.roles.includes('moderator') : false,
    canReadSentEmail: ctx.isSentEmailOpen || (actor?.roles.includes('admin') ?? false),
  };
  // Every input but the translator, which the language names. (A path holds no line break.)
  const { t: _translator, ...keyed } = inputs;
  const key = Object.values(keyed).join('\n');
  return keptHeaders(key, ctx.csrfToken, (csrfToken) => <DrawnHeader {...inputs} csrfToken={csrfToken} />);
}

function DrawnHeader({ t, currentPath, isSignedIn, unreadCount, isStaff, canReadSentEmail, csrfToken }: HeaderInputs & { csrfToken: string }) {
  const ctx = { csrfToken };
  return (
    <header class="site-header">
      <div class="bar">
        <a class="brand" href="/">
          {t('meta.siteName')}
        </a>
        <div class="tools">
          <form method="post" action="/language" class="inline-form">
            <CsrfInput ctx={ctx} />
            <input type="hidden" name="lang" value={t('nav.switchToLang')} />
            <input type="hidden" name="returnTo" value={currentPath} />
            <button type="submit" class="link-button" lang={t('nav.switchToLang')}>
              {t('nav.switchTo')}
            </button>
          </form>
          {isSignedIn ? (
            <>
              <a
                class="mailbox-link"
                href="/mailbox"
                aria-label={t('nav.mailboxUnread', { count: unreadCount })}
                // The live count fills in {count}. A count that is not a number picks no plural
                // form (the bare key would be shown), so the template names its form itself.
                data-label-template={t('nav.mailboxUnread_other' as MessageKey, { count: '{count}' })}
              >
                <MailboxIcon />
                <span class="badge" data-unread-count={unreadCount} aria-hidden="true">
                  {unreadCount}
                </span>
              </a>
              <a href="/my">{t('nav.myMenu')}</a>
              <a href="/account">{t('nav.account')}</a>
              <form method="post" action="/logout" class="inline-form">
                <CsrfInput ctx={ctx} />
                <button type="submit" class="link-button">
                  {t('nav.logout')}
                </button>
              </form>
            </>
          ) : (
            <>
              <a href="/login">{t('nav.login')}</a>
              <a href="/register" class="button button-small">
                {t('nav.register')}
              </a>
            </>
          )}
        </div>
      </div>
      <nav class="main-nav" aria-label={t('nav.label')}>
        <ul>
          <li>
            <a href="/order/consultation">{t('nav.orderConsultation')}</a>
          </li>
          <li>
            <a href="/order/document">{t('nav.orderDocument')}</a>
          </li>
          <li>
            <a href="/become-expert">{t('nav.becomeExpert')}</a>
          </li>
          <li>
            <a href="/experts">{t('nav.experts')}</a>
          </li>
          {isStaff && (
            <li>
              <a href="/admin">{t('nav.admin')}</a>
            </li>
          )}
          {canReadSentEmail && (
            <li>
              <a href="/sent-emails">{t('nav.sentEmails')}</a>
            </li>
          )}
        </ul>
      </nav>
    </header>
  );
}

/** The frame every page lives in: menu, language, mailbox with unread count, footer. */
export function Layout({ ctx, title, children }: LayoutProps) {
  const { t } = ctx;
  return (
    <html lang={t('meta.htmlLang')}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${t('meta.siteName')}`}</title>
        <meta name="description" content={t('meta.tagline')} />
        <link rel="stylesheet" href="/static/app.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <script src="/static/app.js" defer />
      </head>
      <body>
        <a class="skip-link" href="#content">
          {t('nav.skipToContent')}
        </a>
        <SiteHeader ctx={ctx} />
        <main id="content" tabIndex={-1}>
          {ctx.flash && (
            <p class="flash" role="status">
              {t(ctx.flash)}
            </p>
          )}
          {children}
        </main>
        <footer class="site-footer">
          <div class="footer-inner">
            <p>{t('footer.about')}</p>
            <h2 class="footer-title">{t('footer.support')}</h2>
            <ul class="plain-list">
              {ctx.support.skype && <li>{t('footer.skype', { handle: ctx.support.skype })}</li>}
              <li>
                {t('footer.emailLabel')}:{' '}
                <a href={`mailto:${ctx.support.email}`}>{ctx.support.email}</a>
              </li>
              {ctx.support.phone && <li>{t('footer.phone', { phone: ctx.support.phone })}</li>}
            </ul>
          </div>
        </footer>
      </body>
    </html>
  );
}
