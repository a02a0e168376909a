import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { updateProfile } from '../../src/db/repositories/expert-repository.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

// Anonymous visitors' directory and profile pages are served from memory for a few seconds
// (PUBLIC_PAGE_CACHE_SECONDS, decision 014). What a visitor would notice if it went wrong: someone
// else's CSRF token (the language switch refused), a page in the wrong language, a signed-in
// person seeing a stale or anonymous page, or a change that never shows.

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

function tokenIn(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

describe('anonymous directory and profile pages served from memory', () => {
  it('shows a change to anonymous visitors once the few seconds have passed, to the signed-in at once', async () => {
    const { expert } = await listedExpert();
    const first = t.browser();
    expect((await first.get('/experts')).body).toContain('Mari Maasikas');
    expect((await first.get(`/experts/${expert.id}`)).body).toContain('Mari Maasikas');

    await updateProfile(t.deps.db, expert.id, { display_name: 'Mari Mustikas' });

    const second = t.browser();
    expect((await second.get('/experts')).body).toContain('Mari Maasikas');
    expect((await second.get(`/experts/${expert.id}`)).body).toContain('Mari Maasikas');

    const signedIn = t.browser();
    await loginAs(signedIn, await createUser(t));
    const fresh = await signedIn.get(`/experts/${expert.id}`);
    expect(fresh.body).toContain('Mari Mustikas');
    expect(fresh.body).toContain('action="/logout"');

    t.clock.advance(5_001);
    expect((await second.get('/experts')).body).toContain('Mari Mustikas');
    expect((await second.get(`/experts/${expert.id}`)).body).toContain('Mari Mustikas');
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

  it('never keeps a signed-in page: the next anonymous visitor gets an anonymous one', async () => {
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
  it('shows a signed-in person fresh rows at once, and the count of all matches once the few seconds have passed', async () => {
    const { field } = await listedExpert();
    const customer = t.browser();
    await loginAs(customer, await createUser(t));
    expect((await customer.get(`/experts?field=${field.id}`)).body).toContain('Leitud 1 ekspert');

    await createExpert(t, { name: 'Jüri Juurikas', fieldIds: [field.id] });
    const page = await customer.get(`/experts?field=${field.id}`);
    expect(page.body).toContain('Jüri Juurikas');
    expect(page.body).toContain('Leitud 1 ekspert');

    t.clock.advance(5_001);
    expect((await customer.get(`/experts?field=${field.id}`)).body).toContain('Leitud 2 eksperti');
  });

  it("shows a field an admin adds or renames at once in the admin's own process", async () => {
    await listedExpert();
    const admin = t.browser();
    await loginAs(admin, await createUser(t, { roles: ['admin'] }));
    const visitor = await createUser(t);
    const signedIn = t.browser();
    await loginAs(signedIn, visitor);
    expect((await signedIn.get('/experts')).body).not.toContain('Pärimisõigus');

    const created = await admin.post(
      '/admin/fields',
      { nameEt: 'Pärimisõigus', nameEn: 'Inheritance law', descriptionEt: 'Pärandid.', descriptionEn: 'Estates.', isActive: 'on' },
      { formPage: '/admin/fields/new' },
    );
    expect(created.status).toBe(303);
    expect((await signedIn.get('/experts')).body).toContain('Pärimisõigus');
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
