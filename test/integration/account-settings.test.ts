import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getUserById } from '../../src/db/repositories/user-repository.js';
import { type Browser, mainText } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { fieldError, fieldValue, isSignedIn, openAndConfirm, signIn, signedInUser, tokenOf } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const hour = 3_600_000;
const liis = { name: 'Liis Lepik', email: 'liis@example.ee', phone: '+372 5000 0001' };

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

describe('the account page', () => {
  it('sends an anonymous visitor to sign in and back to the account page afterwards', async () => {
    const user = await createUser(t);
    const browser = t.browser();

    const page = await browser.get('/account');

    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Faccount');
    const loginPage = await browser.follow(page);
    const login = await browser.post('/login', { email: user.email, password: user.password, next: fieldValue(loginPage.body, 'next') ?? '' });
    expect(login.location).toBe('/account');
  });

  it('shows the signed-in person’s name, phone and e-mail address', async () => {
    const { browser } = await signedInUser(t, liis);

    const page = await browser.get('/account');

    expect(page.status).toBe(200);
    expect(fieldValue(page.body, 'name')).toBe('Liis Lepik');
    expect(fieldValue(page.body, 'phone')).toBe('+372 5000 0001');
    expect(mainText(page.body)).toContain('Praegune e-posti aadress: liis@example.ee');
  });

  it('the password and e-mail forms also need sign-in', async () => {
    const browser = t.browser();

    expect((await browser.get('/account/password')).location).toBe('/login?next=%2Faccount%2Fpassword');
    expect((await browser.get('/account/email')).location).toBe('/login?next=%2Faccount%2Femail');
  });
});

describe('updating the profile', () => {
  it('saves the name and phone and shows them with a confirmation', async () => {
    const { browser } = await signedInUser(t, liis);

    const saved = await browser.post('/account/profile', { name: 'Liis Lepik-Kask', phone: '+372 5999 8888' });

    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/account');
    const page = await browser.follow(saved);
    expect(mainText(page.body)).toContain('Andmed on salvestatud.');
    expect(fieldValue(page.body, 'name')).toBe('Liis Lepik-Kask');
    expect(fieldValue(page.body, 'phone')).toBe('+372 5999 8888');
    expect(mainText((await browser.get('/my')).body)).toContain('Tere, Liis Lepik-Kask!');
  });

  it('an empty phone removes the phone number', async () => {
    const { browser, user } = await signedInUser(t, liis);

    await browser.post('/account/profile', { name: 'Liis Lepik', phone: '' });

    expect(fieldValue((await browser.get('/account')).body, 'phone')).toBe('');
    expect((await getUserById(t.deps.db, user.id)).phone).toBeNull();
  });

  const invalid = [
    { what: 'an empty name', fields: { name: '', phone: '+372 5999 8888' }, field: 'name', message: 'See väli on kohustuslik.' },
    { what: 'a name longer than 200 characters', fields: { name: 'N'.repeat(201), phone: '+372 5999 8888' }, field: 'name', message: 'Liiga pikk: lubatud on kuni 200 märki.' },
    { what: 'a phone number with letters', fields: { name: 'Liis Kask', phone: '+372 5ABC 8888' }, field: 'phone', message: 'Sisestage telefoninumber' },
    { what: 'a phone number longer than 40 characters', fields: { name: 'Liis Kask', phone: '5'.repeat(41) }, field: 'phone', message: 'Liiga pikk: lubatud on kuni 40 märki.' },
  ];

  it.each(invalid)('$what: the form comes back (422) with the message and what was typed', async ({ fields, field, message }) => {
    const { browser } = await signedInUser(t, liis);

    const page = await browser.post('/account/profile', fields);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, field)).toContain(message);
    expect(fieldValue(page.body, 'name')).toBe(fields.name);
    expect(fieldValue(page.body, 'phone')).toBe(fields.phone);
  });

  it.each(invalid)('$what: nothing is saved', async ({ fields }) => {
    const { browser } = await signedInUser(t, liis);

    await browser.post('/account/profile', fields);

    const page = await browser.get('/account');
    expect(fieldValue(page.body, 'name')).toBe('Liis Lepik');
    expect(fieldValue(page.body, 'phone')).toBe('+372 5000 0001');
  });
});

describe('changing the password', () => {
  const newPassword = 'sügisel langevad lehed';

  function changePassword(browser: Browser, currentPassword: string, password = newPassword, repeat = password) {
    return browser.post(
      '/account/password',
      { currentPassword, newPassword: password, newPasswordRepeat: repeat },
      { formPage: '/account/password' },
    );
  }

  it('with the right current password changes it and returns to the account page with a confirmation', async () => {
    const { browser, user } = await signedInUser(t, liis);

    const done = await changePassword(browser, user.password);

    expect(done.status).toBe(303);
    expect(done.location).toBe('/account');
    expect(mainText((await browser.follow(done)).body)).toContain('Parool on muudetud. Teised seansid on lõpetatud.');
  });

  it('afterwards the old password no longer signs in and the new one does', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await changePassword(browser, user.password);

    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(401);
    expect((await signIn(t.browser(), user.email, newPassword)).status).toBe(303);
  });

  it('keeps the current session and ends the account’s other sessions', async () => {
    const { browser, user } = await signedInUser(t, liis);
    const otherBrowser = t.browser();
    await loginAs(otherBrowser, user);

    await changePassword(browser, user.password);

    expect(await isSignedIn(browser)).toBe(true);
    expect(await isSignedIn(otherBrowser)).toBe(false);
  });

  it('a password link asked for before the change no longer works after it', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await t.browser().post('/password/forgot', { email: user.email }, { formPage: '/password/forgot' });
    const resetLink = linkIn(await lastEmailTo(t, user.email));

    await changePassword(browser, user.password);

    const stale = await t.browser().get(resetLink);
    expect(stale.status).toBe(400);
    expect(mainText(stale.body)).toContain('See link ei kehti');
  });

  it('sends a notice e-mail to the account’s address', async () => {
    const { browser, user } = await signedInUser(t, liis);

    await changePassword(browser, user.password);

    const email = await lastEmailTo(t, user.email);
    expect(email.subject).toBe('Teie parool muudeti');
    expect(email.text_body).not.toContain(newPassword);
  });

  it('a wrong current password comes back (422) with the message at the current-password field, and nothing changes', async () => {
    const { browser, user } = await signedInUser(t, liis);
    const otherBrowser = t.browser();
    await loginAs(otherBrowser, user);

    const page = await changePassword(browser, 'not my password');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'currentPassword')).toBe('Praegune parool on vale.');
    expect(fieldValue(page.body, 'currentPassword')).toBe('');
    expect(await isSignedIn(otherBrowser)).toBe(true);
    expect(await emailsTo(t, user.email)).toHaveLength(0);
    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(303);
  });

  it('after 5 wrong current passwords even the right one is refused with 429', async () => {
    const { browser, user } = await signedInUser(t, liis);
    for (let i = 0; i < 5; i += 1) expect((await changePassword(browser, `guess ${i}`)).status).toBe(422);

    const page = await changePassword(browser, user.password);

    expect(page.status).toBe(429);
    expect(mainText(page.body)).toContain('Liiga palju katseid.');
    expect((await signIn(t.browser(), user.email, newPassword)).status).toBe(401);
  });

  it('the right current password works again once the 15-minute window has passed', async () => {
    const { browser, user } = await signedInUser(t, liis);
    for (let i = 0; i < 5; i += 1) await changePassword(browser, `guess ${i}`);
    t.clock.advance(15 * 60_000 + 1000);

    const page = await changePassword(browser, user.password);

    expect(page.status).toBe(303);
  });

  const weak = [
    { what: 'a new password of 7 characters', password: 'kuusk12', repeat: 'kuusk12', field: 'newPassword', message: 'Parool peab olema vähemalt 8 märki pikk.' },
    { what: 'a common new password', password: 'qwertyuiop', repeat: 'qwertyuiop', field: 'newPassword', message: 'See parool on liiga levinud' },
    { what: 'a repeat that does not match', password: newPassword, repeat: 'sügisel langevad käbid', field: 'newPasswordRepeat', message: 'Paroolid ei kattu.' },
  ];

  it.each(weak)('$what: the form comes back (422) with the message, and the old password stays', async ({ password, repeat, field, message }) => {
    const { browser, user } = await signedInUser(t, liis);

    const page = await changePassword(browser, user.password, password, repeat);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, field)).toContain(message);
    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(303);
  });
});

describe('changing the e-mail address', () => {
  function requestChange(browser: Browser, newEmail: string, currentPassword: string) {
    return browser.post('/account/email', { newEmail, currentPassword }, { formPage: '/account/email' });
  }

  it('tells the person to check the new address and sends the link there only', async () => {
    const { browser, user } = await signedInUser(t, liis);

    const page = await requestChange(browser, 'liis.new@example.ee', user.password);

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Saatsime kinnituslingi aadressile liis.new@example.ee.');
    const email = await lastEmailTo(t, 'liis.new@example.ee');
    expect(email.subject).toBe('Kinnitage uus e-posti aadress');
    expect(linkIn(email)).toMatch(/^\/account\/email\/confirm\?token=/);
    expect(await emailsTo(t, user.email)).toHaveLength(0);
  });

  it('does not change the address before the link is used', async () => {
    const { browser, user } = await signedInUser(t, liis);

    await requestChange(browser, 'liis.new@example.ee', user.password);

    expect(mainText((await browser.get('/account')).body)).toContain('Praegune e-posti aadress: liis@example.ee');
    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(303);
    expect((await signIn(t.browser(), 'liis.new@example.ee', user.password)).status).toBe(401);
  });

  it('opening the link shows the new address and a button, without changing anything yet', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await requestChange(browser, 'liis.new@example.ee', user.password);

    const page = await browser.get(linkIn(await lastEmailTo(t, 'liis.new@example.ee')));

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('liis.new@example.ee');
    expect(mainText(page.body)).toContain('Kinnitan uue aadressi');
    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(303);
  });

  it('pressing the button changes the address: the old one no longer signs in, the new one does', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await requestChange(browser, 'liis.new@example.ee', user.password);

    const done = await openAndConfirm(browser, linkIn(await lastEmailTo(t, 'liis.new@example.ee')));

    expect(done.status).toBe(303);
    expect(done.location).toBe('/account');
    const account = await browser.follow(done);
    expect(mainText(account.body)).toContain('E-posti aadress on muudetud.');
    expect(mainText(account.body)).toContain('Praegune e-posti aadress: liis.new@example.ee');
    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(401);
    expect((await signIn(t.browser(), 'liis.new@example.ee', user.password)).status).toBe(303);
  });

  it('the link works in a browser that is not signed in', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await requestChange(browser, 'liis.new@example.ee', user.password);

    const done = await openAndConfirm(t.browser(), linkIn(await lastEmailTo(t, 'liis.new@example.ee')));

    expect(done.status).toBe(200);
    expect(mainText(done.body)).toContain('E-posti aadress on muudetud.');
    expect((await signIn(t.browser(), 'liis.new@example.ee', user.password)).status).toBe(303);
  });

  it('the old address gets a notice naming the new one once the change is made', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await requestChange(browser, 'liis.new@example.ee', user.password);
    await openAndConfirm(browser, linkIn(await lastEmailTo(t, 'liis.new@example.ee')));

    const notices = await emailsTo(t, user.email);

    expect(notices).toHaveLength(1);
    expect(notices[0]?.subject).toBe('Teie konto e-posti aadress muudeti');
    expect(notices[0]?.text_body).toContain('liis.new@example.ee');
  });

  it('a wrong current password comes back (422) with the message at the field, the new address kept, nothing sent', async () => {
    const { browser } = await signedInUser(t, liis);

    const page = await requestChange(browser, 'liis.new@example.ee', 'not my password');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'currentPassword')).toBe('Praegune parool on vale.');
    expect(fieldValue(page.body, 'newEmail')).toBe('liis.new@example.ee');
    expect(await emailsTo(t, 'liis.new@example.ee')).toHaveLength(0);
  });

  it('after 5 wrong current passwords even the right one is refused with 429', async () => {
    const { browser, user } = await signedInUser(t, liis);
    for (let i = 0; i < 5; i += 1) expect((await requestChange(browser, 'liis.new@example.ee', `guess ${i}`)).status).toBe(422);

    const page = await requestChange(browser, 'liis.new@example.ee', user.password);

    expect(page.status).toBe(429);
    expect(await emailsTo(t, 'liis.new@example.ee')).toHaveLength(0);
  });

  it('sends at most 10 links an hour from one IP address: the 11th request gets 429 and sends nothing', async () => {
    const { browser, user } = await signedInUser(t, liis);
    for (let i = 1; i <= 10; i += 1) expect((await requestChange(browser, `target${i}@example.ee`, user.password)).status).toBe(200);

    const page = await requestChange(browser, 'target11@example.ee', user.password);

    expect(page.status).toBe(429);
    expect(mainText(page.body)).toContain('Liiga palju');
    expect(fieldValue(page.body, 'newEmail')).toBe('target11@example.ee');
    expect(await emailsTo(t, 'target11@example.ee')).toHaveLength(0);
  });

  it('a malformed new address comes back (422) with the message and the typed value', async () => {
    const { browser, user } = await signedInUser(t, liis);

    const page = await requestChange(browser, 'liis at example', user.password);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'newEmail')).toBe('Sisestage e-posti aadress kujul nimi@näide.ee.');
    expect(fieldValue(page.body, 'newEmail')).toBe('liis at example');
  });

  it('the current address as the new one comes back (422) with a message', async () => {
    const { browser, user } = await signedInUser(t, liis);

    const page = await requestChange(browser, 'LIIS@example.ee', user.password);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'newEmail')).toBe('See on teie praegune aadress.');
  });

  it('an address taken by another account shows the same page as a free one and sends no link', async () => {
    await createUser(t, { email: 'taken@example.ee' });
    const { browser, user } = await signedInUser(t, liis);

    const free = await requestChange(browser, 'free@example.ee', user.password);
    const taken = await requestChange(browser, 'taken@example.ee', user.password);

    expect(taken.status).toBe(free.status);
    expect(mainText(taken.body).replace('taken@example.ee', '<address>')).toBe(mainText(free.body).replace('free@example.ee', '<address>'));
    expect(await emailsTo(t, 'taken@example.ee')).toHaveLength(0);
  });

  it('the link is refused (400) when used a second time', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await requestChange(browser, 'liis.new@example.ee', user.password);
    const link = linkIn(await lastEmailTo(t, 'liis.new@example.ee'));
    await openAndConfirm(browser, link);

    const reopened = await browser.get(link);
    const reused = await browser.post('/account/email/confirm', { token: tokenOf(link) });

    expect(reopened.status).toBe(400);
    expect(reused.status).toBe(400);
    expect(mainText(reused.body)).toContain('See link ei kehti: see on juba kasutatud või vigane.');
  });

  it('the link expires after 24 hours (410) and the address stays', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await requestChange(browser, 'liis.new@example.ee', user.password);
    t.clock.advance(24 * hour + 60_000);

    const page = await openAndConfirm(t.browser(), linkIn(await lastEmailTo(t, 'liis.new@example.ee')));

    expect(page.status).toBe(410);
    expect(mainText(page.body)).toContain('See link on aegunud.');
    expect((await signIn(t.browser(), user.email, user.password)).status).toBe(303);
  });

  it('when another account takes the address first, the later link is refused and the address stays', async () => {
    const first = await createUser(t);
    const second = await createUser(t);
    const firstBrowser = t.browser();
    const secondBrowser = t.browser();
    await loginAs(firstBrowser, first);
    await loginAs(secondBrowser, second);
    await requestChange(firstBrowser, 'wanted@example.ee', first.password);
    const firstLink = linkIn(await lastEmailTo(t, 'wanted@example.ee'));
    await requestChange(secondBrowser, 'wanted@example.ee', second.password);
    const secondLink = linkIn(await lastEmailTo(t, 'wanted@example.ee'));

    await openAndConfirm(firstBrowser, firstLink);
    const late = await openAndConfirm(secondBrowser, secondLink);

    expect(late.status).toBe(400);
    expect(mainText(late.body)).toContain('Selle aadressiga ei saa jätkata.');
    expect((await signIn(t.browser(), second.email, second.password)).status).toBe(303);
    expect((await signIn(t.browser(), 'wanted@example.ee', first.password)).status).toBe(303);
  });
});
