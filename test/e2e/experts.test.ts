import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src/db/seed-demo.js';
import type { Locale } from '../../src/domain/roles.js';
import { translator } from '../../src/i18n/index.js';
import { samplePng } from '../support/multipart.js';
import type { ServerProcess } from '../support/server-process.js';
import { expectNoSeriousA11yViolations, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * Experts in a real browser against the real server process (demo data on): a newcomer applies
 * to become an expert through the form, the demo moderator approves the application from the
 * mailbox notice, and the new expert is listed in the fields they chose; the form's refusals
 * keep everything typed; strangers get the 403 page; axe checks every expert page in Estonian
 * (the directory and a profile also in English); the directory's filters work from the keyboard.
 */

const et = translator('et');
const demo = {
  customer: 'klient@demo.konsult.ee',
  lawyer: { email: 'jurist@demo.konsult.ee', name: 'Jaan Tamm' },
  psychologist: { name: 'Liis Kask' },
  familyLawyer: { name: 'Andres Mets' },
  moderator: 'moderaator@demo.konsult.ee',
  admin: 'admin@demo.konsult.ee',
};
/** Demo fields (see src/db/seed-demo.ts): two chosen by the applicant, one they did not choose. */
const chosenFields = ['Tarbijavaidlused', 'Kinnisvara ja üürisuhted'] as const;
const otherField = 'Perekonnaõigus'; // Andres Mets only
const validIdCode = '49403136526';
const invalidIdCode = '36805280108'; // wrong check digit

let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await startServerAndBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens a page in a context of its own, runs `use`, and closes the context whatever happens. */
async function inBrowser(use: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
  const { context, page } = await openPage(browser, server.baseUrl);
  try {
    await withServerOutput(server, () => use(page, context));
  } finally {
    await context.close();
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A control whose label starts with `text` (optional fields append "(valikuline)" to theirs). */
function labelled(scope: Page | Locator, text: string): Locator {
  return scope.getByLabel(new RegExp(`^${escapeRegExp(text)}`));
}

async function headingText(page: Page): Promise<string> {
  const h1 = page.locator('main h1');
  await h1.waitFor();
  return (await h1.innerText()).trim();
}

async function expectHeading(page: Page, text: string): Promise<void> {
  expect(await headingText(page)).toBe(text);
}

async function signIn(page: Page, email: string, password = demoPassword): Promise<void> {
  await page.goto('/login');
  const main = page.getByRole('main');
  await main.getByLabel(et('auth.email'), { exact: true }).fill(email);
  await main.getByLabel(et('auth.password'), { exact: true }).fill(password);
  await main.getByRole('button', { name: et('auth.loginButton'), exact: true }).click();
  await page.waitForURL('**/my');
}

/**
 * Registers a new account through the pages a newcomer uses: the form, the verification link
 * from the development "sent e-mail" page, then signs in.
 */
async function registerAndSignIn(page: Page, person: { name: string; email: string }): Promise<void> {
  const password = 'kuused kasvavad metsas vaikselt';
  await page.goto('/register');
  const form = page.getByRole('main');
  await form.getByLabel(et('auth.name'), { exact: true }).fill(person.name);
  await form.getByLabel(et('auth.email'), { exact: true }).fill(person.email);
  await form.getByLabel(et('auth.password'), { exact: true }).fill(password);
  await form.getByLabel(et('auth.passwordRepeat'), { exact: true }).fill(password);
  await form.getByRole('button', { name: et('auth.registerButton'), exact: true }).click();
  await expectHeading(page, et('auth.checkEmailTitle'));

  await page.goto('/sent-emails');
  await page.getByRole('row').filter({ hasText: person.email }).first().getByRole('link').click();
  await expectHeading(page, et('email.verifySubject'));
  const text = await page.getByTestId('email-text').innerText();
  const link = new RegExp(`${escapeRegExp(server.baseUrl)}/verify-email\\?token=[A-Za-z0-9_-]+`).exec(text)?.[0];
  expect(link, `a verification link in:\n${text}`).toBeDefined();
  await page.goto(link!);
  await page.getByRole('main').getByRole('button', { name: et('auth.verifyButton'), exact: true }).click();
  await expectHeading(page, et('auth.verifiedTitle'));
  await signIn(page, person.email, password);
}

/** Switches the language with the header's button, the way a visitor would. */
async function switchLanguageTo(page: Page, locale: Locale): Promise<void> {
  const current = (await page.locator('html').getAttribute('lang')) as Locale;
  if (current === locale) return;
  await page.locator('header').getByRole('button', { name: translator(current)('nav.switchTo'), exact: true }).click();
  await page.waitForLoadState();
  expect(await page.locator('html').getAttribute('lang')).toBe(locale);
}

type Application = {
  fullName: string;
  idCode: string;
  fields: readonly string[];
  /** Language labels to tick besides Estonian (ticked by default for an Estonian page). */
  extraLanguages: readonly string[];
  priceLevel: 1 | 2 | 3;
  bio: string;
  qualifications: string;
};

function priceRadio(page: Page, level: 1 | 2 | 3): Locator {
  return page.getByRole('main').getByRole('radio', { name: et('experts.priceLevelLabel', { symbol: '€'.repeat(level), name: et(`experts.priceLevel_${level}`) }) });
}

/** Fills the "Become an expert" form as a private person, the way the user would. */
async function fillApplication(page: Page, application: Application): Promise<void> {
  const main = page.getByRole('main');
  await main.getByRole('radio', { name: et('application.kindPerson'), exact: true }).check();
  await labelled(main, et('application.fullName')).fill(application.fullName);
  await labelled(main, et('application.personalIdCode')).fill(application.idCode);
  for (const field of application.fields) await main.getByRole('checkbox', { name: field, exact: true }).check();
  await main.getByLabel(et('experts.qualificationsLabel'), { exact: true }).fill(application.qualifications);
  await main.getByLabel(et('experts.bioLabel'), { exact: true }).fill(application.bio);
  expect(await main.getByRole('checkbox', { name: et('languages.et'), exact: true }).isChecked()).toBe(true);
  for (const language of application.extraLanguages) await main.getByRole('checkbox', { name: language, exact: true }).check();
  await priceRadio(page, application.priceLevel).check();
}

async function submitApplication(page: Page): Promise<void> {
  await page.getByRole('main').getByRole('button', { name: et('application.submitButton'), exact: true }).click();
  await page.waitForLoadState();
}

/** Names on the expert cards of a directory page. */
async function listedNames(page: Page): Promise<string[]> {
  await page.locator('main .result-count').waitFor();
  return (await page.locator('main .expert-list .expert-name').allInnerTexts()).map((name) => name.trim());
}

/** A field's id, read from the directory's field filter (its option's value). */
async function fieldIdOf(page: Page, name: string): Promise<string> {
  const value = await page.locator('select#field option').filter({ hasText: new RegExp(`^${escapeRegExp(name)}$`) }).getAttribute('value');
  expect(value, name).toMatch(/^\d+$/);
  return value!;
}

/** A demo expert's profile address, from their card in the directory. */
async function profilePathOf(page: Page, name: string): Promise<string> {
  await page.goto('/experts');
  const href = await page.locator('main .expert-list').getByRole('link', { name, exact: true }).getAttribute('href');
  expect(href, name).toMatch(/^\/experts\/\d+$/);
  return href!;
}

describe('becoming an expert', () => {
  it('a newcomer applies from the main menu, the moderator approves from the notice, and the expert is listed in the chosen fields', async () => {
    const applicant = { name: 'Kadri Kuusk', email: 'kadri.kuusk@example.ee' };
    const application: Application = {
      fullName: applicant.name,
      idCode: validIdCode,
      fields: chosenFields,
      extraLanguages: [et('languages.en'), et('languages.ru')],
      priceLevel: 2,
      bio: 'Aitan lahendada vaidlusi üürnike, üürileandjate ja kauplejatega.\n\nKoostan pretensioone ja avaldusi komisjonidele.',
      qualifications: 'Tallinna Ülikool, õigusteaduse magister (2015).\nÜürikomisjoni liige 2018–2024.',
    };

    const applicantSide = await openPage(browser, server.baseUrl);
    const moderatorSide = await openPage(browser, server.baseUrl);
    try {
      await withServerOutput(server, async () => {
        const { page } = applicantSide;
        await registerAndSignIn(page, applicant);

        // "Hakka eksperdiks" from the main menu: the form, as a private person by default.
        await page.getByRole('navigation', { name: et('nav.label') }).getByRole('link', { name: et('nav.becomeExpert'), exact: true }).click();
        await page.waitForURL('**/become-expert');
        await expectHeading(page, et('info.becomeExpertTitle'));
        expect(await page.getByRole('main').getByRole('radio', { name: et('application.kindPerson'), exact: true }).isChecked()).toBe(true);

        await fillApplication(page, application);
        await labelled(page.getByRole('main'), et('experts.photoLabel')).setInputFiles({ name: 'kadri.png', mimeType: 'image/png', buffer: samplePng() });
        await submitApplication(page);

        // Under review: the flash and the card, with the form gone.
        expect(new URL(page.url()).pathname).toBe('/become-expert');
        expect(await page.getByRole('status').innerText()).toBe(et('application.submitted'));
        expect(await page.getByRole('main').getByRole('heading', { name: et('application.submittedTitle'), exact: true }).count()).toBe(1);
        expect(await page.getByRole('main').getByRole('button', { name: et('application.submitButton'), exact: true }).count()).toBe(0);

        // The moderator finds the notice in the mailbox and follows it to the application.
        const moderator = moderatorSide.page;
        await signIn(moderator, demo.moderator);
        await moderator.locator('header .mailbox-link').click();
        await moderator.waitForURL('**/mailbox');
        const noticeTitle = et('notices.expertApplicationSubmitted.title', { name: applicant.name });
        await moderator.locator('.mailbox-list').getByRole('link', { name: new RegExp(escapeRegExp(noticeTitle)) }).click();
        await moderator.waitForURL('**/mailbox/notices/*');
        await expectHeading(moderator, noticeTitle);
        await moderator.getByRole('main').getByRole('link', { name: et('mailbox.openItem'), exact: true }).click();
        await moderator.waitForURL('**/admin/expert-applications/*');
        await expectHeading(moderator, applicant.name);
        const review = moderator.getByRole('main');
        const reviewText = await review.innerText();
        expect(reviewText).toContain(validIdCode);
        expect(reviewText).toContain(applicant.email);
        for (const field of chosenFields) expect(reviewText).toContain(field);
        expect(reviewText).not.toContain(otherField);
        const applicationPhoto = review.getByRole('img', { name: et('review.photoAlt', { name: applicant.name }), exact: true });
        expect(await applicationPhoto.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

        await review.getByRole('button', { name: et('review.approve'), exact: true }).click();
        await moderator.waitForLoadState();
        expect(await moderator.getByRole('status').innerText()).toBe(et('review.done_approve'));
        expect((await moderator.locator('main .page-heading .lead').innerText()).trim()).toBe(et('application.status_approved'));
        expect(await review.getByRole('button', { name: et('review.approve'), exact: true }).count()).toBe(0);

        // The new expert is in the directory of each chosen field, and not in another one.
        await page.goto('/experts');
        const ids = Object.fromEntries(await Promise.all([...chosenFields, otherField].map(async (name) => [name, await fieldIdOf(page, name)] as const)));
        for (const field of chosenFields) {
          await page.goto(`/experts?field=${ids[field]!}`);
          await expectHeading(page, field);
          expect(await listedNames(page), field).toContain(applicant.name);
        }
        await page.goto(`/experts?field=${ids[otherField]!}`);
        expect(await listedNames(page)).toEqual([demo.familyLawyer.name]);

        // The public profile: photo, name and fields (and the ID code nowhere).
        await page.goto(`/experts?field=${ids[chosenFields[0]]!}`);
        await page.locator('main .expert-list').getByRole('link', { name: applicant.name, exact: true }).click();
        await page.waitForURL(/\/experts\/\d+$/);
        await expectHeading(page, applicant.name);
        const photo = page.locator('main .profile-head img.avatar-large');
        expect(await photo.getAttribute('src')).toMatch(/^\/experts\/\d+\/photo\?v=\d+$/);
        await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
        const profileText = await page.getByRole('main').innerText();
        for (const field of chosenFields) expect(profileText).toContain(field);
        expect(profileText).not.toContain(otherField);
        expect(profileText).toContain(`${et('languages.et')}, ${et('languages.en')}, ${et('languages.ru')}`);
        expect(profileText).not.toContain(validIdCode);
        // Signed in as themselves, the new expert is offered the edit link.
        expect(await page.getByRole('main').getByRole('link', { name: et('experts.editProfile'), exact: true }).count()).toBe(1);

        // The approval notice waits in the applicant's mailbox.
        await page.locator('header .mailbox-link').click();
        await page.waitForURL('**/mailbox');
        const approved = et('notices.expertApplicationApproved.title');
        await page.locator('.mailbox-list').getByRole('link', { name: new RegExp(escapeRegExp(approved)) }).click();
        await expectHeading(page, approved);
        expect(await page.getByRole('main').innerText()).toContain(et('notices.expertApplicationApproved.body'));
      });
    } finally {
      await applicantSide.context.close();
      await moderatorSide.context.close();
    }
  }, 60_000);
});

describe('refusals', () => {
  it('a bad ID code is shown at its field, linked from the summary, and everything typed stays', async () => {
    await inBrowser(async (page) => {
      // The demo customer has never applied.
      await signIn(page, demo.customer);
      await page.goto('/become-expert');
      await expectNoSeriousA11yViolations(page, 'become an expert (et)');
      const application: Application = {
        fullName: 'Mari Maasikas',
        idCode: invalidIdCode,
        fields: ['Tööõigus', 'Liiklusõnnetused'],
        extraLanguages: [et('languages.fi')],
        priceLevel: 3,
        bio: 'Töövaidlused ja liikluskahjud.\n\nKohtus ja komisjonis.',
        qualifications: 'Tartu Ülikool, õigusteadus (2001).',
      };
      await fillApplication(page, application);
      await submitApplication(page);

      const main = page.getByRole('main');
      const summary = page.getByRole('alert');
      await summary.waitFor();
      const message = et('errors.field.personalIdCodeInvalid');
      expect(await summary.getByRole('link').allInnerTexts()).toEqual([message]);
      expect((await main.locator('#personalIdCode-error').innerText()).trim()).toBe(message);
      const idInput = labelled(main, et('application.personalIdCode'));
      expect(await idInput.getAttribute('aria-invalid')).toBe('true');
      expect(await idInput.getAttribute('aria-describedby')).toContain('personalIdCode-error');
      await expectNoSeriousA11yViolations(page, 'become an expert with errors (et)');

      // The summary's link moves focus to the field.
      await summary.getByRole('link', { name: message, exact: true }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('personalIdCode');

      // Nothing typed or ticked was lost.
      expect(await idInput.inputValue()).toBe(invalidIdCode);
      expect(await labelled(main, et('application.fullName')).inputValue()).toBe(application.fullName);
      expect(await main.getByLabel(et('experts.bioLabel'), { exact: true }).inputValue()).toBe(application.bio);
      expect(await main.getByLabel(et('experts.qualificationsLabel'), { exact: true }).inputValue()).toBe(application.qualifications);
      expect(await main.getByRole('radio', { name: et('application.kindPerson'), exact: true }).isChecked()).toBe(true);
      for (const field of application.fields) expect(await main.getByRole('checkbox', { name: field, exact: true }).isChecked(), field).toBe(true);
      expect(await main.getByRole('checkbox', { name: otherField, exact: true }).isChecked()).toBe(false);
      for (const language of [et('languages.et'), et('languages.fi')]) expect(await main.getByRole('checkbox', { name: language, exact: true }).isChecked(), language).toBe(true);
      expect(await main.getByRole('checkbox', { name: et('languages.en'), exact: true }).isChecked()).toBe(false);
      expect(await priceRadio(page, 3).isChecked()).toBe(true);
      expect(await priceRadio(page, 1).isChecked()).toBe(false);

      // Missing choices and texts: each named at its control, the rest still kept.
      await labelled(main, et('application.personalIdCode')).fill(validIdCode);
      for (const field of application.fields) await main.getByRole('checkbox', { name: field, exact: true }).uncheck();
      await main.getByLabel(et('experts.bioLabel'), { exact: true }).fill('');
      await submitApplication(page);
      await summary.waitFor();
      const expected = [et('errors.field.required'), et('errors.field.chooseField')];
      expect((await summary.getByRole('link').allInnerTexts()).sort()).toEqual([...expected].sort());
      expect(await summary.getByRole('link', { name: et('errors.field.chooseField'), exact: true }).getAttribute('href')).toBe('#fieldIds');
      expect(await summary.getByRole('link', { name: et('errors.field.required'), exact: true }).getAttribute('href')).toBe('#bio');
      expect((await main.locator('#bio-error').innerText()).trim()).toBe(et('errors.field.required'));
      expect((await main.locator('#fieldIds-error').innerText()).trim()).toBe(et('errors.field.chooseField'));
      await summary.getByRole('link', { name: et('errors.field.chooseField'), exact: true }).click();
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('fieldIds');
      await summary.getByRole('link', { name: et('errors.field.required'), exact: true }).click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('bio');
      expect(await labelled(main, et('application.personalIdCode')).inputValue()).toBe(validIdCode);
      expect(await labelled(main, et('application.fullName')).inputValue()).toBe(application.fullName);
      expect(await main.getByLabel(et('experts.qualificationsLabel'), { exact: true }).inputValue()).toBe(application.qualifications);
      expect(await main.getByRole('checkbox', { name: et('languages.fi'), exact: true }).isChecked()).toBe(true);
      expect(await priceRadio(page, 3).isChecked()).toBe(true);

      // Nothing was submitted: the form is still offered.
      await page.goto('/become-expert');
      expect(await main.getByRole('button', { name: et('application.submitButton'), exact: true }).count()).toBe(1);
    });
  }, 60_000);

  it('a customer gets the 403 page for an application’s review', async () => {
    await inBrowser(async (page) => {
      await signIn(page, demo.customer);
      const response = await page.goto('/admin/expert-applications/1');
      expect(response?.status()).toBe(403);
      await expectHeading(page, et('errors.forbiddenTitle'));
      expect(await page.getByRole('main').innerText()).not.toContain(validIdCode);
    });
  });

  it('an expert gets the 403 page for another expert’s profile editor', async () => {
    await inBrowser(async (page) => {
      await signIn(page, demo.lawyer.email);
      const other = await profilePathOf(page, demo.psychologist.name);
      const response = await page.goto(`${other}/edit`);
      expect(response?.status()).toBe(403);
      await expectHeading(page, et('errors.forbiddenTitle'));
      // Their own editor opens.
      const own = await profilePathOf(page, demo.lawyer.name);
      expect((await page.goto(`${own}/edit`))?.status()).toBe(200);
      await expectHeading(page, et('experts.editTitle'));
    });
  });
});

describe('accessibility of the expert pages', () => {
  it('has no serious or critical axe violations (et)', async () => {
    await inBrowser(async (page, context) => {
      // The public pages, anonymously: the directory with a field, a language and a sort chosen.
      await page.goto('/experts');
      const fieldId = await fieldIdOf(page, 'Lähisuhtevägivald');
      await page.goto(`/experts?field=${fieldId}&lang=et&sort=price`);
      expect(await listedNames(page)).toEqual([demo.psychologist.name, demo.familyLawyer.name]); // € before €€€
      await expectNoSeriousA11yViolations(page, 'directory with filters (et)');
      await page.goto(await profilePathOf(page, demo.lawyer.name));
      await expectHeading(page, demo.lawyer.name);
      await expectNoSeriousA11yViolations(page, 'profile (et)');
      await page.goto('/order/consultation');
      await expectHeading(page, et('info.consultationTitle'));
      await expectNoSeriousA11yViolations(page, 'field chooser (et)');

      // (The application form, empty and with errors, is checked in the refusals above.)

      // An expert's own editor.
      await signIn(page, demo.lawyer.email);
      await page.goto(`${await profilePathOf(page, demo.lawyer.name)}/edit`);
      await expectHeading(page, et('experts.editTitle'));
      await expectNoSeriousA11yViolations(page, 'profile editor (et)');

      // The moderator's queue and the seeded application.
      await context.clearCookies();
      await signIn(page, demo.moderator);
      await page.goto('/admin/expert-applications');
      await expectHeading(page, et('review.queueTitle'));
      await expectNoSeriousA11yViolations(page, 'application queue (et)');
      await page.goto('/admin/expert-applications/1');
      await expectHeading(page, 'Piret Põld');
      await expectNoSeriousA11yViolations(page, 'application review (et)');

      // The admin's fields.
      await context.clearCookies();
      await signIn(page, demo.admin);
      await page.goto('/admin/fields');
      await expectHeading(page, et('fieldAdmin.title'));
      await expectNoSeriousA11yViolations(page, 'fields admin (et)');
    });
  }, 90_000);

  it('has no serious or critical axe violations on the directory and a profile (en)', async () => {
    const en = translator('en');
    await inBrowser(async (page) => {
      await page.goto('/experts');
      await switchLanguageTo(page, 'en');
      await expectHeading(page, en('experts.directoryTitle'));
      expect((await listedNames(page)).length).toBeGreaterThanOrEqual(3);
      await expectNoSeriousA11yViolations(page, 'directory (en)');
      await page.locator('main .expert-list').getByRole('link', { name: demo.familyLawyer.name, exact: true }).click();
      await page.waitForURL(/\/experts\/\d+$/);
      await expectHeading(page, demo.familyLawyer.name);
      expect(await page.getByRole('main').innerText()).toContain(en('experts.qualificationsTitle'));
      await expectNoSeriousA11yViolations(page, 'profile (en)');
    });
  });
});

describe('keyboard', () => {
  it('the directory’s field filter works with the keyboard alone', async () => {
    await inBrowser(async (page) => {
      await page.goto('/experts');
      const before = await listedNames(page);
      expect(before.length).toBeGreaterThan(1);
      const familyLawId = await fieldIdOf(page, otherField);

      const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
      const tabUntil = async (isThere: () => Promise<boolean>, what: string) => {
        for (let presses = 0; presses < 40; presses += 1) {
          if (await isThere()) return;
          await page.keyboard.press('Tab');
        }
        throw new Error(`Tab never reached ${what}`);
      };

      // Tab to the field select and choose by typing, as a keyboard user does.
      await tabUntil(async () => (await focusedId()) === 'field', 'the field select');
      await page.keyboard.type('Perek');
      expect(await page.locator('select#field').inputValue()).toBe(familyLawId);

      // Tab on to "Show" and press Enter.
      const showButton = page.getByRole('search').getByRole('button', { name: et('experts.showResults'), exact: true });
      await tabUntil(() => showButton.evaluate((button) => button === document.activeElement), 'the Show button');
      await Promise.all([page.waitForURL((url) => url.searchParams.get('field') === familyLawId), page.keyboard.press('Enter')]);

      await expectHeading(page, otherField);
      const after = await listedNames(page);
      expect(after).toEqual([demo.familyLawyer.name]);
      expect(after).not.toEqual(before);
      expect(await page.getByRole('status').innerText()).toBe(et('experts.resultCount', { count: 1 }));
      expect(await page.locator('select#field').inputValue()).toBe(familyLawId);
    });
  });
});
