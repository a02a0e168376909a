import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConversation } from '../../src/use-cases/conversations.js';
import { notify } from '../../src/use-cases/notify.js';
import { type Browser, mainText } from '../support/browser.js';
import { createUser } from '../support/factories.js';
import { signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const minute = 60_000;

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

// ---- what the page shows ----

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** The mailbox link in the header: the number its badge shows and the label a screen reader reads. */
function badgeOf(html: string): { count: number; label: string; shown: string } {
  const link = /<a[^>]*class="mailbox-link"[^>]*>[\s\S]*?<\/a>/.exec(html)?.[0];
  if (!link) throw new Error('the page has no mailbox link');
  const count = /data-unread-count="(\d+)"/.exec(link)?.[1];
  const label = /aria-label="([^"]*)"/.exec(link)?.[1];
  const shown = /<span class="badge"[^>]*>([^<]*)<\/span>/.exec(link)?.[1];
  if (count === undefined || label === undefined || shown === undefined) throw new Error(`malformed mailbox link: ${link}`);
  return { count: Number(count), label: decode(label), shown };
}

/** The unread count the header shows on a page, checked to agree with its spoken label. */
async function unreadOn(browser: Browser, path = '/my'): Promise<number> {
  const page = await browser.get(path);
  const badge = badgeOf(page.body);
  expect(badge.label).toBe(`Postkast, ${badge.count} lugemata`);
  expect(badge.shown).toBe(String(badge.count));
  return badge.count;
}

/** The wording the page's script fills the live count into (`{count}`). */
function labelTemplateOf(html: string): string | undefined {
  const link = /<a[^>]*class="mailbox-link"[^>]*>/.exec(html)?.[0] ?? '';
  const template = /data-label-template="([^"]*)"/.exec(link)?.[1];
  return template === undefined ? undefined : decode(template);
}

type ListItem = { href: string; isUnread: boolean; title: string; text: string };

/** The items of the mailbox list, top to bottom. */
function itemsOf(html: string): ListItem[] {
  return [...html.matchAll(/<li class="(mailbox-item(?: unread)?)"><a href="([^"]+)">([\s\S]*?)<\/a><\/li>/g)].map((m) => ({
    href: m[2]!,
    isUnread: m[1] === 'mailbox-item unread',
    title: decode(/<span class="item-title">([\s\S]*?)<\/span>/.exec(m[3]!)?.[1] ?? ''),
    text: mainText(m[3]!),
  }));
}

function relLink(html: string, rel: 'next' | 'prev'): string | undefined {
  const href = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html)?.[1];
  return href === undefined ? undefined : decode(href);
}

// ---- making mail ----

function passwordNotice(recipientId: number, link = '/account') {
  return notify(t.deps.db, t.deps, { recipientId, kind: 'passwordChanged', link });
}

function emailNotice(recipientId: number, email: string) {
  return notify(t.deps.db, t.deps, { recipientId, kind: 'emailChanged', params: { email }, link: '/account' });
}

function conversation(subject: string, ...members: { id: number }[]) {
  return startConversation(t.deps.db, t.deps, { subject, memberIds: members.map((m) => m.id) });
}

function reply(browser: Browser, conversationId: number, body: string) {
  return browser.post(`/mailbox/conversations/${conversationId}`, { body }, { formPage: `/mailbox/conversations/${conversationId}` });
}

describe('the unread count in the header', () => {
  it('is 0 for a new user, with a label that says so', async () => {
    const { browser } = await signedInUser(t);

    const page = await browser.get('/my');

    expect(badgeOf(page.body)).toEqual({ count: 0, label: 'Postkast, 0 lugemata', shown: '0' });
  });

  it('carries the label’s wording for the live count to fill in', async () => {
    const { browser } = await signedInUser(t);
    const english = await signedInUser(t, { locale: 'en' });

    expect(labelTemplateOf((await browser.get('/my')).body)).toBe('Postkast, {count} lugemata');
    expect(labelTemplateOf((await english.browser.get('/my')).body)).toBe('Mailbox, {count} unread');
  });

  it('shows unread notices and conversations with unread messages on every page', async () => {
    const { browser, user } = await signedInUser(t);
    const other = await signedInUser(t);
    await passwordNotice(user.id);
    const id = await conversation('Üürileping', user, other.user);
    await reply(other.browser, id, 'Tere!');

    for (const path of ['/', '/my', '/account', '/account/notifications', '/mailbox', '/mailbox?filter=notices', '/no-such-page']) {
      expect(await unreadOn(browser, path), path).toBe(2);
    }
  });

  it('is shown in the reader’s language', async () => {
    const { browser, user } = await signedInUser(t, { locale: 'en' });
    await passwordNotice(user.id);

    const badge = badgeOf((await browser.get('/my')).body);

    expect(badge.count).toBe(1);
    expect(badge.label).toBe('Mailbox, 1 unread');
  });

  it('rises when the other member replies, once per conversation however many messages arrive', async () => {
    const alice = await signedInUser(t, { name: 'Alice Allik' });
    const bob = await signedInUser(t, { name: 'Bob Biit' });
    const first = await conversation('Esimene', alice.user, bob.user);
    const second = await conversation('Teine', alice.user, bob.user);
    expect(await unreadOn(alice.browser)).toBe(0);

    await reply(bob.browser, first, 'Üks');
    expect(await unreadOn(alice.browser)).toBe(1);
    await reply(bob.browser, first, 'Kaks');
    expect(await unreadOn(alice.browser)).toBe(1);
    await reply(bob.browser, second, 'Kolm');
    expect(await unreadOn(alice.browser)).toBe(2);
  });

  it('falls when the thread is opened, already on the thread page itself', async () => {
    const alice = await signedInUser(t);
    const bob = await signedInUser(t);
    const id = await conversation('Leping', alice.user, bob.user);
    await reply(bob.browser, id, 'Palun vaadake üle.');
    expect(await unreadOn(alice.browser)).toBe(1);

    expect(await unreadOn(alice.browser, `/mailbox/conversations/${id}`)).toBe(0);
    expect(await unreadOn(alice.browser)).toBe(0);
  });

  it('falls when a notice is opened, already on the notice page itself', async () => {
    const { browser, user } = await signedInUser(t);
    await passwordNotice(user.id);
    await passwordNotice(user.id);
    const [first] = itemsOf((await browser.get('/mailbox')).body);

    expect(await unreadOn(browser, first!.href)).toBe(1);
    expect(await unreadOn(browser, first!.href)).toBe(1);
    expect(await unreadOn(browser)).toBe(1);
  });

  it('never counts my own messages as unread for me', async () => {
    const alice = await signedInUser(t);
    const bob = await signedInUser(t);
    const id = await conversation('Leping', alice.user, bob.user);

    await reply(alice.browser, id, 'Minu esimene sõnum');
    await reply(alice.browser, id, 'Minu teine sõnum');

    expect(await unreadOn(alice.browser)).toBe(0);
    const [item] = itemsOf((await alice.browser.get('/mailbox')).body);
    expect(item?.isUnread).toBe(false);
    expect(await unreadOn(bob.browser)).toBe(1);
  });

  it('of one user is not touched by what another user reads', async () => {
    const alice = await signedInUser(t);
    const bob = await signedInUser(t);
    const carol = await signedInUser(t);
    const id = await conversation('Kolmekesi', alice.user, bob.user, carol.user);
    await reply(carol.browser, id, 'Tere kõigile');

    await bob.browser.get(`/mailbox/conversations/${id}`);

    expect(await unreadOn(bob.browser)).toBe(0);
    expect(await unreadOn(alice.browser)).toBe(1);
    expect(await unreadOn(carol.browser)).toBe(0);
  });
});

describe('the mailbox list', () => {
  it('needs sign-in', async () => {
    const page = await t.browser().get('/mailbox?filter=unread');

    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Fmailbox%3Ffilter%3Dunread');
  });

  it('tells a new user the mailbox is empty', async () => {
    const { browser } = await signedInUser(t);

    const page = await browser.get('/mailbox');

    expect(page.status).toBe(200);
    expect(itemsOf(page.body)).toEqual([]);
    expect(mainText(page.body)).toContain('Teie postkast on tühi.');
  });

  it('shows notices and conversations together, newest first, the unread ones marked', async () => {
    const { browser, user } = await signedInUser(t);
    const bob = await signedInUser(t);
    const olderId = await conversation('Vana vestlus', user, bob.user);
    t.clock.advance(minute);
    await passwordNotice(user.id);
    t.clock.advance(minute);
    const newerId = await conversation('Uus vestlus', user, bob.user);
    t.clock.advance(minute);
    await emailNotice(user.id, 'uus@example.ee');

    const items = itemsOf((await browser.get('/mailbox')).body);

    expect(items.map((i) => i.title)).toEqual(['Teie konto e-posti aadress muudeti', 'Uus vestlus', 'Teie parool muudeti', 'Vana vestlus']);
    expect(items.map((i) => i.isUnread)).toEqual([true, false, true, false]);
    expect(items[0]?.text).toContain('Teade');
    expect(items[0]?.text).toContain('Lugemata');
    expect(items[1]?.href).toBe(`/mailbox/conversations/${newerId}`);
    expect(items[1]?.text).toContain('Vestlus');
    expect(items[3]?.href).toBe(`/mailbox/conversations/${olderId}`);
  });

  it('moves a conversation to the top when a message arrives, with the number of unread messages', async () => {
    const { browser, user } = await signedInUser(t);
    const bob = await signedInUser(t);
    const id = await conversation('Vana vestlus', user, bob.user);
    t.clock.advance(minute);
    await passwordNotice(user.id);
    t.clock.advance(minute);

    await reply(bob.browser, id, 'Üks');
    await reply(bob.browser, id, 'Kaks');

    const [top] = itemsOf((await browser.get('/mailbox')).body);
    expect(top?.title).toBe('Vana vestlus');
    expect(top?.isUnread).toBe(true);
    expect(top?.text).toContain('2 lugemata sõnumit');
  });

  it('drops the unread mark of what was opened', async () => {
    const { browser, user } = await signedInUser(t);
    const bob = await signedInUser(t);
    const id = await conversation('Leping', user, bob.user);
    await reply(bob.browser, id, 'Tere');
    await passwordNotice(user.id);

    for (const item of itemsOf((await browser.get('/mailbox')).body)) await browser.get(item.href);

    const items = itemsOf((await browser.get('/mailbox')).body);
    expect(items).toHaveLength(2);
    expect(items.every((i) => !i.isUnread)).toBe(true);
  });

  it('is in the reader’s language', async () => {
    const { browser, user } = await signedInUser(t, { locale: 'en' });
    await passwordNotice(user.id);

    const page = await browser.get('/mailbox');

    expect(itemsOf(page.body)[0]?.title).toBe('Your password was changed');
    expect(itemsOf(page.body)[0]?.text).toContain('Notice');
    expect(mainText(page.body)).toContain('Notices and conversations, newest first.');
  });

  it('holds only the user’s own notices and conversations', async () => {
    const { browser, user } = await signedInUser(t);
    const bob = await createUser(t);
    const carol = await createUser(t);
    await passwordNotice(bob.id);
    await conversation('Bobi ja Caroli asi', bob, carol);
    await conversation('Minu asi', user, bob);

    const items = itemsOf((await browser.get('/mailbox')).body);

    expect(items.map((i) => i.title)).toEqual(['Minu asi']);
  });

  describe('filters', () => {
    async function mixedMailbox() {
      const me = await signedInUser(t);
      const bob = await signedInUser(t);
      const readConversation = await conversation('Loetud vestlus', me.user, bob.user);
      await reply(bob.browser, readConversation, 'Vana sõnum');
      await me.browser.get(`/mailbox/conversations/${readConversation}`);
      t.clock.advance(minute);
      const unreadConversation = await conversation('Lugemata vestlus', me.user, bob.user);
      await reply(bob.browser, unreadConversation, 'Uus sõnum');
      t.clock.advance(minute);
      await emailNotice(me.user.id, 'loetud@example.ee');
      const [readNotice] = itemsOf((await me.browser.get('/mailbox?filter=notices')).body);
      await me.browser.get(readNotice!.href);
      t.clock.advance(minute);
      await passwordNotice(me.user.id);
      return me.browser;
    }

    it('“unread” shows only unread notices and conversations', async () => {
      const browser = await mixedMailbox();

      const page = await browser.get('/mailbox?filter=unread');

      expect(itemsOf(page.body).map((i) => i.title)).toEqual(['Teie parool muudeti', 'Lugemata vestlus']);
      expect(page.body).toMatch(/<a href="\/mailbox\?filter=unread" aria-current="page">/);
    });

    it('“notices” shows only notices, read and unread', async () => {
      const browser = await mixedMailbox();

      const items = itemsOf((await browser.get('/mailbox?filter=notices')).body);

      expect(items.map((i) => i.title)).toEqual(['Teie parool muudeti', 'Teie konto e-posti aadress muudeti']);
      expect(items.every((i) => i.href.startsWith('/mailbox/notices/'))).toBe(true);
    });

    it('“conversations” shows only conversations, read and unread', async () => {
      const browser = await mixedMailbox();

      const items = itemsOf((await browser.get('/mailbox?filter=conversations')).body);

      expect(items.map((i) => i.title)).toEqual(['Lugemata vestlus', 'Loetud vestlus']);
      expect(items.map((i) => i.isUnread)).toEqual([true, false]);
    });

    it('an item read leaves the “unread” list', async () => {
      const browser = await mixedMailbox();
      const [first] = itemsOf((await browser.get('/mailbox?filter=unread')).body);

      await browser.get(first!.href);

      expect(itemsOf((await browser.get('/mailbox?filter=unread')).body).map((i) => i.title)).toEqual(['Lugemata vestlus']);
    });

    it('an empty filter says there is nothing to show with this choice', async () => {
      const { browser, user } = await signedInUser(t);
      await passwordNotice(user.id);

      const page = await browser.get('/mailbox?filter=conversations');

      expect(itemsOf(page.body)).toEqual([]);
      expect(mainText(page.body)).toContain('Selle valikuga ei ole midagi näidata.');
    });

    it.each(['bogus', '', 'UNREAD', "notices'--", 'unread&filter=notices', '%00'])('an unknown filter “%s” shows everything (no 5xx)', async (filter) => {
      const browser = await mixedMailbox();

      const page = await browser.get(`/mailbox?filter=${filter}`);

      expect(page.status).toBe(200);
      expect(itemsOf(page.body)).toHaveLength(4);
      expect(page.body).toMatch(/<a href="\/mailbox" aria-current="page">/);
    });
  });

  describe('pagination', () => {
    /** 13 notices and 12 conversations, alternating, a minute apart; titles say which is which. */
    async function fullMailbox() {
      const me = await signedInUser(t);
      const bob = await createUser(t);
      const expected: string[] = [];
      for (let i = 1; i <= 25; i += 1) {
        if (i % 2 === 1) {
          await passwordNotice(me.user.id);
          expected.push('Teie parool muudeti');
        } else {
          const subject = `Vestlus ${String(i).padStart(2, '0')}`;
          await conversation(subject, me.user, bob);
          expected.push(subject);
        }
        t.clock.advance(minute);
      }
      return { browser: me.browser, newestFirst: expected.reverse() };
    }

    it('shows the newest 20 on the first page with a link to the next', async () => {
      const { browser, newestFirst } = await fullMailbox();

      const page = await browser.get('/mailbox');

      expect(itemsOf(page.body).map((i) => i.title)).toEqual(newestFirst.slice(0, 20));
      expect(relLink(page.body, 'next')).toBe('/mailbox?page=2');
      expect(relLink(page.body, 'prev')).toBeUndefined();
      expect(mainText(page.body)).toContain('Lehekülg 1 / 2');
    });

    it('shows the oldest 5 on page 2 with a link back', async () => {
      const { browser, newestFirst } = await fullMailbox();
      const first = await browser.get('/mailbox');

      const page = await browser.get(relLink(first.body, 'next')!);

      expect(itemsOf(page.body).map((i) => i.title)).toEqual(newestFirst.slice(20));
      expect(relLink(page.body, 'prev')).toBe('/mailbox');
      expect(relLink(page.body, 'next')).toBeUndefined();
      expect(mainText(page.body)).toContain('Lehekülg 2 / 2');
    });

    it('every item appears exactly once across the pages', async () => {
      const { browser } = await fullMailbox();

      const hrefs = [...itemsOf((await browser.get('/mailbox')).body), ...itemsOf((await browser.get('/mailbox?page=2')).body)].map((i) => i.href);

      expect(hrefs).toHaveLength(25);
      expect(new Set(hrefs).size).toBe(25);
    });

    it('keeps the filter in the page links', async () => {
      const me = await signedInUser(t);
      for (let i = 0; i < 21; i += 1) {
        await passwordNotice(me.user.id);
        t.clock.advance(minute);
      }

      const first = await me.browser.get('/mailbox?filter=notices');
      expect(itemsOf(first.body)).toHaveLength(20);
      expect(relLink(first.body, 'next')).toBe('/mailbox?filter=notices&page=2');
      const second = await me.browser.get('/mailbox?filter=notices&page=2');
      expect(itemsOf(second.body)).toHaveLength(1);
      expect(relLink(second.body, 'prev')).toBe('/mailbox?filter=notices');
    });

    it('“unread” counts only unread items for its pages', async () => {
      const me = await signedInUser(t);
      const bob = await signedInUser(t);
      for (let i = 0; i < 21; i += 1) {
        await passwordNotice(me.user.id);
        t.clock.advance(minute);
      }
      for (const notice of itemsOf((await me.browser.get('/mailbox?filter=notices')).body).slice(0, 2)) await me.browser.get(notice.href);
      for (const subject of ['Vestlus A', 'Vestlus B', 'Vestlus C']) await conversation(subject, me.user, bob.user);
      expect(itemsOf((await me.browser.get('/mailbox?filter=conversations')).body).map((i) => i.isUnread)).toEqual([false, false, false]);

      const page = await me.browser.get('/mailbox?filter=unread');

      expect(itemsOf(page.body)).toHaveLength(19);
      expect(page.body).not.toContain('class="pagination"');
    });

    it('has no page links while everything fits on one page', async () => {
      const { browser, user } = await signedInUser(t);
      for (let i = 0; i < 20; i += 1) await passwordNotice(user.id);

      const page = await browser.get('/mailbox');

      expect(itemsOf(page.body)).toHaveLength(20);
      expect(page.body).not.toContain('class="pagination"');
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999', '', '%00'])('a malformed page “%s” shows the first page (no 5xx)', async (value) => {
      const { browser, newestFirst } = await fullMailbox();

      const page = await browser.get(`/mailbox?page=${value}`);

      expect(page.status).toBe(200);
      expect(itemsOf(page.body).map((i) => i.title)).toEqual(newestFirst.slice(0, 20));
    });

    it.each(['3', '7', '1e3'])('a page past the end (“%s”) shows the last page, not an empty mailbox', async (value) => {
      const { browser, newestFirst } = await fullMailbox();

      const page = await browser.get(`/mailbox?page=${value}`);

      expect(page.status).toBe(200);
      expect(itemsOf(page.body).map((i) => i.title)).toEqual(newestFirst.slice(20));
      expect(mainText(page.body)).toContain('Lehekülg 2 / 2');
      expect(mainText(page.body)).not.toContain('Teie postkast on tühi.');
      expect(relLink(page.body, 'prev')).toBe('/mailbox');
    });

    it('a filtered page past the end shows the filter’s last page', async () => {
      const { browser, user } = await signedInUser(t);
      await passwordNotice(user.id);

      const page = await browser.get('/mailbox?filter=notices&page=4');

      expect(page.status).toBe(200);
      expect(itemsOf(page.body).map((i) => i.title)).toEqual(['Teie parool muudeti']);
    });
  });
});

describe('opening a notice', () => {
  it('shows its title, text and the link it is about, in Estonian', async () => {
    const { browser, user } = await signedInUser(t);
    await emailNotice(user.id, 'uus.aadress@example.ee');
    const [item] = itemsOf((await browser.get('/mailbox')).body);

    const page = await browser.get(item!.href);

    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Teie konto e-posti aadress muudeti</h1>');
    expect(mainText(page.body)).toContain('Teie konto e-posti aadress on nüüd uus.aadress@example.ee.');
    expect(page.body).toMatch(/<a class="button" href="\/account">Ava seotud leht<\/a>/);
  });

  it('shows it in English to an English-speaking user', async () => {
    const { browser, user } = await signedInUser(t, { locale: 'en' });
    await notify(t.deps.db, t.deps, { recipientId: user.id, kind: 'passwordChanged', link: '/account/password' });
    const [item] = itemsOf((await browser.get('/mailbox')).body);

    const page = await browser.get(item!.href);

    expect(page.body).toContain('<h1>Your password was changed</h1>');
    expect(mainText(page.body)).toContain('Your account’s password was changed.');
    expect(page.body).toMatch(/<a class="button" href="\/account\/password">Open the related page<\/a>/);
  });

  it('follows the reader’s language, not the one at the time the notice was made', async () => {
    const { browser, user } = await signedInUser(t);
    await passwordNotice(user.id);
    const [item] = itemsOf((await browser.get('/mailbox')).body);
    await browser.post('/language', { lang: 'en', returnTo: '/account' }, { formPage: '/account' });

    const page = await browser.get(item!.href);

    expect(page.body).toContain('<h1>Your password was changed</h1>');
  });

  it('marks it read', async () => {
    const { browser, user } = await signedInUser(t);
    await passwordNotice(user.id);
    const [before] = itemsOf((await browser.get('/mailbox')).body);
    expect(before?.isUnread).toBe(true);

    await browser.get(before!.href);

    const [after] = itemsOf((await browser.get('/mailbox')).body);
    expect(after?.isUnread).toBe(false);
  });

  it('shows parameters as text, never as markup', async () => {
    const { browser, user } = await signedInUser(t);
    await emailNotice(user.id, '<script>alert(1)</script>@example.ee');
    const [item] = itemsOf((await browser.get('/mailbox')).body);

    const page = await browser.get(item!.href);

    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toMatch(/&lt;script>alert\(1\)&lt;\/script>@example\.ee|&lt;script&gt;alert\(1\)&lt;\/script&gt;@example\.ee/);
    expect(mainText(page.body)).toContain('Teie konto e-posti aadress on nüüd <script>alert(1)</script>@example.ee.');
  });

  it('another user’s notice is “not found” (404), the same page as a missing one, and stays unread for its owner', async () => {
    const owner = await signedInUser(t);
    const { browser } = await signedInUser(t);
    await passwordNotice(owner.user.id);
    const [item] = itemsOf((await owner.browser.get('/mailbox')).body);
    const id = Number(item!.href.split('/').pop());

    const foreign = await browser.get(`/mailbox/notices/${id}`);
    const missing = await browser.get(`/mailbox/notices/${id + 1000}`);

    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(mainText(foreign.body)).toBe(mainText(missing.body));
    expect(foreign.body).not.toContain('Teie parool muudeti');
    expect(await unreadOn(owner.browser)).toBe(1);
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999', '1%20or%201=1'])('a malformed id “%s” is “not found” (404)', async (id) => {
    const { browser } = await signedInUser(t);

    const page = await browser.get(`/mailbox/notices/${id}`);

    expect(page.status).toBe(404);
  });

  it('needs sign-in', async () => {
    const owner = await createUser(t);
    await passwordNotice(owner.id);

    const page = await t.browser().get('/mailbox/notices/1');

    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Fmailbox%2Fnotices%2F1');
  });
});

describe('the live unread count (server-sent events)', () => {
  /** Opens the stream like EventSource does and reads until the first event; then hangs up. */
  async function firstEventOf(browser: Browser) {
    const response = await t.app.inject({
      method: 'GET',
      url: '/mailbox/unread-stream',
      headers: { cookie: browser.cookieHeader(), accept: 'text/event-stream' },
      payloadAsStream: true,
    });
    const stream = response.stream();
    let text = '';
    try {
      for await (const chunk of stream) {
        text += String(chunk);
        const blocks = text.split('\n\n').slice(0, -1);
        // Blocks with only a retry time or a comment are no events.
        const event = blocks.find((block) => block.split('\n').some((line) => line.startsWith('event:') || line.startsWith('data:')));
        if (event !== undefined) return { response, event };
      }
    } finally {
      stream.destroy();
    }
    throw new Error(`the stream ended without an event: ${JSON.stringify(text)}`);
  }

  it('answers a signed-in user with an event stream whose first event is the unread count', async () => {
    const { browser, user } = await signedInUser(t);
    await passwordNotice(user.id);
    await emailNotice(user.id, 'x@example.ee');

    const { response, event } = await firstEventOf(browser);

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(event).toBe('event: unread\ndata: 2');
  });

  it('says 0 to a user with nothing unread', async () => {
    const { browser } = await signedInUser(t);

    const { event } = await firstEventOf(browser);

    expect(event).toBe('event: unread\ndata: 0');
  });

  it('counts what the header counts, after something is read', async () => {
    const alice = await signedInUser(t);
    const bob = await signedInUser(t);
    const id = await conversation('Leping', alice.user, bob.user);
    await reply(bob.browser, id, 'Tere');
    await passwordNotice(alice.user.id);
    await alice.browser.get(`/mailbox/conversations/${id}`);

    const { event } = await firstEventOf(alice.browser);

    expect(event).toBe(`event: unread\ndata: ${await unreadOn(alice.browser)}`);
    expect(event).toBe('event: unread\ndata: 1');
  });

  it('sends an anonymous visitor to sign in', async () => {
    const page = await t.browser().get('/mailbox/unread-stream');

    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Fmailbox%2Funread-stream');
  });
});
