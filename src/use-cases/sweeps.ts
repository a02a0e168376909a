import type { Deps } from './deps.js';
import { autoAcceptDue } from './fulfilment.js';
import { sweepInquiryDeadlines } from './inquiry-deadlines.js';
import { cancelOverduePayments } from './payments.js';

/**
 * The housekeeping the worker runs every minute, in order. The settings are read first, so a
 * change made in the back office (auto-accept days, payment timeout) applies to the next round.
 */
export function scheduledSweeps(deps: Deps): readonly (() => Promise<unknown>)[] {
  return [() => deps.settings.refresh(deps.db), () => sweepInquiryDeadlines(deps), () => cancelOverduePayments(deps), () => autoAcceptDue(deps)];
}
