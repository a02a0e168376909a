import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PaymentVerificationError } from '../../adapters/payments/provider.js';
import { isSandboxProvider } from '../../adapters/payments/sandbox.js';
import type { DomainError } from '../../domain/errors.js';
import { parseEuros } from '../../domain/inquiries.js';
import { getOrder, listMyOrders } from '../../use-cases/orders.js';
import { cancelPaymentAttempt, ledgerOverview, receivePaymentNotification, receivePaymentReturn, refundOrder } from '../../use-cases/payments.js';
import { formErrorsFromDomain, formRefusalStatus, idParam, multiLineText, parseForm } from '../forms.js';
import { actorOf, requireRole, requireUser } from '../plugins/guards.js';
import { setFlash } from '../plugins/request-context.js';
import { sendErrorPage, sendPage } from '../render.js';
import type { FormState } from '../views/auth-pages.js';
import { LedgerPage, MyOrdersPage, OrderPage, SandboxPaymentPage } from '../views/order-pages.js';
import type { RouteEnv } from './route-env.js';

const refundSchema = z.object({
  amount: z.string({ error: 'errors.field.required' }).max(20, { error: 'errors.field.priceInvalid' }),
  reason: multiLineText(2_000),
});

const referenceParam = z.object({ ref: z.string().uuid() });
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

  const showOrder = async (request: FastifyRequest, reply: FastifyReply, id: number, form?: FormState, status = 200) => {
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
    const payment = params.success ? provider.describe(params.data.ref) : undefined;
    if (!params.success || !payment) return sendErrorPage(request, reply, 404, 'notFound');
    return sendPage(reply, <SandboxPaymentPage ctx={request.ctx} reference={params.data.ref} payment={payment} />);
  });

  app.post('/sandbox/pay/:ref', async (request, reply) => {
    const params = referenceParam.safeParse(request.params);
    const action = sandboxAction.safeParse(request.body);
    if (!params.success || !provider.describe(params.data.ref)) return sendErrorPage(request, reply, 404, 'notFound');
    if (!action.success) return sendErrorPage(request, reply, 400, 'badRequest');
    const next = await provider.complete(params.data.ref, action.data.action);
    return reply.redirect(next, 303);
  });

}
