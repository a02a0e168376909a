import { randomUUID } from 'node:crypto';
import type { LedgerTransaction } from '../../domain/ledger.js';
import type { Executor } from './user-repository.js';

/** Appends a transaction's entries (the caller has checked it balances); entries are never updated or deleted. */
export async function appendTransaction(db: Executor, transaction: LedgerTransaction, now: string): Promise<string> {
  const transactionId = randomUUID();
  await db
    .insertInto('ledger_entries')
    .values(
      transaction.entries.map((entry) => ({
        transaction_id: transactionId,
        kind: transaction.kind,
        account: entry.account,
        amount_cents: entry.amountCents,
        order_id: entry.orderId,
        expert_id: entry.expertId,
        created_at: now,
      })),
    )
    .execute();
  return transactionId;
}

/** The balance of one account (cents). */
export async function accountBalance(db: Executor, account: string): Promise<number> {
  const row = await db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.val(0)).as('n'))
    .where('account', '=', account)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The sum of every entry ever written: zero while the ledger is whole. */
export async function ledgerTotal(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_cents'), eb.val(0)).as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type AccountBalance = { account: string; orderId: number | null; expertId: number | null; balanceCents: number };

/** Balances per account, for the admin's ledger page: escrow per order, payable per expert, fees, provider. */
export async function listBalances(db: Executor, options: { prefix: string; limit: number; offset: number }): Promise<AccountBalance[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select((eb) => ['account', eb.fn.max('order_id').as('order_id'), eb.fn.max('expert_id').as('expert_id'), eb.fn.sum<number>('amount_cents').as('balance')])
    .where('account', 'like', `${options.prefix}%`)
    .groupBy('account')
    // Settled accounts (nothing held, nothing owed) are left out of the lists.
    .having((eb) => eb.fn.sum<number>('amount_cents'), '!=', 0)
    .orderBy('account')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
  return rows.map((r) => ({
    account: r.account,
    orderId: r.order_id === null ? null : Number(r.order_id),
    expertId: r.expert_id === null ? null : Number(r.expert_id),
    balanceCents: Number(r.balance),
  }));
}

/** The entries of one order, oldest first (the order's ledger view). */
export async function listOrderEntries(db: Executor, orderId: number) {
  return db.selectFrom('ledger_entries').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}
