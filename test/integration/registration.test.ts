import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countUsers } from '../../src/db/repositories/user-repository.js';
import { Browser, mainText } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser } from '../support/factories.js';
import { fieldError, fieldValue, openAndConfirm, signIn } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const minute = 60_000;
const hour = 60 * minute;

const mari = {
  name: 'Mari Maasikas',
  email: 'mari@example.ee',
  phone: '+372 5123 4567',
  password: 'metsas kasvab kuusk',
  passwordRepeat: 'metsas kasvab kuusk',
};

type RegisterFields = typeof mari;

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

/** Fills in and sends the registration form the way a person would: the page first, then the form. */
function register(browser: Browser, fields: Partial<RegisterFields> = {}) {
  return browser.post('/register', { ...mari, ...fields }, { formPage: '/register' });
}

/** Switches the browser's language through the header's switch. */
async function switchToEnglish(browser: Browser, returnTo = '/register') {
  await browser.get(returnTo);
  const switched = await browser.post('/language', { lang: 'en', returnTo });
  expect(switched.status).toBe(303);
  return browser.follow(switched);
}

async function usersWithEmail(email: string): Promise<number> {
  const rows = await t.deps.db.selectFrom('users').select('id').where('email', '=', email).execute();
  return rows.length;
}

describe('registering a new account', () => {
  it('tells the newcomer to check their e-mail and sends a verification link in Estonian', async () => {
    const page = await register(t.browser());

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Vaadake oma e-posti');
    expect(mainText(page.body)).toContain('mari@example.ee');
    const emails = await emailsTo(t, 'mari@example.ee');
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe('Kinnitage oma e-posti aadress');
    expect(emails[0]?.text_body).toContain('Tere, Mari Maasikas!');
    expect(linkIn(emails[0]!)).toMatch(/^\/verify-email\?token=[A-Za-z0-9_-]+$/);
  });

  it('after switching the language to English, the page and the verification e-mail are in English', async () => {
    const browser = t.browser();
    const englishForm = await switchToEnglish(browser);
    expect(mainText(englishForm.body)).toContain('Create account');

    const page = await register(browser);

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Check your e-mail');
    const email = await lastEmailTo(t, 'mari@example.ee');
    expect(email.subject).toBe('Confirm your e-mail address');
    expect(email.text_body).toContain('Hello, Mari Maasikas!');
    expect(email.text_body).toContain('Confirm my address: http://konsult.test/verify-email?token=');
  });

  it('a new account cannot sign in before its address is verified', async () => {
    const browser = t.browser();
    await register(browser);

    const login = await signIn(browser, mari.email, mari.password);

    expect(login.status).toBe(401);
    expect(mainText(login.body)).toContain('Teie e-posti aadress on kinnitamata.');
  });
});

describe('the verification link', () => {
  async function registerAndGetLink(): Promise<string> {
    await register(t.browser());
    return linkIn(await lastEmailTo(t, mari.email));
  }

  it('opens a page with a confirm button, which by itself does not verify the address', async () => {
    const link = await registerAndGetLink();
    const browser = t.browser();

    const page = await browser.get(link);

    expect(page.status).toBe(200);
    expect(mainText(page.body)).toContain('Kinnitage e-posti aadress');
    expect(mainText(page.body)).toContain('Kinnitan aadressi');
    const login = await signIn(browser, mari.email, mari.password);
    expect(login.status).toBe(401);
    expect(mainText(login.body)).toContain('Teie e-posti aadress on kinnitamata.');
  });

  it('pressing the confirm button verifies the address, and the person can sign in', async () => {
    const link = await registerAndGetLink();
    const browser = t.browser();

    const confirmed = await openAndConfirm(browser, link);

    expect(confirmed.status).toBe(200);
    expect(mainText(confirmed.body)).toContain('Aadress on kinnitatud');
    const login = await signIn(browser, mari.email, mari.password);
    expect(login.status).toBe(303);
    expect(login.location).toBe('/my');
  });

  it('is refused with a clear message (400) when used a second time', async () => {
    const link = await registerAndGetLink();
    const browser = t.browser();
    await openAndConfirm(browser, link);

    const again = await openAndConfirm(browser, link);

    expect(again.status).toBe(400);
    expect(mainText(again.body)).toContain('See link ei kehti: see on juba kasutatud või vigane.');
    expect(mainText(again.body)).toContain('Saada kinnituslink uuesti');
  });

  it('still works shortly before 48 hours have passed', async () => {
    const link = await registerAndGetLink();
    t.clock.advance(48 * hour - minute);

    const confirmed = await openAndConfirm(t.browser(), link);

    expect(confirmed.status).toBe(200);
    expect(mainText(confirmed.body)).toContain('Aadress on kinnitatud');
  });

  it('is refused as expired (410) after 48 hours, and the address stays unverified', async () => {
    const link = await registerAndGetLink();
    t.clock.advance(48 * hour + minute);
    const browser = t.browser();

    const expired = await openAndConfirm(browser, link);

    expect(expired.status).toBe(410);
    expect(mainText(expired.body)).toContain('See link on aegunud.');
    const login = await signIn(browser, mari.email, mari.password);
    expect(login.status).toBe(401);
  });

  it('with a made-up token is refused with 400', async () => {
    await register(t.browser());
    const browser = t.browser();

    const page = await openAndConfirm(browser, '/verify-email?token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');

    expect(page.status).toBe(400);
    expect(mainText(page.body)).toContain('See link ei kehti');
  });
});

describe('registering an address that is already taken', () => {
  it('answers exactly like a new address: same status and the same page text', async () => {
    await createUser(t, { email: 'owner@example.ee' });

    const forNewAddress = await register(t.browser(), { email: 'fresh@example.ee' });
    const forTakenAddress = await register(t.browser(), { email: 'owner@example.ee' });

    expect(forTakenAddress.status).toBe(forNewAddress.status);
    expect(mainText(forTakenAddress.body).replace('owner@example.ee', '<address>')).toBe(
      mainText(forNewAddress.body).replace('fresh@example.ee', '<address>'),
    );
  });

  it('sends the owner an "already registered" e-mail pointing to the password reset, not a verification link', async () => {
    await createUser(t, { email: 'owner@example.ee', name: 'Olev Omanik' });

    await register(t.browser(), { email: 'owner@example.ee' });

    const emails = await emailsTo(t, 'owner@example.ee');
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe('Teie aadressiga üritati registreeruda');
    expect(emails[0]?.text_body).toContain('Tere, Olev Omanik!');
    expect(linkIn(emails[0]!)).toBe('/password/forgot');
  });

  it('creates no second account, and the owner keeps their name and password', async () => {
    const owner = await createUser(t, { email: 'owner@example.ee', name: 'Olev Omanik' });

    await register(t.browser(), { email: 'owner@example.ee', name: 'Someone Else' });

    expect(await usersWithEmail('owner@example.ee')).toBe(1);
    expect(await countUsers(t.deps.db)).toBe(1);
    expect((await signIn(t.browser(), owner.email, mari.password)).status).toBe(401);
    const ownLogin = await signIn(t.browser(), owner.email, owner.password);
    expect(ownLogin.status).toBe(303);
  });

  it('treats an address that differs only in letter case as the same account', async () => {
    await createUser(t, { email: 'owner@example.ee' });

    await register(t.browser(), { email: 'Owner@EXAMPLE.ee' });

    expect(await countUsers(t.deps.db)).toBe(1);
    expect((await lastEmailTo(t, 'owner@example.ee')).subject).toBe('Teie aadressiga üritati registreeruda');
  });

  it('sends a still unverified account a fresh link that works, and the older link no longer does', async () => {
    await register(t.browser());
    const firstLink = linkIn(await lastEmailTo(t, mari.email));

    await register(t.browser());
    const emails = await emailsTo(t, mari.email);
    const secondLink = linkIn(emails.at(-1)!);

    expect(emails).toHaveLength(2);
    expect(emails[1]?.subject).toBe('Kinnitage oma e-posti aadress');
    expect(secondLink).not.toBe(firstLink);
    expect(await countUsers(t.deps.db)).toBe(1);
    expect((await openAndConfirm(t.browser(), firstLink)).status).toBe(400);
    expect((await openAndConfirm(t.browser(), secondLink)).status).toBe(200);
  });
});

describe('the registration form refuses what it cannot accept', () => {
  const longEmail = `${'a'.repeat(244)}@example.ee`; // 255 characters

  const cases: { what: string; fields: Partial<RegisterFields>; field: keyof RegisterFields; message: string }[] = [
    { what: 'an empty name', fields: { name: '' }, field: 'name', message: 'See väli on kohustuslik.' },
    { what: 'a name of only spaces', fields: { name: '   ' }, field: 'name', message: 'See väli on kohustuslik.' },
    { what: 'a name longer than 200 characters', fields: { name: 'N'.repeat(201) }, field: 'name', message: 'Liiga pikk: lubatud on kuni 200 märki.' },
    { what: 'an empty e-mail address', fields: { email: '' }, field: 'email', message: 'See väli on kohustuslik.' },
    { what: 'an e-mail address longer than 254 characters', fields: { email: longEmail }, field: 'email', message: 'Liiga pikk: lubatud on kuni 254 märki.' },
    { what: 'an e-mail address without @', fields: { email: 'mari.example.ee' }, field: 'email', message: 'Sisestage e-posti aadress kujul nimi@näide.ee.' },
    { what: 'an e-mail address without a domain', fields: { email: 'mari@' }, field: 'email', message: 'Sisestage e-posti aadress kujul nimi@näide.ee.' },
    { what: 'a phone number with letters', fields: { phone: '+372 5ABC 1234' }, field: 'phone', message: 'Sisestage telefoninumber numbrite, tühikute ja plussmärgiga' },
    { what: 'an empty password', fields: { password: '', passwordRepeat: '' }, field: 'password', message: 'See väli on kohustuslik.' },
    { what: 'a password of 7 characters', fields: { password: 'kuusk12', passwordRepeat: 'kuusk12' }, field: 'password', message: 'Parool peab olema vähemalt 8 märki pikk.' },
    {
      what: 'a password of 7 letters with diacritics (14 bytes, still 7 characters)',
      fields: { password: 'õäöüõäö', passwordRepeat: 'õäöüõäö' },
      field: 'password',
      message: 'Parool peab olema vähemalt 8 märki pikk.',
    },
    { what: 'the common password "password123"', fields: { password: 'password123', passwordRepeat: 'password123' }, field: 'password', message: 'See parool on liiga levinud' },
    { what: 'the common password "qwertyuiop"', fields: { password: 'qwertyuiop', passwordRepeat: 'qwertyuiop' }, field: 'password', message: 'See parool on liiga levinud' },
    { what: 'a common password typed in capitals', fields: { password: 'PASSWORD123', passwordRepeat: 'PASSWORD123' }, field: 'password', message: 'See parool on liiga levinud' },
    { what: 'the e-mail address as the password', fields: { password: 'mari@example.ee', passwordRepeat: 'mari@example.ee' }, field: 'password', message: 'Parool ei tohi olla teie e-posti aadress.' },
    { what: 'a password of 257 characters', fields: { password: 'k'.repeat(257), passwordRepeat: 'k'.repeat(257) }, field: 'password', message: 'Parool võib olla kuni 256 märki pikk.' },
    { what: 'a repeated password that does not match', fields: { passwordRepeat: 'metsas kasvab mänd' }, field: 'passwordRepeat', message: 'Paroolid ei kattu.' },
  ];

  it.each(cases)('$what: the form comes back (422) with the message at the field', async ({ fields, field, message }) => {
    const page = await register(t.browser(), fields);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, field)).toContain(message);
    expect(mainText(page.body)).toContain('Vormis on vigu.');
  });

  it.each(cases)('$what: what was typed is kept, passwords are never sent back', async ({ fields }) => {
    const typed = { ...mari, ...fields };

    const page = await register(t.browser(), fields);

    expect(fieldValue(page.body, 'name')).toBe(typed.name);
    expect(fieldValue(page.body, 'email')).toBe(typed.email);
    expect(fieldValue(page.body, 'phone')).toBe(typed.phone);
    expect(fieldValue(page.body, 'password')).toBe('');
    expect(fieldValue(page.body, 'passwordRepeat')).toBe('');
    if (typed.password.length > 0 && typed.password !== typed.email) expect(page.body).not.toContain(typed.password);
  });

  it.each(cases)('$what: no account is created and no e-mail is sent', async ({ fields }) => {
    await register(t.browser(), fields);

    expect(await countUsers(t.deps.db)).toBe(0);
    const outbox = await t.deps.db.selectFrom('outbox_emails').select('id').execute();
    expect(outbox).toHaveLength(0);
  });

  it('shows the messages in English after switching the language', async () => {
    const browser = t.browser();
    await switchToEnglish(browser);

    const mismatch = await register(browser, { name: '', passwordRepeat: 'something else entirely' });
    const common = await register(browser, { password: 'password123', passwordRepeat: 'password123' });

    expect(mismatch.status).toBe(422);
    expect(fieldError(mismatch.body, 'name')).toBe('This field is required.');
    expect(fieldError(mismatch.body, 'passwordRepeat')).toBe('The passwords do not match.');
    expect(common.status).toBe(422);
    expect(fieldError(common.body, 'password')).toBe('This password is too common and easy to guess. Please choose another.');
  });

  it('accepts a password of 64 characters, which then signs in', async () => {
    const long = 'pikk parool '.repeat(6).slice(0, 64);

    const page = await register(t.browser(), { password: long, passwordRepeat: long });
    expect(page.status).toBe(200);
    await openAndConfirm(t.browser(), linkIn(await lastEmailTo(t, mari.email)));

    const login = await signIn(t.browser(), mari.email, long);
    expect(login.status).toBe(303);
  });

  it('accepts an account without a phone number', async () => {
    const page = await register(t.browser(), { phone: '' });

    expect(page.status).toBe(200);
    expect(await countUsers(t.deps.db)).toBe(1);
  });
});

describe('too many registrations from one address', () => {
  async function registerTimes(browser: Browser, times: number) {
    for (let i = 1; i <= times; i += 1) {
      const page = await register(browser, { email: `person${i}@example.ee` });
      expect(page.status).toBe(200);
    }
  }

  it('the 11th registration from one IP address within an hour is refused with 429, the form kept', async () => {
    const browser = t.browser();
    await registerTimes(browser, 10);

    const refused = await register(browser, { email: 'eleventh@example.ee' });

    expect(refused.status).toBe(429);
    expect(mainText(refused.body)).toContain('Liiga palju');
    expect(fieldValue(refused.body, 'email')).toBe('eleventh@example.ee');
    expect(fieldValue(refused.body, 'name')).toBe(mari.name);
    expect(await emailsTo(t, 'eleventh@example.ee')).toHaveLength(0);
    expect(await countUsers(t.deps.db)).toBe(10);
  });

  it('another IP address can still register meanwhile', async () => {
    await registerTimes(t.browser(), 10);

    const elsewhere = await register(new Browser(t.app, '198.51.100.7'), { email: 'elsewhere@example.ee' });

    expect(elsewhere.status).toBe(200);
    expect(await emailsTo(t, 'elsewhere@example.ee')).toHaveLength(1);
  });

  it('the same IP address can register again once the hour has passed', async () => {
    const browser = t.browser();
    await registerTimes(browser, 10);
    t.clock.advance(hour + minute);

    const later = await register(browser, { email: 'later@example.ee' });

    expect(later.status).toBe(200);
    expect(await emailsTo(t, 'later@example.ee')).toHaveLength(1);
  });
});
