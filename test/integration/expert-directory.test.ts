import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { iso } from '../../src/adapters/clock.js';
import { endExpiredLeaves } from '../../src/db/repositories/expert-repository.js';
import { mainText, type Page } from '../support/browser.js';
import { createUser } from '../support/factories.js';
import { createExpert, createField } from '../support/experts.js';
import { signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const day = 24 * 60 * 60_000;

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Intl writes dates with non-breaking spaces; a reader sees plain ones. */
function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

type Card = { id: number; name: string; text: string };

/** The expert cards of a directory page, top to bottom. */
function cardsOf(html: string): Card[] {
  return [...html.matchAll(/<li class="expert-card">([\s\S]*?)<\/li>/g)].map((m) => {
    const link = /<h2 class="expert-name"><a href="\/experts\/(\d+)">([\s\S]*?)<\/a><\/h2>/.exec(m[1]!);
    return { id: Number(link?.[1]), name: decode(link?.[2] ?? ''), text: plain(mainText(m[1]!)) };
  });
}

/** The names listed on a directory page, top to bottom. */
function namesOf(page: Page): string[] {
  return cardsOf(page.body).map((c) => c.name);
}

/** The "N experts found" line. */
function resultCountOf(html: string): string {
  return mainText(/<p class="result-count"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '');
}

/** The href of a pagination link (`prev` or `next`), decoded. */
function pageLink(html: string, rel: 'prev' | 'next'): string | undefined {
  const href = new RegExp(`<a href="([^"]*)" rel="${rel}">`).exec(html)?.[1];
  return href === undefined ? undefined : decode(href);
}

async function directory(query = ''): Promise<Page> {
  return t.browser().get(`/experts${query}`);
}

async function block(userId: number): Promise<void> {
  await t.deps.db.updateTable('users').set({ blocked_at: iso(t.clock.now()) }).where('id', '=', userId).execute();
}

describe('who is listed', () => {
  it('lists experts with an active profile and an open account, never plain customers or blocked or inactive experts', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });
    const blocked = await createExpert(t, { name: 'Bruno Blokitud', fieldIds: [field.id] });
    const inactive = await createExpert(t, { name: 'Ivo Inaktiivne', fieldIds: [field.id] });
    await createUser(t, { name: 'Kalle Klient' });
    await block(blocked.id);
    await t.deps.db.updateTable('expert_profiles').set({ is_active: 0 }).where('user_id', '=', inactive.id).execute();

    const page = await directory();

    expect(page.status).toBe(200);
    expect(namesOf(page)).toEqual(['Mari Maasikas']);
    expect(resultCountOf(page.body)).toBe('Leitud 1 ekspert');
    expect(mainText(page.body)).not.toContain('Kalle Klient');
  });

  it('shows the expert on the list again once the account is unblocked', async () => {
    const field = await createField(t);
    const expert = await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });
    await block(expert.id);
    expect(namesOf(await directory())).toEqual([]);

    await t.deps.db.updateTable('users').set({ blocked_at: null }).where('id', '=', expert.id).execute();

    expect(namesOf(await directory())).toEqual(['Mari Maasikas']);
  });

  it('with a field, lists only that field’s experts under the field’s name', async () => {
    const family = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    const criminal = await createField(t, { nameEt: 'Kriminaalõigus', nameEn: 'Criminal law' });
    await createExpert(t, { name: 'Pille Pere', fieldIds: [family.id] });
    await createExpert(t, { name: 'Kaido Kriminaal', fieldIds: [criminal.id] });
    await createExpert(t, { name: 'Anu Mõlemad', fieldIds: [family.id, criminal.id] });

    const page = await directory(`?field=${family.id}`);

    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Perekonnaõigus</h1>');
    expect(namesOf(page).sort()).toEqual(['Anu Mõlemad', 'Pille Pere']);
    expect(namesOf(await directory(`?field=${criminal.id}`)).sort()).toEqual(['Anu Mõlemad', 'Kaido Kriminaal']);
  });

  it('answers 404 for an inactive field and for an unknown field', async () => {
    const hidden = await createField(t, { nameEt: 'Peidetud', isActive: false });
    const active = await createField(t);
    await createExpert(t, { name: 'Mari Maasikas', fieldIds: [hidden.id, active.id] });

    for (const query of [`?field=${hidden.id}`, '?field=999999', '?field=2147483647']) {
      const page = await directory(query);
      expect(page.status, query).toBe(404);
      expect(namesOf(page), query).toEqual([]);
    }
  });

  it('ignores a field parameter that is not a number and lists every field', async () => {
    const first = await createField(t);
    const second = await createField(t);
    await createExpert(t, { name: 'Mari Maasikas', fieldIds: [first.id] });
    await createExpert(t, { name: 'Jaan Tamm', fieldIds: [second.id] });

    for (const query of ['?field=abc', '?field=', '?field=1.5', '?field=-3', `?field=${first.id}x`]) {
      const page = await directory(query);
      expect(page.status, query).toBe(200);
      expect(namesOf(page).sort(), query).toEqual(['Jaan Tamm', 'Mari Maasikas']);
    }
  });
});

describe('searching', () => {
  async function people() {
    const field = await createField(t);
    await createExpert(t, {
      name: 'Mari Maasikas',
      fieldIds: [field.id],
      bio: 'Aitan perekonnaõiguse küsimustes, eriti lahutuse korral.',
      qualifications: 'Tartu Ülikool, õigusteaduse magister.',
    });
    await createExpert(t, {
      name: 'Jaan Tamm',
      fieldIds: [field.id],
      organisation: { name: 'Advokaadibüroo Sõnajalg OÜ', registryCode: '12417834' },
      bio: 'Kinnisvara ja ehituslepingud.',
      qualifications: 'Vandeadvokaat aastast 2010.',
    });
    await createExpert(t, {
      name: 'Õie Õunapuu',
      fieldIds: [field.id],
      bio: 'Psühholoogiline nõustamine leinas.',
      qualifications: 'Kliiniline psühholoog.',
    });
  }

  it('finds an expert by name, whatever the case', async () => {
    await people();

    expect(namesOf(await directory('?q=maasikas'))).toEqual(['Mari Maasikas']);
    expect(namesOf(await directory('?q=JAAN'))).toEqual(['Jaan Tamm']);
  });

  it('finds an expert by the name of their organisation', async () => {
    await people();

    expect(namesOf(await directory(`?q=${encodeURIComponent('sõnajalg')}`))).toEqual(['Jaan Tamm']);
  });

  it('finds an expert by a keyword of the introduction or of the qualifications', async () => {
    await people();

    expect(namesOf(await directory('?q=lahutuse'))).toEqual(['Mari Maasikas']);
    expect(namesOf(await directory('?q=vandeadvokaat'))).toEqual(['Jaan Tamm']);
    expect(namesOf(await directory(`?q=${encodeURIComponent('kliiniline')}`))).toEqual(['Õie Õunapuu']);
  });

  it('ignores case in Estonian letters too', async () => {
    await people();

    expect(namesOf(await directory(`?q=${encodeURIComponent('ÕIGUS')}`)).sort()).toEqual(['Mari Maasikas']);
    expect(namesOf(await directory(`?q=${encodeURIComponent('ÕIE ÕUNAPUU')}`))).toEqual(['Õie Õunapuu']);
    expect(namesOf(await directory(`?q=${encodeURIComponent('PSÜHHOLOOG')}`))).toEqual(['Õie Õunapuu']);
    expect(namesOf(await directory(`?q=${encodeURIComponent('büroo')}`))).toEqual(['Jaan Tamm']);
  });

  it('needs every word of the search to match, in any part of the profile', async () => {
    await people();

    expect(namesOf(await directory('?q=mari+lahutuse'))).toEqual(['Mari Maasikas']);
    expect(namesOf(await directory('?q=jaan+kinnisvara+2010'))).toEqual(['Jaan Tamm']);
    expect(namesOf(await directory('?q=mari+kinnisvara'))).toEqual([]);
    expect(resultCountOf((await directory('?q=mari+kinnisvara')).body)).toBe('Leitud 0 eksperti');
  });

  it('keeps the search in the search box', async () => {
    await people();

    const page = await directory(`?q=${encodeURIComponent('Õie "õunapuu"')}`);

    expect(page.body).toContain('value="Õie &quot;õunapuu&quot;"');
  });

  it('takes % and _ literally, not as wildcards', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Protsent Pärt', fieldIds: [field.id], bio: 'Edukus 100% juhtudest.' });
    await createExpert(t, { name: 'Sada Sander', fieldIds: [field.id], bio: 'Üle 100 kohtuasja.' });
    await createExpert(t, { name: 'Alakriips Aino', fieldIds: [field.id], bio: 'Kasutajanimi mina_ise.' });
    await createExpert(t, { name: 'Tavaline Toomas', fieldIds: [field.id], bio: 'Olen minaxise autor.' });

    expect(namesOf(await directory('?q=100%25'))).toEqual(['Protsent Pärt']);
    expect(namesOf(await directory('?q=%25'))).toEqual(['Protsent Pärt']);
    expect(namesOf(await directory('?q=mina_ise'))).toEqual(['Alakriips Aino']);
    expect(namesOf(await directory('?q=_'))).toEqual(['Alakriips Aino']);
    expect(namesOf(await directory('?q=%5C'))).toEqual([]);
  });
});

describe('filters', () => {
  it('by language lists only experts who consult in it', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Vene Vello', fieldIds: [field.id], languages: ['et', 'ru'] });
    await createExpert(t, { name: 'Eesti Eva', fieldIds: [field.id], languages: ['et'] });
    await createExpert(t, { name: 'Inglise Ingrid', fieldIds: [field.id], languages: ['en'] });

    expect(namesOf(await directory('?lang=ru'))).toEqual(['Vene Vello']);
    expect(namesOf(await directory('?lang=et')).sort()).toEqual(['Eesti Eva', 'Vene Vello']);
    expect(namesOf(await directory('?lang=fi'))).toEqual([]);
  });

  it('by price level lists only experts of that level', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Soodne Siim', fieldIds: [field.id], priceLevel: 1 });
    await createExpert(t, { name: 'Keskmine Kai', fieldIds: [field.id], priceLevel: 2 });
    await createExpert(t, { name: 'Kallis Karl', fieldIds: [field.id], priceLevel: 3 });

    expect(namesOf(await directory('?price=1'))).toEqual(['Soodne Siim']);
    expect(namesOf(await directory('?price=3'))).toEqual(['Kallis Karl']);
  });

  it('by rating lists experts averaging at least that many stars, never unrated ones', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Viis Viljar', fieldIds: [field.id], ratings: [5, 5] });
    await createExpert(t, { name: 'Täpselt Neli', fieldIds: [field.id], ratings: [5, 3] });
    await createExpert(t, { name: 'Peaaegu Neli', fieldIds: [field.id], ratings: [4, 4, 4, 3] });
    await createExpert(t, { name: 'Hindamata Helle', fieldIds: [field.id] });

    expect(namesOf(await directory('?rating=4'))).toEqual(['Viis Viljar', 'Täpselt Neli']);
    expect(namesOf(await directory('?rating=3'))).toEqual(['Viis Viljar', 'Täpselt Neli', 'Peaaegu Neli']);
    expect(namesOf(await directory('?rating=1'))).not.toContain('Hindamata Helle');
    expect(namesOf(await directory())).toContain('Hindamata Helle');
  });

  it('combine with the field and the search', async () => {
    const family = await createField(t);
    const other = await createField(t);
    await createExpert(t, { name: 'Õige Õnne', fieldIds: [family.id], languages: ['et', 'en'], priceLevel: 1, ratings: [5], bio: 'Lahutus.' });
    await createExpert(t, { name: 'Vale Keel', fieldIds: [family.id], languages: ['et'], priceLevel: 1, ratings: [5], bio: 'Lahutus.' });
    await createExpert(t, { name: 'Vale Hind', fieldIds: [family.id], languages: ['en'], priceLevel: 2, ratings: [5], bio: 'Lahutus.' });
    await createExpert(t, { name: 'Vale Hinne', fieldIds: [family.id], languages: ['en'], priceLevel: 1, ratings: [2], bio: 'Lahutus.' });
    await createExpert(t, { name: 'Vale Väli', fieldIds: [other.id], languages: ['en'], priceLevel: 1, ratings: [5], bio: 'Lahutus.' });
    await createExpert(t, { name: 'Vale Sõna', fieldIds: [family.id], languages: ['en'], priceLevel: 1, ratings: [5], bio: 'Pärimine.' });

    const page = await directory(`?field=${family.id}&q=lahutus&lang=en&price=1&rating=4`);

    expect(namesOf(page)).toEqual(['Õige Õnne']);
    expect(resultCountOf(page.body)).toBe('Leitud 1 ekspert');
  });

  it('ignores invalid values and never fails', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id], priceLevel: 1, ratings: [5] });
    await createExpert(t, { name: 'Jaan Tamm', fieldIds: [field.id], priceLevel: 3 });
    const everyone = ['Jaan Tamm', 'Mari Maasikas'];

    const queries = [
      '?price=9',
      '?price=0',
      '?price=two',
      '?price=1.5',
      '?rating=abc',
      '?rating=6',
      '?rating=0',
      '?lang=xx',
      '?lang=ET%27--',
      '?sort=bogus',
      '?sort[]=rating',
      '?page=-1',
      '?page=0',
      '?page=abc',
      '?page=99999999999999999999',
      '?q=',
      '?q=%00',
      '?q=%00%00%00',
      '?q[a]=b',
      '?field=%00',
      '?lang=%00&price=%00&rating=%00&sort=%00&page=%00',
    ];
    for (const query of queries) {
      const page = await directory(query);
      expect(page.status, query).toBe(200);
      expect(namesOf(page).sort(), query).toEqual(everyone);
    }
  });

  it('treats a repeated q as no search, and a very long or odd one as a search that finds nothing', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });

    const repeated = await directory('?q=mari&q=jaan');
    expect(repeated.status).toBe(200);
    expect(namesOf(repeated)).toEqual(['Mari Maasikas']);

    for (const query of [`?q=${'a'.repeat(10_000)}`, `?q=${'%25'.repeat(3_000)}`, '?q=mari%00x', '?q=%C0%AF', `?q=${encodeURIComponent('\u{1F600}'.repeat(500))}`]) {
      const page = await directory(query);
      expect(page.status, query.slice(0, 20)).toBe(200);
      expect(namesOf(page), query.slice(0, 20)).toEqual([]);
    }
  });

  it('treats control characters in q as spaces between words', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id] });

    const page = await directory('?q=mari%00maasikas');

    expect(page.status).toBe(200);
    expect(namesOf(page)).toEqual(['Mari Maasikas']);
  });
});

describe('sorting', () => {
  it('by rating by default: highest average first, unrated last', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Hindamata Helle', fieldIds: [field.id] });
    await createExpert(t, { name: 'Kolm Koit', fieldIds: [field.id], ratings: [3, 3] });
    await createExpert(t, { name: 'Viis Viljar', fieldIds: [field.id], ratings: [5] });
    await createExpert(t, { name: 'Neli Neeme', fieldIds: [field.id], ratings: [5, 4, 4] });

    expect(namesOf(await directory())).toEqual(['Viis Viljar', 'Neli Neeme', 'Kolm Koit', 'Hindamata Helle']);
    expect(namesOf(await directory('?sort=rating'))).toEqual(['Viis Viljar', 'Neli Neeme', 'Kolm Koit', 'Hindamata Helle']);
  });

  it('by price: the lowest level first', async () => {
    const field = await createField(t);
    await createExpert(t, { name: 'Kallis Karl', fieldIds: [field.id], priceLevel: 3 });
    await createExpert(t, { name: 'Soodne Siim', fieldIds: [field.id], priceLevel: 1 });
    await createExpert(t, { name: 'Keskmine Kai', fieldIds: [field.id], priceLevel: 2 });

    expect(namesOf(await directory('?sort=price'))).toEqual(['Soodne Siim', 'Keskmine Kai', 'Kallis Karl']);
  });

  it('by newest: the latest approved first', async () => {
    const field = await createField(t);
    const now = t.clock.now().getTime();
    await createExpert(t, { name: 'Vana Villem', fieldIds: [field.id], approvedAt: new Date(now - 300 * day), ratings: [5] });
    await createExpert(t, { name: 'Uus Urmas', fieldIds: [field.id], approvedAt: new Date(now - 1 * day) });
    await createExpert(t, { name: 'Keskmine Kersti', fieldIds: [field.id], approvedAt: new Date(now - 30 * day), ratings: [4] });

    expect(namesOf(await directory('?sort=newest'))).toEqual(['Uus Urmas', 'Keskmine Kersti', 'Vana Villem']);
  });

  it('puts available experts before experts on leave in every order', async () => {
    const field = await createField(t);
    const now = t.clock.now().getTime();
    // On leave, though best by every measure.
    await createExpert(t, { name: 'Puhkaja Paula', fieldIds: [field.id], ratings: [5, 5], priceLevel: 1, approvedAt: new Date(now - day), onLeave: {} });
    await createExpert(t, { name: 'Hea Heino', fieldIds: [field.id], ratings: [4], priceLevel: 2, approvedAt: new Date(now - 10 * day) });
    await createExpert(t, { name: 'Tavaline Tiit', fieldIds: [field.id], priceLevel: 3, approvedAt: new Date(now - 20 * day) });

    for (const sort of ['rating', 'price', 'newest']) {
      expect(namesOf(await directory(`?sort=${sort}`)), sort).toEqual(['Hea Heino', 'Tavaline Tiit', 'Puhkaja Paula']);
    }
  });
});

describe('experts on leave', () => {
  it('are marked on the page, with the return date when there is one', async () => {
    const field = await createField(t);
    const returnDay = new Date('2026-12-09T22:00:00.000Z'); // 10 December, Tallinn
    await createExpert(t, { name: 'Tööl Tõnu', fieldIds: [field.id] });
    await createExpert(t, { name: 'Puhkaja Paula', fieldIds: [field.id], onLeave: {} });
    await createExpert(t, { name: 'Naasev Nele', fieldIds: [field.id], onLeave: { until: returnDay } });

    const cards = cardsOf((await directory()).body);
    const card = (name: string) => cards.find((c) => c.name === name)!.text;

    expect(card('Tööl Tõnu')).not.toContain('Puhkusel');
    expect(card('Puhkaja Paula')).toContain('Puhkusel: uusi päringuid praegu vastu ei võta');
    expect(card('Naasev Nele')).toContain('Puhkusel kuni 10. detsember 2026');
  });

  it('are no longer marked once their return date has passed', async () => {
    const field = await createField(t);
    const returnDay = new Date('2026-12-09T22:00:00.000Z');
    await createExpert(t, { name: 'Naasev Nele', fieldIds: [field.id], ratings: [5], onLeave: { until: returnDay } });
    await createExpert(t, { name: 'Tööl Tõnu', fieldIds: [field.id], ratings: [3] });

    t.clock.set(new Date(returnDay.getTime() - 60_000));
    let cards = cardsOf((await directory()).body);
    expect(cards.map((c) => c.name)).toEqual(['Tööl Tõnu', 'Naasev Nele']);
    expect(cards[1]!.text).toContain('Puhkusel kuni');

    t.clock.set(returnDay);
    cards = cardsOf((await directory()).body);
    expect(cards.find((c) => c.name === 'Naasev Nele')!.text).not.toContain('Puhkusel');
  });

  it('take their place by rating again once the housekeeping sweep has ended their leave', async () => {
    const field = await createField(t);
    const returnDay = new Date('2026-12-09T22:00:00.000Z');
    await createExpert(t, { name: 'Naasev Nele', fieldIds: [field.id], ratings: [5], onLeave: { until: returnDay } });
    await createExpert(t, { name: 'Tööl Tõnu', fieldIds: [field.id], ratings: [3] });
    expect(namesOf(await directory())).toEqual(['Tööl Tõnu', 'Naasev Nele']);

    t.clock.set(new Date(returnDay.getTime() + 60_000));
    await endExpiredLeaves(t.deps.db, iso(t.clock.now()));

    const cards = cardsOf((await directory()).body);
    expect(cards.map((c) => c.name)).toEqual(['Naasev Nele', 'Tööl Tõnu']);
    expect(cards[0]!.text).not.toContain('Puhkusel');
  });
});

describe('pagination', () => {
  async function fortyFive(fieldId: number) {
    const now = t.clock.now().getTime();
    for (let i = 1; i <= 45; i += 1) {
      await createExpert(t, {
        name: `Ekspert ${String(i).padStart(2, '0')}`,
        fieldIds: [fieldId],
        priceLevel: 2,
        approvedAt: new Date(now - i * day),
      });
    }
  }

  it('shows 20 experts a page: 45 experts make 3 pages, the last with 5', async () => {
    const field = await createField(t);
    await fortyFive(field.id);

    const first = await directory('?sort=newest');
    const second = await directory('?sort=newest&page=2');
    const third = await directory('?sort=newest&page=3');

    expect(namesOf(first)).toHaveLength(20);
    expect(namesOf(second)).toHaveLength(20);
    expect(namesOf(third)).toEqual(['Ekspert 41', 'Ekspert 42', 'Ekspert 43', 'Ekspert 44', 'Ekspert 45']);
    for (const page of [first, second, third]) expect(resultCountOf(page.body)).toBe('Leitud 45 eksperti');
    expect(mainText(first.body)).toContain('Lehekülg 1 / 3');
    expect(mainText(third.body)).toContain('Lehekülg 3 / 3');
    const all = [...namesOf(first), ...namesOf(second), ...namesOf(third)];
    expect(new Set(all).size).toBe(45);
    expect(all[0]).toBe('Ekspert 01');
  });

  it('lists every expert exactly once across the pages, also when all are alike', async () => {
    const field = await createField(t);
    for (let i = 1; i <= 45; i += 1) await createExpert(t, { name: `Sarnane ${i}`, fieldIds: [field.id] });

    const names: string[] = [];
    for (const n of [1, 2, 3]) names.push(...namesOf(await directory(`?page=${n}`)));

    expect(names).toHaveLength(45);
    expect(new Set(names).size).toBe(45);
  });

  it('keeps the filters in the page links', async () => {
    const field = await createField(t);
    await fortyFive(field.id);

    const first = await directory(`?field=${field.id}&price=2&sort=newest&q=ekspert`);
    expect(pageLink(first.body, 'prev')).toBeUndefined();
    expect(pageLink(first.body, 'next')).toBe(`/experts?field=${field.id}&q=ekspert&price=2&sort=newest&page=2`);

    const second = await t.browser().get(pageLink(first.body, 'next')!);
    expect(namesOf(second)).toHaveLength(20);
    expect(pageLink(second.body, 'prev')).toBe(`/experts?field=${field.id}&q=ekspert&price=2&sort=newest`);
    expect(pageLink(second.body, 'next')).toBe(`/experts?field=${field.id}&q=ekspert&price=2&sort=newest&page=3`);

    const third = await t.browser().get(pageLink(second.body, 'next')!);
    expect(namesOf(third)).toHaveLength(5);
    expect(pageLink(third.body, 'next')).toBeUndefined();
  });

  it('shows no experts and no error on a page past the end', async () => {
    const field = await createField(t);
    await fortyFive(field.id);

    for (const query of ['?page=4', '?page=100000']) {
      const page = await directory(query);
      expect(page.status, query).toBe(200);
      expect(namesOf(page), query).toEqual([]);
      expect(resultCountOf(page.body), query).toBe('Leitud 45 eksperti');
    }
  });

  it('shows no page links when everything fits on one page', async () => {
    const field = await createField(t);
    for (let i = 1; i <= 20; i += 1) await createExpert(t, { name: `Ekspert ${i}`, fieldIds: [field.id] });

    const page = await directory();

    expect(namesOf(page)).toHaveLength(20);
    expect(page.body).not.toContain('class="pagination"');
  });
});

describe('the field chooser', () => {
  it('lists the active fields, each leading to the inquiry form of that field', async () => {
    const family = await createField(t, { nameEt: 'Perekonnaõigus' });
    const psychology = await createField(t, { nameEt: 'Psühholoogia' });
    await createField(t, { nameEt: 'Suletud valdkond', isActive: false });

    const page = await t.browser().get('/order/consultation');

    expect(page.status).toBe(200);
    expect(page.body).toContain(`<a href="/inquiries/new?kind=consultation&amp;field=${family.id}">Perekonnaõigus</a>`);
    expect(page.body).toContain(`<a href="/inquiries/new?kind=consultation&amp;field=${psychology.id}">Psühholoogia</a>`);
    expect(mainText(page.body)).not.toContain('Suletud valdkond');
    expect(mainText(page.body).indexOf('Perekonnaõigus')).toBeLessThan(mainText(page.body).indexOf('Psühholoogia'));
  });

  it('leads to a form that offers only that field’s experts', async () => {
    const family = await createField(t, { nameEt: 'Perekonnaõigus' });
    const other = await createField(t);
    await createExpert(t, { name: 'Pille Pere', fieldIds: [family.id] });
    await createExpert(t, { name: 'Muu Mart', fieldIds: [other.id] });
    const { browser } = await signedInUser(t);

    const chooser = await browser.get('/order/consultation');
    const href = new RegExp(`<a href="([^"]+)">Perekonnaõigus</a>`).exec(chooser.body)![1]!;
    const page = await browser.get(decode(href));

    expect(mainText(page.body)).toContain('Pille Pere');
    expect(mainText(page.body)).not.toContain('Muu Mart');
  });

  it('does not offer inactive fields in the directory’s field filter either', async () => {
    await createField(t, { nameEt: 'Avatud valdkond' });
    await createField(t, { nameEt: 'Suletud valdkond', isActive: false });

    const page = await directory();

    expect(page.body).toContain('Avatud valdkond');
    expect(page.body).not.toContain('Suletud valdkond');
  });
});

describe('in English', () => {
  async function englishWorld() {
    const field = await createField(t, { nameEt: 'Perekonnaõigus', nameEn: 'Family law' });
    await createExpert(t, { name: 'Mari Maasikas', fieldIds: [field.id], languages: ['et', 'ru'], priceLevel: 1, ratings: [5, 4] });
    await createExpert(t, { name: 'Puhkaja Paula', fieldIds: [field.id], onLeave: { until: new Date('2026-12-09T22:00:00.000Z') } });
    return field;
  }

  it('a user who chose English sees English field names and labels', async () => {
    const field = await englishWorld();
    const { browser } = await signedInUser(t, { locale: 'en' });

    const page = await browser.get(`/experts?field=${field.id}`);
    const text = plain(mainText(page.body));

    expect(page.body).toContain('<h1>Family law</h1>');
    expect(text).toContain('2 experts found');
    expect(text).toContain('Languages: Estonian, Russian');
    expect(text).toContain('€ affordable');
    expect(text).toContain('4.5 (2 ratings)');
    expect(text).toContain('On leave until 10 December 2026');
    expect(text).not.toContain('Perekonnaõigus');
    expect(text).not.toContain('Leitud');

    const chooser = await browser.get('/order/consultation');
    expect(chooser.body).toContain(`<a href="/inquiries/new?kind=consultation&amp;field=${field.id}">Family law</a>`);
  });

  it('an anonymous visitor sees English after switching the language', async () => {
    const field = await englishWorld();
    const browser = t.browser();
    const before = await browser.get('/experts');
    expect(mainText(before.body)).toContain('Leitud 2 eksperti');
    expect(mainText(before.body)).toContain('Perekonnaõigus');

    await browser.post('/language', { lang: 'en', returnTo: '/experts' });
    const page = await browser.get('/experts');
    const text = mainText(page.body);

    expect(text).toContain('2 experts found');
    expect(text).toContain('Family law');
    expect(text).not.toContain('Perekonnaõigus');
    expect(text).toContain('All fields');
    expect(page.body).toContain(`<option value="${field.id}">Family law</option>`);
  });
});
