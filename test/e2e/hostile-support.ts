import type { BrowserContext, Frame, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Hostile text for the browser suites, built so that running it cannot go unnoticed: every
 * piece, if the page ever parsed it as markup or ran it, leaves a trace the probes below find.
 * A script or handler sets `window.__pwned`; an element carries `data-pwned`; a style or frame
 * asks https://attacker.invalid for something; and the portal's CSP (script-src 'self', no
 * inline styles) reports any inline script, handler or style it blocked.
 */
export const vectors = {
  img: '<img src=x onerror="window.__pwned=1" data-pwned>',
  svg: '<svg onload="window.__pwned=2" data-pwned>',
  script: '</title></textarea></pre><script data-pwned>window.__pwned=3</script>',
  /** Leaves a double- or a single-quoted attribute and opens an element of its own. */
  attribute: `"'><b data-pwned onmouseover="window.__pwned=4">`,
  /** Stays inside a double-quoted attribute and adds handlers to its element. */
  autofocus: '" autofocus onfocus="window.__pwned=5" data-pwned="',
  javascriptUrl: 'javascript:window.__pwned=6//',
  link: '<a href="javascript:window.__pwned=7" data-pwned>klõps</a>',
  /** Client-side template syntax (Angular, Vue, Handlebars, EJS, JS template literals). */
  template: "{{constructor.constructor('window.__pwned=8')()}} ${window.__pwned=9} <%= 7*7 %>",
  css: '<style data-pwned>*{background:url(https://attacker.invalid/css)}</style>',
  frame: '<iframe src="https://attacker.invalid/frame" data-pwned></iframe>',
  /** Right-to-left override and mark, Estonian letters, emoji with a zero-width joiner, Arabic. */
  unicode: '\u202Egnp.exe\u202C Õie Mäger 🌲👩🏽‍⚖️ مرحبا \u200F',
  sql: "Robert'); DROP TABLE users;--",
} as const;

/** One line of hostile text for a one-line field (names, titles; 200 characters at most), marked with `tag`. */
export function hostileLine(tag: string, parts: (keyof typeof vectors)[]): string {
  const value = [tag, ...parts.map((part) => vectors[part])].join(' ');
  if (value.length > 200) throw new Error(`"${tag}" is ${value.length} characters, more than a one-line field takes`);
  return value;
}

/** Several lines of hostile text for a text area: every vector, one a line, after `tag`. */
export function hostileText(tag: string): string {
  return [tag, ...Object.values(vectors)].join('\n');
}

/** A file name as hostile as a file chooser lets through: a Windows path, markup, SQL, a right-to-left override. */
export function hostileFileName(tag: string, extension: string): string {
  return `..\\..\\Windows\\${tag} '><img src=x onerror=window.__pwned=10 data-pwned> {{7*7}} ; DROP TABLE files;-- \u202Etxt.${extension}`;
}

/** Text as a reader sees it: any run of white space as one space. */
export const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** What the hostile text sets if it runs, and what the init script below records, on `window`. */
type ProbedWindow = { __pwned?: unknown; __cspViolations?: string[] };

/** What the probes saw, across every page and frame of a browser context. */
export type Probes = {
  dialogs: string[];
  /** Requests that left the portal's origin (an injected style, frame or image would make one). */
  offOrigin: string[];
  /** CSP violations Chromium reported on the console (they survive the upload script's document.write). */
  consoleViolations: string[];
};

/**
 * Watches a browser context: every dialog (dismissed and recorded), every request that leaves
 * the portal's origin (answered with nothing), every CSP violation on the console, and, in each
 * document, a `securitypolicyviolation` listener installed before the page's own scripts.
 */
export async function watch(context: BrowserContext, baseUrl: string): Promise<Probes> {
  const probes: Probes = { dialogs: [], offOrigin: [], consoleViolations: [] };
  const origin = new URL(baseUrl).origin;
  await context.addInitScript(() => {
    const probed = window as unknown as ProbedWindow;
    probed.__cspViolations = [];
    const record = (event: SecurityPolicyViolationEvent) => {
      probed.__cspViolations?.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber} «${event.sample}»`);
    };
    document.addEventListener('securitypolicyviolation', record, true);
  });
  await context.route(
    (url) => url.origin !== origin && url.protocol !== 'data:' && url.protocol !== 'blob:' && url.protocol !== 'about:',
    async (route) => {
      probes.offOrigin.push(route.request().url());
      await route.abort();
    },
  );
  const attach = (page: Page) => {
    page.on('dialog', (dialog) => {
      probes.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) probes.consoleViolations.push(message.text());
    });
  };
  context.pages().forEach(attach);
  context.on('page', attach);
  return probes;
}

type FrameReport = { url: string; pwned: unknown; marked: string[]; scriptUrls: string[]; handlers: string[]; violations: string[] };

/** What one frame's document holds that only injected markup could have put there. */
async function inspectFrame(frame: Frame): Promise<FrameReport> {
  // Locators run in Playwright's own world, so they work in a sandboxed frame without scripts too.
  const marked = await frame.locator('[data-pwned]').evaluateAll((elements) => elements.map((element) => element.outerHTML.slice(0, 200)));
  const scriptUrls = await frame.locator('a[href], iframe[src], form[action], area[href]').evaluateAll((elements) =>
    elements
      .map((element) => element.getAttribute('href') ?? element.getAttribute('src') ?? element.getAttribute('action') ?? '')
      .filter((url) => /^\s*(javascript|vbscript|data):/i.test(url)),
  );
  const handlers = await frame.locator('*').evaluateAll((elements) =>
    elements.flatMap((element) => Array.from(element.attributes).filter((attribute) => /^on/i.test(attribute.name)).map((attribute) => `<${element.localName} ${attribute.name}="${attribute.value}">`)),
  );
  const state = await frame
    .evaluate(() => {
      const probed = window as unknown as ProbedWindow;
      return { pwned: probed.__pwned, violations: probed.__cspViolations ?? [] };
    })
    // A sandboxed frame runs no script of ours; what it holds was checked above.
    .catch(() => ({ pwned: undefined, violations: [] as string[] }));
  return { url: frame.url(), pwned: state.pwned, marked, scriptUrls, handlers, violations: state.violations };
}

/**
 * Fails when anything hostile ran or was parsed as markup on this page or in its frames: a dialog,
 * `window.__pwned`, an element with `data-pwned`, a javascript: link, an inline event handler
 * attribute (the portal writes none), a CSP violation, or a request off the portal's origin.
 */
export async function expectNothingRan(page: Page, probes: Probes, label: string): Promise<void> {
  const reports = await Promise.all(page.frames().map((frame) => inspectFrame(frame)));
  for (const report of reports) {
    const where = `${label} (${report.url})`;
    expect(report.pwned, `a hostile script ran on ${where}`).toBeUndefined();
    expect(report.marked, `hostile markup became elements on ${where}`).toEqual([]);
    expect(report.scriptUrls, `a script URL became a link on ${where}`).toEqual([]);
    expect(report.handlers, `an event handler attribute on ${where}`).toEqual([]);
    expect(report.violations, `CSP violations on ${where}`).toEqual([]);
  }
  expect(probes.dialogs, `a dialog opened by ${label}`).toEqual([]);
  expect(probes.consoleViolations, `CSP violations reported on the console by ${label}`).toEqual([]);
  expect(probes.offOrigin, `requests off the portal's origin by ${label}`).toEqual([]);
}

/** Fails unless each text is in the page's main content as text, exactly (white space aside). */
export async function expectShownLiterally(page: Page, texts: string[], label: string, scope = 'main'): Promise<void> {
  const shown = squash(await page.locator(scope).first().innerText());
  for (const text of texts) expect(shown, `${label} shows "${text.slice(0, 60)}…" as text`).toContain(squash(text));
}
