import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countUsers, getUserById } from '../../src/db/repositories/user-repository.js';
import { mainText } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { fieldValue, isSignedIn, setCookie, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const newcomer = {
  name: 'Mari Maasikas',
  email: 'mari@example.ee',
  phone: '',
  password: 'metsas kasvab kuusk',
  passwordRepeat: 'metsas kasvab kuusk',
};
const csrfRefusal = 'Vormi ei saanud saata';
const liis = { name: 'Liis Lepik', phone: '+372 5000 0001' };

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

async function profileName(userId: number): Promise<string> {
  return (await getUserById(t.deps.db, userId)).name;
}

describe('a form sent without its token', () => {
  it('registration is refused with 403 and no account is created', async () => {
    const browser = t.browser();
    await browser.get('/register');

    const page = await browser.post('/register', newcomer, { csrf: null });

    expect(page.status).toBe(403);
    expect(mainText(page.body)).toContain(csrfRefusal);
    expect(await countUsers(t.deps.db)).toBe(0);
    expect(await emailsTo(t, newcomer.email)).toHaveLength(0);
  });

  it('a profile update is refused with 403 and the profile stays as it was', async () => {
    const { browser, user } = await signedInUser(t, liis);

    const page = await browser.post('/account/profile', { name: 'Forged Name', phone: '' }, { csrf: null });

    expect(page.status).toBe(403);
    expect(await profileName(user.id)).toBe('Liis Lepik');
  });

  it('sign-in is refused with 403 and no session is started', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await browser.get('/login');

    const page = await browser.post('/login', { email: user.email, password: user.password }, { csrf: null });

    expect(page.status).toBe(403);
    expect(setCookie(page, 'konsult_sid')).toBeUndefined();
    expect(await isSignedIn(browser)).toBe(false);
  });

  it('signing out is refused with 403 and the user stays signed in', async () => {
    const { browser } = await signedInUser(t, liis);

    const page = await browser.post('/logout', {}, { csrf: null });

    expect(page.status).toBe(403);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('a password change is refused with 403 and the password stays', async () => {
    const { browser, user } = await signedInUser(t, liis);

    const page = await browser.post(
      '/account/password',
      { currentPassword: user.password, newPassword: 'forged new password', newPasswordRepeat: 'forged new password' },
      { csrf: null },
    );

    expect(page.status).toBe(403);
    const login = await t.browser().post('/login', { email: user.email, password: user.password }, { formPage: '/login' });
    expect(login.status).toBe(303);
  });

  it('the language switch is refused with 403 and the language stays', async () => {
    const browser = t.browser();
    await browser.get('/');

    const page = await browser.post('/language', { lang: 'en', returnTo: '/' }, { csrf: null });

    expect(page.status).toBe(403);
    expect(mainText((await browser.get('/')).body)).toContain('Abi eksperdilt');
  });

  it('a token that is merely present but wrong is refused too', async () => {
    const { browser, user } = await signedInUser(t, liis);

    const page = await browser.post('/account/profile', { name: 'Forged Name', phone: '' }, { csrf: 'x'.repeat(43) });

    expect(page.status).toBe(403);
    expect(await profileName(user.id)).toBe('Liis Lepik');
  });
});

describe('a token that belongs to someone else', () => {
  it('a token from another anonymous browser’s page is refused with 403', async () => {
    const attacker = t.browser();
    await attacker.get('/register');
    const victim = t.browser();
    await victim.get('/');

    const page = await victim.post('/register', newcomer, { csrf: attacker.csrfToken ?? '' });

    expect(page.status).toBe(403);
    expect(await countUsers(t.deps.db)).toBe(0);
  });

  it('a token from another signed-in user’s page is refused with 403', async () => {
    const { browser: victim, user } = await signedInUser(t, liis);
    const attacker = t.browser();
    await loginAs(attacker, await createUser(t));
    await attacker.get('/account');

    const page = await victim.post('/account/profile', { name: 'Forged Name', phone: '' }, { csrf: attacker.csrfToken ?? '' });

    expect(page.status).toBe(403);
    expect(await profileName(user.id)).toBe('Liis Lepik');
  });

  it('a token from another session of the same account is refused with 403', async () => {
    const { browser: laptop, user } = await signedInUser(t, liis);
    const phone = t.browser();
    await loginAs(phone, user);
    await phone.get('/account');

    const page = await laptop.post('/account/profile', { name: 'Forged Name', phone: '' }, { csrf: phone.csrfToken ?? '' });

    expect(page.status).toBe(403);
    expect(await profileName(user.id)).toBe('Liis Lepik');
  });
});

describe('the token is bound to the session', () => {
  it('the anonymous token from before sign-in does not work after sign-in', async () => {
    const user = await createUser(t, { name: 'Liis Lepik' });
    const browser = t.browser();
    await browser.get('/login');
    const anonymousToken = browser.csrfToken!;
    await browser.post('/login', { email: user.email, password: user.password });

    const page = await browser.post('/account/profile', { name: 'Forged Name', phone: '' }, { csrf: anonymousToken });

    expect(page.status).toBe(403);
    expect(await profileName(user.id)).toBe('Liis Lepik');
  });

  it('the page after sign-in carries a new token that works', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await browser.get('/login');
    const anonymousToken = browser.csrfToken;
    await loginAs(browser, user);

    expect(browser.csrfToken).not.toBe(anonymousToken);
    const page = await browser.post('/account/profile', { name: 'New Name', phone: '' });
    expect(page.status).toBe(303);
    expect(await profileName(user.id)).toBe('New Name');
  });

  it('the token of a signed-out session no longer works, even with the old session cookie', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await browser.get('/account');
    const sessionToken = browser.csrfToken!;
    const sessionId = browser.cookies.get('konsult_sid')!;
    await browser.post('/logout', {});

    const replay = t.browser();
    replay.cookies.set('konsult_sid', sessionId);
    const withCookie = await replay.post('/account/profile', { name: 'Forged Name', phone: '' }, { csrf: sessionToken });
    const sameBrowser = await browser.post('/language', { lang: 'en', returnTo: '/' }, { csrf: sessionToken });

    expect(withCookie.status).toBe(403);
    expect(sameBrowser.status).toBe(403);
    expect(await profileName(user.id)).toBe('Liis Lepik');
  });
});

describe('GET requests never change anything', () => {
  it('GET /logout is 404 and the user stays signed in', async () => {
    const { browser } = await signedInUser(t, liis);

    const page = await browser.get('/logout');

    expect(page.status).toBe(404);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('opening a verification link does not verify the address', async () => {
    const browser = t.browser();
    await browser.post('/register', newcomer, { formPage: '/register' });
    const link = linkIn(await lastEmailTo(t, newcomer.email));

    await browser.get(link);
    await browser.get(link);

    const login = await browser.post('/login', { email: newcomer.email, password: newcomer.password }, { formPage: '/login' });
    expect(login.status).toBe(401);
    expect(mainText(login.body)).toContain('Teie e-posti aadress on kinnitamata.');
  });

  it('opening a password link does not use it up', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await browser.post('/password/forgot', { email: user.email }, { formPage: '/password/forgot' });
    const link = linkIn(await lastEmailTo(t, user.email));

    await browser.get(link);
    const again = await browser.get(link);

    expect(again.status).toBe(200);
    expect(fieldValue(again.body, 'token')).toBeDefined();
  });

  it('opening an e-mail change link does not change the address', async () => {
    const { browser, user } = await signedInUser(t, liis);
    await browser.post('/account/email', { newEmail: 'liis.new@example.ee', currentPassword: user.password }, { formPage: '/account/email' });

    await browser.get(linkIn(await lastEmailTo(t, 'liis.new@example.ee')));

    expect((await getUserById(t.deps.db, user.id)).email).toBe(user.email);
  });

  it('GET on the form addresses only shows forms: GET /account/profile and GET /language are 404', async () => {
    const { browser, user } = await signedInUser(t, liis);

    expect((await browser.get('/account/profile?name=Forged')).status).toBe(404);
    expect((await browser.get('/language?lang=en')).status).toBe(404);
    expect(await profileName(user.id)).toBe('Liis Lepik');
  });
});
