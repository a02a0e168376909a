import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, mainText } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createUser, loginAs } from '../support/factories.js';
import { fieldValue, isSignedIn, setCookie, signIn } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const minute = 60_000;
const sessionCookie = 'konsult_sid';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

async function failTimes(browser: Browser, email: string, times: number) {
  for (let i = 0; i < times; i += 1) {
    const page = await signIn(browser, email, `wrong password ${i}`);
    expect(page.status).toBe(401);
  }
}

describe('signing in', () => {
  it('with the right e-mail and password leads to My menu with a greeting', async () => {
    const user = await createUser(t, { name: 'Jaan Tamm' });
    const browser = t.browser();

    const login = await signIn(browser, user.email, user.password);

    expect(login.status).toBe(303);
    expect(login.location).toBe('/my');
    const myMenu = await browser.follow(login);
    expect(mainText(myMenu.body)).toContain('Tere tulemast tagasi!');
    expect(mainText(myMenu.body)).toContain('Tere, Jaan Tamm!');
  });

  it('accepts the e-mail address typed in other letter case and with spaces around it', async () => {
    const user = await createUser(t, { email: 'jaan@example.ee' });

    const login = await signIn(t.browser(), '  Jaan@Example.EE ', user.password);

    expect(login.status).toBe(303);
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const user = await createUser(t);

    const login = await signIn(t.browser(), user.email, user.password);

    const cookie = setCookie(login, sessionCookie);
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    expect(cookie?.path).toBe('/');
  });

  it('gives a new session id at every sign-in', async () => {
    const user = await createUser(t);
    const browser = t.browser();

    await loginAs(browser, user);
    const first = browser.cookies.get(sessionCookie);
    await browser.post('/logout', {});
    await loginAs(browser, user);
    const second = browser.cookies.get(sessionCookie);

    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('signing in again while signed in replaces the session id, and the old id stops working', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await loginAs(browser, user);
    const before = browser.cookies.get(sessionCookie)!;

    const again = await browser.post('/login', { email: user.email, password: user.password });

    expect(again.status).toBe(303);
    const after = browser.cookies.get(sessionCookie);
    expect(after).not.toBe(before);
    expect(await isSignedIn(browser)).toBe(true);
    const replay = t.browser();
    replay.cookies.set(sessionCookie, before);
    expect(await isSignedIn(replay)).toBe(false);
  });

  it('replaces a session id that was planted in the browser before sign-in', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    const planted = 'planted-by-someone-else-0123456789';
    await browser.get('/login');
    browser.cookies.set(sessionCookie, planted);

    const login = await browser.post('/login', { email: user.email, password: user.password });

    expect(login.status).toBe(303);
    expect(browser.cookies.get(sessionCookie)).toBeDefined();
    expect(browser.cookies.get(sessionCookie)).not.toBe(planted);
    const withPlanted = t.browser();
    withPlanted.cookies.set(sessionCookie, planted);
    expect(await isSignedIn(withPlanted)).toBe(false);
  });

  it('each browser gets its own session id for the same account', async () => {
    const user = await createUser(t);
    const laptop = t.browser();
    const phone = t.browser();

    await loginAs(laptop, user);
    await loginAs(phone, user);

    expect(laptop.cookies.get(sessionCookie)).not.toBe(phone.cookies.get(sessionCookie));
    expect(await isSignedIn(laptop)).toBe(true);
    expect(await isSignedIn(phone)).toBe(true);
  });

  it('a signed-in visitor who opens the sign-in page goes to My menu', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await loginAs(browser, user);

    const page = await browser.get('/login');

    expect(page.status).toBe(303);
    expect(page.location).toBe('/my');
  });
});

describe('a refused sign-in', () => {
  it('a wrong password and an unknown e-mail get the same status (401) and the same message', async () => {
    const user = await createUser(t, { email: 'known@example.ee' });

    const wrongPassword = await signIn(t.browser(), user.email, 'not the right password');
    const unknownEmail = await signIn(t.browser(), 'nobody@example.ee', 'not the right password');

    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(mainText(wrongPassword.body)).toContain('E-posti aadress või parool on vale.');
    expect(mainText(unknownEmail.body)).toBe(mainText(wrongPassword.body));
  });

  it('keeps the typed e-mail in the form but never the password, and sets no session cookie', async () => {
    const user = await createUser(t);

    const page = await signIn(t.browser(), user.email, 'not the right password');

    expect(fieldValue(page.body, 'email')).toBe(user.email);
    expect(fieldValue(page.body, 'password')).toBe('');
    expect(page.body).not.toContain('not the right password');
    expect(setCookie(page, sessionCookie)).toBeUndefined();
  });

  it('an empty form comes back with 422 and a message at each field', async () => {
    const page = await signIn(t.browser(), '', '');

    expect(page.status).toBe(422);
    expect(mainText(page.body)).toContain('See väli on kohustuslik.');
  });

  it('an unverified account is told to confirm its address and offered a new link', async () => {
    const user = await createUser(t, { isVerified: false });
    const browser = t.browser();

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(401);
    expect(setCookie(page, sessionCookie)).toBeUndefined();
    expect(mainText(page.body)).toContain('Teie e-posti aadress on kinnitamata.');
    expect(page.body).toMatch(/<a href="\/verify-email\/resend">Saada kinnituslink uuesti<\/a>/);
  });

  it('the "send the link again" form sends an unverified account a fresh verification link', async () => {
    const user = await createUser(t, { isVerified: false });
    const browser = t.browser();
    await signIn(browser, user.email, user.password);

    const sent = await browser.post('/verify-email/resend', { email: user.email }, { formPage: '/verify-email/resend' });

    expect(sent.status).toBe(200);
    expect(mainText(sent.body)).toContain('Kui aadressiga on seotud kinnitamata konto');
    const email = await lastEmailTo(t, user.email);
    expect(email.subject).toBe('Kinnitage oma e-posti aadress');
    expect(linkIn(email)).toMatch(/^\/verify-email\?token=/);
  });

  it('the "send the link again" form answers the same for a verified or unknown address and sends nothing', async () => {
    const verified = await createUser(t);

    const forVerified = await t.browser().post('/verify-email/resend', { email: verified.email }, { formPage: '/verify-email/resend' });
    const forUnknown = await t.browser().post('/verify-email/resend', { email: 'nobody@example.ee' }, { formPage: '/verify-email/resend' });

    expect(forVerified.status).toBe(200);
    expect(mainText(forUnknown.body)).toBe(mainText(forVerified.body));
    expect(await emailsTo(t, verified.email)).toHaveLength(0);
    expect(await emailsTo(t, 'nobody@example.ee')).toHaveLength(0);
  });
});

describe('too many failed sign-ins for one account', () => {
  it('after 5 wrong passwords even the right password is refused with 429', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await failTimes(browser, user.email, 5);

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(429);
    expect(mainText(page.body)).toContain('Liiga palju katseid. Palun proovige uuesti 15 minuti pärast.');
    expect(setCookie(page, sessionCookie)).toBeUndefined();
  });

  it('the account is refused from another IP address too', async () => {
    const user = await createUser(t);
    await failTimes(t.browser(), user.email, 5);

    const page = await signIn(new Browser(t.app, '198.51.100.7'), user.email, user.password);

    expect(page.status).toBe(429);
  });

  it('is still refused 14 minutes later', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await failTimes(browser, user.email, 5);
    t.clock.advance(14 * minute);

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(429);
  });

  it('can sign in with the right password once the 15-minute window has passed', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await failTimes(browser, user.email, 5);
    t.clock.advance(15 * minute + 1000);

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(303);
    expect(page.location).toBe('/my');
  });

  it('a new window counts from one: after the 15 minutes, four more wrong passwords still let the right one in', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await failTimes(browser, user.email, 5);
    t.clock.advance(15 * minute + 1000);
    await failTimes(browser, user.email, 4);

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(303);
  });

  it('4 wrong passwords still let the right one in, and that success starts the count again', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await failTimes(browser, user.email, 4);
    expect((await signIn(browser, user.email, user.password)).status).toBe(303);
    await browser.post('/logout', {});

    await failTimes(browser, user.email, 4);
    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(303);
  });

  it('failures for an unknown e-mail are limited the same way, with the same answer as for a real account', async () => {
    const user = await createUser(t, { email: 'known@example.ee' });
    await failTimes(t.browser(), user.email, 5);
    await failTimes(t.browser(), 'unknown@example.ee', 5);

    const forKnown = await signIn(t.browser(), user.email, 'yet another guess');
    const forUnknown = await signIn(t.browser(), 'unknown@example.ee', 'yet another guess');

    expect(forUnknown.status).toBe(429);
    expect(forKnown.status).toBe(429);
    expect(mainText(forUnknown.body)).toBe(mainText(forKnown.body));
  });
});

describe('too many failed sign-ins from one IP address', () => {
  const attacker = '198.51.100.66';

  async function failAcrossAccounts(times: number) {
    const browser = new Browser(t.app, attacker);
    for (let i = 0; i < times; i += 1) {
      const page = await signIn(browser, `guess${i}@example.ee`, 'a guessed password');
      expect(page.status).toBe(401);
    }
    return browser;
  }

  it('after 20 failures across different e-mails, any account is refused from that address with 429', async () => {
    const user = await createUser(t);
    const browser = await failAcrossAccounts(20);

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(429);
    expect(mainText(page.body)).toContain('Liiga palju katseid.');
  });

  it('19 failures from one address still let a correct sign-in through', async () => {
    const user = await createUser(t);
    const browser = await failAcrossAccounts(19);

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(303);
  });

  it('another IP address can still sign in meanwhile', async () => {
    const user = await createUser(t);
    await failAcrossAccounts(20);

    const page = await signIn(new Browser(t.app, '198.51.100.7'), user.email, user.password);

    expect(page.status).toBe(303);
  });

  it('the address can sign in again once the 15-minute window has passed', async () => {
    const user = await createUser(t);
    const browser = await failAcrossAccounts(20);
    t.clock.advance(15 * minute + 1000);

    const page = await signIn(browser, user.email, user.password);

    expect(page.status).toBe(303);
  });
});

describe('returning to the page that asked for sign-in', () => {
  it('a visitor sent to sign in from /account returns there after signing in', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    const guarded = await browser.get('/account');
    expect(guarded.status).toBe(303);
    const loginPage = await browser.follow(guarded);
    expect(mainText(loginPage.body)).toContain('Selle lehe nägemiseks logige sisse.');
    const next = fieldValue(loginPage.body, 'next');
    expect(next).toBe('/account');

    const login = await browser.post('/login', { email: user.email, password: user.password, next: next! });

    expect(login.status).toBe(303);
    expect(login.location).toBe('/account');
    expect((await browser.follow(login)).status).toBe(200);
  });

  it('the return address survives a mistyped password', async () => {
    const user = await createUser(t);
    const browser = t.browser();
    await browser.get('/login?next=%2Faccount');

    const failed = await browser.post('/login', { email: user.email, password: 'mistyped password', next: '/account' });
    const login = await browser.post('/login', { email: user.email, password: user.password, next: fieldValue(failed.body, 'next') ?? '' });

    expect(failed.status).toBe(401);
    expect(login.location).toBe('/account');
  });

  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)', '/\t/evil.example', '/\n/evil.example'])(
    'next=%j is ignored: the user lands on My menu of this site',
    async (next) => {
      const user = await createUser(t);
      const browser = t.browser();

      const login = await signIn(browser, user.email, user.password, { next });

      expect(login.status).toBe(303);
      expect(login.location).toBe('/my');
      // What a browser would do with the Location header: it must stay on this site.
      expect(new URL(login.location ?? '', 'http://konsult.test/login').host).toBe('konsult.test');
    },
  );

  it('the sign-in page does not carry a foreign next address into its form', async () => {
    const page = await t.browser().get('/login?next=%2F%2Fevil.example');

    expect(page.status).toBe(200);
    expect(fieldValue(page.body, 'next')).toBeUndefined();
  });
});
