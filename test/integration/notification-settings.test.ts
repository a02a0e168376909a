import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConversation } from '../../src/use-cases/conversations.js';
import { setEmailPreference } from '../../src/db/repositories/mailbox-repository.js';
import { notify, notifyAll } from '../../src/use-cases/notify.js';
import { type Browser, mainText } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser } from '../support/factories.js';
import { openAndConfirm, signedInUser, unreadOf } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const categories = ['messages', 'inquiries', 'orders', 'reviews'] as const;
type Category = (typeof categories)[number];

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

/** Which categories' boxes are ticked on the settings page. */
function ticked(html: string): Record<Category, boolean> {
  return Object.fromEntries(
    categories.map((category) => {
      const input = new RegExp(`<input[^>]*id="email-${category}"[^>]*>`).exec(html)?.[0];
      if (!input) throw new Error(`no box for ${category}`);
      return [category, /\schecked(\s|=|\/|>)/.test(input)];
    }),
  ) as Record<Category, boolean>;
}

function save(browser: Browser, enabled: Category[], options: { csrf?: string | null } = {}) {
  return browser.post('/account/notifications', { email: enabled }, { formPage: '/account/notifications', ...options });
}

async function conversationWith(me: { id: number }) {
  const other = await signedInUser(t, { name: 'Bob Biit', email: 'bob@example.ee' });
  const id = await startConversation(t.deps.db, t.deps, { subject: 'Leping', memberIds: [me.id, other.user.id] });
  const reply = (browser: Browser, body: string) => browser.post(`/mailbox/conversations/${id}`, { body }, { formPage: `/mailbox/conversations/${id}` });
  return { other, id, reply };
}

describe('the notification settings page', () => {
  it('needs sign-in', async () => {
    const page = await t.browser().get('/account/notifications');

    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Faccount%2Fnotifications');
  });

  it('has every category on for a new user, and says security notices always go out', async () => {
    const { browser } = await signedInUser(t);

    const page = await browser.get('/account/notifications');

    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Teavitused e-postiga</h1>');
    expect(ticked(page.body)).toEqual({ messages: true, inquiries: true, orders: true, reviews: true });
    expect(mainText(page.body)).toContain('Uued sõnumid vestlustes');
    expect(mainText(page.body)).toContain('Turvateated (parooli või e-posti aadressi muutmine) saadame alati.');
  });

  it('is in English for an English-speaking user', async () => {
    const { browser } = await signedInUser(t, { locale: 'en' });

    const page = await browser.get('/account/notifications');

    expect(page.body).toContain('<h1>E-mail notifications</h1>');
    expect(mainText(page.body)).toContain('New messages in conversations');
  });

  it('is linked from the mailbox', async () => {
    const { browser } = await signedInUser(t);

    expect((await browser.get('/mailbox')).body).toContain('<a href="/account/notifications">Teavituste seaded</a>');
  });
});

describe('saving the settings', () => {
  it('switches “messages” off and returns to the page with a confirmation, the choice shown', async () => {
    const { browser } = await signedInUser(t);

    const saved = await save(browser, ['inquiries', 'orders', 'reviews']);

    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/account/notifications');
    const page = await browser.follow(saved);
    expect(mainText(page.body)).toContain('Teavituste seaded on salvestatud.');
    expect(ticked(page.body)).toEqual({ messages: false, inquiries: true, orders: true, reviews: true });
  });

  it('switches everything off (no box ticked) and on again', async () => {
    const { browser } = await signedInUser(t);

    await save(browser, []);
    expect(ticked((await browser.get('/account/notifications')).body)).toEqual({ messages: false, inquiries: false, orders: false, reviews: false });

    await save(browser, [...categories]);
    expect(ticked((await browser.get('/account/notifications')).body)).toEqual({ messages: true, inquiries: true, orders: true, reviews: true });
  });

  it('are each user’s own', async () => {
    const alice = await signedInUser(t);
    const bob = await signedInUser(t);

    await save(alice.browser, []);

    expect(ticked((await bob.browser.get('/account/notifications')).body)).toEqual({ messages: true, inquiries: true, orders: true, reviews: true });
  });

  it('ignores unknown categories (no 5xx)', async () => {
    const { browser } = await signedInUser(t);

    const saved = await browser.post(
      '/account/notifications',
      { email: ['orders', 'security', '<script>', 'x'.repeat(500)] },
      { formPage: '/account/notifications' },
    );

    expect(saved.status).toBe(303);
    expect(ticked((await browser.get('/account/notifications')).body)).toEqual({ messages: false, inquiries: false, orders: true, reviews: false });
  });

  it('is refused (403) without the form’s token, and nothing changes', async () => {
    const { browser } = await signedInUser(t);

    const page = await save(browser, [], { csrf: null });

    expect(page.status).toBe(403);
    expect(mainText(page.body)).toContain('Vormi ei saanud saata');
    expect(ticked((await browser.get('/account/notifications')).body)).toEqual({ messages: true, inquiries: true, orders: true, reviews: true });
  });

  it('is refused (403) with another session’s token', async () => {
    const alice = await signedInUser(t);
    const bob = await signedInUser(t);
    await bob.browser.get('/account/notifications');

    const page = await save(alice.browser, [], { csrf: bob.browser.csrfToken ?? '' });

    expect(page.status).toBe(403);
    expect(ticked((await alice.browser.get('/account/notifications')).body).messages).toBe(true);
  });

  it('an anonymous post is sent to sign in', async () => {
    const browser = t.browser();
    await browser.get('/');

    const page = await browser.post('/account/notifications', { email: [] });

    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login\?next=/);
  });
});

describe('what the settings change', () => {
  it('with “messages” off, a reply still reaches the mailbox but no e-mail is sent', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });
    const { other, reply } = await conversationWith(me.user);
    await save(me.browser, ['inquiries', 'orders', 'reviews']);

    await reply(other.browser, 'Uus sõnum');

    const mailbox = await me.browser.get('/mailbox');
    expect(unreadOf(mailbox.body)).toBe(1);
    expect(mainText(mailbox.body)).toContain('Leping');
    expect(mainText(mailbox.body)).toContain('1 lugemata sõnum');
    expect(await emailsTo(t, 'me@example.ee')).toHaveLength(0);
  });

  it('with “messages” off for one member, the other member is still e-mailed', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });
    const { other, reply } = await conversationWith(me.user);
    await save(me.browser, []);

    await reply(me.browser, 'Minu vastus');
    await reply(other.browser, 'Bobi vastus');

    expect(await emailsTo(t, 'bob@example.ee')).toHaveLength(1);
    expect(await emailsTo(t, 'me@example.ee')).toHaveLength(0);
  });

  it('switching “messages” back on brings the e-mails back', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });
    const { other, reply } = await conversationWith(me.user);
    await save(me.browser, []);
    await reply(other.browser, 'Vaikne');

    await save(me.browser, ['messages']);
    await reply(other.browser, 'Kuuldav');

    const emails = await emailsTo(t, 'me@example.ee');
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe('Uus sõnum: Leping');
  });

  it('switching other categories off leaves message e-mails on', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });
    const { other, reply } = await conversationWith(me.user);
    await save(me.browser, ['messages']);

    await reply(other.browser, 'Tere');

    expect(await emailsTo(t, 'me@example.ee')).toHaveLength(1);
  });

  it('a security notice is e-mailed even with everything off, and lands in the mailbox', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });
    await save(me.browser, []);

    await notify(t.deps.db, t.deps, { recipientId: me.user.id, kind: 'passwordChanged', link: '/account' });

    const email = await lastEmailTo(t, 'me@example.ee');
    expect(email.subject).toBe('Teie parool muudeti');
    expect(linkIn(email)).toBe('/account');
    expect(unreadOf((await me.browser.get('/my')).body)).toBe(1);
  });

  it('a notice without a link of its own links to itself in the e-mail', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });

    await notify(t.deps.db, t.deps, { recipientId: me.user.id, kind: 'passwordChanged' });

    const link = linkIn(await lastEmailTo(t, 'me@example.ee'));
    expect(link).toMatch(/^\/mailbox\/notices\/\d+$/);
    expect((await me.browser.get(link)).body).toContain('<h1>Teie parool muudeti</h1>');
  });

  it('a security notice comes in the recipient’s language', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee', locale: 'en' });
    await save(me.browser, []);

    await notify(t.deps.db, t.deps, { recipientId: me.user.id, kind: 'emailChanged', params: { email: 'new@example.ee' } });

    const email = await lastEmailTo(t, 'me@example.ee');
    expect(email.subject).toBe('Your account’s e-mail address was changed');
    expect(email.text_body).toContain('new@example.ee');
  });

  it('the real password change e-mails its notice with everything off, and the mailbox holds it', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });
    await save(me.browser, []);

    const done = await me.browser.post(
      '/account/password',
      { currentPassword: me.user.password, newPassword: 'sügisel langevad lehed', newPasswordRepeat: 'sügisel langevad lehed' },
      { formPage: '/account/password' },
    );

    expect(done.status).toBe(303);
    expect((await lastEmailTo(t, 'me@example.ee')).subject).toBe('Teie parool muudeti');
    const mailbox = await me.browser.get('/mailbox');
    expect(unreadOf(mailbox.body)).toBe(1);
    expect(mainText(mailbox.body)).toContain('Teie parool muudeti');
  });

  it('the real e-mail address change warns the old address with everything off', async () => {
    const me = await signedInUser(t, { email: 'me@example.ee' });
    await save(me.browser, []);
    await me.browser.post('/account/email', { newEmail: 'me.new@example.ee', currentPassword: me.user.password }, { formPage: '/account/email' });

    await openAndConfirm(me.browser, linkIn(await lastEmailTo(t, 'me.new@example.ee')));

    const warning = await lastEmailTo(t, 'me@example.ee');
    expect(warning.subject).toBe('Teie konto e-posti aadress muudeti');
    expect(warning.text_body).toContain('me.new@example.ee');
    expect(mainText((await me.browser.get('/mailbox')).body)).toContain('Teie konto e-posti aadress muudeti');
  });

  it('a user who never opened the settings gets message e-mails', async () => {
    const me = await createUser(t, { email: 'quiet@example.ee' });
    const { other, reply } = await conversationWith(me);

    await reply(other.browser, 'Tere');

    expect(await emailsTo(t, 'quiet@example.ee')).toHaveLength(1);
  });
});

describe('notices to several people at once', () => {
  const invitation = (recipientId: number, link?: string) => ({ recipientId, kind: 'inquiryInvitation' as const, params: { title: 'Üürileping' }, ...(link ? { link } : {}) });

  it('gives each a notice, and an e-mail in their own language unless they switched that kind off', async () => {
    const kadri = await createUser(t, { email: 'kadri@example.ee', locale: 'et' });
    const john = await createUser(t, { email: 'john@example.ee', locale: 'en' });
    const quiet = await createUser(t, { email: 'quiet@example.ee', locale: 'et' });
    await setEmailPreference(t.deps.db, quiet.id, 'inquiries', false);

    await notifyAll(t.deps.db, t.deps, [kadri, john, quiet].map((user) => invitation(user.id, '/inquiries/7')));

    for (const user of [kadri, john, quiet]) {
      const notices = await t.deps.db.selectFrom('notices').select(['kind', 'link', 'params']).where('user_id', '=', user.id).execute();
      expect(notices).toEqual([{ kind: 'inquiryInvitation', link: '/inquiries/7', params: JSON.stringify({ title: 'Üürileping' }) }]);
    }
    const [toKadri, toJohn] = [await emailsTo(t, kadri.email), await emailsTo(t, john.email)];
    expect(toKadri.map((email) => email.subject)).toEqual(['Uus hinnapäring: Üürileping']);
    expect(toJohn.map((email) => email.subject)).toEqual(['New price inquiry: Üürileping']);
    expect([linkIn(toKadri[0]!), linkIn(toJohn[0]!)]).toEqual(['/inquiries/7', '/inquiries/7']);
    expect(await emailsTo(t, quiet.email)).toEqual([]);
  });

  it('links the e-mail of a notice without a page of its own to that very notice', async () => {
    const users = [await createUser(t, { email: 'one@example.ee' }), await createUser(t, { email: 'two@example.ee' })];
    await notifyAll(t.deps.db, t.deps, [invitation(users[0]!.id), invitation(users[1]!.id)]);
    for (const user of users) {
      const notice = await t.deps.db.selectFrom('notices').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
      expect(linkIn(await lastEmailTo(t, user.email))).toBe(`/mailbox/notices/${notice.id}`);
    }
  });

  it('writes nothing when one of the people does not exist', async () => {
    const kadri = await createUser(t, { email: 'kadri@example.ee' });
    await expect(t.deps.db.transaction().execute((trx) => notifyAll(trx, t.deps, [invitation(kadri.id, '/inquiries/7'), invitation(kadri.id + 1000)]))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await t.deps.db.selectFrom('notices').select('id').execute()).toEqual([]);
    expect(await emailsTo(t, kadri.email)).toEqual([]);
  });
});
