import { h } from '../jsx.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainError } from '../../domain/errors.js';
import { emailCategories, messageMaxLength, type EmailCategory } from '../../domain/notifications.js';
import { openConversation, postMessage } from '../../use-cases/conversations.js';
import { getConversationFile, getEmailPreferences, openNotice, readMailbox, saveEmailPreferences, unreadCount } from '../../use-cases/mailbox.js';
import { sendStoredFile } from '../files.js';
import { formErrorsFromDomain, formRefusalStatus, idParam, multiLineText, parseForm } from '../forms.js';
import { actorOf, requireUser } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import type { FormState } from '../views/auth-pages.js';
import { ConversationPage, MailboxPage, NoticePage, NotificationSettingsPage } from '../views/mailbox-pages.js';
import type { RouteEnv } from './route-env.js';

const listQuery = z.object({
  filter: z.enum(['all', 'unread', 'notices', 'conversations']).catch('all').default('all'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});
const beforeQuery = z.object({ before: z.coerce.number().int().positive().max(2 ** 31 - 1).optional().catch(undefined) });
const messageSchema = z.object({ body: multiLineText(messageMaxLength) });

/** How often an open page's unread count is refreshed, and how long one stream lives. */
const streamPollMs = 5_000;
const streamLifetimeMs = 5 * 60_000;

export function mailboxRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;

  app.get('/mailbox', { preHandler: requireUser }, async (request, reply) =>
    env.privatePages.send(request, reply, async () => {
      const query = listQuery.parse(request.query ?? {});
      const { items, page, pages } = await readMailbox(deps, actorOf(request), query);
      return (ctx) => <MailboxPage ctx={ctx} items={items} filter={query.filter} page={page} pages={pages} />;
    }),
  );

  // Opening a notice marks it read: the read mark is the reader's own view state.
  app.get('/mailbox/notices/:id', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const notice = await openNotice(deps, actorOf(request), params.data.id);
    request.ctx.unreadCount = await unreadCount(deps, actorOf(request));
    return sendPage(reply, <NoticePage ctx={request.ctx} notice={notice} />);
  });

  app.get('/mailbox/conversations/:id', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return env.privatePages.send(request, reply, async () => {
      const { before } = beforeQuery.parse(request.query ?? {});
      const conversation = await openConversation(deps, actorOf(request), params.data.id, before);
      // Opening it marked it read: the badge, counted before, is counted again.
      if (conversation.wasUnread) request.ctx.unreadCount = await unreadCount(deps, actorOf(request));
      return (ctx) => <ConversationPage ctx={ctx} conversation={conversation} />;
    });
  });

  app.post('/mailbox/conversations/:id', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const form = parseForm(messageSchema, request.body);
    const showAgain = async (state: FormState, status = 422) => {
      const conversation = await openConversation(deps, actor, params.data.id);
      return sendPage(reply, <ConversationPage ctx={request.ctx} conversation={conversation} {...state} />, status);
    };
    if (!form.ok) {
      // Refuses outsiders first: a stranger learns nothing from a validation message.
      await openConversation(deps, actor, params.data.id);
      return showAgain({ values: form.values, errors: form.errors });
    }
    try {
      await postMessage(deps, actor, { conversationId: params.data.id, body: form.data.body, uploads: request.uploads });
    } catch (error) {
      const status = formRefusalStatus(error);
      if (!status) throw error;
      return showAgain({ values: form.values, ...formErrorsFromDomain(error as DomainError) }, status);
    }
    setFlash(reply, env.cookies, 'mailbox.sent');
    return reply.redirect(`/mailbox/conversations/${params.data.id}`, 303);
  });

  app.get('/files/:id', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const file = await getConversationFile(deps, actorOf(request), params.data.id);
    return sendStoredFile(reply, deps, file, { cacheControl: 'private, no-store' });
  });

  // The live unread count (server-sent events): an enhancement; without JavaScript every page
  // load shows the right number anyway.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of openStreams) end();
  });

  app.get('/mailbox/unread-stream', { preHandler: requireUser }, async (request, reply) => {
    const actor = actorOf(request);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      // nginx in front (deploy/cluster.sh) would otherwise hold the events back in its buffer.
      'x-accel-buffering': 'no',
    });
    let last = -1;
    let isEnded = false;
    const push = async () => {
      if (isEnded) return;
      try {
        const count = await unreadCount(deps, actor);
        if (count !== last && !isEnded) {
          last = count;
          raw.write(`event: unread\ndata: ${count}\n\n`);
        } else if (!isEnded) {
          raw.write(': keep-alive\n\n');
        }
      } catch (error) {
        request.log.warn({ err: error }, 'unread stream poll failed');
      }
    };
    const end = () => {
      if (isEnded) return;
      isEnded = true;
      clearInterval(timer);
      clearTimeout(lifetime);
      openStreams.delete(end);
      raw.end();
    };
    raw.write('retry: 10000\n\n');
    const timer = setInterval(() => void push(), streamPollMs);
    const lifetime = setTimeout(end, streamLifetimeMs);
    openStreams.add(end);
    request.raw.on('close', end);
    await push();
  });

  app.get('/account/notifications', { preHandler: requireUser }, async (request, reply) => {
    const enabled = await getEmailPreferences(deps, actorOf(request));
    return sendPage(reply, <NotificationSettingsPage ctx={request.ctx} enabled={enabled} />);
  });

  app.post('/account/notifications', { preHandler: requireUser }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const raw = body['email'];
    const chosen = (Array.isArray(raw) ? raw : [raw]).filter((v): v is EmailCategory => typeof v === 'string' && (emailCategories as readonly string[]).includes(v));
    await saveEmailPreferences(deps, actorOf(request), new Set(chosen));
    setFlash(reply, env.cookies, 'notificationSettings.saved');
    return reply.redirect('/account/notifications', 303);
  });
}
