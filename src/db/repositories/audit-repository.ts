import type { AuditLogRow } from '../schema.js';
import type { Executor } from './user-repository.js';

export type NewAuditEntry = {
  createdAt: string;
  actorId: number | null;
  action: string;
  objectType: string;
  objectId: string | null;
  before: unknown;
  after: unknown;
};

/** Appends one entry; the table refuses updates and deletes. */
export async function insertAuditEntry(db: Executor, entry: NewAuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      created_at: entry.createdAt,
      actor_id: entry.actorId,
      action: entry.action,
      object_type: entry.objectType,
      object_id: entry.objectId,
      before_json: entry.before === undefined ? null : JSON.stringify(entry.before),
      after_json: entry.after === undefined ? null : JSON.stringify(entry.after),
    })
    .execute();
}

export type AuditFilter = {
  action?: string | undefined;
  actorId?: number | undefined;
  objectType?: string | undefined;
  objectId?: string | undefined;
  /** ISO instants: entries at or after `from` and before `to`. */
  from?: string | undefined;
  to?: string | undefined;
};

export type AuditListItem = AuditLogRow & { actor_name: string | null };

/** Entries newest first, by keyset (`beforeId`) so deep pages cost as little as the first. */
export async function listAuditEntries(db: Executor, filter: AuditFilter, options: { limit: number; beforeId?: number | undefined }): Promise<AuditListItem[]> {
  let query = db.selectFrom('audit_log').leftJoin('users', 'users.id', 'audit_log.actor_id').selectAll('audit_log').select('users.name as actor_name');
  if (filter.action) query = query.where('audit_log.action', '=', filter.action);
  if (filter.actorId !== undefined) query = query.where('audit_log.actor_id', '=', filter.actorId);
  if (filter.objectType) query = query.where('audit_log.object_type', '=', filter.objectType);
  if (filter.objectId) query = query.where('audit_log.object_id', '=', filter.objectId);
  if (filter.from) query = query.where('audit_log.created_at', '>=', filter.from);
  if (filter.to) query = query.where('audit_log.created_at', '<', filter.to);
  if (options.beforeId !== undefined) query = query.where('audit_log.id', '<', options.beforeId);
  return query.orderBy('audit_log.id', 'desc').limit(options.limit).execute();
}
