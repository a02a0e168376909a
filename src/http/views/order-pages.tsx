import { h, Fragment } from '../jsx.js';
import type { AccountBalance } from '../../db/repositories/ledger-repository.js';
import type { OrderListItem } from '../../db/repositories/order-repository.js';
import { formatDate, formatDateTime, formatMoney } from '../../i18n/format.js';
import type { MessageKey } from '../../i18n/index.js';
import type { ContactCard, OrderView } from '../../use-cases/orders.js';
import type { LedgerOverview } from '../../use-cases/payments.js';
import type { PageContext } from '../context.js';
import type { FormState } from './auth-pages.js';
import { ChoiceGroup, CsrfInput, ErrorSummary, Field, PageHeading, Pagination, TextArea } from './components.js';
import { MessageForm, MessageList } from './mailbox-pages.js';
import { AdminNav } from './admin-pages.js';
import { Layout } from './layout.js';

type TimelineEvent = { at: string; text: string };

/** Everything that happened to an order, oldest first, for staff. */
function timelineOf(ctx: PageContext, order: OrderView): TimelineEvent[] {
  const { t } = ctx;
  const events: TimelineEvent[] = [{ at: order.createdAt, text: t('orders.timeline.ordered', { amount: formatMoney(ctx.locale, order.amountCents) }) }];
  for (const event of order.audit?.events ?? []) {
    events.push({ at: event.received_at, text: t('orders.timeline.paymentEvent', { source: event.source, status: event.provider_status }) });
  }
  if (order.paidAt) events.push({ at: order.paidAt, text: t('orders.timeline.paid') });
  for (const delivery of order.deliveries) events.push({ at: delivery.createdAt, text: t('orders.timeline.delivery', { files: delivery.files.length }) });
  if (order.deliveredAt) events.push({ at: order.deliveredAt, text: t('orders.timeline.markedDone') });
  for (const refund of order.audit?.refunds ?? []) {
    events.push({ at: refund.created_at, text: t('orders.timeline.refund', { amount: formatMoney(ctx.locale, refund.amount_cents), status: refund.status, by: refund.requested_by_name }) });
  }
  for (const dispute of order.disputes) {
    events.push({ at: dispute.created_at, text: t('orders.timeline.disputeOpened') });
    if (dispute.resolved_at) events.push({ at: dispute.resolved_at, text: t('orders.timeline.disputeResolved', { resolution: dispute.resolution ? t(`orders.resolution_${dispute.resolution}` as MessageKey) : '' }) });
  }
  if (order.acceptedAt) events.push({ at: order.acceptedAt, text: t('orders.timeline.accepted', { how: t(`orders.timeline.how_${order.acceptedHow ?? 'customer'}` as MessageKey) }) });
  if (order.cancelledAt) events.push({ at: order.cancelledAt, text: t('orders.timeline.cancelled') });
  // A stable sort keeps same-instant events in the order they were listed above.
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

function Timeline({ ctx, order }: { ctx: PageContext; order: OrderView }) {
  const { t } = ctx;
  return (
    <section class="card" aria-labelledby="order-timeline">
      <h2 id="order-timeline">{t('orders.timeline.title')}</h2>
      <ol class="timeline">
        {timelineOf(ctx, order).map((event, index) => (
          <li key={index}>
            <time datetime={event.at}>{formatDateTime(ctx.locale, event.at)}</time> {event.text}
          </li>
        ))}
      </ol>
      <p>
        <a href={`/admin/audit?objectType=order&objectId=${order.id}`}>{t('orders.timeline.auditLink')}</a>
      </p>
    </section>
  );
}

export function OrderStatus({ ctx, status }: { ctx: PageContext; status: string }) {
  return <span class={`status status-${status}`}>{ctx.t(`orders.status_${status}` as MessageKey)}</span>;
}

function Contact({ ctx, title, contact }: { ctx: PageContext; title: string; contact: ContactCard }) {
  const { t } = ctx;
  return (
    <section class="card contact-card" aria-label={title}>
      <h2>{title}</h2>
      <dl class="meta-list">
        <dt>{t('orders.contactName')}</dt>
        <dd>{contact.name}</dd>
        <dt>{t('orders.contactEmail')}</dt>
        <dd>
          <a href={`mailto:${contact.email}`}>{contact.email}</a>
        </dd>
        <dt>{t('orders.contactPhone')}</dt>
        <dd>{contact.phone ?? t('common.none')}</dd>
      </dl>
    </section>
  );
}

/** `form`: what a refused post sent and why (the refund form's fields, or a general reason). */
/** A refused form on the order page: what was typed and why, and which form it was (the route posted to). */
export type OrderFormState = FormState & { path?: string };

/** The form state without the route it came from (the forms take only values and errors). */
function formStateOf({ path: _path, ...state }: OrderFormState): FormState {
  return state;
}

/** The order thread's message form posts here; its refusals belong to that form, not the delivery form. */
const threadPath = '/orders/:id/messages';

export function OrderPage({ ctx, order, form: refundForm }: { ctx: PageContext; order: OrderView; form?: OrderFormState }) {
  const { t } = ctx;
  const title = t('orders.title', { id: order.id });
  return (
    <Layout ctx={ctx} title={title}>
      {order.role === 'staff' && <AdminNav ctx={ctx} current="/admin/orders" />}
      <p>
        <a href={`/inquiries/${order.inquiry.id}`}>← {order.inquiry.title}</a>
      </p>
      <PageHeading lead={order.inquiry.title}>{title}</PageHeading>
      <ErrorSummary ctx={ctx} errors={{}} general={refundForm?.general} />
      <section class="card" aria-labelledby="order-summary">
        <h2 id="order-summary">{t('orders.summaryTitle')}</h2>
        <dl class="meta-list">
          <dt>{t('orders.statusLabel')}</dt>
          <dd>
            <OrderStatus ctx={ctx} status={order.status} />
          </dd>
          <dt>{t('inquiries.expert')}</dt>
          <dd>
            <a href={`/experts/${order.expert.id}`}>{order.expert.displayName}</a>
          </dd>
          <dt>{t('orders.amount')}</dt>
          <dd class="price">{formatMoney(ctx.locale, order.amountCents)}</dd>
          <dt>{t('inquiries.deliveryDate')}</dt>
          <dd>{order.offer.deliveryDate ? formatDate(ctx.locale, `${order.offer.deliveryDate}T12:00:00Z`) : t('common.none')}</dd>
          {order.offer.note && (
            <>
              <dt>{t('inquiries.offerNote')}</dt>
              <dd class="message-body">{order.offer.note}</dd>
            </>
          )}
          <dt>{t('orders.orderedAt')}</dt>
          <dd>{formatDateTime(ctx.locale, order.createdAt)}</dd>
          {order.paidAt && (
            <>
              <dt>{t('orders.paidAt')}</dt>
              <dd>{formatDateTime(ctx.locale, order.paidAt)}</dd>
            </>
          )}
          {order.payment && order.payment.refundedCents > 0 && (
            <>
              <dt>{t('orders.refunded')}</dt>
              <dd>{formatMoney(ctx.locale, order.payment.refundedCents)}</dd>
            </>
          )}
        </dl>
        {order.status === 'awaiting_payment' && order.role === 'customer' && order.payment?.paymentUrl && (
          <>
            <p>{t('orders.payBy', { time: formatDateTime(ctx.locale, order.paymentDueAt) })}</p>
            <p>
              <a class="button" href={order.payment.paymentUrl}>
                {t('orders.payNow', { amount: formatMoney(ctx.locale, order.amountCents) })}
              </a>
            </p>
          </>
        )}
        {order.status === 'awaiting_payment' && order.role === 'customer' && (
          <form method="post" action={`/orders/${order.id}/cancel`} class="form">
            <CsrfInput ctx={ctx} />
            <p class="hint">{t('orders.cancelPaymentHint')}</p>
            <button type="submit" class="button button-secondary">
              {t('orders.cancelPayment')}
            </button>
          </form>
        )}
        {order.status === 'awaiting_payment' && order.role !== 'customer' && <p>{t('orders.waitingForPayment')}</p>}
        {order.status === 'cancelled' && <p>{t('orders.cancelledExplained')}</p>}
        {order.status === 'in_progress' && <p>{order.role === 'expert' ? t('orders.inProgressExpert') : t('orders.inProgressCustomer')}</p>}
      </section>
      {order.contacts.expert && <Contact ctx={ctx} title={t('orders.expertContact')} contact={order.contacts.expert} />}
      {order.contacts.customer && <Contact ctx={ctx} title={t('orders.customerContact')} contact={order.contacts.customer} />}
      <FulfilmentSections ctx={ctx} order={order} form={refundForm} />
      {order.audit && <Timeline ctx={ctx} order={order} />}
      {order.audit && order.payment && (
        <section class="card" aria-labelledby="payment-audit">
          <h2 id="payment-audit">{t('orders.paymentTitle')}</h2>
          <dl class="meta-list">
            <dt>{t('orders.provider')}</dt>
            <dd>{order.payment.provider}</dd>
            <dt>{t('orders.reference')}</dt>
            <dd>{order.payment.reference}</dd>
            <dt>{t('orders.paymentStatus')}</dt>
            <dd>{t(`orders.payment_${order.payment.status}` as MessageKey)}</dd>
          </dl>
          <h3>{t('orders.eventsTitle')}</h3>
          <ul class="plain-list">
            {order.audit.events.map((event) => (
              <li key={event.id}>
                {formatDateTime(ctx.locale, event.received_at)} · {event.source} · {event.provider_status} · {formatMoney(ctx.locale, event.amount_cents)}
                {event.applied === 1 ? '' : ` · ${t('orders.eventIgnored')}`}
              </li>
            ))}
          </ul>
          {order.audit.refunds.length > 0 && (
            <>
              <h3>{t('orders.refundsTitle')}</h3>
              <ul class="plain-list">
                {order.audit.refunds.map((refund) => (
                  <li key={refund.id}>
                    {formatDateTime(ctx.locale, refund.created_at)} · {formatMoney(ctx.locale, refund.amount_cents)} · {refund.status} · {refund.requested_by_name} · {refund.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>{t('orders.ledgerTitle')}</h3>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{t('orders.ledgerTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('orders.ledgerWhen')}</th>
                  <th scope="col">{t('orders.ledgerKind')}</th>
                  <th scope="col">{t('orders.ledgerAccount')}</th>
                  <th scope="col">{t('orders.amount')}</th>
                </tr>
              </thead>
              <tbody>
                {order.audit.entries.map((entry) => (
                  <tr key={entry.id}>
                    <td>{formatDateTime(ctx.locale, entry.created_at)}</td>
                    <td>{entry.kind}</td>
                    <td>{entry.account}</td>
                    <td class="price">{formatMoney(ctx.locale, entry.amount_cents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {order.payment.status === 'succeeded' && (
            <>
              <h3>{t('orders.refundTitle')}</h3>
              <ErrorSummary ctx={ctx} errors={refundForm?.errors ?? {}} />
              <form method="post" action={`/orders/${order.id}/refunds`} class="form" novalidate>
                <CsrfInput ctx={ctx} />
                <Field ctx={ctx} name="amount" label="orders.refundAmount" hint="orders.refundAmountHint" values={refundForm?.values} errors={refundForm?.errors} maxLength={12} />
                <TextArea ctx={ctx} name="reason" label="orders.refundReason" values={refundForm?.values} errors={refundForm?.errors} maxLength={2000} rows={3} />
                <button type="submit" class="button button-danger">
                  {t('orders.refund')}
                </button>
              </form>
            </>
          )}
        </section>
      )}
    </Layout>
  );
}

const stars = [5, 4, 3, 2, 1] as const;

/** Deliveries, the thread, acceptance, rating and disputes: what each party can do at each stage. */
function FulfilmentSections({ ctx, order, form }: { ctx: PageContext; order: OrderView; form: OrderFormState | undefined }) {
  const { t } = ctx;
  const isParty = order.role === 'customer' || order.role === 'expert';
  const isOpenWork = order.status === 'in_progress' || order.status === 'delivered';
  if (order.status === 'awaiting_payment' || order.status === 'cancelled') return null;
  return (
    <>
      <section class="card" aria-labelledby="deliveries-title" id="deliveries">
        <h2 id="deliveries-title">{t('orders.deliveriesTitle')}</h2>
        {order.deliveries.length === 0 ? (
          <p>{order.role === 'expert' ? t('orders.noDeliveriesExpert') : t('orders.noDeliveries')}</p>
        ) : (
          <ol class="messages">
            {order.deliveries.map((delivery) => (
              <li key={delivery.id} class="message">
                <p class="message-meta">
                  <time dateTime={delivery.createdAt}>{formatDateTime(ctx.locale, delivery.createdAt)}</time>
                </p>
                {delivery.body && <p class="message-body">{delivery.body}</p>}
                {delivery.files.length > 0 && (
                  <ul class="attachments" aria-label={t('mailbox.attachments')}>
                    {delivery.files.map((file) => (
                      <li key={file.id}>
                        <a href={`/orders/${order.id}/files/${file.id}`} download>
                          {file.original_name}
                        </a>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ol>
        )}
        {order.role === 'expert' && order.status === 'in_progress' && (
          <>
            <h3>{t('orders.addDeliveryTitle')}</h3>
            <p class="hint">{order.kind === 'document' ? t('orders.deliveryDocumentHint') : t('orders.deliveryHint')}</p>
            <MessageForm
              ctx={ctx}
              action={`/orders/${order.id}/deliveries`}
              idPrefix="delivery-"
              label="orders.deliveryLabel"
              submit="orders.addDelivery"
              {...(form && form.path !== threadPath ? formStateOf(form) : {})}
            />
            {order.deliveries.length > 0 && (
              <form method="post" action={`/orders/${order.id}/done`} class="form">
                <CsrfInput ctx={ctx} />
                <p class="hint">{t('orders.markDoneHint')}</p>
                <button type="submit" class="button">
                  {t('orders.markDone')}
                </button>
              </form>
            )}
          </>
        )}
        {order.role === 'expert' && order.status === 'delivered' && <p>{t('orders.waitingForAcceptance')}</p>}
      </section>

      {order.role === 'customer' && order.status === 'delivered' && (
        <section class="card" aria-labelledby="review-work">
          <h2 id="review-work">{t('orders.reviewWorkTitle')}</h2>
          {order.autoAcceptAt && <p>{t('orders.autoAcceptNote', { date: formatDate(ctx.locale, order.autoAcceptAt) })}</p>}
          <form method="post" action={`/orders/${order.id}/accept`} class="form">
            <CsrfInput ctx={ctx} />
            <button type="submit" class="button">
              {t('orders.accept')}
            </button>
          </form>
          <h3>{t('orders.changesTitle')}</h3>
          <form method="post" action={`/orders/${order.id}/changes`} class="form" novalidate>
            <CsrfInput ctx={ctx} />
            <TextArea ctx={ctx} name="message" label="orders.changesLabel" hint="orders.changesHint" values={form?.values} errors={form?.errors} maxLength={5000} rows={4} />
            <button type="submit" class="button button-secondary">
              {t('orders.requestChanges')}
            </button>
          </form>
        </section>
      )}

      {(order.status === 'accepted' || order.review) && (
        <section class="card" aria-labelledby="rating-title" id="rating">
          <h2 id="rating-title">{t('orders.ratingTitle')}</h2>
          {order.review && (
            <div class="review">
              <p>
                <strong>{t('experts.starsLabel', { count: order.review.stars })}</strong>
              </p>
              {order.review.comment && <p class="message-body">{order.review.comment}</p>}
              {order.review.reply && <p class="review-reply message-body">{t('experts.expertReply', { reply: order.review.reply })}</p>}
            </div>
          )}
          {order.role === 'customer' && order.status === 'accepted' && !order.review && <p class="hint">{t('orders.ratingOptional')}</p>}
          {order.role === 'customer' && order.status === 'accepted' && (!order.review || order.review.isEditable) && (
            <form method="post" action={`/orders/${order.id}/rating`} class="form" novalidate>
              <CsrfInput ctx={ctx} />
              <ChoiceGroup
                ctx={ctx}
                name="stars"
                legend="orders.starsLegend"
                type="radio"
                choices={stars.map((n) => ({ value: String(n), label: t('experts.starsLabel', { count: n }) }))}
                chosen={form?.values?.['stars'] ? [form.values['stars']] : order.review ? [String(order.review.stars)] : []}
                errors={form?.errors}
              />
              <TextArea ctx={ctx} name="comment" label="orders.commentLabel" hint="orders.commentHint" values={form?.values ?? { comment: order.review?.comment ?? '' }} errors={form?.errors} isRequired={false} maxLength={3000} rows={4} />
              <button type="submit" class="button">
                {order.review ? t('orders.saveRating') : t('orders.rate')}
              </button>
            </form>
          )}
          {order.role === 'expert' && order.review && !order.review.reply && (
            <form method="post" action={`/orders/${order.id}/reply`} class="form" novalidate>
              <CsrfInput ctx={ctx} />
              <TextArea ctx={ctx} name="reply" label="orders.replyLabel" hint="orders.replyHint" values={form?.values} errors={form?.errors} maxLength={3000} rows={3} />
              <button type="submit" class="button button-secondary">
                {t('orders.publishReply')}
              </button>
            </form>
          )}
        </section>
      )}

      {(order.thread || isParty) && (
        <section class="card" aria-labelledby="thread-title" id="thread">
          <h2 id="thread-title">{t('orders.threadTitle')}</h2>
          {order.thread && order.thread.messages.length > 0 ? <MessageList ctx={ctx} messages={order.thread.messages} /> : <p class="hint">{t('orders.threadEmpty')}</p>}
          {isParty && (
            <MessageForm
              ctx={ctx}
              action={`/orders/${order.id}/messages`}
              idPrefix="thread-"
              label="orders.threadLabel"
              submit="mailbox.send"
              {...(form?.path === threadPath ? formStateOf(form) : {})}
            />
          )}
        </section>
      )}

      {(order.disputes.length > 0 || (isParty && isOpenWork) || (order.role === 'staff' && order.status === 'disputed')) && (
        <section class="card" aria-labelledby="dispute-title" id="dispute">
          <h2 id="dispute-title">{t('orders.disputeTitle')}</h2>
          {order.disputes.map((dispute) => (
            <div key={dispute.id} class="dispute">
              <p>
                <strong>{dispute.status !== 'resolved' ? t('orders.disputeOpen') : t(`orders.resolution_${dispute.resolution ?? 'release'}` as MessageKey)}</strong> ·{' '}
                {formatDateTime(ctx.locale, dispute.created_at)}
              </p>
              <p class="message-body">{dispute.reason}</p>
              {dispute.note && <p class="message-body">{t('orders.moderatorNote', { note: dispute.note })}</p>}
            </div>
          ))}
          {isParty && isOpenWork && (
            <details>
              <summary>{t('orders.openDispute')}</summary>
              <p class="hint">{t('orders.disputeHint')}</p>
              <form method="post" action={`/orders/${order.id}/dispute`} class="form" novalidate>
                <CsrfInput ctx={ctx} />
                <TextArea ctx={ctx} name="reason" label="orders.disputeReason" values={form?.values} errors={form?.errors} maxLength={3000} rows={4} />
                <button type="submit" class="button button-danger">
                  {t('orders.openDispute')}
                </button>
              </form>
            </details>
          )}
          {order.role === 'staff' && order.status === 'disputed' && (
            <form method="post" action={`/orders/${order.id}/resolve`} class="form" novalidate>
              <CsrfInput ctx={ctx} />
              <ChoiceGroup
                ctx={ctx}
                name="resolution"
                legend="orders.resolutionLegend"
                type="radio"
                choices={(['release', 'refund', 'split'] as const).map((r) => ({ value: r, label: t(`orders.resolution_${r}`) }))}
                chosen={form?.values?.['resolution'] ? [form.values['resolution']] : []}
                errors={form?.errors}
              />
              <Field ctx={ctx} name="refund" label="orders.splitRefund" hint="orders.splitRefundHint" values={form?.values} errors={form?.errors} isRequired={false} maxLength={12} />
              <TextArea ctx={ctx} name="note" label="orders.resolutionNote" values={form?.values} errors={form?.errors} maxLength={3000} rows={3} />
              <button type="submit" class="button">
                {t('orders.resolve')}
              </button>
            </form>
          )}
        </section>
      )}
    </>
  );
}

function OrderRows({ ctx, items }: { ctx: PageContext; items: OrderListItem[] }) {
  const { t } = ctx;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('orders.order')}</th>
            <th scope="col">{t('orders.statusLabel')}</th>
            <th scope="col">{t('orders.amount')}</th>
            <th scope="col">{t('orders.orderedAt')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <td>
                <a href={`/orders/${item.id}`}>{item.title}</a>
              </td>
              <td>
                <OrderStatus ctx={ctx} status={item.status} />
              </td>
              <td class="price">{formatMoney(ctx.locale, item.amountCents)}</td>
              <td>{formatDateTime(ctx.locale, item.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MyOrdersPage({ ctx, asCustomer, asExpert }: { ctx: PageContext; asCustomer: OrderListItem[]; asExpert: OrderListItem[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('orders.myTitle')}>
      <PageHeading>{t('orders.myTitle')}</PageHeading>
      <h2>{t('orders.asCustomer')}</h2>
      {asCustomer.length === 0 ? <p>{t('orders.none')}</p> : <OrderRows ctx={ctx} items={asCustomer} />}
      {asExpert.length > 0 && (
        <>
          <h2>{t('orders.asExpert')}</h2>
          <OrderRows ctx={ctx} items={asExpert} />
        </>
      )}
    </Layout>
  );
}

/** The embedded provider's hosted test payment page: what a bank's page would be, clearly marked as a test. */
export function SandboxPaymentPage({ ctx, reference, payment }: { ctx: PageContext; reference: string; payment: { merchantReference: string; amountCents: number; description: string; status: string } }) {
  const { t } = ctx;
  const isPending = payment.status === 'PENDING';
  return (
    <Layout ctx={ctx} title={t('sandbox.title')}>
      <PageHeading lead={t('sandbox.lead')}>{t('sandbox.title')}</PageHeading>
      <section class="card">
        <dl class="meta-list">
          <dt>{t('sandbox.recipient')}</dt>
          <dd>Konsult</dd>
          <dt>{t('orders.reference')}</dt>
          <dd>{payment.merchantReference}</dd>
          <dt>{t('sandbox.description')}</dt>
          <dd>{payment.description}</dd>
          <dt>{t('orders.amount')}</dt>
          <dd class="price">{formatMoney(ctx.locale, payment.amountCents)}</dd>
        </dl>
        {isPending ? (
          <form method="post" action={`/sandbox/pay/${reference}`} class="form sandbox-actions">
            <CsrfInput ctx={ctx} />
            <button type="submit" name="action" value="pay" class="button">
              {t('sandbox.pay')}
            </button>
            <button type="submit" name="action" value="fail" class="button button-secondary">
              {t('sandbox.fail')}
            </button>
            <button type="submit" name="action" value="cancel" class="button button-secondary">
              {t('sandbox.cancel')}
            </button>
          </form>
        ) : (
          <p>{t('sandbox.done')}</p>
        )}
      </section>
    </Layout>
  );
}

function BalanceRows({ ctx, rows, kind }: { ctx: PageContext; rows: AccountBalance[]; kind: 'escrow' | 'payable' }) {
  const { t } = ctx;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{kind === 'escrow' ? t('orders.order') : t('inquiries.expert')}</th>
            <th scope="col">{t('ledger.balance')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.account}>
              <td>{kind === 'escrow' ? <a href={`/orders/${row.orderId}`}>{t('orders.title', { id: row.orderId ?? 0 })}</a> : <a href={`/experts/${row.expertId}`}>{row.account}</a>}</td>
              <td class="price">{formatMoney(ctx.locale, row.balanceCents)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LedgerPage({ ctx, overview, page }: { ctx: PageContext; overview: LedgerOverview; page: number }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('ledger.title')}>
      <AdminNav ctx={ctx} current="/admin/ledger" />
      <PageHeading lead={t('ledger.lead')}>{t('ledger.title')}</PageHeading>
      <dl class="meta-list card">
        <dt>{t('ledger.total')}</dt>
        <dd class={overview.total === 0 ? 'price' : 'price attention'}>{formatMoney(ctx.locale, overview.total)}</dd>
        <dt>{t('ledger.provider')}</dt>
        <dd class="price">{formatMoney(ctx.locale, overview.provider)}</dd>
        <dt>{t('ledger.fees')}</dt>
        <dd class="price">{formatMoney(ctx.locale, overview.fees)}</dd>
      </dl>
      <h2>{t('ledger.escrowTitle')}</h2>
      {overview.escrow.length === 0 ? <p>{t('ledger.empty')}</p> : <BalanceRows ctx={ctx} rows={overview.escrow} kind="escrow" />}
      <h2>{t('ledger.payablesTitle')}</h2>
      {overview.payables.length === 0 ? <p>{t('ledger.empty')}</p> : <BalanceRows ctx={ctx} rows={overview.payables} kind="payable" />}
      <Pagination ctx={ctx} page={page} pages={overview.escrow.length === 50 || overview.payables.length === 50 ? page + 1 : page} hrefFor={(p) => `/admin/ledger?page=${p}`} />
    </Layout>
  );
}
