import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import { mainText } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { isSignedIn, setCookie, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const sessionCookie = 'konsult_sid';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

describe('signing out', () => {
  it('leads to the home page with a confirmation, signed out', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });

    const out = await browser.post('/logout', {});

    expect(out.status).toBe(303);
    expect(out.location).toBe('/');
    const home = await browser.follow(out);
    expect(mainText(home.body)).toContain('Olete välja logitud.');
    expect(home.body).toContain('<a href="/login">Logi sisse</a>');
    expect(home.body).not.toContain('action="/logout"');
    expect(await isSignedIn(browser)).toBe(false);
  });

  it('removes the session cookie from the browser', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });

    const out = await browser.post('/logout', {});

    const cleared = setCookie(out, sessionCookie);
    expect(cleared?.value).toBe('');
    expect(browser.cookies.has(sessionCookie)).toBe(false);
  });

  it('ends the session on the server: the old cookie, replayed, shows the anonymous page', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });
    const oldCookie = browser.cookies.get(sessionCookie)!;
    await browser.post('/logout', {});

    const replay = t.browser();
    replay.cookies.set(sessionCookie, oldCookie);
    const home = await replay.get('/');
    const myMenu = await replay.get('/my');

    expect(home.status).toBe(200);
    expect(home.body).toContain('<a href="/login">Logi sisse</a>');
    expect(home.body).not.toContain('Kati Karu');
    expect(myMenu.status).toBe(303);
    expect(myMenu.location).toBe('/login?next=%2Fmy');
  });

  it('in one browser leaves the same account signed in in another browser', async () => {
    const user = await createUser(t);
    const laptop = t.browser();
    const phone = t.browser();
    await loginAs(laptop, user);
    await loginAs(phone, user);

    await laptop.post('/logout', {});

    expect(await isSignedIn(laptop)).toBe(false);
    expect(await isSignedIn(phone)).toBe(true);
  });
});

describe('an idle session', () => {
  it('is signed out after 121 minutes without requests', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });

    t.clock.advance(121 * minute);

    const page = await browser.get('/my');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Fmy&expired=1');
    const login = await browser.follow(page);
    expect(mainText(login.body)).toContain('Teie seanss on aegunud. Palun logige uuesti sisse.');
  });

  it('sends a form posted after expiry to a page that explains it and offers to sign in again', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });
    await browser.get('/account');
    t.clock.advance(121 * minute);

    const page = await browser.post('/account/profile', { name: 'Kati Karu-Kask', phone: '' });
    expect(page.status).toBe(403);
    expect(mainText(page.body)).toContain('Seanss on aegunud');
    expect(page.body).toContain('href="/login"');
  });

  it('is still signed in after 119 minutes without requests', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });

    t.clock.advance(119 * minute);

    expect(await isSignedIn(browser)).toBe(true);
  });

  it('stays signed in for 5 hours when used every 60 minutes', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });

    for (let elapsed = 0; elapsed < 5 * hour; elapsed += hour) {
      t.clock.advance(hour);
      expect(await isSignedIn(browser)).toBe(true);
    }
  });

  it('cannot be revived with its old cookie once expired; signing in again works', async () => {
    const { browser, user } = await signedInUser(t, { name: 'Kati Karu' });
    const oldCookie = browser.cookies.get(sessionCookie)!;
    t.clock.advance(121 * minute);
    await browser.get('/');

    const replay = t.browser();
    replay.cookies.set(sessionCookie, oldCookie);
    expect(await isSignedIn(replay)).toBe(false);
    await loginAs(browser, user);
    expect(await isSignedIn(browser)).toBe(true);
  });
});

describe('the absolute lifetime of a session', () => {
  it('ends 7 days after sign-in, even with activity all along', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });

    let elapsed = 0;
    while (elapsed + 100 * minute < 7 * day) {
      t.clock.advance(100 * minute);
      elapsed += 100 * minute;
      expect(await isSignedIn(browser)).toBe(true);
    }
    t.clock.advance(7 * day - elapsed + minute);

    expect(await isSignedIn(browser)).toBe(false);
  });

  it('the cookie itself is set to last no longer than 7 days', async () => {
    const user = await createUser(t);

    const login = await t.browser().post('/login', { email: user.email, password: user.password }, { formPage: '/login' });

    expect(setCookie(login, sessionCookie)?.maxAge).toBe(7 * 24 * 3600);
  });
});

describe('what the server keeps of a session', () => {
  it('the database stores only a hash of the session id, never the cookie value', async () => {
    const { browser } = await signedInUser(t, { name: 'Kati Karu' });
    const cookieValue = browser.cookies.get(sessionCookie)!;

    const rows = await t.deps.db.selectFrom('sessions').selectAll().execute();

    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(cookieValue);
    const byCookie = await t.deps.db.selectFrom('sessions').select('user_id').where('id_hash', '=', cookieValue).execute();
    expect(byCookie).toHaveLength(0);
  });
});

describe('a blocked user', () => {
  async function block(userId: number) {
    await t.deps.db.updateTable('users').set({ blocked_at: iso(t.clock.now()) }).where('id', '=', userId).execute();
  }

  it('is signed out on the next request', async () => {
    const { browser, user } = await signedInUser(t, { name: 'Kati Karu' });

    await block(user.id);

    const page = await browser.get('/my');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/login?next=%2Fmy&expired=1');
    expect(browser.cookies.has(sessionCookie)).toBe(false);
  });

  it('cannot sign in again with the right password', async () => {
    const user = await createUser(t);
    await block(user.id);
    const browser = t.browser();

    const page = await browser.post('/login', { email: user.email, password: user.password }, { formPage: '/login' });

    expect(page.status).toBe(403);
    expect(mainText(page.body)).toContain('See konto on suletud. Võtke ühendust kasutajatoega.');
    expect(setCookie(page, sessionCookie)).toBeUndefined();
    expect(await isSignedIn(browser)).toBe(false);
  });

  it('with a wrong password gets the ordinary wrong-password answer', async () => {
    const user = await createUser(t);
    await block(user.id);

    const page = await t.browser().post('/login', { email: user.email, password: 'not the right one' }, { formPage: '/login' });

    expect(page.status).toBe(401);
    expect(mainText(page.body)).toContain('E-posti aadress või parool on vale.');
  });
});
