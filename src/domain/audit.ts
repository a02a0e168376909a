/**
 * Every privileged action the portal records in its append-only audit log (issue 8): who did
 * it, when, to what, and the object's state before and after.
 */
export const auditActions = [
  'user_blocked',
  'user_unblocked',
  'role_granted',
  'role_revoked',
  'account_deleted',
  'settings_changed',
  'field_created',
  'field_updated',
  'field_deleted',
  'fields_reordered',
  'document_type_created',
  'document_type_updated',
  'document_type_deleted',
  'document_types_reordered',
  'application_approved',
  'application_rejected',
  'application_info_requested',
  'inquiry_triaged',
  'inquiry_rejected',
  'order_refunded',
  'dispute_resolved',
  'expert_profile_edited',
] as const;

export type AuditAction = (typeof auditActions)[number];

/** The kinds of object an entry is about (the filter's choices). */
export const auditObjectTypes = ['user', 'setting', 'field', 'document_type', 'application', 'inquiry', 'order', 'dispute', 'expert_profile'] as const;

export type AuditObjectType = (typeof auditObjectTypes)[number];

/** True for a string that names a recorded action. */
export function isAuditAction(value: string): value is AuditAction {
  return (auditActions as readonly string[]).includes(value);
}
