import { iso } from '../adapters/clock.js';
import { insertAuditEntry } from '../db/repositories/audit-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import type { AuditAction, AuditObjectType } from '../domain/audit.js';
import type { Actor } from '../domain/roles.js';
import type { Deps } from './deps.js';

/**
 * Records a privileged action in the audit log. Call it inside the action's own transaction, so
 * the record and the change are written together or not at all.
 */
export async function recordAudit(
  trx: Executor,
  deps: Pick<Deps, 'clock'>,
  actor: Pick<Actor, 'id'> | null,
  action: AuditAction,
  object: { type: AuditObjectType; id: number | string | null },
  change: { before?: unknown; after?: unknown } = {},
): Promise<void> {
  await insertAuditEntry(trx, {
    createdAt: iso(deps.clock.now()),
    actorId: actor?.id ?? null,
    action,
    objectType: object.type,
    objectId: object.id === null ? null : String(object.id),
    before: change.before,
    after: change.after,
  });
}
