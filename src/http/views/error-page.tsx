import { h } from '../jsx.js';
import type { PageContext } from '../context.js';
import { Layout } from './layout.js';
import { PageHeading } from './components.js';

export type ErrorKind = 'notFound' | 'forbidden' | 'csrf' | 'sessionExpired' | 'badRequest' | 'tooLarge' | 'rateLimited' | 'server' | 'unavailable';

/** The friendly page for each kind of failure; the 500 page shows the reference id from the log. */
export function ErrorPage({ ctx, kind, referenceId }: { ctx: PageContext; kind: ErrorKind; referenceId?: string | undefined }) {
  const { t } = ctx;
  const texts: Record<ErrorKind, [string, string]> = {
    notFound: [t('errors.notFoundTitle'), t('errors.notFoundBody')],
    forbidden: [t('errors.forbiddenTitle'), t('errors.forbiddenBody')],
    csrf: [t('errors.csrfTitle'), t('errors.csrfBody')],
    sessionExpired: [t('errors.sessionExpiredTitle'), t('auth.sessionExpired')],
    badRequest: [t('errors.badRequestTitle'), t('errors.badRequestBody')],
    tooLarge: [t('errors.tooLargeTitle'), t('errors.tooLargeBody')],
    rateLimited: [t('errors.rateLimitedTitle'), t('errors.domain.RATE_LIMITED', { minutes: 15 })],
    server: [t('errors.serverTitle'), t('errors.serverBody')],
    unavailable: [t('errors.unavailableTitle'), t('errors.unavailableBody')],
  };
  const text = texts[kind];
  return (
    <Layout ctx={ctx} title={text[0]}>
      <PageHeading>{text[0]}</PageHeading>
      <p>{text[1]}</p>
      {referenceId && (
        <p>
          <strong>{t('errors.reference', { id: referenceId })}</strong>
        </p>
      )}
      <p class="actions">
        {kind === 'sessionExpired' && (
          <a href="/login" class="button">
            {t('nav.login')}
          </a>
        )}
        <a href="/" class={kind === 'sessionExpired' ? 'button button-secondary' : 'button'}>
          {t('errors.goHome')}
        </a>
      </p>
    </Layout>
  );
}
