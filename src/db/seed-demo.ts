import type { PasswordHasher } from '../adapters/password-hasher.js';
import type { Clock } from '../adapters/clock.js';
import { iso } from '../adapters/clock.js';
import type { GrantableRole } from '../domain/roles.js';
import type { Db } from './database.js';
import { insertConversation, insertMember, insertMessage } from './repositories/mailbox-repository.js';
import { countUsers, grantRole, insertUser } from './repositories/user-repository.js';

/** The password of every demo account (documented in the README). */
export const demoPassword = 'Konsult-demo-2026';

/** The demo accounts: one per role, three experts of different fields (documented in the README). */
export const demoAccounts: { name: string; email: string; phone: string; locale: 'et' | 'en'; roles: GrantableRole[] }[] = [
  { name: 'Mari Maasikas', email: 'klient@demo.konsult.ee', phone: '+372 5123 4567', locale: 'et', roles: [] },
  { name: 'Jaan Tamm', email: 'jurist@demo.konsult.ee', phone: '+372 5234 5678', locale: 'et', roles: ['expert'] },
  { name: 'Liis Kask', email: 'psuhholoog@demo.konsult.ee', phone: '+372 5345 6789', locale: 'et', roles: ['expert'] },
  { name: 'Andres Mets', email: 'perekonnaoigus@demo.konsult.ee', phone: '+372 5456 7890', locale: 'en', roles: ['expert'] },
  { name: 'Kertu Saar', email: 'moderaator@demo.konsult.ee', phone: '+372 5567 8901', locale: 'et', roles: ['moderator'] },
  { name: 'Konsulti administraator', email: 'admin@demo.konsult.ee', phone: '+372 5678 9012', locale: 'et', roles: ['admin'] },
];

/** Seeds the demo accounts into an empty database; does nothing when any user exists. */
export async function seedDemoData(db: Db, hasher: PasswordHasher, clock: Clock): Promise<boolean> {
  if ((await countUsers(db)) > 0) return false;
  const passwordHash = await hasher.hash(demoPassword);
  await db.transaction().execute(async (trx) => {
    const now = iso(clock.now());
    const ids: number[] = [];
    for (const account of demoAccounts) {
      const user = await insertUser(trx, {
        email: account.email,
        email_verified_at: now,
        name: account.name,
        phone: account.phone,
        password_hash: passwordHash,
        locale: account.locale,
        created_at: now,
        updated_at: now,
        blocked_at: null,
      });
      for (const role of account.roles) await grantRole(trx, user.id, role, now);
      ids.push(user.id);
    }
    // A conversation between the demo customer and the demo lawyer, so the mailbox has a thread.
    const [customerId, lawyerId] = ids as [number, number];
    const conversationId = await insertConversation(trx, { subject: 'Küsimus kuriteoteate kohta', contextType: null, contextId: null, now });
    await insertMember(trx, conversationId, customerId, now);
    await insertMember(trx, conversationId, lawyerId, now);
    await insertMessage(trx, {
      conversationId,
      senderId: customerId,
      body: 'Tere! Kas kuriteoteate saab esitada ka siis, kui juhtumist on möödas üle aasta?',
      now,
    });
    await insertMessage(trx, {
      conversationId,
      senderId: lawyerId,
      body: 'Tere, Mari! Jah, see on sageli võimalik: aegumistähtaeg sõltub teo raskusest. Kirjeldage palun lühidalt, mis juhtus ja millal, siis oskan täpsemalt öelda.',
      now,
    });
  });
  return true;
}
