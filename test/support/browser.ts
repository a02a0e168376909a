import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export type Page = {
  status: number;
  location: string | undefined;
  body: string;
  headers: LightMyRequestResponse['headers'];
  response: LightMyRequestResponse;
};

/**
 * A minimal browser over `app.inject`: keeps cookies like a real one, remembers the CSRF token
 * of the last page it loaded and sends it with forms, as a page's hidden field would.
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(
    private readonly app: FastifyInstance,
    readonly ip = '203.0.113.10',
  ) {}

  /** The Cookie header this browser sends (for requests built elsewhere, such as multipart posts). */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(response: LightMyRequestResponse): Page {
    for (const cookie of response.cookies) {
      const expired = cookie.maxAge === 0 || (cookie.expires instanceof Date && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrfToken = token;
    const location = response.headers['location'];
    return {
      status: response.statusCode,
      location: typeof location === 'string' ? location : undefined,
      body: response.body,
      headers: response.headers,
      response,
    };
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    const response = await this.app.inject({
      method: 'GET',
      url,
      headers: { cookie: this.cookieHeader(), ...headers },
      remoteAddress: this.ip,
    });
    return this.remember(response);
  }

  /**
   * Submits a form. Loads `formPage` first when given (to get a fresh token the way a person
   * would); the remembered token is added unless the fields carry their own `_csrf`.
   */
  async post(url: string, fields: Record<string, string | string[]>, options: { csrf?: string | null; formPage?: string } = {}): Promise<Page> {
    if (options.formPage) await this.get(options.formPage);
    const body = new URLSearchParams();
    const token = options.csrf === undefined ? this.csrfToken : options.csrf;
    if (token !== null && token !== undefined && !('_csrf' in fields)) body.append('_csrf', token);
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    const response = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
      remoteAddress: this.ip,
    });
    return this.remember(response);
  }

  /** Follows a redirect answer with a GET, like a browser after a form post. */
  async follow(page: Page): Promise<Page> {
    if (!page.location) throw new Error(`expected a redirect, got ${page.status}`);
    return this.get(page.location);
  }
}

/** The visible text of a page's <main>, tags stripped and whitespace collapsed, for readable assertions. */
export function mainText(html: string): string {
  const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? html;
  return main
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}
