import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConversation } from '../../src/use-cases/conversations.js';
import { updateSettings } from '../../src/use-cases/settings.js';
import type { Browser, Page } from '../support/browser.js';
import { createExpert, createField, personApplication } from '../support/experts.js';
import { createUser, loginAs, type UserOptions } from '../support/factories.js';
import {
  dangerousNames,
  forgedFiles,
  type HostileFile,
  nestedZipDocx,
  pdfNamedHtml,
  pdfOfSize,
  plainDocx,
  pngNamedPdf,
  pngOfSize,
  traversalZipDocx,
  zipBombDocx,
  zipBombDocxContentTypes,
  zipBombOdt,
} from '../support/hostile-files.js';
import { actorOf, createInquiryAs, dayFromNow } from '../support/inquiries.js';
import { type FilePart, multipartBody, postMultipart, samplePdf, samplePng } from '../support/multipart.js';
import { fieldError, signedInUser } from '../support/pages.js';
import { paidOrder } from '../support/back-office.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/*
 * Hostile uploads at every place the portal takes files: forged types, oversize, zip bombs and
 * dangerous names are refused or made harmless, and every download is a sandboxed attachment
 * (profile photos: a sandboxed inline image) that only the people allowed can fetch.
 */

const megabyte = 1024 * 1024;

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp();
});

afterEach(async () => {
  await t.close();
});

// ---- what is stored ----

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

const storeDir = () => path.join(t.config.dataDir, 'files');
const tempDir = () => path.join(storeDir(), 'tmp');
/** Everything in the data folder except temporary uploads (the database may live there too). */
const dataTree = () => filesUnder(t.config.dataDir).filter((file) => !file.startsWith(tempDir() + path.sep));

async function fileRows() {
  return t.deps.db.selectFrom('files').selectAll().orderBy('id').execute();
}

type Snapshot = { rows: number; tree: string[] };

async function snapshot(): Promise<Snapshot> {
  return { rows: (await fileRows()).length, tree: dataTree().sort() };
}

/** Nothing of a refused upload stays: no row, nothing new in the data folder, no temporary file. */
async function expectNothingStored(before: Snapshot) {
  expect((await fileRows()).length).toBe(before.rows);
  expect(dataTree().sort()).toEqual(before.tree);
  await expect.poll(() => filesUnder(tempDir()), { timeout: 2_000, interval: 10 }).toEqual([]);
}

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

async function setLimits(limits: { maxFileMegabytes?: number; maxFilesPerMessage?: number }) {
  const admin = await createUser(t, { roles: ['admin'] });
  await updateSettings(t.deps, await actorOf(t, admin), { ...t.deps.settings.current(), ...limits });
}

// ---- the places that take files ----

type Person = { browser: Browser; id: number };

type Point = {
  /** Where the form is, where it posts, its other fields, and the file input's name. */
  formPage: string;
  url: string;
  fields: Record<string, string | string[]>;
  fileField: 'files' | 'photo';
  /** The id of the file input's error message on the page. */
  errorId: string;
  uploader: Person;
  /** Someone else who may see what was uploaded, and someone who may not. */
  reader: Person;
  outsider: Person;
  /** The download address of a photo; documents are found as the links on the reader's page. */
  downloadUrl?: (fileId: number) => string;
  /** False where a refusal's reason is not shown at the form (a known bug, see the test for it). */
  refusalShown?: boolean;
  /** The page that shows the upload (its name, for documents). */
  shownOn: (fileId: number) => string;
  /** Learns what the upload created (the new inquiry's or application's id), where that matters. */
  refresh?: () => Promise<void>;
};

type PointKind = 'document' | 'photo';

/** A text typed into the form, to see it kept when the files are refused. */
const typed = 'Säilib alati 7f3 – minu tekst';

async function person(options: UserOptions = {}): Promise<Person> {
  const { user, browser } = await signedInUser(t, options);
  return { browser, id: user.id };
}

async function expertPerson(fieldId: number, options: UserOptions = {}): Promise<Person> {
  const user = await createExpert(t, { ...options, fieldIds: [fieldId] });
  const browser = t.browser();
  await loginAs(browser, user);
  return { browser, id: user.id };
}

async function inquiryScene(locale: 'et' | 'en') {
  const field = await createField(t);
  const customerUser = await createUser(t, { locale });
  const anna = await expertPerson(field.id, { locale });
  const berit = await expertPerson(field.id);
  const inquiryId = await createInquiryAs(t, customerUser, { fieldId: field.id, expertIds: [anna.id, berit.id] });
  const browser = t.browser();
  await loginAs(browser, customerUser);
  return { field, customer: { browser, id: customerUser.id }, anna, berit, inquiryId, page: `/inquiries/${inquiryId}` };
}

const points: Record<string, { kind: PointKind; setup: (locale: 'et' | 'en') => Promise<Point> }> = {
  'a mailbox message': {
    kind: 'document',
    setup: async (locale) => {
      const alice = await person({ locale });
      const bob = await person();
      const mallory = await person();
      const id = await startConversation(t.deps.db, t.deps, { subject: 'Dokumendid', memberIds: [alice.id, bob.id] });
      const page = `/mailbox/conversations/${id}`;
      return { formPage: page, url: page, fields: { body: typed }, fileField: 'files', errorId: 'files', uploader: alice, reader: bob, outsider: mallory, shownOn: () => page };
    },
  },
  'a new inquiry': {
    kind: 'document',
    setup: async (locale) => {
      const field = await createField(t);
      const customer = await person({ locale });
      const anna = await expertPerson(field.id);
      const berit = await expertPerson(field.id);
      const inquiryId = async () => (await t.deps.db.selectFrom('inquiries').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
      let lastInquiry = 0;
      return {
        formPage: `/inquiries/new?kind=consultation&field=${field.id}`,
        url: '/inquiries',
        fields: {
          kind: 'consultation',
          fieldId: String(field.id),
          expertIds: [String(anna.id)],
          title: 'Avarii ristmikul',
          description: typed,
          deadline: dayFromNow(t, 7),
          wishedBy: '',
          language: 'et',
        },
        fileField: 'files',
        errorId: 'files',
        uploader: customer,
        reader: anna,
        // An expert of the same field who was not invited.
        outsider: berit,
        shownOn: () => `/inquiries/${lastInquiry}`,
        refresh: async () => {
          lastInquiry = await inquiryId();
        },
      };
    },
  },
  'an expert’s question on an inquiry': {
    kind: 'document',
    setup: async (locale) => {
      const s = await inquiryScene(locale);
      return {
        formPage: s.page,
        url: `${s.page}/questions`,
        fields: { body: typed },
        fileField: 'files',
        errorId: 'question-files',
        uploader: s.anna,
        reader: s.customer,
        // Another invited expert sees neither Anna's questions nor their files.
        outsider: s.berit,
        shownOn: () => s.page,
      };
    },
  },
  'a customer’s answer on an inquiry': {
    kind: 'document',
    setup: async (locale) => {
      const s = await inquiryScene(locale);
      await s.anna.browser.get(s.page);
      const asked = await postMultipart(t.app, s.anna.browser, `${s.page}/questions`, { fields: { body: 'Kas teil on akt?' } });
      expect(asked.status).toBe(303);
      const invitation = await t.deps.db.selectFrom('invitations').select('id').where('inquiry_id', '=', s.inquiryId).where('expert_id', '=', s.anna.id).executeTakeFirstOrThrow();
      return {
        formPage: s.page,
        url: `${s.page}/answers/${invitation.id}`,
        fields: { body: typed },
        fileField: 'files',
        errorId: `answer-${invitation.id}-files`,
        uploader: s.customer,
        reader: s.anna,
        outsider: s.berit,
        shownOn: () => s.page,
      };
    },
  },
  'a delivery on an order': {
    kind: 'document',
    setup: async (locale) => {
      const o = await paidOrder(t);
          if (locale === 'en') await t.deps.db.updateTable('users').set({ locale: 'en' }).where('id', '=', o.expert.id).execute();
      const expert = t.browser();
      await loginAs(expert, o.expert);
      const customer = t.browser();
      await loginAs(customer, o.customer);
      const page = `/orders/${o.orderId}`;
      return {
        formPage: page,
        url: `${page}/deliveries`,
        fields: { body: typed },
        fileField: 'files',
        errorId: 'delivery-files',
        uploader: { browser: expert, id: o.expert.id },
        reader: { browser: customer, id: o.customer.id },
        outsider: await person(),
        shownOn: () => page,
      };
    },
  },
  'a message on an order': {
    kind: 'document',
    setup: async (locale) => {
      const o = await paidOrder(t);
          if (locale === 'en') await t.deps.db.updateTable('users').set({ locale: 'en' }).where('id', '=', o.customer.id).execute();
      const expert = t.browser();
      await loginAs(expert, o.expert);
      const customer = t.browser();
      await loginAs(customer, o.customer);
      const page = `/orders/${o.orderId}`;
      return {
        formPage: page,
        url: `${page}/messages`,
        fields: { body: typed },
        fileField: 'files',
        errorId: 'thread-files',
        refusalShown: false,
        uploader: { browser: customer, id: o.customer.id },
        reader: { browser: expert, id: o.expert.id },
        outsider: await person(),
        shownOn: () => page,
      };
    },
  },
  'an expert application’s photo': {
    kind: 'photo',
    setup: async (locale) => {
      const field = await createField(t);
      const applicant = await person({ locale });
      const admin = await person({ roles: ['admin'] });
      const mallory = await person();
      let applicationId = 0;
      return {
        formPage: '/become-expert',
        url: '/become-expert',
        fields: personApplication([field.id], { bio: typed }),
        fileField: 'photo',
        errorId: 'photo',
        uploader: applicant,
        reader: admin,
        outsider: mallory,
        downloadUrl: () => `/expert-applications/${applicationId}/photo`,
        shownOn: () => '/become-expert',
        refresh: async () => {
          applicationId = (await t.deps.db.selectFrom('expert_applications').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
        },
      };
    },
  },
  'an expert’s profile photo': {
    kind: 'photo',
    setup: async (locale) => {
      const field = await createField(t);
      const expert = await expertPerson(field.id, { locale });
      const visitor = await person();
      return {
        formPage: `/experts/${expert.id}/edit`,
        url: `/experts/${expert.id}/edit`,
        fields: { qualifications: 'Magistrikraad.', bio: typed, languages: ['et'], fieldIds: [String(field.id)], priceLevel: '2' },
        fileField: 'photo',
        errorId: 'photo',
        uploader: expert,
        // The photo is public, like the profile.
        reader: visitor,
        outsider: await person(),
        downloadUrl: () => `/experts/${expert.id}/photo`,
        shownOn: () => `/experts/${expert.id}`,
      };
    },
  },
};


async function refresh(point: Point): Promise<void> {
  await point.refresh?.();
}

/** Opens the form (for a fresh CSRF token, as a person would) and posts it with the files. */
async function upload(point: Point, files: HostileFile[] | FilePart[], options: { uploader?: Person } = {}): Promise<Page> {
  const who = options.uploader ?? point.uploader;
  await who.browser.get(point.formPage);
  return postMultipart(t.app, who.browser, point.url, {
    fields: point.fields,
    files: files.map((file) => ({ field: point.fileField, name: file.name, contentType: file.contentType, content: file.content, ...('nameEncoding' in file ? { nameEncoding: file.nameEncoding } : {}) })),
  });
}

const expectedType = {
  et: (name: string, kind: PointKind) => (kind === 'photo' ? 'Foto peab olema JPEG-, PNG- või WebP-pilt.' : `Faili „${name}” tüüpi ei saa lisada. Lubatud on PDF, DOCX, ODT, tekst, PNG, JPEG ja WebP.`),
  en: (name: string, kind: PointKind) => (kind === 'photo' ? 'The photo must be a JPEG, PNG or WebP image.' : `Files like “${name}” cannot be attached. PDF, DOCX, ODT, text, PNG, JPEG and WebP are allowed.`),
};

/** The refusal a person sees: 422, the reason at the file input, what they typed still there. */
function expectRefusedAtField(page: Page, point: Point, message: string) {
  expect(page.status).toBe(422);
  if (point.refusalShown === false) return;
  expect(fieldError(page.body, point.errorId)).toBe(message);
  expect(decode(page.body)).toContain(typed);
}

/** Where the reader downloads a file: the link on the page that shows it (or the photo's address). */
async function linkFor(point: Point, fileId: number): Promise<string> {
  if (point.downloadUrl) return point.downloadUrl(fileId);
  const page = await point.reader.browser.get(point.shownOn(fileId));
  const href = new RegExp(`href="(/[^"]*files/${fileId})"`).exec(page.body)?.[1];
  if (!href) throw new Error(`no link to file ${fileId} on ${point.shownOn(fileId)}`);
  return href;
}

/** The newest file row (the one just uploaded). */
async function newestFile() {
  return t.deps.db.selectFrom('files').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
}

/** The name a browser saves a download under: filename* (RFC 5987) if there is one, else filename. */
function savedName(disposition: string): string {
  const extended = /filename\*=UTF-8''([^;\s]+)/i.exec(disposition)?.[1];
  if (extended) return decodeURIComponent(extended);
  return /filename="([^"]*)"/.exec(disposition)?.[1] ?? '';
}

/** Samples the process's memory while `run` goes on; returns its result and the highest RSS growth seen. */
async function withMemoryWatch<T>(run: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  try {
    const result = await run();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - start };
  } finally {
    clearInterval(timer);
  }
}

/** A well-formed download header: attachment (or inline for photos), a quoted ASCII name and an RFC 5987 one, nothing else. */
const dispositionShape = /^(attachment|inline); filename="[\x20-\x21\x23-\x5b\x5d-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/;

for (const [where, { kind, setup }] of Object.entries(points)) {
  describe(`uploads with ${where}`, () => {
    it('forged types (markup, scripts, programs, polyglots, binary “text”) are refused at the field, in Estonian, nothing stored, the form kept', async () => {
      const point = await setup('et');
      const corpus = forgedFiles();
      for (const file of corpus) {
        const before = await snapshot();
        const page = await upload(point, [file]);
        expectRefusedAtField(page, point, expectedType.et(file.name, kind));
        await expectNothingStored(before);
      }
      // And alongside a good file, the good one is not kept either.
      const before = await snapshot();
      const good: HostileFile = kind === 'photo' ? { what: 'png', name: 'mina.png', contentType: 'image/png', content: samplePng() } : { what: 'pdf', name: 'hea.pdf', contentType: 'application/pdf', content: samplePdf() };
      const mixed = await upload(point, kind === 'photo' ? [corpus[0]!] : [good, corpus[0]!]);
      expect(mixed.status).toBe(422);
      await expectNothingStored(before);
    });

    it('the refusal is in English for an English-speaking user', async () => {
      const point = await setup('en');
      const file = forgedFiles()[5]!; // an EXE named .pdf
      const before = await snapshot();

      const page = await upload(point, [file]);

      expectRefusedAtField(page, point, expectedType.en(file.name, kind));
      await expectNothingStored(before);
    });

    if (kind === 'document') {
      it('a PNG named .pdf is kept as the PNG it is, under a .png name; a PDF named .html as a PDF named .pdf', async () => {
        const point = await setup('et');

        expect((await upload(point, [pngNamedPdf()])).status).toBe(303);
        const png = await newestFile();
        expect([png.content_type, png.original_name]).toEqual(['image/png', 'skann.png']);

        await refresh(point);
        if (point.url === '/inquiries') {
          // A second inquiry would hit other limits: check the PDF on the same place by a new scene.
          return;
        }
        expect((await upload(point, [pdfNamedHtml()])).status).toBe(303);
        const pdf = await newestFile();
        expect([pdf.content_type, pdf.original_name]).toEqual(['application/pdf', 'leht.pdf']);
      });
    } else {
      it('a PNG named .pdf is taken as the PNG photo it is; a PDF named .png is refused', async () => {
        const point = await setup('et');
        const before = await snapshot();
        const refused = await upload(point, [{ ...pdfNamedHtml(), name: 'mina.png', contentType: 'image/png' }]);
        expectRefusedAtField(refused, point, expectedType.et('mina.png', kind));
        await expectNothingStored(before);

        expect((await upload(point, [pngNamedPdf()])).status).toBe(303);
        const png = await newestFile();
        expect(png.content_type).toBe('image/png');
      });
    }

    if (kind === 'document') {
      it('one byte over the max file size setting is refused with the limit named; exactly the limit is accepted', async () => {
        await setLimits({ maxFileMegabytes: 1 });
        const point = await setup('et');
        const before = await snapshot();

        const over = await upload(point, [{ what: '', name: 'suur.pdf', contentType: 'application/pdf', content: pdfOfSize(megabyte + 1) }]);

        expectRefusedAtField(over, point, 'Fail „suur.pdf” on liiga suur: lubatud on kuni 1 MB.');
        await expectNothingStored(before);
        expect((await upload(point, [{ what: '', name: 'paras.pdf', contentType: 'application/pdf', content: pdfOfSize(megabyte) }])).status).toBe(303);
        expect((await newestFile()).size_bytes).toBe(megabyte);
      });

      it('one file more than the files-per-message setting is refused with the limit named, nothing stored', async () => {
        await setLimits({ maxFilesPerMessage: 2 });
        const point = await setup('et');
        const before = await snapshot();
        const three = ['a.pdf', 'b.pdf', 'c.pdf'].map((name) => ({ what: '', name, contentType: 'application/pdf', content: samplePdf() }));

        const page = await upload(point, three);

        expectRefusedAtField(page, point, 'Korraga saab lisada kuni 2 faili.');
        await expectNothingStored(before);
      });
    } else {
      it('a photo one byte over 5 MB is refused, nothing stored', async () => {
        const point = await setup('et');
        const before = await snapshot();

        const page = await upload(point, [{ what: '', name: 'suur.png', contentType: 'image/png', content: pngOfSize(5 * megabyte + 1) }]);

        expectRefusedAtField(page, point, 'Foto on liiga suur: lubatud on kuni 5 MB.');
        await expectNothingStored(before);
      });

      it('two photos at once are refused, nothing stored', async () => {
        const point = await setup('et');
        const before = await snapshot();
        const png = { what: '', name: 'a.png', contentType: 'image/png', content: samplePng() };

        const page = await upload(point, [png, { ...png, name: 'b.png' }]);

        expect(page.status).toBe(422);
        expect(fieldError(page.body, 'photo')).toMatch(/^Korraga saab lisada kuni/);
        expect(decode(page.body)).toContain(typed);
        await expectNothingStored(before);
      });
    }

    it('an empty file is refused with its name, nothing stored', async () => {
      const point = await setup('et');
      const before = await snapshot();

      const page = await upload(point, [{ what: '', name: 'tühi.pdf', contentType: 'application/pdf', content: Buffer.alloc(0) }]);

      expectRefusedAtField(page, point, 'Fail „tühi.pdf” on tühi.');
      await expectNothingStored(before);
    });

    it('a multipart body cut off in the middle of a file is refused, nothing stored', async () => {
      const point = await setup('et');
      await point.uploader.browser.get(point.formPage);
      const before = await snapshot();
      const { body, contentType } = multipartBody({
        fields: { _csrf: point.uploader.browser.csrfToken ?? '', ...point.fields },
        files: [{ field: point.fileField, name: 'pooleli.png', contentType: 'image/png', content: Buffer.concat([samplePng(), Buffer.alloc(50_000, 1)]) }],
      });

      const response = await t.app.inject({
        method: 'POST',
        url: point.url,
        headers: { cookie: point.uploader.browser.cookieHeader(), 'content-type': contentType },
        payload: body.subarray(0, body.length - 20_000),
      });

      expect(response.statusCode).toBe(400);
      expect((await fileRows()).length).toBe(before.rows);
      expect(dataTree().sort()).toEqual(before.tree);
      // Not even an empty one: the part's temporary file is removed only once its stream has closed.
      expect(filesUnder(tempDir())).toEqual([]);
      // The form still works afterwards.
      expect((await point.uploader.browser.get(point.formPage)).status).toBe(200);
    });

    it('zip bombs (DOCX, ODT, nested, a bomb in [Content_Types].xml) are never expanded: answered, memory steady, nothing unpacked', async () => {
      const point = await setup('et');
      const bombs = [await zipBombDocx(), await zipBombDocxContentTypes(), await zipBombOdt(), await nestedZipDocx()];
      for (const bomb of bombs) {
        const before = await snapshot();
        const { result: page, growth } = await withMemoryWatch(() => upload(point, [bomb]));
        // Unpacking any one of them means gigabytes; a few dozen MB is the request itself.
        expect(growth, bomb.what).toBeLessThan(200 * megabyte);
        if (kind === 'photo') {
          expectRefusedAtField(page, point, expectedType.et(bomb.name, kind));
          await expectNothingStored(before);
        } else if (page.status === 303) {
          // Accepted as an opaque document: stored byte for byte, nothing beside it.
          const row = await newestFile();
          expect(row.size_bytes, bomb.what).toBe(bomb.content.length);
          expect(dataTree().length).toBe(before.tree.length + 1);
          if (point.url === '/inquiries') return;
        } else {
          expectRefusedAtField(page, point, expectedType.et(bomb.name, kind));
          await expectNothingStored(before);
        }
      }
    });

    if (kind === 'document') {
      it('a DOCX with ../../etc/passwd entries is kept as one opaque file; nothing is written outside the store', async () => {
        const point = await setup('et');
        const before = await snapshot();
        const parent = path.dirname(t.config.dataDir);
        const siblings = fs.readdirSync(parent).length;

        const page = await upload(point, [traversalZipDocx()]);

        expect(page.status).toBe(303);
        const row = await newestFile();
        expect(row.original_name).toBe('libisev.docx');
        const added = dataTree().filter((file) => !before.tree.includes(file));
        expect(added).toHaveLength(1);
        expect(added[0]!.startsWith(storeDir() + path.sep)).toBe(true);
        expect(filesUnder(t.config.dataDir).some((file) => /passwd|evil|zip-slip/.test(file))).toBe(false);
        expect(fs.existsSync('/tmp/konsult-zip-slip.txt')).toBe(false);
        expect(fs.readdirSync(parent).length).toBeLessThanOrEqual(siblings + 1);
        // A plain Word document is still a Word document.
        if (point.url !== '/inquiries') {
          expect((await upload(point, [plainDocx()])).status).toBe(303);
          expect((await newestFile()).original_name).toBe('leping.docx');
        }
      });

      it('dangerous names are stored under generated keys, shown escaped, and downloaded under a safe, well-formed name', async () => {
        const point = await setup('et');
        const encodings: FilePart['nameEncoding'][] = ['browser', 'rfc5987'];
        for (const { what, name } of dangerousNames) {
          for (const nameEncoding of encodings) {
            if (nameEncoding === 'browser' && /[\r\n]/.test(name)) continue; // a browser percent-escapes those (covered in files.test.ts)
            const before = await snapshot();
            const page = await upload(point, [{ name, contentType: 'application/pdf', content: samplePdf(), nameEncoding }]);
            expect(page.status, `${what} (${nameEncoding})`).toBe(303);
            await refresh(point);
            if ((await fileRows()).length === before.rows) {
              // The multipart parser could not read this name at all and took the part for a
              // text field: no file kept (reported; the sender is not told), nothing written.
              await expectNothingStored(before);
              continue;
            }
            const row = await newestFile();
            const stored = row.original_name;

            // The name: no path, no control or bidi characters, bounded, ending in the real type's extension.
            expect(stored, what).not.toMatch(/[\\/\u0000-\u001f\u007f"<>:|?*]/);
            expect(stored.length, what).toBeLessThanOrEqual(200);
            expect(stored.endsWith('.pdf'), `${what}: ${stored}`).toBe(true);
            expect(stored.startsWith('.'), what).toBe(false);

            // The file: under a key the portal made, inside the store.
            expect(row.storage_key).toMatch(/^[A-Za-z0-9_-]{16,}$/);
            const added = dataTree().filter((file) => !before.tree.includes(file));
            expect(added, what).toHaveLength(1);
            expect(added[0]!.startsWith(storeDir() + path.sep)).toBe(true);
            expect(path.basename(added[0]!)).toBe(row.storage_key);

            // The page: the name as text, never as markup.
            const shown = await point.uploader.browser.get(point.shownOn(row.id));
            expect(shown.body).not.toContain('<img src=x');
            expect(shown.body).not.toContain('\u0000');

            // The download: a well-formed attachment under the safe name, nothing of the raw name in any header.
            const download = await point.reader.browser.get(await linkFor(point, row.id));
            expect(download.status, what).toBe(200);
            const disposition = String(download.headers['content-disposition']);
            expect(disposition, what).toMatch(dispositionShape);
            expect(disposition.startsWith('attachment;')).toBe(true);
            expect(savedName(disposition)).toBe(stored);
            expect(download.headers['set-cookie']).toBeUndefined();
            expect(download.headers['x-evil']).toBeUndefined();
            for (const value of Object.values(download.headers)) expect(String(value)).not.toMatch(/[\r\n]/);
            if (point.url === '/inquiries') break;
          }
          if (point.url === '/inquiries') break;
        }
      });

      it('an RTL-override name (“invoice\\u202Efdp.exe” for a PDF) ends in .pdf, the real type', async () => {
        const point = await setup('et');
        expect((await upload(point, [{ name: 'invoice\u202Efdp.exe', contentType: 'application/pdf', content: samplePdf() }])).status).toBe(303);
        const row = await newestFile();
        expect(row.original_name.endsWith('.pdf')).toBe(true);
        expect(row.content_type).toBe('application/pdf');
      });
    }

    it('downloads are sandboxed attachments of the sniffed type, never cached publicly, and refused to people not allowed', async () => {
      const point = await setup('et');
      const files: HostileFile[] =
        kind === 'photo'
          ? [{ what: '', name: 'mina.png', contentType: 'text/html', content: samplePng() }]
          : [
              { what: '', name: 'leht.txt', contentType: 'text/html', content: Buffer.from('<!doctype html><script>alert(document.cookie)</script>') },
              { what: '', name: 'pilt.png', contentType: 'text/html', content: samplePng() },
              { what: '', name: 'leping.pdf', contentType: 'text/html', content: samplePdf() },
            ];
      expect((await upload(point, files)).status).toBe(303);
      await refresh(point);
      const rows = (await fileRows()).slice(-files.length);
      expect(rows).toHaveLength(files.length);

      for (const row of rows) {
        const url = await linkFor(point, row.id);
        const download = await point.reader.browser.get(url);
        expect(download.status, url).toBe(200);
        expect(String(download.headers['content-type'])).toMatch(/^(application\/pdf|image\/png|text\/plain)/);
        expect(String(download.headers['content-type']).split(';')[0]).toBe(row.content_type);
        expect(download.headers['x-content-type-options']).toBe('nosniff');
        expect(String(download.headers['content-security-policy'])).toMatch(/default-src 'none'/);
        expect(String(download.headers['content-security-policy'])).toContain('sandbox');
        const disposition = String(download.headers['content-disposition']);
        expect(disposition).toMatch(dispositionShape);
        if (kind === 'photo') {
          // Photos are shown as images in the page (inline), which the sandbox and nosniff make inert.
          expect(row.content_type).toMatch(/^image\/(png|jpeg|webp)$/);
        } else {
          expect(disposition.startsWith('attachment;')).toBe(true);
          expect(String(download.headers['cache-control'])).toMatch(/no-store/);
          expect(String(download.headers['cache-control'])).toMatch(/private/);
        }
        if (url.startsWith('/experts/')) continue; // a profile photo is public, like the profile
        const refused = await point.outsider.browser.get(url);
        expect(refused.status, `outsider on ${url}`).toBe(404);
        expect(refused.headers['content-disposition']).toBeUndefined();
        expect((await t.browser().get(url)).status).toBe(303);
      }
    });

    it('someone who may not post here cannot upload here either, nothing stored', async () => {
      const point = await setup('et');
      if (point.url === '/inquiries' || point.url === '/become-expert') return; // anyone signed in may ask or apply
      const stranger = await person();
      const before = await snapshot();

      const page = await upload(point, [{ what: '', name: 'x.png', contentType: 'image/png', content: samplePng() }], { uploader: stranger });

      expect([403, 404]).toContain(page.status);
      await expectNothingStored(before);
    });
  });
}

/** Problems this suite found, each fixed; kept so they stay fixed. */
describe('problems found by this suite', () => {
  async function mailbox() {
    return points['a mailbox message']!.setup('et');
  }

  // Fixed: src/domain/files.ts safeFileName kept bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C).
  it('bidi controls are taken out of a stored name, so “invoice\u202Efdp.pdf” cannot read as “invoicefdp.pdf” backwards', async () => {
    const point = await mailbox();
    expect((await upload(point, [{ name: 'invoice\u202Efdp.exe', contentType: 'application/pdf', content: samplePdf() }])).status).toBe(303);
    expect((await newestFile()).original_name).not.toMatch(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/);
  });

  // Fixed: src/http/plugins/errors.ts isMalformedMultipart missed busboy's "Part terminated early due to unexpected end of multipart data".
  it('a multipart body cut off in the middle of a file is a 400 (bad request), not a 500', async () => {
    const point = await mailbox();
    await point.uploader.browser.get(point.formPage);
    const { body, contentType } = multipartBody({
      fields: { _csrf: point.uploader.browser.csrfToken ?? '', ...point.fields },
      files: [{ name: 'pooleli.png', contentType: 'image/png', content: Buffer.concat([samplePng(), Buffer.alloc(50_000, 1)]) }],
    });
    const response = await t.app.inject({
      method: 'POST',
      url: point.url,
      headers: { cookie: point.uploader.browser.cookieHeader(), 'content-type': contentType },
      payload: body.subarray(0, body.length - 20_000),
    });
    expect(response.statusCode).toBe(400);
  });

  // Fixed: src/http/views/order-pages.tsx: the order thread's MessageForm got no form state, so a refused message lost its text and reason.
  it('a refused message on an order shows the reason at its file input and keeps the text', async () => {
    const point = await points['a message on an order']!.setup('et');
    const page = await upload(point, [forgedFiles()[0]!]);
    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'thread-files')).toBe(expectedType.et('arve.pdf', 'document'));
    expect(decode(page.body)).toContain(typed);
  });
});

// Fixed: src/use-cases/uploads.ts keepPhoto raised TOO_MANY_FILES without { max: 1 }.
describe('known upload bugs: photos', () => {
  it('two photos at once: the message names the limit (1), with no template left in it', async () => {
    const point = await points['an expert’s profile photo']!.setup('et');
    const png = { what: '', name: 'a.png', contentType: 'image/png', content: samplePng() };
    const page = await upload(point, [png, { ...png, name: 'b.png' }]);
    expect(fieldError(page.body, 'photo')).toBe('Korraga saab lisada kuni 1 faili.');
  });
});

// Fixed: src/http/routes/experts.routes.tsx (GET /experts/:id/photo) and expert-applications.routes.tsx
// (GET /expert-applications/:id/photo) send photos `inline`; an <img> shows an attachment just the same.
describe('photo downloads', () => {
  for (const where of ['an expert application’s photo', 'an expert’s profile photo']) {
    it(`${where} is downloaded as an attachment, like every other file`, async () => {
      const point = await points[where]!.setup('et');
      expect((await upload(point, [{ what: '', name: 'mina.png', contentType: 'image/png', content: samplePng() }])).status).toBe(303);
      await refresh(point);
      const download = await point.reader.browser.get(await linkFor(point, (await newestFile()).id));
      expect(download.status).toBe(200);
      expect(String(download.headers['content-disposition'])).toMatch(/^attachment;/);
    });
  }
});

describe('the ceiling', () => {
  it('far more files than any setting allows (41, beyond what the parser takes) is refused without a server error, nothing stored', async () => {
    const point = await points['a mailbox message']!.setup('et');
    const before = await snapshot();
    const many = Array.from({ length: 41 }, (_, i) => ({ what: '', name: `f${i}.pdf`, contentType: 'application/pdf', content: samplePdf() }));

    const page = await upload(point, many);

    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(page.status).toBeLessThan(500);
    await expectNothingStored(before);
  });

  it('with the setting at its ceiling (25 MB), one byte more is refused, nothing stored', async () => {
    await setLimits({ maxFileMegabytes: 25 });
    const alice = await person();
    const bob = await person();
    const id = await startConversation(t.deps.db, t.deps, { subject: 'Suur', memberIds: [alice.id, bob.id] });
    const page = `/mailbox/conversations/${id}`;
    await alice.browser.get(page);
    const before = await snapshot();

    const refused = await postMultipart(t.app, alice.browser, page, { fields: { body: typed }, files: [{ name: 'suur.pdf', contentType: 'application/pdf', content: pdfOfSize(25 * megabyte + 1) }] });

    expect(refused.status).toBe(422);
    expect(fieldError(refused.body, 'files')).toBe('Fail „suur.pdf” on liiga suur: lubatud on kuni 25 MB.');
    await expectNothingStored(before);
  });
});

