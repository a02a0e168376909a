import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mainText } from '../support/browser.js';
import { emailsTo, lastEmailTo, linkIn } from '../support/emails.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('a newcomer registers, verifies and signs in', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('works end to end through the forms', async () => {
    const browser = t.browser();
    const registered = await browser.post(
      '/register',
      { name: 'Õie Mäger', email: 'Oie.Mager@Example.ee', phone: '+372 5555 1234', password: 'metsas kasvab kuusk', passwordRepeat: 'metsas kasvab kuusk' },
      { formPage: '/register' },
    );
    expect(registered.status).toBe(200);
    expect(mainText(registered.body)).toContain('oie.mager@example.ee');

    const email = await lastEmailTo(t, 'oie.mager@example.ee');
    expect(email.subject).toBe('Kinnitage oma e-posti aadress');
    const link = linkIn(email);
    expect(link).toMatch(/^\/verify-email\?token=/);

    const confirmPage = await browser.get(link);
    expect(confirmPage.status).toBe(200);
    const verified = await browser.post('/verify-email', { token: link.split('token=')[1]! });
    expect(verified.status).toBe(200);
    expect(mainText(verified.body)).toContain('Aadress on kinnitatud');

    const login = await browser.post('/login', { email: 'oie.mager@example.ee', password: 'metsas kasvab kuusk' }, { formPage: '/login' });
    expect(login.status).toBe(303);
    const myMenu = await browser.follow(login);
    expect(mainText(myMenu.body)).toContain('Tere, Õie Mäger!');
    expect(await emailsTo(t, 'oie.mager@example.ee')).toHaveLength(1);
  });
});
