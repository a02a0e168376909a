import type { AccountBalance } from '../../db/repositories/ledger-repository.js';
import type { OrderListItem } from '../../db/repositories/order-repository.js';
import { formatDate, formatDateTime, formatMoney } from '../../i18n/format.js';
import type { MessageKey } from '../../i18n/index.js';
import type { ContactCard, OrderView } from '../../use-cases/orders.js';
import type { LedgerOverview } from '../../use-cases/payments.js';
import type { PageContext } from '../context.js';
import type { FormState } from './auth-pages.js';
import { CsrfInput, ErrorSummary, Field, PageHeading, Pagination, TextArea } from './components.js';
import { Layout } from './layout.js';

function OrderStatus({ ctx, status }: { ctx: PageContext; status: string }) {
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
export function OrderPage({ ctx, order, form: refundForm }: { ctx: PageContext; order: OrderView; form?: FormState }) {
  const { t } = ctx;
  const title = t('orders.title', { id: order.id });
  return (
    <Layout ctx={ctx} title={title}>
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
