import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from '../support/server-process.js';

/** Debian's Chromium: playwright cannot download its own browser on these machines. */
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Starts headless Chromium with the flags it needs in a container (see ARCHITECTURE.md). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Starts the portal and Chromium side by side. When one fails, the other is stopped before the
 * error is thrown: a failed `beforeAll` never reaches the `afterAll` that would stop it, and a
 * server left running would outlive the test run.
 */
export async function startServerAndBrowser(options?: ServerProcessOptions): Promise<[ServerProcess, Browser]> {
  const [server, browser] = await Promise.allSettled([startServerProcess(options), launchBrowser()]);
  if (server.status === 'fulfilled' && browser.status === 'fulfilled') return [server.value, browser.value];
  if (server.status === 'fulfilled') await server.value.stop();
  if (browser.status === 'fulfilled') await browser.value.close();
  throw server.status === 'rejected' ? server.reason : (browser as PromiseRejectedResult).reason;
}

/**
 * A fresh browser context (its own cookies) and a page in it. Axe needs a page from
 * `browser.newContext()`, not `browser.newPage()`.
 */
export async function openPage(browser: Browser, baseUrl: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: baseUrl, locale: 'et-EE', timezoneId: 'Europe/Tallinn' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  return { context, page };
}

/** One axe violation (axe-core's `Result`, reached through the builder so axe-core stays a transitive dependency). */
type Result = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const axeTimeoutMs = 30_000;

/** The serious and critical violations as readable lines: rule id, impact, help, and each element's selector. */
function describeViolations(violations: Result[]): string {
  return violations
    .map((v) => {
      const targets = v.nodes.map((node) => {
        const summary = node.failureSummary ? `\n        ${node.failureSummary.replace(/\n/g, '\n        ')}` : '';
        return `      ${node.target.map(String).join(' >>> ')}${summary}`;
      });
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${targets.join('\n')}`;
    })
    .join('\n');
}

async function analyzeWithin(builder: AxeBuilder, label: string): Promise<Result[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`axe did not finish on ${label} within ${axeTimeoutMs} ms`)), axeTimeoutMs);
  });
  try {
    const results = await Promise.race([builder.analyze(), timeout]);
    return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs axe (WCAG 2.0/2.1 A and AA rules) on the page as it is now and fails on every violation
 * of impact serious or critical, listing each rule's id, help text and the offending elements.
 *
 * Sandboxed iframes (the e-mail preview) are left out: scripts cannot run in them, so axe's
 * per-frame run never finishes there. Check their HTML with `expectNoSeriousA11yViolationsInHtml`.
 */
export async function expectNoSeriousA11yViolations(page: Page, label = page.url()): Promise<void> {
  // Legacy mode runs axe in the page itself instead of finishing in an extra blank page each time
  // (nearly half the time over a hundred pages); the portal has no frames axe must enter.
  const builder = new AxeBuilder({ page }).withTags(wcagTags).exclude('iframe[sandbox]').setLegacyMode(true);
  const serious = await analyzeWithin(builder, label);
  if (serious.length > 0) throw new Error(`Accessibility violations on ${label}:\n${describeViolations(serious)}`);
}

/** The same check for a standalone HTML document (an e-mail body), loaded into a page of its own. */
export async function expectNoSeriousA11yViolationsInHtml(context: BrowserContext, html: string, label: string): Promise<void> {
  const page = await context.newPage();
  try {
    await page.setContent(html, { waitUntil: 'load' });
    await expectNoSeriousA11yViolations(page, label);
  } finally {
    await page.close();
  }
}

/** Runs a step of a test, adding the server's recent output to a failure, so a 500 explains itself. */
export async function withServerOutput<T>(server: Pick<ServerProcess, 'output'>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const tail = server.output().slice(-4000).trim();
    if (tail && error instanceof Error) error.message += `\n--- server output (tail) ---\n${tail}`;
    throw error;
  }
}
