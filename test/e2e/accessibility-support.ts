import type { APIResponse, BrowserContext, Locator, Page } from 'playwright-core';

/**
 * Helpers for test/e2e/accessibility.test.ts: forms posted through a browser context's own
 * request API (same cookies as its pages, so the setup is quick and the pages then see it), and
 * the keyboard checks: where the focus is, and whether it can be seen.
 */

/** The CSRF token of a page's forms (every form of a page carries the same one). */
export function csrfTokenOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

/**
 * Posts a form the way the page at `from` would: loads that page for its token, then sends the
 * fields url-encoded (a list repeats its name). Redirects are not followed, so the answer's
 * Location can be read; a 4xx or 5xx fails with the answer's start.
 */
export async function postForm(context: BrowserContext, from: string, action: string, fields: Record<string, string | string[]>): Promise<APIResponse> {
  const page = await context.request.get(from);
  const body = new URLSearchParams({ _csrf: csrfTokenOf(await page.text()) });
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  }
  const response = await context.request.post(action, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    data: body.toString(),
    maxRedirects: 0,
  });
  if (response.status() >= 400) throw new Error(`POST ${action} answered ${response.status()}: ${(await response.text()).slice(0, 500)}`);
  return response;
}

/** The path (and query) a redirect answer points to. */
export function locationOf(response: APIResponse): string {
  const location = response.headers()['location'];
  if (!location) throw new Error(`expected a redirect, got ${response.status()}`);
  const url = new URL(location, 'http://relative.invalid');
  return url.pathname + url.search;
}

/** What the keyboard focus is on, and how it shows. */
export type FocusStop = {
  /** A short description for messages: tag, id or class, text or label. */
  element: string;
  /** Whether it is inside <main>. */
  isInMain: boolean;
  /** Whether any of it is inside the viewport (focus scrolls its element into view). */
  isOnScreen: boolean;
  /** The outline drawn around it, e.g. "3px solid rgb(20, 56, 68)", or undefined when it has none. */
  outline: string | undefined;
  /** The contrast ratio of the outline's colour against the background around the element. */
  outlineContrast: number;
  /**
   * The focus is on a part of the browser's own inside the element (a date input's calendar
   * button): the element itself is not :focus, and the browser draws its own ring there.
   */
  isOnBrowserPart: boolean;
};

/** Reads the focused element and its focus indicator (computed styles, in the page). */
export async function focusStop(page: Page): Promise<FocusStop | undefined> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body || !(element instanceof HTMLElement)) return undefined;
    const parse = (color: string): [number, number, number, number] => {
      const parts = /rgba?\(([^)]+)\)/.exec(color)?.[1]?.split(/[\s,/]+/).filter(Boolean).map(Number) ?? [0, 0, 0, 0];
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    };
    const style = getComputedStyle(element);
    const width = parseFloat(style.outlineWidth);
    const hasOutline = style.outlineStyle !== 'none' && width > 0;
    const box = element.getBoundingClientRect();
    // The colour just outside the ring, where it is drawn (the skip link floats over the header):
    // the backgrounds of what lies there, top to bottom, laid over each other down to an opaque one.
    const reach = (parseFloat(style.outlineOffset) || 0) + (hasOutline ? width : 0) + 1;
    const x = box.left - reach >= 0 ? box.left - reach : Math.min(box.right + reach, window.innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), window.innerHeight - 1);
    const layers: [number, number, number, number][] = [];
    for (const node of document.elementsFromPoint(x, y)) {
      if (node === element || element.contains(node)) continue;
      const layer = parse(getComputedStyle(node).backgroundColor);
      if (layer[3] > 0) layers.push(layer);
      if (layer[3] >= 1) break;
    }
    let behind: [number, number, number] = [255, 255, 255];
    for (const [r, g, b, a] of layers.reverse()) behind = [r * a + behind[0] * (1 - a), g * a + behind[1] * (1 - a), b * a + behind[2] * (1 - a)];
    const luminance = ([r, g, b]: [number, number, number]) => {
      const linear = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const [r, g, b] = parse(style.outlineColor);
    const [lighter, darker] = [luminance([r, g, b]), luminance(behind)].sort((x1, x2) => x2 - x1) as [number, number];
    const label = element.getAttribute('aria-label') ?? (element instanceof HTMLInputElement ? element.labels?.[0]?.textContent : element.textContent) ?? '';
    return {
      element: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : element.className ? `.${String(element.className).split(' ')[0]}` : ''} "${label.replace(/\s+/g, ' ').trim().slice(0, 60)}"`,
      isInMain: element.closest('main') !== null,
      isOnScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 && box.top < window.innerHeight && box.left < window.innerWidth,
      outline: hasOutline ? `${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}` : undefined,
      outlineContrast: hasOutline ? Math.round(((lighter + 0.05) / (darker + 0.05)) * 100) / 100 : 0,
      isOnBrowserPart: !element.matches(':focus'),
    };
  });
}

/**
 * Fails unless the focused element is on screen and shows a focus indicator: an outline at
 * least 2px wide whose colour has a contrast of 3:1 or more against the background around it
 * (WCAG 2.1 1.4.11 and 2.4.7). A part of the browser's own (a date input's calendar button)
 * has the browser's ring, which styles cannot reach or read.
 */
export function expectVisibleFocus(stop: FocusStop | undefined, where: string): asserts stop is FocusStop {
  if (!stop) throw new Error(`${where}: nothing has the focus`);
  const problems = [
    stop.isOnScreen ? undefined : 'it is off screen',
    stop.isOnBrowserPart ? undefined : stop.outline === undefined ? 'it has no outline' : parseFloat(stop.outline) < 2 ? `its outline is thin (${stop.outline})` : undefined,
    !stop.isOnBrowserPart && stop.outline !== undefined && stop.outlineContrast < 3 ? `its outline (${stop.outline}) has a contrast of only ${stop.outlineContrast}:1 against the background` : undefined,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`${where}: the focus on ${stop.element} cannot be seen well: ${problems.join('; ')}`);
}

/**
 * Presses Tab (or Shift+Tab) until `target` has the focus, checking at every stop on the way
 * that the focus can be seen. Returns how many presses it took (none when it has the focus
 * already); fails after `limit`.
 */
export async function tabTo(page: Page, target: Locator, options: { backwards?: boolean; limit?: number } = {}): Promise<number> {
  const limit = options.limit ?? 60;
  const handle = await target.elementHandle();
  if (!handle) throw new Error(`${target.toString()} is not on ${page.url()}`);
  const passed: string[] = [];
  try {
    if (await handle.evaluate((element) => element === document.activeElement)) return 0;
    for (let presses = 1; presses <= limit; presses += 1) {
      await page.keyboard.press(options.backwards ? 'Shift+Tab' : 'Tab');
      const stop = await focusStop(page);
      expectVisibleFocus(stop, `${page.url()} after ${presses} × ${options.backwards ? 'Shift+Tab' : 'Tab'} (on the way to ${target.toString()} past ${passed.join(', ') || 'nothing'})`);
      if (await handle.evaluate((element) => element === document.activeElement)) return presses;
      passed.push(stop.element);
    }
  } finally {
    await handle.dispose();
  }
  throw new Error(`${limit} presses of ${options.backwards ? 'Shift+Tab' : 'Tab'} did not reach ${target.toString()} on ${page.url()}; they went to ${passed.join(', ')}`);
}
