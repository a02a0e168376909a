import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDiskFileStore, type FileStore } from '../../src/adapters/file-store.js';
import { createS3FileStore } from '../../src/adapters/s3-file-store.js';
import { randomToken } from '../../src/adapters/tokens.js';
import { createExpert, createField } from '../support/experts.js';
import { createUser, loginAs } from '../support/factories.js';
import { dayFromNow } from '../support/inquiries.js';
import { postMultipart, samplePdf } from '../support/multipart.js';
import { startS3Server, type S3StoreConfig, type S3TestServer } from '../support/s3-server.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Where uploaded files are kept: this machine's disk (the default) or an S3-compatible store
 * shared by several web processes (FILE_STORE=s3://…). Both keep the same promises; the S3 store
 * is run against a local S3 server that checks request signatures as S3 does.
 */

const keyPattern = /^[A-Za-z0-9_-]{32}$/;
const prefix = 'konsult/uploads';

let s3: S3TestServer;
let folders: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
});

afterAll(async () => {
  await s3.stop();
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
  folders = [];
});

function newFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-store-'));
  folders.push(folder);
  return folder;
}

function s3Store(overrides: Partial<S3StoreConfig> = {}): FileStore {
  return createS3FileStore({ ...s3.config(prefix), ...overrides }, path.join(newFolder(), 'upload-tmp'));
}

/** An upload as the upload plugin leaves it: bytes in a fresh temporary path of the store. */
async function upload(store: FileStore, bytes: Buffer): Promise<string> {
  const tempPath = await store.tempPath();
  fs.writeFileSync(tempPath, bytes);
  return tempPath;
}

async function bytesOf(readable: Readable): Promise<Buffer> {
  return Buffer.concat((await readable.toArray()) as Buffer[]);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const invalidKeys = ['../../etc/passwd', 'short', `${'a'.repeat(32)}/x`, '', `${'a'.repeat(31)}.`, `${'a'.repeat(31)}%`, 'a'.repeat(33)];

describe.each([
  { kind: 'disk', open: () => createDiskFileStore(newFolder()) },
  { kind: 's3', open: () => s3Store() },
])('the $kind file store', ({ open }) => {
  it('gives back the exact bytes it kept: a 3 MB binary file, a one-byte file and an empty one', async () => {
    const store = open();
    const files = [randomBytes(3 * 1024 * 1024 + 5), Buffer.from([0]), Buffer.alloc(0)];
    const keys = [];
    for (const bytes of files) keys.push(await store.keep(await upload(store, bytes)));
    for (const [i, key] of keys.entries()) expect((await bytesOf(await store.read(key))).equals(files[i]!)).toBe(true);
  });

  it('gives every file a key of its own, 32 URL-safe characters, each reading back its own bytes', async () => {
    const store = open();
    const files = Array.from({ length: 5 }, (_, i) => Buffer.from(`faili sisu ${i}`));
    const keys = [];
    for (const bytes of files) keys.push(await store.keep(await upload(store, bytes)));
    for (const key of keys) expect(key).toMatch(keyPattern);
    expect(new Set(keys).size).toBe(files.length);
    for (const [i, key] of keys.entries()) expect((await bytesOf(await store.read(key))).toString()).toBe(`faili sisu ${i}`);
  });

  it('leaves no temporary file behind once a file is kept, and discards one that is not', async () => {
    const store = open();
    const kept = await upload(store, Buffer.from('hoitud'));
    await store.keep(kept);
    expect(fs.existsSync(kept)).toBe(false);

    const refused = await upload(store, Buffer.from('tagasi lükatud'));
    await store.discardTemp(refused);
    expect(fs.existsSync(refused)).toBe(false);
  });

  it('discards only its own temporary files', async () => {
    const store = open();
    const elsewhere = path.join(newFolder(), 'muu.txt');
    fs.writeFileSync(elsewhere, 'jääb alles');
    await store.discardTemp(elsewhere);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('jääb alles');
  });

  it('cannot read a file once it is removed; removing it again is no error', async () => {
    const store = open();
    const key = await store.keep(await upload(store, Buffer.from('kustutatav')));
    await store.remove(key);
    await expect(store.read(key)).rejects.toThrow();
    await expect(store.remove(key)).resolves.toBeUndefined();
  });

  it('rejects reading a key it never stored', async () => {
    await expect(open().read(randomToken(24))).rejects.toThrow();
  });

  it('refuses keys that are not of its own making', async () => {
    const store = open();
    for (const key of invalidKeys) {
      await expect(store.read(key)).rejects.toThrow('invalid file key');
      await expect(store.remove(key)).rejects.toThrow('invalid file key');
    }
  });

  it('is ready when it can be used', async () => {
    await expect(open().check()).resolves.toBeUndefined();
  });
});

describe('the S3 file store', () => {
  it('keeps the file in the bucket, under the configured prefix, and removes it from there', async () => {
    const store = s3Store();
    const bytes = randomBytes(64 * 1024);
    const key = await store.keep(await upload(store, bytes));

    expect(await s3.objectKeys()).toContain(`${prefix}/${key}`);
    expect((await s3.objectBytes(`${prefix}/${key}`))?.equals(bytes)).toBe(true);

    await store.remove(key);
    expect(await s3.objectKeys()).not.toContain(`${prefix}/${key}`);
  });

  it('keeps files at the top of the bucket when no prefix is configured', async () => {
    const store = s3Store({ prefix: '' });
    const key = await store.keep(await upload(store, Buffer.from('juurtasandil')));
    expect((await s3.objectBytes(key))?.toString()).toBe('juurtasandil');
  });

  it("addresses the bucket by host name when path style is off, as Amazon's endpoints expect", async () => {
    const store = s3Store({ endpoint: 'https://s3.eu-north-1.amazonaws.com', region: 'eu-north-1', pathStyle: false });
    const sent: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      sent.push(`${init?.method} ${String(input)}`);
      return new Response(null, { status: 204 });
    });
    const key = randomToken(24);
    await store.remove(key);
    await store.check();
    expect(sent).toEqual([
      `DELETE https://konsult-files.s3.eu-north-1.amazonaws.com/${prefix}/${key}`,
      'HEAD https://konsult-files.s3.eu-north-1.amazonaws.com/',
    ]);
  });

  it('sends nothing to S3 for a key that is not of its own making', async () => {
    const store = s3Store();
    const before = s3.requests.length;
    for (const key of invalidKeys) {
      await expect(store.read(key)).rejects.toThrow('invalid file key');
      await expect(store.remove(key)).rejects.toThrow('invalid file key');
    }
    expect(s3.requests.length).toBe(before);
  });

  it('with a wrong secret key is refused by S3, with an error naming the status and code but not the key', async () => {
    const secretAccessKey = 'wrong-secret-0123456789';
    const store = s3Store({ secretAccessKey });
    const objectsBefore = await s3.objectKeys();
    const tempPath = await upload(store, Buffer.from('ei jõua kohale'));

    const kept = store.keep(tempPath);
    await expect(kept).rejects.toThrow(/403 SignatureDoesNotMatch/);
    await expect(kept).rejects.not.toThrow(secretAccessKey);
    // The upload stays where the request's clean-up removes it; nothing reached the bucket.
    expect(fs.existsSync(tempPath)).toBe(true);
    expect(await s3.objectKeys()).toEqual(objectsBefore);

    await expect(store.check()).rejects.toThrow(/refused access to bucket "konsult-files" \(403\)/);
    await expect(store.read(randomToken(24))).rejects.toThrow(/403 SignatureDoesNotMatch/);
  });

  it('with an access key id S3 does not know is refused', async () => {
    const store = s3Store({ accessKeyId: 'NOSUCHKEY' });
    await expect(store.keep(await upload(store, Buffer.from('x')))).rejects.toThrow(/403 InvalidAccessKeyId/);
    await expect(store.check()).rejects.toThrow(/refused access/);
  });

  it('the test server refuses a request that is not signed', async () => {
    const response = await fetch(`${s3.endpoint}/${s3.bucket}?list-type=2`);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('is not ready when the endpoint cannot be reached', async () => {
    const store = s3Store({ endpoint: `http://127.0.0.1:${await closedPort()}` });
    await expect(store.check()).rejects.toThrow(/S3 endpoint 127\.0\.0\.1:\d+ cannot be reached: ECONNREFUSED/);
  });

  it('is not ready when the bucket does not exist, and says which bucket', async () => {
    const store = s3Store({ bucket: 'no-such-bucket' });
    await expect(store.check()).rejects.toThrow('S3 bucket "no-such-bucket" does not exist');
  });
});

describe('the portal with FILE_STORE=s3://…', () => {
  let t: TestApp;
  let appS3: S3TestServer;

  beforeEach(async () => {
    appS3 = await startS3Server({ bucket: 'portal-files' });
    t = await createTestApp({ env: appS3.env('portal') });
  });

  afterEach(async () => {
    await t.close();
    await appS3.stop();
  });

  /** A customer's field inquiry to one invited expert, with a PDF sent through the order form. */
  async function inquiryWithFile(content: Buffer) {
    const field = await createField(t);
    const customer = await createUser(t, { name: 'Kadri Klient' });
    const invited = await createExpert(t, { name: 'Indrek Kutsutud', fieldIds: [field.id] });
    const uninvited = await createExpert(t, { name: 'Urve Kutsumata', fieldIds: [field.id] });
    const browser = t.browser();
    await loginAs(browser, customer);
    await browser.get(`/inquiries/new?kind=consultation&field=${field.id}`);
    const sent = await postMultipart(t.app, browser, '/inquiries', {
      fields: {
        kind: 'consultation',
        fieldId: String(field.id),
        expertIds: [String(invited.id)],
        title: 'Üürileping',
        description: 'Palun vaadake leping üle.',
        deadline: dayFromNow(t, 7),
        wishedBy: '',
        language: 'et',
      },
      files: [{ name: 'üürileping.pdf', contentType: 'application/pdf', content }],
    });
    expect(sent.status).toBe(303);
    const inquiryId = Number(/^\/inquiries\/(\d+)$/.exec(sent.location ?? '')?.[1]);
    const file = await t.deps.db
      .selectFrom('inquiry_files')
      .innerJoin('files', 'files.id', 'inquiry_files.file_id')
      .select(['files.id', 'files.storage_key'])
      .where('inquiry_files.inquiry_id', '=', inquiryId)
      .executeTakeFirstOrThrow();
    return { invited, uninvited, href: `/inquiries/${inquiryId}/files/${file.id}`, storageKey: file.storage_key };
  }

  async function browserOf(user: { email: string; password: string }) {
    const browser = t.browser();
    await loginAs(browser, user);
    return browser;
  }

  it('keeps an uploaded file in S3, not on the disk; the invited expert downloads the same bytes, an uninvited one gets nothing', async () => {
    const content = samplePdf('Üürileping, 12 lehekülge');
    const { invited, uninvited, href, storageKey } = await inquiryWithFile(content);

    expect(await appS3.objectKeys()).toEqual([`portal/${storageKey}`]);
    expect((await appS3.objectBytes(`portal/${storageKey}`))?.equals(content)).toBe(true);
    expect(fs.existsSync(path.join(t.config.dataDir, 'files'))).toBe(false);
    // The upload's temporary copy is removed once the response is done (an onResponse hook).
    await expect.poll(() => fs.readdirSync(path.join(t.config.dataDir, 'upload-tmp')), { timeout: 2_000, interval: 10 }).toEqual([]);

    const download = await (await browserOf(invited)).get(href);
    expect(download.status).toBe(200);
    expect(download.response.rawPayload.equals(content)).toBe(true);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(String(download.headers['content-disposition'])).toMatch(/^attachment;/);

    const refused = await (await browserOf(uninvited)).get(href);
    expect(refused.status).toBe(404);
    expect(refused.response.rawPayload.includes(content)).toBe(false);
  });

  it('is not ready while S3 is down, and a download then is an error page, not a cut-off file', async () => {
    const { invited, href } = await inquiryWithFile(samplePdf('Kaebus'));
    const browser = await browserOf(invited);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    await appS3.stop();

    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable' });
    const download = await browser.get(href);
    expect(download.status).toBe(500);
    expect(download.headers['content-disposition']).toBeUndefined();
    expect(String(download.headers['content-type'])).toMatch(/^text\/html/);
  });
});
