import { DomainError } from './errors.js';

/**
 * The money ledger: every movement is a transaction of entries in integer cents that sum to zero
 * (double entry; a positive amount is a debit, money arriving in that account). Entries are only
 * ever appended. Accounts:
 * - `provider` — money at the payment provider (the customer's payment comes from there, refunds go back);
 * - `escrow:order:<id>` — a paid order's money, held until the work is accepted;
 * - `payable:expert:<id>` — what the portal owes an expert;
 * - `fees` — the portal's fee.
 */
export type LedgerEntry = { account: string; amountCents: number; orderId: number | null; expertId: number | null };

export type LedgerTransaction = { kind: 'payment' | 'refund' | 'release'; entries: LedgerEntry[] };

export const providerAccount = 'provider';
export const feesAccount = 'fees';

export function escrowAccount(orderId: number): string {
  return `escrow:order:${orderId}`;
}

export function payableAccount(expertId: number): string {
  return `payable:expert:${expertId}`;
}

/** Throws unless the entries are whole cents and sum to zero. */
export function assertBalanced(transaction: LedgerTransaction): void {
  let sum = 0;
  for (const entry of transaction.entries) {
    if (!Number.isSafeInteger(entry.amountCents)) throw new DomainError('VALIDATION', { fields: { amount: 'notWholeCents' } });
    sum += entry.amountCents;
  }
  if (sum !== 0) throw new Error(`unbalanced ledger transaction (${transaction.kind}): ${sum}`);
}

/** The customer's payment for an order arrives: provider → the order's escrow. */
export function paymentTransaction(orderId: number, amountCents: number): LedgerTransaction {
  return {
    kind: 'payment',
    entries: [
      { account: providerAccount, amountCents: -amountCents, orderId, expertId: null },
      { account: escrowAccount(orderId), amountCents, orderId, expertId: null },
    ],
  };
}

/** Money goes back to the customer: the order's escrow → provider. */
export function refundTransaction(orderId: number, amountCents: number): LedgerTransaction {
  return {
    kind: 'refund',
    entries: [
      { account: escrowAccount(orderId), amountCents: -amountCents, orderId, expertId: null },
      { account: providerAccount, amountCents, orderId, expertId: null },
    ],
  };
}

/** The portal's fee on an amount, in cents, rounded half up (basis points: 1 500 = 15 %). */
export function feeOf(amountCents: number, feeBasisPoints: number): number {
  return Math.floor((amountCents * feeBasisPoints + 5_000) / 10_000);
}

/** Accepted work: the order's escrow → the expert (less the fee) and the portal's fee. */
export function releaseTransaction(orderId: number, expertId: number, amountCents: number, feeBasisPoints: number): LedgerTransaction {
  const fee = feeOf(amountCents, feeBasisPoints);
  return {
    kind: 'release',
    entries: [
      { account: escrowAccount(orderId), amountCents: -amountCents, orderId, expertId },
      { account: payableAccount(expertId), amountCents: amountCents - fee, orderId, expertId },
      { account: feesAccount, amountCents: fee, orderId, expertId },
    ],
  };
}
