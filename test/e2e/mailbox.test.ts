import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src/db/seed-demo.js';
import type { Locale } from '../../src/domain/roles.js';
import { translator, type Translate } from '../../src/i18n/index.js';
import type { ServerProcess } from '../support/server-process.js';
import { expectNoSeriousA11yViolations, openPage, withServerOutput, startServerAndBrowser } from './support.js';

/**
 * The mailbox in a real browser against the real server process, with the demo customer and
 * the demo lawyer in browsers of their own: a reply with a file travels from one to the other,
 * the customer's unread badge follows live (server-sent events), the file downloads byte for
 * byte, and axe checks every mailbox page in Estonian and in English.
 */

const customer = { email: 'klient@demo.konsult.ee', name: 'Mari Maasikas' };
const lawyer = { email: 'jurist@demo.konsult.ee', name: 'Jaan Tamm' };
const seededSubject = 'Küsimus kuriteoteate kohta';
const et = translator('et');

let server: ServerProcess;
let browser: Browser;
let workDir: string;

beforeAll(async () => {
  [[server, browser], workDir] = await Promise.all([startServerAndBrowser(), mkdtemp(path.join(tmpdir(), 'konsult-mailbox-e2e-'))]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/**
 * A small but real PDF (one page with a line of text, a correct cross-reference table), padded
 * with a comment to about 100 kB so a throttled upload takes a moment.
 */
function samplePdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null, // the content stream, below
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const text = 'BT /F1 14 Tf 72 770 Td (Konsult: kuriteoteate naidis) Tj ET';
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    const content = object ?? `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
    body += `${index + 1} 0 obj\n${content}\nendobj\n`;
  });
  body += `% ${'padding '.repeat(12_500)}\n`;
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  const main = page.getByRole('main');
  await main.getByLabel(et('auth.email'), { exact: true }).fill(email);
  await main.getByLabel(et('auth.password'), { exact: true }).fill(demoPassword);
  await main.getByRole('button', { name: et('auth.loginButton'), exact: true }).click();
  await page.waitForURL('**/my');
}

function badge(page: Page) {
  return page.locator('header .mailbox-link .badge');
}

async function headingText(page: Page): Promise<string> {
  const h1 = page.locator('main h1');
  await h1.waitFor();
  return (await h1.innerText()).trim();
}

/** Opens the mailbox from the header and the seeded conversation from the list. */
async function openSeededThread(page: Page, t: Translate): Promise<void> {
  await page.locator('header .mailbox-link').click();
  await page.waitForURL('**/mailbox');
  expect(await headingText(page)).toBe(t('mailbox.title'));
  await page.locator('.mailbox-list').getByRole('link', { name: new RegExp(seededSubject) }).click();
  await page.waitForURL('**/mailbox/conversations/*');
  expect(await headingText(page)).toBe(seededSubject);
}

describe('a reply with a file, from the lawyer to the customer', () => {
  let customerSide: { context: BrowserContext; page: Page };
  let lawyerSide: { context: BrowserContext; page: Page };

  beforeAll(async () => {
    [customerSide, lawyerSide] = await Promise.all([openPage(browser, server.baseUrl), openPage(browser, server.baseUrl)]);
  });
  afterAll(async () => {
    await customerSide?.context.close();
    await lawyerSide?.context.close();
  });

  it('shows live in the customer’s badge, and the customer reads it and downloads the same file', async () => {
    const pdf = samplePdf();
    const pdfPath = path.join(workDir, 'kuriteoteade-näidis.pdf');
    await writeFile(pdfPath, pdf);
    const replyText = `Tere, Mari! Lisan näidise, kuidas kuriteoteadet vormistada. (${Date.now()})`;

    await withServerOutput(server, async () => {
      const { page: customerPage } = customerSide;
      const { page: lawyerPage } = lawyerSide;
      await Promise.all([signIn(customerPage, customer.email), signIn(lawyerPage, lawyer.email)]);

      // The customer reads the seeded thread (the lawyer's first answer), so nothing is unread…
      await openSeededThread(customerPage, et);
      await customerPage.locator('header .mailbox-link').click();
      await customerPage.waitForURL('**/mailbox');
      expect((await badge(customerPage).innerText()).trim()).toBe('0');
      // …and keeps the mailbox open. A mark on the window tells later that it was never reloaded.
      await customerPage.evaluate(() => ((window as unknown as { keptOpen: boolean }).keptOpen = true));

      // The lawyer answers in the thread with the real form: a text and a PDF, on a slow uplink
      // so the upload progress bar is there to see.
      await openSeededThread(lawyerPage, et);
      const form = lawyerPage.locator('form.upload-form');
      await form.getByLabel(et('mailbox.replyLabel'), { exact: true }).fill(replyText);
      await form.getByLabel(et('mailbox.filesLabel'), { exact: true }).setInputFiles(pdfPath);
      const cdp = await lawyerSide.context.newCDPSession(lawyerPage);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 100, downloadThroughput: -1, uploadThroughput: 8 * 1024 });
      await form.getByRole('button', { name: et('mailbox.send'), exact: true }).click();
      const progress = lawyerPage.locator('form.upload-form progress.upload-progress');
      await progress.waitFor({ state: 'visible', timeout: 5_000 });
      expect(await progress.getAttribute('max')).toBe('100');
      expect(await lawyerPage.locator('form.upload-form [role=status]').innerText()).toBe(et('mailbox.uploading'));
      expect(await form.getByRole('button', { name: et('mailbox.send'), exact: true }).isDisabled()).toBe(true);
      // About 12 s of upload at this speed: long enough for axe to look at the page with the bar on it.
      await expectNoSeriousA11yViolations(lawyerPage, 'thread while uploading (et)');
      expect(await progress.count(), 'still uploading after the axe run').toBe(1);

      // The server's answer replaces the page: the thread, with the new message and its file.
      const sentMessage = lawyerPage.locator('ol.messages li.message.mine').filter({ hasText: replyText });
      await sentMessage.waitFor({ timeout: 30_000 });
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
      expect(await sentMessage.getByRole('link').innerText()).toBe('kuriteoteade-näidis.pdf');
      expect(await lawyerPage.locator('progress.upload-progress').count()).toBe(0);

      // The customer's badge turns to 1 without a reload (the stream polls every 5 s).
      const customerBadge = badge(customerPage);
      await expect.poll(async () => (await customerBadge.innerText()).trim(), { timeout: 15_000, interval: 250 }).toBe('1');
      expect(await customerBadge.getAttribute('data-unread-count')).toBe('1');
      expect(await customerPage.locator('header .mailbox-link').getAttribute('aria-label')).toBe(et('nav.mailboxUnread', { count: 1 }));
      expect(await customerPage.evaluate(() => (window as unknown as { keptOpen?: boolean }).keptOpen)).toBe(true);
      expect(new URL(customerPage.url()).pathname).toBe('/mailbox');

      // The customer opens the thread: the message is there, and the file downloads unchanged.
      await customerPage.locator('.mailbox-list').getByRole('link', { name: new RegExp(seededSubject) }).click();
      await customerPage.waitForURL('**/mailbox/conversations/*');
      const received = customerPage.locator('ol.messages li.message').filter({ hasText: replyText });
      await received.waitFor();
      expect(await received.locator('.message-meta strong').innerText()).toBe(lawyer.name);
      const [download] = await Promise.all([customerPage.waitForEvent('download'), received.getByRole('link', { name: 'kuriteoteade-näidis.pdf' }).click()]);
      expect(download.suggestedFilename()).toBe('kuriteoteade-näidis.pdf');
      const downloaded = await readFile((await download.path())!);
      expect(downloaded.equals(pdf)).toBe(true);
      // Read now: the badge is back to 0.
      expect((await badge(customerPage).innerText()).trim()).toBe('0');
    });
  }, 120_000);
});

describe('accessibility of the mailbox pages', () => {
  it.each(['et', 'en'] as const)('has no serious or critical axe violations (%s)', async (locale: Locale) => {
    const t = translator(locale);
    const { context, page } = await openPage(browser, server.baseUrl);
    try {
      await withServerOutput(server, async () => {
        // The lawyer gets a notice of their own by changing their password (then back again).
        await signIn(page, lawyer.email);
        if (locale !== 'et') {
          await page.locator('header').getByRole('button', { name: et('nav.switchTo'), exact: true }).click();
          await page.waitForLoadState();
          expect(await page.locator('html').getAttribute('lang')).toBe(locale);
        }
        const temporary = `${demoPassword} ajutine ${locale}`;
        for (const [current, next] of [
          [demoPassword, temporary],
          [temporary, demoPassword],
        ] as const) {
          await page.goto('/account/password');
          const main = page.getByRole('main');
          await main.getByLabel(t('account.currentPassword'), { exact: true }).fill(current);
          await main.getByLabel(t('account.newPassword'), { exact: true }).fill(next);
          await main.getByLabel(t('account.newPasswordRepeat'), { exact: true }).fill(next);
          await main.getByRole('button', { name: t('account.changePassword'), exact: true }).click();
          await page.waitForURL((url) => url.pathname !== '/account/password');
        }

        await page.goto('/mailbox');
        expect(await headingText(page)).toBe(t('mailbox.title'));
        expect(await page.locator('.mailbox-list li').count()).toBeGreaterThanOrEqual(2);
        await expectNoSeriousA11yViolations(page, `mailbox list (${locale})`);

        await page.goto('/mailbox?filter=unread');
        await expectNoSeriousA11yViolations(page, `mailbox list, unread (${locale})`);

        await page.goto('/mailbox?filter=notices');
        await page.locator('.mailbox-list').getByRole('link', { name: new RegExp(t('notices.passwordChanged.title')) }).first().click();
        await page.waitForURL('**/mailbox/notices/*');
        expect(await headingText(page)).toBe(t('notices.passwordChanged.title'));
        await expectNoSeriousA11yViolations(page, `notice (${locale})`);

        await page.goto('/mailbox');
        await page.locator('.mailbox-list').getByRole('link', { name: new RegExp(seededSubject) }).click();
        await page.waitForURL('**/mailbox/conversations/*');
        expect(await headingText(page)).toBe(seededSubject);
        await expectNoSeriousA11yViolations(page, `thread (${locale})`);

        // The thread's form with an error (an empty message) is shown again, accessibly.
        await page.getByRole('main').getByRole('button', { name: t('mailbox.send'), exact: true }).click();
        await page.getByRole('alert').waitFor();
        expect(await page.locator('#body').getAttribute('aria-invalid')).toBe('true');
        await expectNoSeriousA11yViolations(page, `thread with a form error (${locale})`);

        await page.goto('/account/notifications');
        expect(await headingText(page)).toBe(t('notificationSettings.title'));
        await expectNoSeriousA11yViolations(page, `notification settings (${locale})`);
      });
    } finally {
      await context.close();
    }
  }, 120_000);
});
