import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postMessage, startConversation } from '../../src/use-cases/conversations.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { postMultipart, samplePdf } from '../support/multipart.js';
import { fieldError, signedInUser, unreadOf } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const minute = 60_000;

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** What the reply box shows (as the page sends it back). */
function replyText(html: string): string | undefined {
  const text = /<textarea[^>]*\bname="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

type Shown = { sender: string; body: string; isMine: boolean };

/** The messages of a thread, top (oldest) to bottom. */
function messagesOf(html: string): Shown[] {
  return [...html.matchAll(/<li class="(message(?: mine)?)" id="message-\d+">([\s\S]*?)<\/li>(?=<li class="message|<\/ol>)/g)].map((m) => ({
    sender: decode(/<strong>([\s\S]*?)<\/strong>/.exec(m[2]!)?.[1] ?? ''),
    body: decode(/<p class="message-body">([\s\S]*?)<\/p>/.exec(m[2]!)?.[1] ?? ''),
    isMine: m[1] === 'message mine',
  }));
}

function threadPath(id: number): string {
  return `/mailbox/conversations/${id}`;
}

function conversation(subject: string, ...members: { id: number }[]) {
  return startConversation(t.deps.db, t.deps, { subject, memberIds: members.map((m) => m.id) });
}

/** Writes in a thread through its reply form, as a person would. */
function reply(browser: Browser, id: number, body: string, options: { csrf?: string | null } = {}): Promise<Page> {
  return browser.post(threadPath(id), { body }, { formPage: threadPath(id), ...options });
}

async function messageCount(): Promise<number> {
  const row = await t.deps.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function pair(options: { bobLocale?: 'et' | 'en' } = {}) {
  const alice = await signedInUser(t, { name: 'Alice Allik', email: 'alice@example.ee' });
  const bob = await signedInUser(t, { name: 'Bob Biit', email: 'bob@example.ee', locale: options.bobLocale ?? 'et' });
  const id = await conversation('Üürileping', alice.user, bob.user);
  return { alice, bob, id };
}

describe('who can read a conversation', () => {
  it('both members can open it and see its subject and participants', async () => {
    const { alice, bob, id } = await pair();

    for (const browser of [alice.browser, bob.browser]) {
      const page = await browser.get(threadPath(id));
      expect(page.status).toBe(200);
      expect(page.body).toContain('<h1>Üürileping</h1>');
      expect(mainText(page.body)).toContain('Osalejad: Alice Allik, Bob Biit');
    }
  });

  it('a signed-in outsider gets “not found” (404) for every conversation id, the same page as for a missing one', async () => {
    const { alice, bob } = await pair();
    const carol = await createUser(t);
    const ids = [await conversation('Teine', alice.user, bob.user), await conversation('Kolmas', bob.user, carol)];
    await reply(alice.browser, ids[0]!, 'Salajane sisu');
    const { browser: mallory } = await signedInUser(t, { name: 'Mallory' });
    const missing = await mallory.get(threadPath(1000));
    expect(missing.status).toBe(404);

    for (let guess = 1; guess <= 3; guess += 1) {
      const page = await mallory.get(threadPath(guess));
      expect(page.status, `conversation ${guess}`).toBe(404);
      expect(mainText(page.body)).toBe(mainText(missing.body));
      expect(page.body).not.toContain('Salajane sisu');
    }
  });

  it('an outsider’s look does not mark the conversation read for its members', async () => {
    const { alice, bob, id } = await pair();
    await reply(bob.browser, id, 'Tere');
    const { browser: mallory } = await signedInUser(t);

    await mallory.get(threadPath(id));

    expect(unreadOf((await alice.browser.get('/my')).body)).toBe(1);
  });

  it('an outsider cannot post to it (404), nothing is stored and nobody is e-mailed', async () => {
    const { id } = await pair();
    const { browser: mallory } = await signedInUser(t);
    await mallory.get('/my');

    const page = await mallory.post(threadPath(id), { body: 'Sissetung' });

    expect(page.status).toBe(404);
    expect(await messageCount()).toBe(0);
    expect(await emailsTo(t, 'alice@example.ee')).toHaveLength(0);
    expect(await emailsTo(t, 'bob@example.ee')).toHaveLength(0);
  });

  it('an outsider’s invalid post is also 404: no validation message gives the conversation away', async () => {
    const { id } = await pair();
    const { browser: mallory } = await signedInUser(t);
    await mallory.get('/my');

    const empty = await mallory.post(threadPath(id), { body: '' });
    const tooLong = await mallory.post(threadPath(id), { body: 'x'.repeat(20_001) });
    const missing = await mallory.post(threadPath(1000), { body: '' });

    expect(empty.status).toBe(404);
    expect(tooLong.status).toBe(404);
    expect(mainText(empty.body)).toBe(mainText(missing.body));
  });

  it('an anonymous visitor is sent to sign in and lands on the thread afterwards', async () => {
    const { bob, id } = await pair();
    const browser = t.browser();

    const page = await browser.get(threadPath(id));

    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=%2Fmailbox%2Fconversations%2F${id}`);
    await browser.follow(page);
    const login = await browser.post('/login', { email: bob.user.email, password: bob.user.password, next: threadPath(id) });
    expect(login.location).toBe(threadPath(id));
  });

  it('an anonymous post is sent to sign in and stores nothing', async () => {
    const { id } = await pair();
    const browser = t.browser();
    await browser.get('/');

    const page = await browser.post(threadPath(id), { body: 'Anonüümne' });

    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/login\?next=/);
    expect(await messageCount()).toBe(0);
  });

  it.each(['abc', '0', '-5', '99999999999'])('a malformed id “%s” is “not found” (404)', async (id) => {
    const { browser } = await signedInUser(t);

    expect((await browser.get(`/mailbox/conversations/${id}`)).status).toBe(404);
    expect((await browser.post(`/mailbox/conversations/${id}`, { body: 'x' })).status).toBe(404);
  });
});

describe('replying', () => {
  it('shows the message in the thread after a 303 back to it, with a confirmation', async () => {
    const { alice, id } = await pair();

    const sent = await reply(alice.browser, id, 'Saatsin lepingu üle.');

    expect(sent.status).toBe(303);
    expect(sent.location).toBe(threadPath(id));
    const page = await alice.browser.follow(sent);
    expect(mainText(page.body)).toContain('Sõnum on saadetud.');
    expect(messagesOf(page.body)).toEqual([{ sender: 'Teie', body: 'Saatsin lepingu üle.', isMine: true }]);
    expect(mainText((await alice.browser.get(threadPath(id))).body)).not.toContain('Sõnum on saadetud.');
  });

  it('works from the thread’s own form, which sends multipart/form-data', async () => {
    const { alice, bob, id } = await pair();
    const form = await alice.browser.get(threadPath(id));
    expect(form.body).toContain(`<form method="post" action="${threadPath(id)}" enctype="multipart/form-data"`);

    const sent = await postMultipart(t.app, alice.browser, threadPath(id), { fields: { body: 'Mitmeosaline vorm' } });

    expect(sent.status).toBe(303);
    expect(sent.location).toBe(threadPath(id));
    expect(messagesOf((await bob.browser.get(threadPath(id))).body)).toEqual([{ sender: 'Alice Allik', body: 'Mitmeosaline vorm', isMine: false }]);
  });

  it('the other member sees it with the sender’s name, in order after earlier messages', async () => {
    const { alice, bob, id } = await pair();
    await reply(alice.browser, id, 'Esimene');
    t.clock.advance(minute);
    await reply(bob.browser, id, 'Teine');
    t.clock.advance(minute);
    await reply(alice.browser, id, 'Kolmas');

    const page = await bob.browser.get(threadPath(id));

    expect(messagesOf(page.body)).toEqual([
      { sender: 'Alice Allik', body: 'Esimene', isMine: false },
      { sender: 'Teie', body: 'Teine', isMine: true },
      { sender: 'Alice Allik', body: 'Kolmas', isMine: false },
    ]);
  });

  it('turns the conversation unread for the other member only', async () => {
    const { alice, bob, id } = await pair();

    await reply(alice.browser, id, 'Tere');

    expect(unreadOf((await bob.browser.get('/my')).body)).toBe(1);
    expect(unreadOf((await alice.browser.get('/my')).body)).toBe(0);
    expect(mainText((await bob.browser.get('/mailbox')).body)).toContain('1 lugemata sõnum');
  });

  it('keeps line breaks and trims surrounding blank space', async () => {
    const { alice, id } = await pair();

    await reply(alice.browser, id, '  \r\nEsimene rida\r\nTeine rida\r\n\r\n  ');

    expect(messagesOf((await alice.browser.get(threadPath(id))).body)[0]?.body).toBe('Esimene rida\nTeine rida');
  });

  it('shows hostile text escaped, as the text it is', async () => {
    const { alice, bob, id } = await pair();
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';

    await reply(alice.browser, id, hostile);

    const page = await bob.browser.get(threadPath(id));
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    expect(messagesOf(page.body)[0]?.body).toBe(hostile);
  });

  it('shows a hostile subject escaped', async () => {
    const alice = await signedInUser(t);
    const id = await conversation('<b onmouseover=alert(1)>Teema</b>', alice.user);

    const page = await alice.browser.get(threadPath(id));

    expect(page.body).not.toContain('<b onmouseover');
    expect(mainText(page.body)).toContain('<b onmouseover=alert(1)>Teema</b>');
  });

  it('is refused (403) without the form’s token, and nothing is stored', async () => {
    const { alice, id } = await pair();

    const page = await reply(alice.browser, id, 'Ilma tokenita', { csrf: null });

    expect(page.status).toBe(403);
    expect(await messageCount()).toBe(0);
    expect(await emailsTo(t, 'bob@example.ee')).toHaveLength(0);
  });

  it('is refused (403) with another session’s token', async () => {
    const { alice, bob, id } = await pair();
    await bob.browser.get(threadPath(id));

    const page = await reply(alice.browser, id, 'Võõra tokeniga', { csrf: bob.browser.csrfToken ?? '' });

    expect(page.status).toBe(403);
    expect(await messageCount()).toBe(0);
  });

  describe('a reply that cannot be sent', () => {
    it.each([
      ['empty', ''],
      ['only spaces and line breaks', ' \r\n \t \r\n'],
      ['only control characters', '\u0001\u0002\u0007'],
    ])('%s, without files: the form comes back (422) with a message, and nothing is sent', async (_what, body) => {
      const { alice, id } = await pair();

      const page = await reply(alice.browser, id, body);

      expect(page.status).toBe(422);
      expect(fieldError(page.body, 'body')).toBe('Kirjutage sõnum või lisage fail.');
      expect(page.body).toContain('<h1>Üürileping</h1>');
      expect(await messageCount()).toBe(0);
      expect(await emailsTo(t, 'bob@example.ee')).toHaveLength(0);
    });

    it('longer than 20 000 characters: 422 with the message, and everything typed is kept for shortening', async () => {
      const { alice, id } = await pair();
      const typed = `${'Väga pikk sõnum. '.repeat(1_200)}lõpp`;
      expect(typed.length).toBeGreaterThan(20_000);

      const page = await reply(alice.browser, id, typed);

      expect(page.status).toBe(422);
      expect(fieldError(page.body, 'body')).toBe('Liiga pikk: lubatud on kuni 20000 märki.');
      expect(replyText(page.body)).toBe(typed);
      expect(await messageCount()).toBe(0);
    });

    it('the same through the multipart form', async () => {
      const { alice, id } = await pair();
      await alice.browser.get(threadPath(id));
      const typed = 'ä'.repeat(20_001);

      const page = await postMultipart(t.app, alice.browser, threadPath(id), { fields: { body: typed } });

      expect(page.status).toBe(422);
      expect(fieldError(page.body, 'body')).toBe('Liiga pikk: lubatud on kuni 20000 märki.');
      expect(replyText(page.body)).toBe(typed);
    });

    it('the form shown again still sends: the corrected reply goes through', async () => {
      const { alice, id } = await pair();
      await reply(alice.browser, id, '');

      const sent = await alice.browser.post(threadPath(id), { body: 'Nüüd korras' });

      expect(sent.status).toBe(303);
      expect(messagesOf((await alice.browser.follow(sent)).body)[0]?.body).toBe('Nüüd korras');
    });
  });

  it('exactly 20 000 characters are accepted (sent as the form sends them)', async () => {
    const { alice, id } = await pair();
    await alice.browser.get(threadPath(id));

    const sent = await postMultipart(t.app, alice.browser, threadPath(id), { fields: { body: 'õ'.repeat(20_000) } });

    expect(sent.status).toBe(303);
    expect(messagesOf((await alice.browser.get(threadPath(id))).body)[0]?.body).toBe('õ'.repeat(20_000));
  });

  it('an attachment alone, without text, is a message', async () => {
    const { alice, bob, id } = await pair();
    await alice.browser.get(threadPath(id));

    const sent = await postMultipart(t.app, alice.browser, threadPath(id), {
      fields: { body: '' },
      files: [{ name: 'leping.pdf', contentType: 'application/pdf', content: samplePdf() }],
    });

    expect(sent.status).toBe(303);
    const page = await bob.browser.get(threadPath(id));
    expect(mainText(page.body)).toContain('leping.pdf');
    expect(unreadOf((await alice.browser.get('/my')).body)).toBe(0);
  });
});

describe('the e-mail about a reply', () => {
  it('goes to the other member only', async () => {
    const { alice, id } = await pair();

    await reply(alice.browser, id, 'Tere');

    expect(await emailsTo(t, 'bob@example.ee')).toHaveLength(1);
    expect(await emailsTo(t, 'alice@example.ee')).toHaveLength(0);
  });

  it('says who wrote and about what, in Estonian, with a link to the conversation', async () => {
    const { alice, id } = await pair();

    await reply(alice.browser, id, 'Tere');

    const email = await lastEmailTo(t, 'bob@example.ee');
    expect(email.subject).toBe('Uus sõnum: Üürileping');
    expect(email.text_body).toContain('Alice Allik saatis teile portaalis uue sõnumi teemal „Üürileping”.');
    expect(linkIn(email)).toBe(threadPath(id));
  });

  it('is in the recipient’s language, not the sender’s', async () => {
    const { alice, id } = await pair({ bobLocale: 'en' });

    await reply(alice.browser, id, 'Tere');

    const email = await lastEmailTo(t, 'bob@example.ee');
    expect(email.subject).toBe('New message: Üürileping');
    expect(email.text_body).toContain('Alice Allik sent you a new message in the portal about “Üürileping”.');
    expect(linkIn(email)).toBe(threadPath(id));
  });

  it('and the English member’s reply reaches the Estonian member in Estonian', async () => {
    const { bob, id } = await pair({ bobLocale: 'en' });

    await reply(bob.browser, id, 'Hello');

    const email = await lastEmailTo(t, 'alice@example.ee');
    expect(email.subject).toBe('Uus sõnum: Üürileping');
    expect(email.text_body).toContain('Bob Biit saatis teile portaalis uue sõnumi');
  });

  it('never contains what was written, nor the attachment', async () => {
    const { alice, id } = await pair();
    const secret = 'Minu isikukood on 38001010000 ja kontonumber EE382200221020145685';
    await alice.browser.get(threadPath(id));

    await postMultipart(t.app, alice.browser, threadPath(id), {
      fields: { body: secret },
      files: [{ name: 'tervisetõend.pdf', contentType: 'application/pdf', content: samplePdf('Diagnoos') }],
    });

    const email = await lastEmailTo(t, 'bob@example.ee');
    for (const part of [email.subject, email.text_body, email.html_body]) {
      expect(part).not.toContain('38001010000');
      expect(part).not.toContain('EE382200221020145685');
      expect(part).not.toContain('Diagnoos');
      expect(part).not.toContain('tervisetõend');
    }
  });

  it('reaches every other member of a conversation of three, each once', async () => {
    const alice = await signedInUser(t, { email: 'alice@example.ee' });
    const bob = await createUser(t, { email: 'bob@example.ee' });
    const carol = await createUser(t, { email: 'carol@example.ee', locale: 'en' });
    const id = await conversation('Kolmekesi', alice.user, bob, carol);

    await reply(alice.browser, id, 'Tere kõigile');

    expect(await emailsTo(t, 'bob@example.ee')).toHaveLength(1);
    expect((await emailsTo(t, 'carol@example.ee'))[0]?.subject).toBe('New message: Kolmekesi');
    expect(await emailsTo(t, 'alice@example.ee')).toHaveLength(0);
  });

  it('the link opens the thread for the recipient once signed in', async () => {
    const { alice, bob, id } = await pair();
    await reply(alice.browser, id, 'Palun vaadake');
    const link = linkIn(await lastEmailTo(t, 'bob@example.ee'));
    const browser = t.browser();

    const page = await browser.get(link);
    expect(page.status).toBe(303);
    await loginAs(browser, bob.user);
    const thread = await browser.get(link);

    expect(thread.status).toBe(200);
    expect(messagesOf(thread.body)[0]?.body).toBe('Palun vaadake');
  });
});

describe('older messages', () => {
  async function longThread(count: number) {
    const { alice, bob, id } = await pair();
    const actor = { id: bob.user.id, name: bob.user.name, email: bob.user.email, locale: bob.user.locale, roles: [] };
    for (let i = 1; i <= count; i += 1) {
      await postMessage(t.deps, actor, { conversationId: id, body: `Sõnum #${String(i).padStart(3, '0')}`, uploads: [] });
      t.clock.advance(1000);
    }
    return { browser: alice.browser, id };
  }

  const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `Sõnum #${String(from + i).padStart(3, '0')}`);

  function olderLink(html: string): string | undefined {
    const href = /<a href="([^"]+)">Näita varasemaid sõnumeid<\/a>/.exec(html)?.[1];
    return href === undefined ? undefined : decode(href);
  }

  it('the thread shows the newest 50, oldest of them first, and links to the earlier ones', async () => {
    const { browser, id } = await longThread(60);

    const page = await browser.get(threadPath(id));

    expect(messagesOf(page.body).map((m) => m.body)).toEqual(numbers(11, 60));
    expect(olderLink(page.body)).toMatch(new RegExp(`^/mailbox/conversations/${id}\\?before=\\d+$`));
  });

  it('the link shows the 10 before them, and no further link', async () => {
    const { browser, id } = await longThread(60);
    const first = await browser.get(threadPath(id));

    const older = await browser.get(olderLink(first.body)!);

    expect(older.status).toBe(200);
    expect(messagesOf(older.body).map((m) => m.body)).toEqual(numbers(1, 10));
    expect(olderLink(older.body)).toBeUndefined();
  });

  it('paging back through 120 messages shows each exactly once', async () => {
    const { browser, id } = await longThread(120);
    const seen: string[] = [];
    let path: string | undefined = threadPath(id);

    while (path) {
      const page = await browser.get(path);
      seen.unshift(...messagesOf(page.body).map((m) => m.body));
      path = olderLink(page.body);
    }

    expect(seen).toEqual(numbers(1, 120));
  });

  it('exactly 50 messages fit without a link', async () => {
    const { browser, id } = await longThread(50);

    const page = await browser.get(threadPath(id));

    expect(messagesOf(page.body)).toHaveLength(50);
    expect(olderLink(page.body)).toBeUndefined();
  });

  it.each(['abc', '-1', '0', '99999999999'])('a malformed “before” (%s) shows the newest messages', async (before) => {
    const { browser, id } = await longThread(55);

    const page = await browser.get(`${threadPath(id)}?before=${before}`);

    expect(page.status).toBe(200);
    expect(messagesOf(page.body).map((m) => m.body)).toEqual(numbers(6, 55));
  });

  it('“before” never reaches into another conversation', async () => {
    const { browser, id } = await longThread(3);
    const stranger = await createUser(t, { name: 'Võõras' });
    const other = await conversation('Võõras', stranger, await createUser(t));
    const actor = { id: stranger.id, name: stranger.name, email: stranger.email, locale: stranger.locale, roles: [] };
    await postMessage(t.deps, actor, { conversationId: other, body: 'Võõras sõnum', uploads: [] });

    const page = await browser.get(`${threadPath(id)}?before=999999`);

    expect(messagesOf(page.body).map((m) => m.body)).toEqual(numbers(1, 3));
    expect(page.body).not.toContain('Võõras sõnum');
  });
});
