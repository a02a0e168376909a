import { iso } from '../adapters/clock.js';
import { listAuditEntries, type AuditListItem } from '../db/repositories/audit-repository.js';
import { findProfile } from '../db/repositories/expert-repository.js';
import { findLatestApplicationOf } from '../db/repositories/expert-application-repository.js';
import { listCustomerInquiries, type CustomerInquiryItem } from '../db/repositories/inquiry-repository.js';
import { listOrdersOf, type OrderListItem } from '../db/repositories/order-repository.js';
import { deleteUserSessions, sessionSummaryOf } from '../db/repositories/session-repository.js';
import { findUserById, grantRole, listRoles, revokeRole, updateUser } from '../db/repositories/user-repository.js';
import type { UserRow } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { accountActionRefusal, isStaff, type AccountAction, type Actor, type GrantableRole } from '../domain/roles.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';

/** Roles staff grant in the back office; the expert role comes with an approved application. */
export const staffRoles = ['moderator', 'admin'] as const satisfies readonly GrantableRole[];
export type StaffRole = (typeof staffRoles)[number];

const historySize = 20;

export type UserForAdmin = {
  user: Pick<UserRow, 'id' | 'name' | 'email' | 'phone' | 'locale' | 'created_at' | 'email_verified_at' | 'blocked_at' | 'deleted_at'>;
  roles: GrantableRole[];
  sessions: { count: number; lastSeenAt: string | null };
  expertProfile: { displayName: string; isActive: boolean } | undefined;
  application: { id: number; status: string } | undefined;
  inquiries: { items: CustomerInquiryItem[]; total: number };
  ordersAsCustomer: OrderListItem[];
  ordersAsExpert: OrderListItem[];
  audit: AuditListItem[];
};

/** One account as staff see it: status, roles, sessions, and its history of inquiries, orders and audit entries. */
export async function getUserForAdmin(deps: Deps, actor: Actor, userId: number): Promise<UserForAdmin> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'user' });
  const user = await findUserById(deps.db, userId);
  if (!user) throw new DomainError('NOT_FOUND', { entity: 'user' });
  const page = { limit: historySize, offset: 0 };
  const [roles, sessions, profile, application, inquiries, ordersAsCustomer, ordersAsExpert, audit] = await Promise.all([
    listRoles(deps.db, userId),
    sessionSummaryOf(deps.db, userId),
    findProfile(deps.db, userId),
    findLatestApplicationOf(deps.db, userId),
    listCustomerInquiries(deps.db, userId, page),
    listOrdersOf(deps.db, userId, 'customer', page),
    listOrdersOf(deps.db, userId, 'expert', page),
    listAuditEntries(deps.db, { objectType: 'user', objectId: String(userId) }, { limit: historySize }),
  ]);
  return {
    user,
    roles,
    sessions,
    expertProfile: profile ? { displayName: profile.display_name, isActive: profile.is_active === 1 } : undefined,
    application: application ? { id: application.id, status: application.status } : undefined,
    inquiries,
    ordersAsCustomer,
    ordersAsExpert,
    audit,
  };
}

/** Loads the target under the rules of `accountActionRefusal`; refusals are FORBIDDEN with the reason. */
async function targetFor(deps: Deps, actor: Actor, userId: number, action: AccountAction): Promise<{ user: UserRow; roles: GrantableRole[] }> {
  if (!isStaff(actor)) throw new DomainError('FORBIDDEN', { entity: 'user' });
  const user = await findUserById(deps.db, userId);
  if (!user || user.deleted_at) throw new DomainError('NOT_FOUND', { entity: 'user' });
  const roles = await listRoles(deps.db, userId);
  const refusal = accountActionRefusal(actor, { id: userId, roles }, action);
  if (refusal) throw new DomainError('FORBIDDEN', { entity: 'user', reason: refusal });
  return { user, roles };
}

/**
 * Blocks or unblocks an account. Blocking ends every session at once (the next request of that
 * browser is signed out) and refuses new log-ins; the reason goes to the audit log.
 */
export async function setBlocked(deps: Deps, actor: Actor, userId: number, input: { isBlocked: boolean; reason: string }): Promise<void> {
  const action = input.isBlocked ? 'block' : 'unblock';
  if (input.isBlocked && input.reason.trim() === '') throw new DomainError('VALIDATION', { fields: { reason: 'required' } });
  await targetFor(deps, actor, userId, action);
  await deps.db.transaction().execute(async (trx) => {
    const user = (await findUserById(trx, userId))!;
    if ((user.blocked_at !== null) === input.isBlocked) return;
    const at = iso(deps.clock.now());
    await updateUser(trx, userId, { blocked_at: input.isBlocked ? at : null, updated_at: at });
    if (input.isBlocked) await deleteUserSessions(trx, userId);
    await recordAudit(trx, deps, actor, input.isBlocked ? 'user_blocked' : 'user_unblocked', { type: 'user', id: userId }, {
      before: { blockedAt: user.blocked_at },
      after: { blockedAt: input.isBlocked ? at : null, reason: input.reason.trim() || null },
    });
  });
}

/** An admin grants or takes away the moderator or admin role; recorded with the roles before and after. */
export async function setStaffRole(deps: Deps, actor: Actor, userId: number, input: { role: StaffRole; isGranted: boolean }): Promise<void> {
  await targetFor(deps, actor, userId, input.isGranted ? 'grant' : 'revoke');
  await deps.db.transaction().execute(async (trx) => {
    const before = await listRoles(trx, userId);
    if (before.includes(input.role) === input.isGranted) return;
    const at = iso(deps.clock.now());
    if (input.isGranted) await grantRole(trx, userId, input.role, at);
    else await revokeRole(trx, userId, input.role);
    await recordAudit(trx, deps, actor, input.isGranted ? 'role_granted' : 'role_revoked', { type: 'user', id: userId }, {
      before: { roles: before },
      after: { roles: await listRoles(trx, userId) },
    });
  });
}
