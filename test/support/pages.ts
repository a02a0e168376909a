import type { Browser, Page } from './browser.js';
import { createUser, loginAs, type UserOptions } from './factories.js';
import type { TestApp } from './test-app.js';

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The mailbox badge's unread count in a page's header. */
export function unreadOf(html: string): number {
  return Number(/data-unread-count="(\d+)"/.exec(html)?.[1]);
}

/** What a form field shows (as the page sends it back), or undefined when the page has no such field. */
export function fieldValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`).exec(html)?.[0];
  if (tag === undefined) return undefined;
  return decodeEntities(/\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '');
}

/** The error message shown at a form field, or undefined when the field has none. */
export function fieldError(html: string, name: string): string | undefined {
  const message = new RegExp(`<p class="error-message" id="${name}-error">([\\s\\S]*?)</p>`).exec(html)?.[1];
  return message === undefined ? undefined : decodeEntities(message);
}

/** The value of a named cookie a response set, with its attributes. */
export function setCookie(page: Page, name: string) {
  return page.response.cookies.find((cookie) => cookie.name === name);
}

/** The `token` of a single-use link. */
export function tokenOf(link: string): string {
  return new URL(link, 'http://konsult.test').searchParams.get('token') ?? '';
}

/** Opens a single-use link and presses its confirm button, as a person would. */
export async function openAndConfirm(browser: Browser, link: string): Promise<Page> {
  await browser.get(link);
  return browser.post(new URL(link, 'http://konsult.test').pathname, { token: tokenOf(link) });
}

/** True when the browser's session still signs it in (My menu opens instead of redirecting to sign-in). */
export async function isSignedIn(browser: Browser): Promise<boolean> {
  const page = await browser.get('/my');
  if (page.status === 200) return true;
  if (page.status === 303 && page.location?.startsWith('/login')) return false;
  throw new Error(`unexpected answer from /my: ${page.status}`);
}

/** Sends the sign-in form (after loading its page, as a person would) and returns the answer, whatever it is. */
export function signIn(browser: Browser, email: string, password: string, extra: Record<string, string> = {}): Promise<Page> {
  return browser.post('/login', { email, password, ...extra }, { formPage: '/login' });
}

/** A new user, signed in in a browser of their own. */
export async function signedInUser(t: TestApp, options: UserOptions = {}) {
  const user = await createUser(t, options);
  const browser = t.browser();
  await loginAs(browser, user);
  return { user, browser };
}
