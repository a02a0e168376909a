import { renderActionEmail, type ActionEmail, type RenderedEmail } from '../emails/action-email.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { Locale } from '../domain/roles.js';
import type { Deps } from './deps.js';
import { enqueueEmail } from './enqueue-email.js';

type Recipient = { email: string; name: string; locale: Locale };

export type AccountEmailContent = Pick<ActionEmail, 'subjectKey' | 'bodyKey' | 'params'> & { action?: { labelKey: ActionEmail['subjectKey']; path: string } };

/** One of the account e-mails (verification, reset, notices), rendered for its recipient. */
export function renderAccountEmail(deps: Pick<Deps, 'publicUrl' | 'settings'>, to: Recipient, content: AccountEmailContent): RenderedEmail {
  return renderActionEmail({
    locale: to.locale,
    recipientName: to.name,
    subjectKey: content.subjectKey,
    bodyKey: content.bodyKey,
    ...(content.params ? { params: content.params } : {}),
    ...(content.action ? { action: { labelKey: content.action.labelKey, url: deps.publicUrl + content.action.path } } : {}),
    supportEmail: deps.settings.current().supportEmail,
  });
}

/** Queues one of the account e-mails for a recipient. */
export async function queueAccountEmail(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'publicUrl' | 'mail' | 'settings'>,
  to: Recipient,
  content: AccountEmailContent,
): Promise<void> {
  await enqueueEmail(db, deps, { address: to.email, name: to.name }, renderAccountEmail(deps, to, content));
}
