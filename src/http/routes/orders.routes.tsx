import { h } from '../jsx.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PaymentVerificationError } from '../../adapters/payments/provider.js';
import { isSandboxProvider } from '../../adapters/payments/sandbox.js';
import type { DomainError } from '../../domain/errors.js';
import { parseEuros } from '../../domain/inquiries.js';
import { fulfilmentLimits } from '../../domain/orders.js';
import { acceptWork, addDelivery, getDeliveryFile, markDone, openDispute, postOrderMessage, rateOrder, replyToReview, requestChanges, resolveDispute } from '../../use-cases/fulfilment.js';
import { getOrder, listMyOrders } from '../../use-cases/orders.js';
import { cancelPaymentAttempt, ledgerOverview, receivePaymentNotification, receivePaymentReturn, refundOrder } from '../../use-cases/payments.js';
import { formErrorsFromDomain, formRefusalStatus, idParam, maxId, multiLineText, numberOrNaN, parseForm } from '../forms.js';
import { sendStoredFile } from '../files.js';
import type { FlashKey } from '../context.js';
import { actorOf, requireRole, requireUser } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import { LedgerPage, MyOrdersPage, OrderPage, SandboxPaymentPage, type OrderFormState } from '../views/order-pages.js';
import type { RouteEnv } from './route-env.js';

const refundSchema = z.object({
  amount: z.string({ error: 'errors.field.required' }).max(20, { error: 'errors.field.priceInvalid' }),
  reason: multiLineText(2_000),
});

const referenceParam = z.object({ ref: z.string().uuid() });
const bodySchema = z.object({ body: multiLineText(fulfilmentLimits.delivery) });
const messageSchema = z.object({ message: multiLineText(fulfilmentLimits.message) });
const ratingSchema = z.object({ stars: z.string().max(2, { error: 'errors.field.chooseStars' }).optional(), comment: multiLineText(fulfilmentLimits.comment) });
const replySchema = z.object({ reply: multiLineText(fulfilmentLimits.reply) });
const reasonSchema = z.object({ reason: multiLineText(fulfilmentLimits.reason) });
const resolveSchema = z.object({
  resolution: z.enum(['release', 'refund', 'split'], { error: 'errors.field.chooseResolution' }),
  refund: z.string().max(20).optional(),
  note: multiLineText(fulfilmentLimits.reason),
});
const fileParams = z.object({ id: z.coerce.number().int().positive().max(maxId), fileId: z.coerce.number().int().positive().max(maxId) });
const sandboxAction = z.object({ action: z.enum(['pay', 'fail', 'cancel']) });
const providerParam = z.object({ provider: z.enum(['sandbox', 'montonio']) });

/** The provider's token from a notification: `{"orderToken": …}` in the body or `?order-token=` (Montonio sends both). */
function tokenOf(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' ? body['orderToken'] : undefined;
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.['order-token'];
  const token = typeof fromBody === 'string' ? fromBody : typeof fromQuery === 'string' ? fromQuery : undefined;
  return token && token.length <= 8_000 ? token : undefined;
}

export function orderRoutes(app: FastifyInstance, env: RouteEnv): void {
  const { deps } = env;

  const showOrder = async (request: FastifyRequest, reply: FastifyReply, id: number, form?: OrderFormState, status = 200) => {
    const order = await getOrder(deps, actorOf(request), id);
    return sendPage(reply, <OrderPage ctx={request.ctx} order={order} {...(form ? { form } : {})} />, status);
  };

  app.get('/orders', { preHandler: requireUser }, async (request, reply) => {
    const { asCustomer, asExpert } = await listMyOrders(deps, actorOf(request));
    return sendPage(reply, <MyOrdersPage ctx={request.ctx} asCustomer={asCustomer} asExpert={asExpert} />);
  });

  app.get('/orders/:id', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    return showOrder(request, reply, params.data.id);
  });

  app.post('/orders/:id/cancel', { preHandler: requireUser }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    try {
      await cancelPaymentAttempt(deps, actorOf(request), params.data.id);
    } catch (error) {
      const status = formRefusalStatus(error);
      if (!status) throw error;
      return showOrder(request, reply, params.data.id, { ...formErrorsFromDomain(error as DomainError) }, status);
    }
    setFlash(reply, env.cookies, 'orders.paymentCancelled');
    return reply.redirect(`/orders/${params.data.id}`, 303);
  });

  /**
   * One step on an order's page: parse, run, and on a refusal show the page again with the form's
   * input and the reason at its top; otherwise back to the order with a confirmation.
   */
  const step = <S extends z.ZodType,>(path: string, options: { schema: S; flash: FlashKey; anchor?: string; run: (request: FastifyRequest, id: number, data: z.output<S>) => Promise<unknown> }) => {
    app.post(path, { preHandler: requireUser }, async (request, reply) => {
      const params = idParam.safeParse(request.params);
      if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
      const form = parseForm(options.schema, request.body);
      if (!form.ok) {
        // Refuses outsiders before saying what was wrong with their input.
        await getOrder(deps, actorOf(request), params.data.id);
        return showOrder(request, reply, params.data.id, { values: form.values, errors: form.errors, path }, 422);
      }
      try {
        await options.run(request, params.data.id, form.data);
      } catch (error) {
        const status = formRefusalStatus(error);
        if (!status) throw error;
        return showOrder(request, reply, params.data.id, { values: form.values, ...formErrorsFromDomain(error as DomainError), path }, status);
      }
      setFlash(reply, env.cookies, options.flash);
      return reply.redirect(`/orders/${params.data.id}${options.anchor ?? ''}`, 303);
    });
  };
  const empty = z.object({});
  const files = (request: FastifyRequest) => request.uploads.filter((u) => u.fieldName === 'files');

  step('/orders/:id/deliveries', { schema: bodySchema, flash: 'orders.deliverySaved', anchor: '#deliveries', run: (request, id, data) => addDelivery(deps, actorOf(request), id, { body: data.body, uploads: files(request) }) });
  step('/orders/:id/done', { schema: empty, flash: 'orders.markedDone', run: (request, id) => markDone(deps, actorOf(request), id) });
  step('/orders/:id/accept', { schema: empty, flash: 'orders.acceptedFlash', run: (request, id) => acceptWork(deps, actorOf(request), id) });
  step('/orders/:id/changes', { schema: messageSchema, flash: 'orders.changesSent', run: (request, id, data) => requestChanges(deps, actorOf(request), id, data.message) });
  step('/orders/:id/messages', { schema: bodySchema, flash: 'mailbox.sent', anchor: '#thread', run: (request, id, data) => postOrderMessage(deps, actorOf(request), id, { body: data.body, uploads: files(request) }) });
  step('/orders/:id/rating', {
    schema: ratingSchema,
    flash: 'orders.ratingSaved',
    anchor: '#rating',
    run: (request, id, data) => rateOrder(deps, actorOf(request), id, { stars: data.stars ? numberOrNaN(data.stars) : Number.NaN, comment: data.comment }),
  });
  step('/orders/:id/reply', { schema: replySchema, flash: 'orders.replySaved', anchor: '#rating', run: (request, id, data) => replyToReview(deps, actorOf(request), id, data.reply) });
  step('/orders/:id/dispute', { schema: reasonSchema, flash: 'orders.disputeOpenedFlash', run: (request, id, data) => openDispute(deps, actorOf(request), id, data.reason) });
  step('/orders/:id/resolve', {
    schema: resolveSchema,
    flash: 'orders.disputeResolvedFlash',
    run: (request, id, data) => resolveDispute(deps, actorOf(request), id, { resolution: data.resolution, refundCents: parseEuros(data.refund ?? ''), note: data.note }),
  });

  app.get('/orders/:id/files/:fileId', { preHandler: requireUser }, async (request, reply) => {
    const params = fileParams.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const file = await getDeliveryFile(deps, actorOf(request), params.data.id, params.data.fileId);
    return sendStoredFile(reply, deps, file, { cacheControl: 'private, no-store' });
  });

  app.post('/orders/:id/refunds', { preHandler: requireRole('moderator', 'admin') }, async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return sendErrorPage(request, reply, 404, 'notFound');
    const form = parseForm(refundSchema, request.body);
    if (!form.ok) return showOrder(request, reply, params.data.id, { values: form.values, errors: form.errors }, 422);
    try {
      await refundOrder(deps, actorOf(request), params.data.id, { amountCents: parseEuros(form.data.amount), reason: form.data.reason });
    } catch (error) {
      const status = formRefusalStatus(error);
      if (!status) throw error;
      return showOrder(request, reply, params.data.id, { values: form.values, ...formErrorsFromDomain(error as DomainError) }, status);
    }
    setFlash(reply, env.cookies, 'orders.refundedFlash');
    return reply.redirect(`/orders/${params.data.id}`, 303);
  });

  app.get('/admin/ledger', { preHandler: requireRole('moderator', 'admin') }, async (request, reply) => {
    const page = z.coerce.number().int().min(1).max(100_000).catch(1).default(1).parse((request.query as Record<string, unknown> | undefined)?.['page']);
    const overview = await ledgerOverview(deps, actorOf(request), { page, pageSize: 50 });
    return sendPage(reply, <LedgerPage ctx={request.ctx} overview={overview} page={page} />);
  });

  // ---- the payment provider ----

  // Server to server: answered 200 once applied (or when there is nothing to apply), 400 when the
  // token cannot be trusted; the provider retries anything else.
  app.post('/payments/notify/:provider', { config: { isServerToServer: true } }, async (request, reply) => {
    const params = providerParam.safeParse(request.params);
    const token = tokenOf(request);
    if (!params.success || params.data.provider !== deps.payments.provider.name) return reply.code(404).send({ error: 'unknown provider' });
    const body = request.body as Record<string, unknown> | undefined;
    // Refund notifications: the refund was recorded when it was asked for; acknowledged so the provider stops retrying.
    if (!token && body && typeof body === 'object' && typeof body['refundToken'] === 'string') return reply.send({ ok: true });
    if (!token) return reply.code(400).send({ error: 'missing token' });
    try {
      await receivePaymentNotification(deps, token);
    } catch (error) {
      if (!(error instanceof PaymentVerificationError)) throw error;
      request.log.warn({ reason: error.message }, 'payment notification refused');
      return reply.code(400).send({ error: 'invalid token' });
    }
    return reply.send({ ok: true });
  });

  app.get('/payments/return/:provider', { preHandler: requireUser }, async (request, reply) => {
    const params = providerParam.safeParse(request.params);
    const token = tokenOf(request);
    if (!params.success || params.data.provider !== deps.payments.provider.name || !token) return sendErrorPage(request, reply, 400, 'badRequest');
    let orderId: number;
    try {
      orderId = await receivePaymentReturn(deps, token);
    } catch (error) {
      if (!(error instanceof PaymentVerificationError)) throw error;
      return sendErrorPage(request, reply, 400, 'badRequest');
    }
    return reply.redirect(`/orders/${orderId}`, 303);
  });

  // ---- the embedded sandbox's hosted test payment page ----

  const provider = deps.payments.provider;
  if (!isSandboxProvider(provider)) return;

  app.get('/sandbox/pay/:ref', async (request, reply) => {
    const params = referenceParam.safeParse(request.params);
    const payment = params.success ? await provider.describe(params.data.ref) : undefined;
    if (!params.success || !payment) return sendErrorPage(request, reply, 404, 'notFound');
    return sendPage(reply, <SandboxPaymentPage ctx={request.ctx} reference={params.data.ref} payment={payment} />);
  });

  app.post('/sandbox/pay/:ref', async (request, reply) => {
    const params = referenceParam.safeParse(request.params);
    const action = sandboxAction.safeParse(request.body);
    if (!params.success || !(await provider.describe(params.data.ref))) return sendErrorPage(request, reply, 404, 'notFound');
    if (!action.success) return sendErrorPage(request, reply, 400, 'badRequest');
    const next = await provider.complete(params.data.ref, action.data.action);
    return reply.redirect(next, 303);
  });

}
