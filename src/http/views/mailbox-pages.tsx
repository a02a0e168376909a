import { h, Fragment } from '../jsx.js';
import type { MailboxFilter, MailboxItem, MessageWithFiles } from '../../db/repositories/mailbox-repository.js';
import type { NoticeRow } from '../../db/schema.js';
import { emailCategoriesFor, isNoticeKind, type EmailCategory } from '../../domain/notifications.js';
import { isStaff } from '../../domain/roles.js';
import { formatDateTime } from '../../i18n/format.js';
import type { MessageKey, TranslateParams } from '../../i18n/index.js';
import type { PageContext } from '../context.js';
import type { ConversationView } from '../../use-cases/conversations.js';
import type { FormState } from './auth-pages.js';
import { CsrfInput, ErrorSummary, PageHeading, Pagination } from './components.js';
import { Layout } from './layout.js';

const filters: MailboxFilter[] = ['all', 'unread', 'notices', 'conversations'];

function noticeText(ctx: PageContext, notice: { kind: string; params: string }): { title: string; body: string } {
  if (!isNoticeKind(notice.kind)) return { title: notice.kind, body: '' };
  let params: TranslateParams = {};
  try {
    params = JSON.parse(notice.params) as TranslateParams;
  } catch {
    // A damaged row still shows its title.
  }
  return {
    title: ctx.t(`notices.${notice.kind}.title` as MessageKey, params),
    body: ctx.t(`notices.${notice.kind}.body` as MessageKey, params),
  };
}

function mailboxHref(filter: MailboxFilter, page: number): string {
  const query = new URLSearchParams();
  if (filter !== 'all') query.set('filter', filter);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `/mailbox?${text}` : '/mailbox';
}

export function MailboxPage({
  ctx,
  items,
  filter,
  page,
  pages,
}: {
  ctx: PageContext;
  items: MailboxItem[];
  filter: MailboxFilter;
  page: number;
  pages: number;
}) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('mailbox.title')}>
      <PageHeading lead={t('mailbox.lead')}>{t('mailbox.title')}</PageHeading>
      <nav class="tabs" aria-label={t('mailbox.filterLabel')}>
        <ul>
          {filters.map((f) => (
            <li key={f}>
              <a href={mailboxHref(f, 1)} aria-current={f === filter ? 'page' : undefined}>
                {t(`mailbox.filter_${f}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {items.length === 0 ? (
        <p>{filter === 'all' ? t('mailbox.empty') : t('mailbox.emptyFiltered')}</p>
      ) : (
        <ul class="mailbox-list">
          {items.map((item) => {
            const href = item.type === 'notice' ? `/mailbox/notices/${item.id}` : `/mailbox/conversations/${item.id}`;
            const title = item.type === 'notice' ? noticeText(ctx, item).title : item.subject;
            return (
              <li key={`${item.type}-${item.id}`} class={item.isUnread ? 'mailbox-item unread' : 'mailbox-item'}>
                <a href={href}>
                  <span class="item-kind">{item.type === 'notice' ? t('mailbox.kindNotice') : t('mailbox.kindConversation')}</span>
                  {item.isUnread && <span class="unread-mark">{t('mailbox.unread')}</span>}
                  <span class="item-title">{title}</span>
                  {item.type === 'conversation' && item.unreadCount > 0 && (
                    <span class="item-meta">{t('mailbox.unreadMessages', { count: item.unreadCount })}</span>
                  )}
                  <time class="item-meta" dateTime={item.at}>
                    {formatDateTime(ctx.locale, item.at)}
                  </time>
                </a>
              </li>
            );
          })}
        </ul>
      )}
      <Pagination ctx={ctx} page={page} pages={pages} hrefFor={(p) => mailboxHref(filter, p)} />
      <p>
        <a href="/account/notifications">{t('notificationSettings.link')}</a>
      </p>
    </Layout>
  );
}

export function NoticePage({ ctx, notice }: { ctx: PageContext; notice: NoticeRow }) {
  const { t } = ctx;
  const { title, body } = noticeText(ctx, notice);
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href="/mailbox">← {t('mailbox.backToMailbox')}</a>
      </p>
      <PageHeading>{title}</PageHeading>
      <p class="item-meta">
        <time dateTime={notice.created_at}>{formatDateTime(ctx.locale, notice.created_at)}</time>
      </p>
      <p class="lead">{body}</p>
      {notice.link && (
        <p>
          <a class="button" href={notice.link}>
            {t('mailbox.openItem')}
          </a>
        </p>
      )}
    </Layout>
  );
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

/** The messages of a thread, oldest first; the reader's own are marked "You". */
export function MessageList({ ctx, messages }: { ctx: PageContext; messages: readonly MessageWithFiles[] }) {
  const { t } = ctx;
  const me = ctx.actor?.id;
  return (
    <ol class="messages">
      {messages.map((message) => (
        <li key={message.id} class={message.sender_id === me ? 'message mine' : 'message'} id={`message-${message.id}`}>
          <p class="message-meta">
            <strong>{message.sender_id === me ? t('mailbox.you') : message.sender_name}</strong>{' '}
            <time dateTime={message.created_at}>{formatDateTime(ctx.locale, message.created_at)}</time>
          </p>
          {message.body && <p class="message-body">{message.body}</p>}
          {message.files.length > 0 && (
            <ul class="attachments" aria-label={t('mailbox.attachments')}>
              {message.files.map((file) => (
                <li key={file.id}>
                  <a href={`/files/${file.id}`} download>
                    {file.original_name}
                  </a>{' '}
                  <span class="muted">({formatSize(file.size_bytes)})</span>
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}

type MessageFormProps = FormState & {
  ctx: PageContext;
  action: string;
  /** Distinguishes the controls of several message forms on one page. */
  idPrefix?: string;
  label?: MessageKey;
  submit?: MessageKey;
};

/** A message (text and/or files) form: the reply box of a conversation, a question or an answer about an inquiry. */
export function MessageForm({ ctx, action, idPrefix = '', label = 'mailbox.replyLabel', submit = 'mailbox.send', values, errors = {}, general }: MessageFormProps) {
  const { t } = ctx;
  const bodyId = `${idPrefix}body`;
  const filesId = `${idPrefix}files`;
  const bodyError = errors['body'];
  const filesError = errors['files'];
  return (
    <>
      <ErrorSummary ctx={ctx} errors={errors} general={general} />
      <form method="post" action={action} enctype="multipart/form-data" class="form upload-form" data-uploading={t('mailbox.uploading')}>
        <CsrfInput ctx={ctx} />
        <div class={bodyError ? 'field field-error' : 'field'}>
          <label for={bodyId}>{t(label)}</label>
          {bodyError && (
            <p class="error-message" id={`${bodyId}-error`}>
              {t(bodyError.key, bodyError.params)}
            </p>
          )}
          <textarea id={bodyId} name="body" rows={6} maxLength={20000} aria-invalid={bodyError ? 'true' : undefined} aria-describedby={bodyError ? `${bodyId}-error` : undefined}>
            {values?.['body'] ?? ''}
          </textarea>
        </div>
        <div class={filesError ? 'field field-error' : 'field'}>
          <label for={filesId}>{t('mailbox.filesLabel')}</label>
          <p class="hint" id={`${filesId}-hint`}>
            {t('mailbox.filesHint', { files: ctx.uploads.maxFiles, mb: ctx.uploads.maxFileMegabytes })}
          </p>
          {filesError && (
            <p class="error-message" id={`${filesId}-error`}>
              {t(filesError.key, filesError.params)}
            </p>
          )}
          <input
            id={filesId}
            name="files"
            type="file"
            multiple
            accept={fileAccept}
            aria-describedby={filesError ? `${filesId}-hint ${filesId}-error` : `${filesId}-hint`}
            aria-invalid={filesError ? 'true' : undefined}
          />
        </div>
        <button type="submit" class="button">
          {t(submit)}
        </button>
      </form>
    </>
  );
}

/** What the file pickers offer (the server decides by content). */
export const fileAccept = '.pdf,.docx,.odt,.txt,.png,.jpg,.jpeg,.webp';

export function ConversationPage({ ctx, conversation, ...form }: { ctx: PageContext; conversation: ConversationView } & FormState) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={conversation.subject}>
      <p>
        <a href="/mailbox">← {t('mailbox.backToMailbox')}</a>
      </p>
      <PageHeading lead={t('mailbox.participants', { names: conversation.members.map((m) => m.name).join(', ') })}>{conversation.subject}</PageHeading>
      {conversation.olderBeforeId && (
        <p>
          <a href={`/mailbox/conversations/${conversation.id}?before=${conversation.olderBeforeId}`}>{t('mailbox.olderMessages')}</a>
        </p>
      )}
      <MessageList ctx={ctx} messages={conversation.messages} />
      <section class="card" aria-labelledby="reply-title">
        <h2 id="reply-title">{t('mailbox.replyTitle')}</h2>
        <MessageForm ctx={ctx} action={`/mailbox/conversations/${conversation.id}`} {...form} />
      </section>
    </Layout>
  );
}

export function NotificationSettingsPage({ ctx, enabled }: { ctx: PageContext; enabled: Record<EmailCategory, boolean> }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('notificationSettings.title')}>
      <PageHeading lead={t('notificationSettings.lead')}>{t('notificationSettings.title')}</PageHeading>
      <form method="post" action="/account/notifications" class="form">
        <CsrfInput ctx={ctx} />
        <fieldset class="checkboxes">
          <legend>{t('notificationSettings.title')}</legend>
          {emailCategoriesFor(ctx.actor ? isStaff(ctx.actor) : false).map((category) => (
            <div class="checkbox" key={category}>
              <input type="checkbox" id={`email-${category}`} name="email" value={category} checked={enabled[category]} />
              <label for={`email-${category}`}>{t(`notificationSettings.category_${category}`)}</label>
            </div>
          ))}
        </fieldset>
        <p class="hint">{t('notificationSettings.securityNote')}</p>
        <button type="submit" class="button">
          {t('common.save')}
        </button>
      </form>
    </Layout>
  );
}
