import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConversation } from '../../src/use-cases/conversations.js';
import { type Browser, mainText, type Page } from '../support/browser.js';
import { emailsTo } from '../support/emails.js';
import { createUser } from '../support/factories.js';
import {
  type FilePart,
  postMultipart,
  sampleDocx,
  sampleElf,
  sampleExe,
  samplePdf,
  samplePng,
  sampleZip,
} from '../support/multipart.js';
import { fieldError, signedInUser } from '../support/pages.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const megabyte = 1024 * 1024;
const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

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

function threadPath(id: number): string {
  return `/mailbox/conversations/${id}`;
}

/** The attachments a thread shows: download path and the name on the link. */
function attachmentsOf(html: string): { href: string; name: string }[] {
  return [...html.matchAll(/<a href="(\/files\/\d+)" download(?:="[^"]*")?>([\s\S]*?)<\/a>/g)].map((m) => ({ href: m[1]!, name: decode(m[2]!) }));
}

function replyText(html: string): string | undefined {
  const text = /<textarea[^>]*\bname="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];
  return text === undefined ? undefined : decode(text);
}

/** Every file under a folder (recursively); none when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

const storeDir = () => path.join(t.config.dataDir, 'files');
const tempDir = () => path.join(storeDir(), 'tmp');

/** Files kept in the store (outside its temporary folder). */
function storedFiles(): string[] {
  return filesUnder(storeDir()).filter((file) => !file.startsWith(tempDir() + path.sep));
}

async function fileRows() {
  return t.deps.db.selectFrom('files').selectAll().orderBy('id').execute();
}

async function messageCount(): Promise<number> {
  const row = await t.deps.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * No upload is left in the temporary folder. They are removed once the response is done (an
 * onResponse hook), which may run a moment after the client has the answer: wait for it.
 */
async function expectNoTemporaryFiles() {
  await expect.poll(() => filesUnder(tempDir()), { timeout: 2_000, interval: 10 }).toEqual([]);
}

/** Nothing of a refused upload stays: no row, no stored file, no temporary file, no message. */
async function expectNothingStored() {
  expect(await fileRows()).toEqual([]);
  expect(await t.deps.db.selectFrom('message_files').selectAll().execute()).toEqual([]);
  expect(storedFiles()).toEqual([]);
  await expectNoTemporaryFiles();
  expect(await messageCount()).toBe(0);
}

async function pair() {
  const alice = await signedInUser(t, { name: 'Alice Allik', email: 'alice@example.ee' });
  const bob = await signedInUser(t, { name: 'Bob Biit', email: 'bob@example.ee' });
  const id = await startConversation(t.deps.db, t.deps, { subject: 'Dokumendid', memberIds: [alice.user.id, bob.user.id] });
  return { alice, bob, id };
}

/** Sends a reply with files from the thread's form, after loading it as a person would. */
async function send(browser: Browser, id: number, files: FilePart[], body = 'Manused on lisatud.', options: { csrf?: string | null } = {}): Promise<Page> {
  await browser.get(threadPath(id));
  return postMultipart(t.app, browser, threadPath(id), { fields: { body }, files }, options);
}

async function download(browser: Browser, href: string) {
  const page = await browser.get(href);
  return { page, bytes: page.response.rawPayload, headers: page.headers };
}

/** The name a browser saves a download under: filename* (RFC 5987) if there is one, else filename. */
function savedName(disposition: string): string {
  const extended = /filename\*=UTF-8''([^;\s]+)/i.exec(disposition)?.[1];
  if (extended) return decodeURIComponent(extended);
  return /filename="([^"]*)"/.exec(disposition)?.[1] ?? '';
}

const pdf = (name = 'leping.pdf'): FilePart => ({ name, contentType: 'application/pdf', content: samplePdf() });
const text = 'Tere! Õunad, šokolaad ja žürii — UTF-8 tekst.\n';

describe('sending files with a reply', () => {
  it('a PDF, a PNG and a UTF-8 text file are attached to the message, under their names', async () => {
    const { alice, bob, id } = await pair();

    const sent = await send(alice.browser, id, [
      pdf('leping.pdf'),
      { name: 'skaneering.png', contentType: 'image/png', content: samplePng() },
      { name: 'märkmed.txt', contentType: 'text/plain', content: Buffer.from(text, 'utf8') },
    ]);

    expect(sent.status).toBe(303);
    expect(sent.location).toBe(threadPath(id));
    const page = await bob.browser.get(threadPath(id));
    expect(attachmentsOf(page.body).map((a) => a.name)).toEqual(['leping.pdf', 'skaneering.png', 'märkmed.txt']);
    expect(mainText(page.body)).toContain('Manused on lisatud.');
    expect(storedFiles()).toHaveLength(3);
    await expectNoTemporaryFiles();
  });

  it('a member downloads the exact bytes, as an attachment, with the type found in the content and nosniff', async () => {
    const { alice, bob, id } = await pair();
    const files = {
      pdf: samplePdf('Allkirjastatud'),
      png: samplePng(),
      txt: Buffer.from(text, 'utf8'),
    };
    await send(alice.browser, id, [
      { name: 'leping.pdf', contentType: 'application/pdf', content: files.pdf },
      { name: 'pilt.png', contentType: 'image/png', content: files.png },
      { name: 'tekst.txt', contentType: 'text/plain', content: files.txt },
    ]);
    const links = attachmentsOf((await bob.browser.get(threadPath(id))).body);

    const expected = [
      { bytes: files.pdf, type: /^application\/pdf$/, name: 'leping.pdf' },
      { bytes: files.png, type: /^image\/png$/, name: 'pilt.png' },
      { bytes: files.txt, type: /^text\/plain(; ?charset=utf-8)?$/i, name: 'tekst.txt' },
    ];
    for (const [i, want] of expected.entries()) {
      for (const browser of [bob.browser, alice.browser]) {
        const { page, bytes, headers } = await download(browser, links[i]!.href);
        expect(page.status).toBe(200);
        expect(bytes.equals(want.bytes)).toBe(true);
        expect(headers['content-type']).toMatch(want.type);
        expect(headers['content-length']).toBe(String(want.bytes.length));
        expect(headers['x-content-type-options']).toBe('nosniff');
        expect(String(headers['content-disposition'])).toMatch(/^attachment;/);
        expect(savedName(String(headers['content-disposition']))).toBe(want.name);
        expect(headers['cache-control']).toBe('private, no-store');
      }
    }
  });

  it('keeps the file’s SHA-256 and size as uploaded', async () => {
    const { alice, id } = await pair();
    const content = samplePdf('Kontroll');

    await send(alice.browser, id, [{ name: 'a.pdf', contentType: 'application/pdf', content }]);

    const [row] = await fileRows();
    expect(row?.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(row?.size_bytes).toBe(content.length);
    expect(row?.uploaded_by).toBe(alice.user.id);
  });

  it('a real Word document (DOCX) is accepted as one', async () => {
    const { alice, bob, id } = await pair();
    const content = sampleDocx();

    const sent = await send(alice.browser, id, [{ name: 'hagi.docx', contentType: docxType, content }]);

    expect(sent.status).toBe(303);
    const [link] = attachmentsOf((await bob.browser.get(threadPath(id))).body);
    expect(link?.name).toBe('hagi.docx');
    const { bytes, headers } = await download(bob.browser, link!.href);
    expect(bytes.equals(content)).toBe(true);
    expect(headers['content-type']).toBe(docxType);
  });

  it('five files in one reply are accepted', async () => {
    const { alice, id } = await pair();

    const sent = await send(alice.browser, id, [1, 2, 3, 4, 5].map((n) => pdf(`osa-${n}.pdf`)));

    expect(sent.status).toBe(303);
    expect(await fileRows()).toHaveLength(5);
  });

  it('a file of exactly 10 MB is accepted and comes back whole', async () => {
    const { alice, bob, id } = await pair();
    const head = samplePdf();
    const content = Buffer.concat([head, Buffer.alloc(10 * megabyte - head.length, 0x20)]);

    const sent = await send(alice.browser, id, [{ name: 'suur.pdf', contentType: 'application/pdf', content }]);

    expect(sent.status).toBe(303);
    const [link] = attachmentsOf((await bob.browser.get(threadPath(id))).body);
    const { bytes } = await download(bob.browser, link!.href);
    expect(bytes.length).toBe(10 * megabyte);
    expect(bytes.equals(content)).toBe(true);
    await expectNoTemporaryFiles();
  });

  it('a browser’s empty file input (no file chosen) is no attachment', async () => {
    const { alice, id } = await pair();

    const sent = await send(alice.browser, id, [{ name: '', contentType: 'application/octet-stream', content: Buffer.alloc(0) }], 'Ainult tekst');

    expect(sent.status).toBe(303);
    expect(await fileRows()).toEqual([]);
    await expectNoTemporaryFiles();
  });

  it('the other member is e-mailed once, without the files', async () => {
    const { alice, id } = await pair();

    await send(alice.browser, id, [pdf('salajane-leping.pdf')]);

    const emails = await emailsTo(t, 'bob@example.ee');
    expect(emails).toHaveLength(1);
    expect(emails[0]?.text_body).not.toContain('salajane-leping');
    expect(emails[0]?.html_body).not.toContain('salajane-leping');
  });
});

describe('file names', () => {
  async function sentName(file: FilePart) {
    const { alice, bob, id } = await pair();
    const sent = await send(alice.browser, id, [file]);
    expect(sent.status).toBe(303);
    const [link] = attachmentsOf((await bob.browser.get(threadPath(id))).body);
    const { headers } = await download(bob.browser, link!.href);
    return { shown: link!.name, disposition: String(headers['content-disposition']) };
  }

  /** RFC 6266/5987: a plain quoted ASCII name, and filename* with only attr-chars and %XX. */
  function expectWellFormed(disposition: string) {
    expect(disposition).not.toMatch(/[\r\n\u0000-\u001f\u007f]/);
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x21\x23-\x5b\x5d-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
  }

  it('a path in the name is dropped: ../../etc/passwd.pdf is saved as passwd.pdf', async () => {
    const { shown, disposition } = await sentName(pdf('../../etc/passwd.pdf'));

    expect(shown).toBe('passwd.pdf');
    expectWellFormed(disposition);
    expect(savedName(disposition)).toBe('passwd.pdf');
  });

  it('a Windows path too: ..\\..\\Windows\\system.ini.pdf', async () => {
    const { shown } = await sentName(pdf('..\\..\\Windows\\system.ini.pdf'));

    expect(shown).toBe('system.ini.pdf');
  });

  it('quotes and control characters are removed: a"b<TAB><BEL>.pdf becomes ab.pdf', async () => {
    const { shown, disposition } = await sentName({ ...pdf('a"b\t\u0007.pdf'), nameEncoding: 'rfc5987' });

    expect(shown).toBe('ab.pdf');
    expectWellFormed(disposition);
    expect(savedName(disposition)).toBe('ab.pdf');
  });

  it('a"b\\r\\n.pdf as a browser sends it (percent-escaped) stays harmless text', async () => {
    const { shown, disposition } = await sentName(pdf('a"b\r\n.pdf'));

    expect(shown).toBe('a%22b%0D%0A.pdf');
    expectWellFormed(disposition);
    expect(savedName(disposition)).toBe('a%22b%0D%0A.pdf');
  });

  it('a"b\\r\\n.pdf with raw line breaks from a hand-made client never reaches storage or a header', async () => {
    const { alice, id } = await pair();

    const sent = await send(alice.browser, id, [{ ...pdf('a"b\r\n.pdf'), nameEncoding: 'rfc5987' }], 'Rida');

    // The multipart parser drops a part whose name holds a bare line break; the text still goes.
    expect(sent.status).toBe(303);
    expect(await fileRows()).toEqual([]);
    expect(storedFiles()).toEqual([]);
    await expectNoTemporaryFiles();
  });

  it('an Estonian name is kept, and sent RFC 5987-encoded with an ASCII fallback', async () => {
    const { shown, disposition } = await sentName(pdf('Õie leping.pdf'));

    expect(shown).toBe('Õie leping.pdf');
    expectWellFormed(disposition);
    expect(disposition).toBe(`attachment; filename="Oie leping.pdf"; filename*=UTF-8''%C3%95ie%20leping.pdf`);
    expect(savedName(disposition)).toBe('Õie leping.pdf');
  });

  it('a name in decomposed Unicode (as macOS sends it) is kept composed', async () => {
    const { shown } = await sentName(pdf('O\u0303ie.pdf'));

    expect(shown).toBe('Õie.pdf');
  });

  it("characters RFC 5987 does not allow bare (' ( ) *) are percent-encoded", async () => {
    const { shown, disposition } = await sentName(pdf("Leping (koopia) 'v2' *.pdf"));

    expect(shown).toBe("Leping (koopia) 'v2' .pdf");
    expectWellFormed(disposition);
    expect(savedName(disposition)).toBe("Leping (koopia) 'v2' .pdf");
  });

  it('leading dots are dropped: .htaccess.pdf becomes htaccess.pdf', async () => {
    const { shown } = await sentName(pdf('...htaccess.pdf'));

    expect(shown).toBe('htaccess.pdf');
  });

  it('a very long name is shortened, keeping its extension', async () => {
    const { shown } = await sentName(pdf(`${'pikk-nimi-'.repeat(40)}.pdf`));

    expect(shown.length).toBeLessThanOrEqual(200);
    expect(shown).toMatch(/^pikk-nimi-.*\.pdf$/);
  });

  it('markup in a name is shown as text', async () => {
    const { alice, bob, id } = await pair();
    await send(alice.browser, id, [pdf('<img src=x onerror=alert(1)>.pdf')]);

    const page = await bob.browser.get(threadPath(id));

    expect(page.body).not.toContain('<img src=x');
  });

  it('a name with a wrong extension gets the real type’s: a PNG called scan.pdf (claimed application/pdf) is kept as image/png, scan.png', async () => {
    const { alice, bob, id } = await pair();
    const content = samplePng();

    const sent = await send(alice.browser, id, [{ name: 'scan.pdf', contentType: 'application/pdf', content }]);

    expect(sent.status).toBe(303);
    const [link] = attachmentsOf((await bob.browser.get(threadPath(id))).body);
    expect(link?.name).toBe('scan.png');
    const { bytes, headers } = await download(bob.browser, link!.href);
    expect(headers['content-type']).toBe('image/png');
    expect(savedName(String(headers['content-disposition']))).toBe('scan.png');
    expect(bytes.equals(content)).toBe(true);
  });

  it('a name without an extension gets one from the type', async () => {
    const { shown } = await sentName({ name: 'leping', contentType: 'application/octet-stream', content: samplePdf() });

    expect(shown).toBe('leping.pdf');
  });
});

describe('refused uploads', () => {
  const forged: { what: string; file: FilePart }[] = [
    {
      what: 'an HTML page renamed .pdf',
      file: { name: 'arve.pdf', contentType: 'application/pdf', content: Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>') },
    },
    { what: 'a Linux program (ELF) renamed .pdf', file: { name: 'leping.pdf', contentType: 'application/pdf', content: sampleElf() } },
    { what: 'a Windows program (EXE) renamed .pdf', file: { name: 'leping.pdf', contentType: 'application/pdf', content: sampleExe() } },
    { what: 'a Windows program (EXE) renamed .txt', file: { name: 'loe.txt', contentType: 'text/plain', content: sampleExe() } },
    { what: 'a ZIP archive named .docx that is not a Word document', file: { name: 'hagi.docx', contentType: docxType, content: sampleZip({ 'payload.exe': 'MZ', 'readme.txt': 'hi' }) } },
    { what: 'text that is not UTF-8 named .txt', file: { name: 'vana.txt', contentType: 'text/plain', content: Buffer.from([0x54, 0x65, 0x72, 0x65, 0x20, 0xf5, 0x75, 0x6e, 0x61, 0xff, 0xfe]) } },
    { what: 'an SVG image (can carry script)', file: { name: 'pilt.svg', contentType: 'image/svg+xml', content: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') } },
  ];

  it.each(forged)('$what: 422 with a clear message at the files field, the text kept, nothing stored', async ({ file }) => {
    const { alice, id } = await pair();

    const page = await send(alice.browser, id, [file], 'Minu sõnum jääb alles');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'files')).toBe(`Faili „${file.name}” tüüpi ei saa lisada. Lubatud on PDF, DOCX, ODT, tekst, PNG, JPEG ja WebP.`);
    expect(replyText(page.body)).toBe('Minu sõnum jääb alles');
    await expectNothingStored();
    expect(await emailsTo(t, 'bob@example.ee')).toHaveLength(0);
  });

  it('one bad file among good ones refuses the whole reply and keeps none of them', async () => {
    const { alice, id } = await pair();

    const page = await send(alice.browser, id, [pdf('hea.pdf'), { name: 'halb.pdf', contentType: 'application/pdf', content: sampleElf() }, pdf('teine.pdf')]);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'files')).toContain('halb.pdf');
    await expectNothingStored();
  });

  it('more than 5 files: 422 with the limit named, nothing stored', async () => {
    const { alice, id } = await pair();

    const page = await send(alice.browser, id, [1, 2, 3, 4, 5, 6].map((n) => pdf(`osa-${n}.pdf`)));

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'files')).toBe('Korraga saab lisada kuni 5 faili.');
    expect(replyText(page.body)).toBe('Manused on lisatud.');
    await expectNothingStored();
  });

  it('a file over 10 MB: 422 FILE_TOO_LARGE, and its temporary copy is not left behind', async () => {
    const { alice, id } = await pair();
    const head = samplePdf();
    const content = Buffer.concat([head, Buffer.alloc(10 * megabyte + 1 - head.length, 0x20)]);

    const page = await send(alice.browser, id, [{ name: 'liiga-suur.pdf', contentType: 'application/pdf', content }], 'Suur fail');

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'files')).toBe('Fail „liiga-suur.pdf” on liiga suur: lubatud on kuni 10 MB.');
    expect(replyText(page.body)).toBe('Suur fail');
    await expectNothingStored();
  });

  it('a file far over 10 MB (25 MB) is refused the same way', async () => {
    const { alice, id } = await pair();

    const page = await send(alice.browser, id, [{ name: 'hiiglane.txt', contentType: 'text/plain', content: Buffer.alloc(25 * megabyte, 0x61) }]);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'files')).toBe('Fail „hiiglane.txt” on liiga suur: lubatud on kuni 10 MB.');
    await expectNothingStored();
  });

  it('an empty file: 422 with a message, nothing stored', async () => {
    const { alice, id } = await pair();

    const page = await send(alice.browser, id, [{ name: 'tühi.txt', contentType: 'text/plain', content: Buffer.alloc(0) }]);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'files')).toBe('Fail „tühi.txt” on tühi.');
    await expectNothingStored();
  });

  it('the message is in the reader’s language', async () => {
    const alice = await signedInUser(t, { locale: 'en' });
    const id = await startConversation(t.deps.db, t.deps, { subject: 'Files', memberIds: [alice.user.id, (await createUser(t)).id] });

    const page = await send(alice.browser, id, [{ name: 'x.pdf', contentType: 'application/pdf', content: sampleElf() }]);

    expect(page.status).toBe(422);
    expect(fieldError(page.body, 'files')).toMatch(/x\.pdf/);
    expect(fieldError(page.body, 'files')).not.toContain('Faili');
  });

  it('a multipart post without the CSRF token: 403, nothing stored', async () => {
    const { alice, id } = await pair();

    const page = await send(alice.browser, id, [pdf(), { name: 'p.png', contentType: 'image/png', content: samplePng() }], 'Ilma tokenita', { csrf: null });

    expect(page.status).toBe(403);
    expect(mainText(page.body)).toContain('Vormi ei saanud saata');
    await expectNothingStored();
  });

  it('a multipart post with a wrong CSRF token: 403, nothing stored', async () => {
    const { alice, id } = await pair();

    const page = await send(alice.browser, id, [pdf()], 'Vale token', { csrf: 'x'.repeat(43) });

    expect(page.status).toBe(403);
    await expectNothingStored();
  });

  it('an upload cut off midway (the client goes away) leaves no temporary file behind, nor a message', async () => {
    const { alice, id } = await pair();
    await alice.browser.get(threadPath(id));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as net.AddressInfo;
    const boundary = 'KonsultCutOff';
    const part = (name: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: application/pdf\r\n\r\n`;
    const start = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${alice.browser.csrfToken}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\nPooleli\r\n`),
      Buffer.from(part('terve.pdf')),
      samplePdf(),
      Buffer.from(`\r\n${part('pooleli.pdf')}`),
      samplePdf(),
      Buffer.alloc(200_000, 0x20),
    ]);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.write(
      `POST ${threadPath(id)} HTTP/1.1\r\nHost: konsult.test\r\nCookie: ${alice.browser.cookieHeader()}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${start.length + 5 * megabyte}\r\n\r\n`,
    );
    socket.write(start);
    // Both files have reached the temporary folder (the second still growing) …
    await expect.poll(() => filesUnder(tempDir()).length, { timeout: 5_000, interval: 10 }).toBe(2);

    socket.destroy();

    // … and once the connection is gone, neither stays.
    await expectNoTemporaryFiles();
    expect(storedFiles()).toEqual([]);
    expect(await fileRows()).toEqual([]);
    expect(await messageCount()).toBe(0);
  });

  it('an outsider’s upload to a conversation: 404, nothing stored', async () => {
    const { id } = await pair();
    const { browser: mallory } = await signedInUser(t);
    await mallory.get('/my');

    const page = await postMultipart(t.app, mallory, threadPath(id), { fields: { body: 'Sissetung' }, files: [pdf()] });

    expect(page.status).toBe(404);
    await expectNothingStored();
  });
});

describe('who can download', () => {
  async function sharedFile() {
    const { alice, bob, id } = await pair();
    await send(alice.browser, id, [pdf('konfidentsiaalne.pdf')]);
    const [link] = attachmentsOf((await alice.browser.get(threadPath(id))).body);
    return { alice, bob, id, href: link!.href };
  }

  it('a signed-in outsider gets “not found” (404) for every file id, the same page as for a missing one', async () => {
    const { alice, id } = await sharedFile();
    await send(alice.browser, id, [pdf('teine.pdf'), { name: 'p.png', contentType: 'image/png', content: samplePng() }]);
    const { browser: mallory } = await signedInUser(t);
    const missing = await mallory.get('/files/1000');
    expect(missing.status).toBe(404);

    for (let guess = 1; guess <= 3; guess += 1) {
      const page = await mallory.get(`/files/${guess}`);
      expect(page.status, `file ${guess}`).toBe(404);
      expect(page.headers['content-disposition']).toBeUndefined();
      expect(mainText(page.body)).toBe(mainText(missing.body));
    }
  });

  it('a member of another conversation cannot reach this one’s files either', async () => {
    const { href } = await sharedFile();
    const carol = await signedInUser(t);
    const dave = await createUser(t);
    const other = await startConversation(t.deps.db, t.deps, { subject: 'Muu', memberIds: [carol.user.id, dave.id] });
    await send(carol.browser, other, [pdf('caroli.pdf')]);

    expect((await carol.browser.get(href)).status).toBe(404);
  });

  it('an anonymous visitor is sent to sign in', async () => {
    const { href } = await sharedFile();

    const page = await t.browser().get(href);

    expect(page.status).toBe(303);
    expect(page.location).toBe(`/login?next=${encodeURIComponent(href)}`);
  });

  it.each(['abc', '0', '-1', '99999999999', '1.5'])('a malformed id “%s” is “not found” (404)', async (id) => {
    const { alice } = await sharedFile();

    expect((await alice.browser.get(`/files/${id}`)).status).toBe(404);
  });

  it('a text file that holds HTML is served as a plain-text download, never as a page', async () => {
    const { alice, bob, id } = await pair();
    const html = '<!doctype html><script>alert(document.cookie)</script>';
    await send(alice.browser, id, [{ name: 'leht.txt', contentType: 'text/html', content: Buffer.from(html) }]);
    const [link] = attachmentsOf((await bob.browser.get(threadPath(id))).body);

    const { headers, bytes } = await download(bob.browser, link!.href);

    expect(headers['content-type']).toMatch(/^text\/plain/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(String(headers['content-disposition'])).toMatch(/^attachment;/);
    expect(String(headers['content-security-policy'])).toContain('sandbox');
    expect(bytes.toString()).toBe(html);
  });
});
