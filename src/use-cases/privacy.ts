import { iso } from '../adapters/clock.js';
import { anonymiseUser, collectPersonalData, countDeletionBlockers, listPrivateFileKeys, type PersonalData } from '../db/repositories/privacy-repository.js';
import { DomainError } from '../domain/errors.js';
import { hasRole, type Actor } from '../domain/roles.js';
import { requireCurrentPassword } from './account-settings.js';
import { recordAudit } from './audit.js';
import type { Deps } from './deps.js';

/** The name a deleted account shows wherever others' records still mention it. */
export const deletedUserName = 'Kustutatud kasutaja / Deleted user';

/** What an e-mail that named a deleted account says instead (kept as a record that one was sent). */
const redactedEmail = 'Eemaldatud: kiri nimetas kustutatud kontot. / Removed: this e-mail named a deleted account.';

/** Everything the portal holds about the signed-in person, for download as JSON. */
export async function exportMyData(deps: Deps, actor: Actor): Promise<{ exportedAt: string; portal: string; data: PersonalData }> {
  return { exportedAt: iso(deps.clock.now()), portal: deps.publicUrl, data: await collectPersonalData(deps.db, actor.id) };
}

/** What still stops the person's account from being deleted (all zero when nothing does). */
export async function deletionBlockers(deps: Deps, actor: Actor) {
  return countDeletionBlockers(deps.db, actor.id);
}

/**
 * Deletes the signed-in person's account at their request, after their password. Refused while
 * they still have live orders, open inquiries, active offers or pending invitations (others rely
 * on them), and for admins (another admin must first take the role away, so the portal always
 * keeps one). Personal data is anonymised in one transaction; the ledger, orders and the
 * messages others received stay (decision 013). Their private files are removed afterwards.
 */
export async function deleteMyAccount(deps: Deps, actor: Actor, password: string): Promise<void> {
  await requireCurrentPassword(deps, actor, password);
  if (hasRole(actor, 'admin')) throw new DomainError('FORBIDDEN', { entity: 'user', reason: 'adminAccount' });
  const removedKeys = await deps.db.transaction().execute(async (trx) => {
    const blockers = await countDeletionBlockers(trx, actor.id);
    if (Object.values(blockers).some((n) => n > 0)) throw new DomainError('ACCOUNT_HAS_OBLIGATIONS', blockers);
    const files = await listPrivateFileKeys(trx, actor.id);
    const at = iso(deps.clock.now());
    const isDeleted = await anonymiseUser(trx, actor.id, { at, placeholderName: deletedUserName, redactedEmail, fileIds: files.map((f) => f.id) });
    // A second request that arrived meanwhile finds the account already deleted: nothing more to do.
    if (!isDeleted) return [];
    await recordAudit(trx, deps, actor, 'account_deleted', { type: 'user', id: actor.id }, { before: { roles: actor.roles }, after: { deletedAt: at } });
    return files.map((f) => f.storage_key);
  });
  // After the commit: a crash here leaves an orphan file no row points at, never a row without its file.
  for (const key of removedKeys) await deps.fileStore.remove(key).catch(() => undefined);
}
