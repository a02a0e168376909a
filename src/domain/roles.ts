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
