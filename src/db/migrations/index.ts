import type { Migration } from 'kysely';
import * as accounts from './2026-11-25-001-accounts.js';
import * as mailbox from './2026-11-25-002-mailbox.js';
import * as experts from './2026-11-25-003-experts.js';
import * as inquiries from './2026-11-26-004-inquiries.js';
import * as orders from './2026-11-26-005-orders.js';
import * as fulfilment from './2026-11-26-006-fulfilment.js';
import * as backOffice from './2026-11-26-007-back-office.js';
import * as unreadIndex from './2026-11-26-008-unread-index.js';
import * as sandboxPayments from './2026-11-26-009-sandbox-payments.js';

/** Every migration, in order. Names are ISO-dated so they sort as they run. */
export const migrations: Record<string, Migration> = {
  '2026-11-25-001-accounts': accounts,
  '2026-11-25-002-mailbox': mailbox,
  '2026-11-25-003-experts': experts,
  '2026-11-26-004-inquiries': inquiries,
  '2026-11-26-005-orders': orders,
  '2026-11-26-006-fulfilment': fulfilment,
  '2026-11-26-007-back-office': backOffice,
  '2026-11-26-008-unread-index': unreadIndex,
  '2026-11-26-009-sandbox-payments': sandboxPayments,
};
