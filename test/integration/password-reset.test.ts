import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import { type Browser, mainText } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { fieldError, fieldValue, isSignedIn, signIn, tokenOf } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const minute = 60_000;
const newPassword = 'kevadel sulab lumi';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

function askForReset(browser: Browser, email: string) {
  return browser.post('/password/forgot', { email }, { formPage: '/password/forgot' });
}

async function resetLinkFor(email: string): Promise<string> {
  const page = await askForReset(t.browser(), email);
  expect(page.status).toBe(200);
  return linkIn(await lastEmailTo(t, email));
}

/** Opens the link and sends the new-password form, as a person would. */
async function setPasswordThrough(browser: Browser, link: string, password = newPassword, repeat = password) {
  await browser.get(link);
  return browser.post('/password/reset', { token: tokenOf(link), password, passwordRepeat: repeat });
}

async function outboxSize(): Promise<number> {
  return (await t.deps.db.selectFrom('outbox_emails').select('id').execute()).length;
}

describe('asking for a password link', () => {
  it('shows a neutral page and e-mails a link to a known address', async () => {
    const user = await createUser(t, { name: 'Peeter Paju' });

    const page = await askForReset(t.browser(), user.email);

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Kui aadressiga on seotud konto, saatsime sinna parooli muutmise lingi.');
    const email = await lastEmailTo(t, user.email);
    expect(email.subject).toBe('Parooli muutmine');
    expect(email.text_body).toContain('Tere, Peeter Paju!');
    expect(linkIn(email)).toMatch(/^\/password\/reset\?token=[A-Za-z0-9_-]+$/);
  });

  it('writes the e-mail in the language of the account', async () => {
    const user = await createUser(t, { locale: 'en', name: 'Peter Willow' });

    await askForReset(t.browser(), user.email);

    const email = await lastEmailTo(t, user.email);
    expect(email.subject).toBe('Changing your password');
    expect(email.text_body).toContain('Hello, Peter Willow!');
  });

  it('shows exactly the same page for an unknown address and sends nothing', async () => {
    const user = await createUser(t);

    const known = await askForReset(t.browser(), user.email);
    const before = await outboxSize();
    const unknown = await askForReset(t.browser(), 'nobody@example.ee');

    expect(unknown.status).toBe(known.status);
    expect(mainText(unknown.body)).toBe(mainText(known.body));
    expect(await outboxSize()).toBe(before);
    expect(await emailsTo(t, 'nobody@example.ee')).toHaveLength(0);
  });

  it('sends nothing to a blocked account, with the same page', async () => {
    const user = await createUser(t);
    await t.deps.db.updateTable('users').set({ blocked_at: iso(t.clock.now()) }).where('id', '=', user.id).execute();

    const page = await askForReset(t.browser(), user.email);

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Kui aadressiga on seotud konto');
    expect(await emailsTo(t, user.email)).toHaveLength(0);
  });

  it('a malformed address comes back with 422, the message and the typed value', async () => {
    const page = await askForReset(t.browser(), 'not-an-address');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'email')).toBe('Sisestage e-posti aadress kujul nimi@näide.ee.');
    expect(fieldValue(page.body, 'email')).toBe('not-an-address');
  });

  it('the 11th request from one IP address within an hour is refused with 429', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    for (let i = 0; i < 10; i += 1) expect((await askForReset(browser, user.email)).status).toBe(200);

    const refused = await askForReset(browser, user.email);

    expect(refused.status).toBe(429);
    expect(mainText(refused.body)).toContain('Liiga palju');
    expect(await emailsTo(t, user.email)).toHaveLength(10);
  });
});

describe('the password link', () => {
  it('opens a form for the new password', async () => {
    const user = await createUser(t);
    const link = await resetLinkFor(user.email);

    const page = await t.browser().get(link);

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Uus parool');
    expect(mainText(page.body)).toContain('Määra uus parool');
    expect(fieldValue(page.body, 'token')).toBe(tokenOf(link));
  });

  it('sets the new password and sends the person to sign in with a confirmation', async () => {
    const user = await createUser(t);
    const link = await resetLinkFor(user.email);
    const browser = t.browser();

    const done = await setPasswordThrough(browser, link);

    expect(done.status).toBe(303);
    expect(done.location).toBe('/login');
    const loginPage = await browser.follow(done);
    expect(mainText(loginPage.body)).toContain('Parool on muudetud. Logige uue parooliga sisse.');
  });

  it('after the reset the old password no longer works and the new one does', async () => {
    const user = await createUser(t);
    await setPasswordThrough(t.browser(), await resetLinkFor(user.email));

    const withOld = await signIn(t.browser(), user.email, user.password);
    const withNew = await signIn(t.browser(), user.email, newPassword);

    expect(withOld.status).toBe(401);
    expect(withNew.status).toBe(303);
  });

  it('ends every session of the account', async () => {
    const user = await createUser(t);
    const laptop = t.browser();
    const phone = t.browser();
    await loginAs(laptop, user);
    await loginAs(phone, user);

    await setPasswordThrough(t.browser(), await resetLinkFor(user.email));

    expect(await isSignedIn(laptop)).toBe(false);
    expect(await isSignedIn(phone)).toBe(false);
  });

  it('leaves other accounts signed in', async () => {
    const user = await createUser(t);
    const other = await createUser(t);
    const othersBrowser = t.browser();
    await loginAs(othersBrowser, other);

    await setPasswordThrough(t.browser(), await resetLinkFor(user.email));

    expect(await isSignedIn(othersBrowser)).toBe(true);
  });

  it('sends a "password changed" e-mail', async () => {
    const user = await createUser(t);
    await setPasswordThrough(t.browser(), await resetLinkFor(user.email));

    const email = await lastEmailTo(t, user.email);

    expect(email.subject).toBe('Teie parool muudeti');
    expect(email.text_body).not.toContain(newPassword);
  });

  it('also confirms an address that was never verified (the link proved the mailbox)', async () => {
    const user = await createUser(t, { isVerified: false });
    await setPasswordThrough(t.browser(), await resetLinkFor(user.email));

    const login = await signIn(t.browser(), user.email, newPassword);

    expect(login.status).toBe(303);
  });

  it('works only once: a second use is refused with 400 and a clear message', async () => {
    const user = await createUser(t);
    const link = await resetLinkFor(user.email);
    await setPasswordThrough(t.browser(), link);

    const reopened = await t.browser().get(link);
    const reused = await setPasswordThrough(t.browser(), link, 'a third password here');

    expect(reopened.status).toBe(400);
    expect(mainText(reopened.body)).toContain('See link ei kehti: see on juba kasutatud või vigane.');
    expect(reused.status).toBe(400);
    expect((await signIn(t.browser(), user.email, 'a third password here')).status).toBe(401);
    expect((await signIn(t.browser(), user.email, newPassword)).status).toBe(303);
  });

  it('still works at 59 minutes', async () => {
    const user = await createUser(t);
    const link = await resetLinkFor(user.email);
    t.clock.advance(59 * minute);

    const done = await setPasswordThrough(t.browser(), link);

    expect(done.status).toBe(303);
  });

  it('expires after 1 hour: the page and the form answer 410, and the password stays', async () => {
    const user = await createUser(t);
    const link = await resetLinkFor(user.email);
    t.clock.advance(60 * minute + 1000);
    const browser = t.browser();

    const opened = await browser.get(link);
    const sent = await browser.post('/password/reset', { token: tokenOf(link), password: newPassword, passwordRepeat: newPassword });

    expect(opened.status).toBe(410);
    expect(mainText(opened.body)).toContain('See link on aegunud. Tellige uus link.');
    expect(sent.status).toBe(410);
    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(303);
  });

  it('an older link stops working once a newer one is sent', async () => {
    const user = await createUser(t);
    const older = await resetLinkFor(user.email);
    const newer = await resetLinkFor(user.email);

    expect((await t.browser().get(older)).status).toBe(400);
    expect((await setPasswordThrough(t.browser(), newer)).status).toBe(303);
  });

  it('a made-up token is refused with 400', async () => {
    const page = await t.browser().get('/password/reset?token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');

    expect(page.status).toBe(400);
    expect(mainText(page.body)).toContain('See link ei kehti');
  });
});

describe('the new-password form refuses a weak or mistyped password', () => {
  const cases = [
    { what: 'a password of 7 characters', password: 'kuusk12', repeat: 'kuusk12', field: 'password', message: 'Parool peab olema vähemalt 8 märki pikk.' },
    { what: 'a common password', password: 'password123', repeat: 'password123', field: 'password', message: 'See parool on liiga levinud' },
    { what: 'a repeat that does not match', password: newPassword, repeat: 'kevadel sulab jää', field: 'passwordRepeat', message: 'Paroolid ei kattu.' },
    { what: 'a password of 257 characters', password: 'k'.repeat(257), repeat: 'k'.repeat(257), field: 'password', message: 'Parool võib olla kuni 256 märki pikk.' },
  ];

  it.each(cases)('$what: the form comes back (422) with the message and the link kept', async ({ password, repeat, field, message }) => {
    const user = await createUser(t);
    const link = await resetLinkFor(user.email);

    const page = await setPasswordThrough(t.browser(), link, password, repeat);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, field)).toContain(message);
    expect(fieldValue(page.body, 'token')).toBe(tokenOf(link));
    expect(fieldValue(page.body, 'password')).toBe('');
  });

  it.each(cases)('$what: the old password still works and the link can still be used', async ({ password, repeat }) => {
    const user = await createUser(t);
    const link = await resetLinkFor(user.email);
    const browser = t.browser();
    await setPasswordThrough(browser, link, password, repeat);

    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(303);
    const retry = await browser.post('/password/reset', { token: tokenOf(link), password: newPassword, passwordRepeat: newPassword });
    expect(retry.status).toBe(303);
  });

  it('the password may not be the account’s own e-mail address', async () => {
    const user = await createUser(t, { email: 'peeter@example.ee' });
    const link = await resetLinkFor(user.email);

    const page = await setPasswordThrough(t.browser(), link, 'peeter@example.ee');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'password')).toBe('Parool ei tohi olla teie e-posti aadress.');
  });
});
