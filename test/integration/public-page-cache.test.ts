import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { updateProfile } from '../../src/db/repositories/expert-repository.js';
import { createExpert, createField } from '../support/experts.js';
import { notify } from '../../src/use-cases/notify.js';
import type { Browser } from '../support/browser.js';
import { createUser, loginAs } from '../support/factories.js';
import { createInquiryAs } from '../support/inquiries.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

// Directory and profile pages are served from memory for a few seconds (PUBLIC_PAGE_CACHE_SECONDS,
// decisions 014 and 015), with each visitor's own header put in. What a visitor would notice if it
// went wrong: someone else's CSRF token (the language switch or sign-out refused), someone else's
// name, links or mailbox count in the header, a page in the wrong language, an expert's edit link
// shown to others, or a change that never shows.

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ env: { PUBLIC_PAGE_CACHE_SECONDS: '5' } });
});

afterEach(async () => {
  await t.close();
});

async function listedExpert() {
  const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
  const expert = await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });
  return { field, expert };
}

async function signedIn(user: { email: string; password: string }): Promise<Browser> {
  const browser = t.browser();
  await loginAs(browser, user);
  return browser;
}

function tokenIn(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

describe('directory and profile pages served from memory', () => {
  it('shows a change to everyone once the few seconds have passed, to the expert on their own profile at once', async () => {
    const { expert } = await listedExpert();
    const first = t.browser();
    expect((await first.get('/experts')).body).toContain('Mari Maasikas');
    expect((await first.get(`/experts/${expert.id}`)).body).toContain('Mari Maasikas');

    await updateProfile(t.deps.db, expert.id, { display_name: 'Mari Mustikas' });

    const anonymous = t.browser();
    const signedIn = t.browser();
    await loginAs(signedIn, await createUser(t));
    for (const visitor of [anonymous, signedIn]) {
      expect((await visitor.get('/experts')).body).toContain('Mari Maasikas');
      expect((await visitor.get(`/experts/${expert.id}`)).body).toContain('Mari Maasikas');
    }

    const herself = t.browser();
    await loginAs(herself, expert);
    const own = await herself.get(`/experts/${expert.id}`);
    expect(own.body).toContain('Mari Mustikas');
    expect(own.body).toContain(`href="/experts/${expert.id}/edit"`);

    t.clock.advance(5_001);
    for (const visitor of [anonymous, signedIn]) {
      expect((await visitor.get('/experts')).body).toContain('Mari Mustikas');
      expect((await visitor.get(`/experts/${expert.id}`)).body).toContain('Mari Mustikas');
    }
  });

  it("gives every signed-in visitor their own header around the shared page: their links, their mailbox count, their token", async () => {
    const { expert } = await listedExpert();
    // A moderator: staff links in the header, but no edit link on profiles (that makes an admin's copy their own).
    const moderator = await createUser(t, { roles: ['moderator'] });
    const customer = await createUser(t);
    for (let i = 0; i < 3; i += 1) await notify(t.deps.db, t.deps, { recipientId: customer.id, kind: 'passwordChanged', link: '/account' });
    const visitors = [
      { who: 'anonymous', browser: t.browser(), unread: undefined, isStaff: false },
      { who: 'customer', browser: await signedIn(customer), unread: 3, isStaff: false },
      { who: 'moderator', browser: await signedIn(moderator), unread: 0, isStaff: true },
    ];
    for (const path of ['/experts', `/experts/${expert.id}`]) {
      const pages = [];
      for (const visitor of visitors) {
        const page = await visitor.browser.get(path);
        expect(page.status, `${visitor.who} ${path}`).toBe(200);
        const header = /<header class="site-header">[\s\S]*<\/header>/.exec(page.body)?.[0] ?? '';
        if (visitor.unread === undefined) {
          expect(header, `${visitor.who} ${path}`).not.toContain('action="/logout"');
          expect(header).toContain('href="/login');
        } else {
          expect(header, `${visitor.who} ${path}`).toContain('action="/logout"');
          expect(header).toContain(`data-unread-count="${visitor.unread}"`);
        }
        expect(header.includes('href="/admin"'), `${visitor.who} ${path}`).toBe(visitor.isStaff);
        pages.push(page.body.replace(header, '').replace(tokenIn(page.body), ''));
      }
      // Outside the header, the same page for all three.
      expect(new Set(pages).size, path).toBe(1);
    }
    // Each one's own token: the signed-in ones can sign out with the token on their copy.
    for (const visitor of visitors.filter((v) => v.unread !== undefined)) {
      const page = await visitor.browser.get('/experts');
      const out = await visitor.browser.post('/logout', {}, { csrf: tokenIn(page.body) });
      expect(out.status, visitor.who).toBe(303);
      expect((await visitor.browser.get('/experts')).body).not.toContain('action="/logout"');
    }
  });

  it("never shares an expert's own profile, with its edit link, nor an admin's", async () => {
    const { expert } = await listedExpert();
    const herself = await signedIn(expert);
    expect((await herself.get(`/experts/${expert.id}`)).body).toContain(`href="/experts/${expert.id}/edit"`);
    const admin = await signedIn(await createUser(t, { roles: ['admin'] }));
    expect((await admin.get(`/experts/${expert.id}`)).body).toContain(`href="/experts/${expert.id}/edit"`);
    for (const other of [t.browser(), await signedIn(await createUser(t))]) {
      const page = await other.get(`/experts/${expert.id}`);
      expect(page.body).toContain('Mari Maasikas');
      expect(page.body).not.toContain(`/experts/${expert.id}/edit`);
    }
  });

  it("gives every visitor their own CSRF token, so each one's language switch works", async () => {
    await listedExpert();
    const first = t.browser();
    const second = t.browser();
    const firstPage = await first.get('/experts');
    const secondPage = await second.get('/experts');
    expect(tokenIn(firstPage.body)).not.toBe(tokenIn(secondPage.body));
    expect(firstPage.body.replace(tokenIn(firstPage.body), '')).toBe(secondPage.body.replace(tokenIn(secondPage.body), ''));

    const switched = await second.post('/language', { lang: 'en', returnTo: '/experts' });
    expect(switched.status).toBe(303);
    // A token taken from someone else's copy of the page is refused.
    const stolen = await first.post('/language', { lang: 'en', returnTo: '/experts' }, { csrf: tokenIn(secondPage.body) });
    expect(stolen.status).toBe(403);
  });

  it('keeps the languages apart', async () => {
    await listedExpert();
    const estonian = await t.browser().get('/experts');
    expect(estonian.body).toContain('lang="et"');
    expect(estonian.body).toContain('Perekonnaõigus');

    const english = t.browser();
    await english.get('/experts');
    await english.post('/language', { lang: 'en', returnTo: '/experts' });
    const page = await english.get('/experts');
    expect(page.body).toContain('lang="en"');
    expect(page.body).toContain('Family law');
    expect(page.body).not.toContain('Perekonnaõigus');
  });

  it('never keeps a signed-in header: the next anonymous visitor gets an anonymous one', async () => {
    const { expert } = await listedExpert();
    const signedIn = t.browser();
    await loginAs(signedIn, await createUser(t));
    expect((await signedIn.get(`/experts/${expert.id}`)).body).toContain('action="/logout"');
    const anonymous = await t.browser().get(`/experts/${expert.id}`);
    expect(anonymous.body).not.toContain('action="/logout"');
    expect(anonymous.body).toContain('href="/login');
  });

  it('does not keep an unknown profile: it is a 404 until it exists', async () => {
    const missing = await t.browser().get('/experts/999999');
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
  });
});

describe('listing data that may be a few seconds old', () => {
  it('counts the matches of a filter at most once in the few seconds, also for a page not yet kept', async () => {
    const { field } = await listedExpert();
    const customer = await signedIn(await createUser(t));
    expect((await customer.get(`/experts?field=${field.id}`)).body).toContain('Leitud 1 ekspert');

    await createExpert(t, { name: 'Jüri Juurikas', fieldIds: [field.id] });
    // Another sort order is another page, drawn now: fresh rows, the kept total.
    const page = await customer.get(`/experts?field=${field.id}&sort=newest`);
    expect(page.body).toContain('Jüri Juurikas');
    expect(page.body).toContain('Leitud 1 ekspert');

    t.clock.advance(5_001);
    expect((await customer.get(`/experts?field=${field.id}`)).body).toContain('Leitud 2 eksperti');
  });

  it("forgets the kept fields at once when an admin changes them in this process: a page drawn now shows the change", async () => {
    await listedExpert();
    const admin = await signedIn(await createUser(t, { roles: ['admin'] }));
    const visitor = await signedIn(await createUser(t));
    expect((await visitor.get('/experts')).body).not.toContain('Pärimisõigus');

    const created = await admin.post(
      '/admin/fields',
      { nameEt: 'Pärimisõigus', nameEn: 'Inheritance law', descriptionEt: 'Pärandid.', descriptionEn: 'Estates.', isActive: 'on' },
      { formPage: '/admin/fields/new' },
    );
    expect(created.status).toBe(303);
    expect((await visitor.get('/experts?sort=newest')).body).toContain('Pärimisõigus');
    // The page already kept shows it once its few seconds have passed.
    expect((await visitor.get('/experts')).body).not.toContain('Pärimisõigus');
    t.clock.advance(5_001);
    expect((await visitor.get('/experts')).body).toContain('Pärimisõigus');
  });
});

describe('the kept fields on signed-in pages', () => {
  it("an inquiry's page names its field from the kept fields: a rename in this process shows at once, and a field made inactive is still named", async () => {
    const { field, expert } = await listedExpert();
    const customer = await createUser(t);
    const inquiryId = await createInquiryAs(t, customer, { fieldId: field.id, expertIds: [expert.id], title: 'Hooldusõigus' });
    const browser = await signedIn(customer);
    const admin = await signedIn(await createUser(t, { roles: ['admin'] }));
    const fieldOf = async () => /Valdkond<\/dt>\s*<dd>([^<]*)<\/dd>/.exec((await browser.get(`/inquiries/${inquiryId}`)).body)?.[1];
    expect(await fieldOf()).toBe('Perekonnaõigus');
    const form = { nameEt: 'Pere- ja lapseõigus', nameEn: 'Family and child law', descriptionEt: 'Perekond.', descriptionEn: 'Family.' };

    expect((await admin.post(`/admin/fields/${field.id}`, { ...form, isActive: 'on' }, { formPage: `/admin/fields/${field.id}` })).status).toBe(303);
    expect(await fieldOf()).toBe('Pere- ja lapseõigus');
    expect((await admin.post(`/admin/fields/${field.id}`, form, { formPage: `/admin/fields/${field.id}` })).status).toBe(303);
    expect(await fieldOf()).toBe('Pere- ja lapseõigus');
  });
});

describe('without PUBLIC_PAGE_CACHE_SECONDS outside production', () => {
  it('renders every anonymous page afresh', async () => {
    const plain = await createTestApp();
    try {
      const field = await createField(plain);
      const expert = await createExpert(plain, { name: 'Jaan Tamm', fieldIds: [field.id] });
      expect((await plain.browser().get(`/experts/${expert.id}`)).body).toContain('Jaan Tamm');
      await updateProfile(plain.deps.db, expert.id, { display_name: 'Jaan Kask' });
      expect((await plain.browser().get(`/experts/${expert.id}`)).body).toContain('Jaan Kask');
    } finally {
      await plain.close();
    }
  });
});
