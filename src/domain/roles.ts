/** Roles a user can hold; every user is a customer, the others are granted. */
export const grantableRoles = ['expert', 'moderator', 'admin'] as const;

export type GrantableRole = (typeof grantableRoles)[number];
export type Role = 'customer' | GrantableRole;

/** The signed-in person as use cases and guards see them. */
export type Actor = {
  id: number;
  name: string;
  email: string;
  locale: Locale;
  roles: readonly GrantableRole[];
};

export type Locale = 'et' | 'en';
export const locales: readonly Locale[] = ['et', 'en'];

/** True when the actor holds the role; every signed-in user holds `customer`. */
export function hasRole(actor: Actor, role: Role): boolean {
  return role === 'customer' || actor.roles.includes(role);
}

/** Moderators and admins both do staff work; admins can do everything moderators can. */
export function isStaff(actor: Actor): boolean {
  return hasRole(actor, 'moderator') || hasRole(actor, 'admin');
}

/** What staff do to accounts in the back office. */
export type AccountAction = 'block' | 'unblock' | 'grant' | 'revoke';

/** Why an account action is refused: acting on oneself, or a moderator acting on staff or on roles. */
export type AccountActionRefusal = 'notStaff' | 'self' | 'targetIsStaff' | 'adminsOnly';

/**
 * Who may do what to whom: staff block and unblock accounts, but only admins touch staff
 * accounts and roles, and nobody acts on their own account (an admin cannot lock themself out).
 */
export function accountActionRefusal(actor: Actor, target: { id: number; roles: readonly GrantableRole[] }, action: AccountAction): AccountActionRefusal | undefined {
  if (!isStaff(actor)) return 'notStaff';
  if (actor.id === target.id) return 'self';
  const isAdmin = hasRole(actor, 'admin');
  if (action === 'grant' || action === 'revoke') return isAdmin ? undefined : 'adminsOnly';
  const targetIsStaff = target.roles.includes('moderator') || target.roles.includes('admin');
  return targetIsStaff && !isAdmin ? 'targetIsStaff' : undefined;
}
