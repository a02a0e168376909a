import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, demoPassword } from '../../src/db/seed-demo.js';
import type { Locale } from '../../src/domain/roles.js';
import { translator, type Translate } from '../../src/i18n/index.js';
import type { ServerProcess } from '../support/server-process.js';
import { expectNoSeriousA11yViolations, expectNoSeriousA11yViolationsInHtml, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * The account flows in a real browser against the real server process: what a newcomer does in
 * Estonian and in English, what the demo accounts can do, and the keyboard path into a page.
 * Axe runs on every page the person sees.
 */

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await startServerAndBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The page's single <h1>, once it is there. */
async function headingText(page: Page): Promise<string> {
  const h1 = page.locator('main h1');
  await h1.waitFor();
  return (await h1.innerText()).trim();
}

async function expectHeading(page: Page, text: string): Promise<void> {
  expect(await headingText(page)).toBe(text);
}

async function expectLang(page: Page, locale: Locale): Promise<void> {
  expect(await page.locator('html').getAttribute('lang')).toBe(locale);
}

/** Switches the language with the header's button, the way a visitor would. */
async function switchLanguageTo(page: Page, locale: Locale): Promise<void> {
  const current = (await page.locator('html').getAttribute('lang')) as Locale;
  if (current === locale) return;
  await page.locator('header').getByRole('button', { name: translator(current)('nav.switchTo'), exact: true }).click();
  await page.waitForLoadState();
  await expectLang(page, locale);
}

async function signIn(page: Page, t: Translate, email: string, password: string): Promise<void> {
  const main = page.getByRole('main');
  await main.getByLabel(t('auth.email'), { exact: true }).fill(email);
  await main.getByLabel(t('auth.password'), { exact: true }).fill(password);
  await main.getByRole('button', { name: t('auth.loginButton'), exact: true }).click();
}

const newcomers: { locale: Locale; name: string; email: string; phone: string; password: string }[] = [
  { locale: 'et', name: 'Õie Mäger', email: 'oie.mager@example.ee', phone: '+372 5555 1234', password: 'metsas kasvab kuusk ja kask' },
  { locale: 'en', name: 'Eleanor Whitfield', email: 'eleanor.whitfield@example.com', phone: '+44 20 7946 0958', password: 'a quiet harbour at dawn' },
];

describe.each(newcomers)('a newcomer in $locale', (person) => {
  const t = translator(person.locale);

  it('registers, confirms the address from the e-mail, signs in and out', async () => {
    const { context, page } = await openPage(browser, server.baseUrl);
    try {
      await withServerOutput(server, async () => {
        // Home, in Estonian first; English through the header's language button.
        await page.goto('/');
        await expectLang(page, 'et');
        await expectNoSeriousA11yViolations(page, 'home (et)');
        if (person.locale !== 'et') {
          await switchLanguageTo(page, person.locale);
          await expectHeading(page, t('home.title'));
          await expectNoSeriousA11yViolations(page, `home (${person.locale})`);
        }

        // Register: an empty form first shows the error summary and keeps the page usable.
        await page.locator('header').getByRole('link', { name: t('nav.register'), exact: true }).click();
        await expectHeading(page, t('auth.registerTitle'));
        await expectNoSeriousA11yViolations(page, 'register');

        const form = page.getByRole('main');
        await form.getByRole('button', { name: t('auth.registerButton'), exact: true }).click();
        const summary = page.getByRole('alert');
        await summary.waitFor();
        expect(await summary.getByRole('heading').innerText()).toBe(t('common.formHasErrors'));
        expect(await summary.getByRole('link').allInnerTexts()).toContain(t('errors.field.required'));
        expect(await page.locator('#name').getAttribute('aria-invalid')).toBe('true');
        await expectNoSeriousA11yViolations(page, 'register with errors');

        await form.getByLabel(t('auth.name'), { exact: true }).fill(person.name);
        await form.getByLabel(t('auth.email'), { exact: true }).fill(person.email);
        await form.getByLabel(t('auth.phone')).fill(person.phone);
        await form.getByLabel(t('auth.password'), { exact: true }).fill(person.password);
        await form.getByLabel(t('auth.passwordRepeat'), { exact: true }).fill(person.password);
        await form.getByRole('button', { name: t('auth.registerButton'), exact: true }).click();

        // "Check your e-mail", with the way to the sent-mail page in development mode.
        await expectHeading(page, t('auth.checkEmailTitle'));
        expect(await page.getByRole('main').innerText()).toContain(person.email);
        await expectNoSeriousA11yViolations(page, 'check e-mail');

        // The "Sent e-mail" page from the menu; the newest message to this address.
        await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: t('nav.sentEmails'), exact: true }).click();
        await expectHeading(page, t('sentEmails.title'));
        await expectNoSeriousA11yViolations(page, 'sent e-mail list');
        const row = page.getByRole('row').filter({ hasText: person.email }).first();
        await row.getByRole('link').click();
        await expectHeading(page, t('email.verifySubject'));
        await expectNoSeriousA11yViolations(page, 'sent e-mail message');
        // The HTML version is framed in a sandbox where axe cannot run: check that document on its own.
        const htmlSrc = await page.locator('iframe.email-html').getAttribute('src');
        const htmlResponse = await page.request.get(htmlSrc!);
        expect(htmlResponse.status()).toBe(200);
        await expectNoSeriousA11yViolationsInHtml(context, await htmlResponse.text(), 'sent e-mail HTML body');

        const text = await page.getByTestId('email-text').innerText();
        expect(text).toContain(t('email.greeting', { name: person.name }));
        const link = new RegExp(`${server.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/verify-email\\?token=[A-Za-z0-9_-]+`).exec(text)?.[0];
        expect(link, `a verification link in:\n${text}`).toBeDefined();

        // The link opens a page; its button confirms.
        await page.goto(link!);
        await expectHeading(page, t('auth.verifyTitle'));
        await expectNoSeriousA11yViolations(page, 'verify');
        await page.getByRole('main').getByRole('button', { name: t('auth.verifyButton'), exact: true }).click();
        await expectHeading(page, t('auth.verifiedTitle'));
        await expectNoSeriousA11yViolations(page, 'verified');

        // Sign in with the new account.
        await page.getByRole('main').getByRole('link', { name: t('nav.login'), exact: true }).click();
        await expectHeading(page, t('auth.loginTitle'));
        await expectNoSeriousA11yViolations(page, 'login');
        await signIn(page, t, person.email, person.password);
        await page.waitForURL('**/my');
        await expectHeading(page, t('myMenu.title'));
        expect(await page.locator('main .lead').first().innerText()).toBe(t('myMenu.greeting', { name: person.name }));
        expect(await page.getByRole('status').innerText()).toBe(t('auth.loggedIn'));
        await expectLang(page, person.locale);
        await expectNoSeriousA11yViolations(page, 'my menu');

        // The account page shows what was registered.
        await page.locator('header').getByRole('link', { name: t('nav.account'), exact: true }).click();
        await expectHeading(page, t('account.title'));
        expect(await page.locator('#name').inputValue()).toBe(person.name);
        expect(await page.locator('#phone').inputValue()).toBe(person.phone);
        expect(await page.getByRole('main').innerText()).toContain(t('account.currentEmail', { email: person.email }));
        await expectNoSeriousA11yViolations(page, 'account');

        // Sign out: the anonymous header is back.
        await page.locator('header').getByRole('button', { name: t('nav.logout'), exact: true }).click();
        await page.waitForURL((url) => url.pathname === '/');
        expect(await page.getByRole('status').innerText()).toBe(t('auth.loggedOut'));
        const header = page.locator('header');
        expect(await header.getByRole('link', { name: t('nav.login'), exact: true }).count()).toBe(1);
        expect(await header.getByRole('link', { name: t('nav.register'), exact: true }).count()).toBe(1);
        expect(await header.getByRole('button', { name: t('nav.logout'), exact: true }).count()).toBe(0);
        expect(await header.getByRole('link', { name: t('nav.myMenu'), exact: true }).count()).toBe(0);
        await expectNoSeriousA11yViolations(page, 'after logout');

        // A wrong password is refused with a message, and the address stays in the form.
        await header.getByRole('link', { name: t('nav.login'), exact: true }).click();
        await expectHeading(page, t('auth.loginTitle'));
        await signIn(page, t, person.email, `${person.password} but wrong`);
        const refusal = page.getByRole('alert');
        await refusal.waitFor();
        expect(await refusal.innerText()).toContain(t('errors.domain.INVALID_CREDENTIALS'));
        expect(await page.getByRole('main').getByLabel(t('auth.email'), { exact: true }).inputValue()).toBe(person.email);
        expect(new URL(page.url()).pathname).toBe('/login');
        await expectNoSeriousA11yViolations(page, 'login refused');
      });
    } finally {
      await context.close();
    }
  }, 120_000);
});

describe('keyboard', () => {
  it.each(['et', 'en'] as const)('the skip link is the first Tab stop and moves focus to the content (%s)', async (locale) => {
    const t = translator(locale);
    const { context, page } = await openPage(browser, server.baseUrl);
    try {
      await page.goto('/');
      await switchLanguageTo(page, locale);
      for (const path of ['/', '/register', '/login']) {
        await page.goto(path);
        await page.keyboard.press('Tab');
        const first = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          const box = el?.getBoundingClientRect();
          return {
            className: el?.className,
            text: el?.textContent?.trim(),
            href: el?.getAttribute('href'),
            isOnScreen: box ? box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && box.left < window.innerWidth : false,
          };
        });
        expect(first, path).toEqual({ className: 'skip-link', text: t('nav.skipToContent'), href: '#content', isOnScreen: true });

        await page.keyboard.press('Enter');
        expect(await page.evaluate(() => document.activeElement?.id), path).toBe('content');
        expect(await page.evaluate(() => document.activeElement?.tagName), path).toBe('MAIN');
      }
    } finally {
      await context.close();
    }
  });
});

describe('the demo accounts', () => {
  it('are the ones the README documents, with its password', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`**\`${demoPassword}\`**`);
    for (const account of demoAccounts) expect(readme, account.email).toMatch(new RegExp(`\\| ${account.name} \\| \`${account.email}\` \\|`));
  });

  it.each(demoAccounts.map((account) => ({ ...account, label: account.email })))('$label signs in with the README password', async (account) => {
    const t = translator(account.locale);
    const { context, page } = await openPage(browser, server.baseUrl);
    try {
      await withServerOutput(server, async () => {
        await page.goto('/login');
        await signIn(page, translator('et'), account.email, demoPassword);
        await page.waitForURL('**/my');
        await expectHeading(page, t('myMenu.title'));
        expect(await page.locator('main .lead').first().innerText()).toBe(t('myMenu.greeting', { name: account.name }));
        const isStaff = account.roles.includes('admin') || account.roles.includes('moderator');
        const menu = page.getByRole('navigation', { name: t('nav.label') });
        expect(await menu.getByRole('link', { name: t('nav.admin'), exact: true }).count()).toBe(isStaff ? 1 : 0);
      });
    } finally {
      await context.close();
    }
  });

  it('the admin sees the users list', async () => {
    const t = translator('et');
    const { context, page } = await openPage(browser, server.baseUrl);
    try {
      await withServerOutput(server, async () => {
        await page.goto('/login');
        await signIn(page, t, 'admin@demo.konsult.ee', demoPassword);
        await page.waitForURL('**/my');
        await expectNoSeriousA11yViolations(page, 'my menu (admin)');

        await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: t('nav.admin'), exact: true }).click();
        await expectHeading(page, t('dashboard.title'));
        await page.getByRole('navigation', { name: t('admin.title') }).getByRole('link', { name: t('admin.usersTitle'), exact: true }).click();
        await expectHeading(page, 'Kasutajad');
        const table = page.getByRole('table');
        for (const account of demoAccounts) {
          expect(await table.getByRole('row').filter({ hasText: account.email }).count(), account.email).toBe(1);
        }
        await expectNoSeriousA11yViolations(page, 'users (admin)');

        await page.getByRole('search').getByLabel(t('admin.searchLabel')).fill('jurist');
        await page.getByRole('search').getByRole('button', { name: t('common.search'), exact: true }).click();
        await page.waitForURL('**/admin/users?q=jurist&filter=all');
        expect(await table.getByRole('row').count()).toBe(2); // the header row and Jaan Tamm
        expect(await table.innerText()).toContain('Jaan Tamm');
        await expectNoSeriousA11yViolations(page, 'users search (admin)');
      });
    } finally {
      await context.close();
    }
  });
});
