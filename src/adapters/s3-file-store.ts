import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { AwsV4Signer } from 'aws4fetch';
import type { FileStoreConfig } from '../config.js';
import { keyPattern, localTempFiles, type FileStore } from './file-store.js';
import { randomToken } from './tokens.js';

/** How long S3 has to answer a request (for a download: to start answering). */
const answerTimeoutMs = 30_000;
/** How long one upload may take: up to 25 MB, so a slow link still gets through. */
const uploadTimeoutMs = 120_000;
/** Readiness is asked often and must answer fast. */
const checkTimeoutMs = 5_000;

type S3Config = Extract<FileStoreConfig, { kind: 's3' }>;

/**
 * Uploaded files in an S3-compatible object store (FILE_STORE=s3://bucket/prefix), so that
 * several web processes on several machines share them. Uploads still stream to a temporary
 * file on this machine's disk first (under `tempRoot`), where they are checked; `keep` then
 * sends the checked file to the bucket and removes the local copy. Requests are signed with
 * AWS Signature Version 4 (UNSIGNED-PAYLOAD: the body streams, it is not hashed first), and
 * error messages name the S3 status and error code, never the keys.
 */
export function createS3FileStore(config: S3Config, tempRoot: string): FileStore {
  if (config.prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new Error(`FILE_STORE prefix "${config.prefix}" must not contain "." or ".." segments`);
  }
  const endpoint = new URL(config.endpoint);
  const bucketUrl = config.pathStyle
    ? `${config.endpoint}/${config.bucket}`
    : `${endpoint.protocol}//${config.bucket}.${endpoint.host}${endpoint.pathname.replace(/\/+$/, '')}`;
  const objectName = (key: string) => {
    if (!keyPattern.test(key)) throw new Error('invalid file key');
    return config.prefix ? `${config.prefix}/${key}` : key;
  };
  const objectUrl = (key: string) => `${bucketUrl}/${objectName(key).split('/').map(encodeURIComponent).join('/')}`;

  /** One signed request; `body` streams (Node's fetch wants `duplex: 'half'` for that). */
  async function send(method: string, url: string, options: { signal: AbortSignal; headers?: Record<string, string>; body?: ReadableStream }) {
    const signed = await new AwsV4Signer({
      method,
      url,
      headers: options.headers ?? {},
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      service: 's3',
      region: config.region,
    }).sign();
    const init: RequestInit & { duplex?: 'half' } = { method, headers: signed.headers, signal: options.signal };
    if (options.body) {
      init.body = options.body;
      init.duplex = 'half';
    }
    return fetch(signed.url, init);
  }

  /** An Error for a refused request, with the status and S3's error code from the XML body. */
  async function failure(response: Response, operation: string, name: string): Promise<Error> {
    const text = await response.text().catch(() => '');
    const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
    return new Error(`S3 ${operation} of "${name}" in bucket "${config.bucket}" failed: ${response.status}${code ? ` ${code}` : ''}`);
  }

  return {
    ...localTempFiles(tempRoot),

    async keep(tempPath) {
      const key = randomToken(24);
      const url = objectUrl(key);
      const file = await fs.open(tempPath, 'r');
      try {
        const { size } = await file.stat();
        // Streamed from disk with its length up front: S3 refuses a PUT without Content-Length.
        const body = Readable.toWeb(file.createReadStream({ autoClose: false })) as ReadableStream;
        const response = await send('PUT', url, {
          headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
          body,
          signal: AbortSignal.timeout(uploadTimeoutMs),
        });
        if (!response.ok) throw await failure(response, 'PutObject', objectName(key));
        await response.body?.cancel();
      } finally {
        await file.close();
      }
      await fs.rm(tempPath, { force: true });
      return key;
    },

    async read(key) {
      const url = objectUrl(key);
      // The timeout covers getting an answer; the download to the browser then takes as long as
      // it takes (a stalled S3 connection is ended by fetch's own body timeout).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`S3 GetObject timed out after ${answerTimeoutMs} ms`)), answerTimeoutMs);
      let response: Response;
      try {
        response = await send('GET', url, { signal: controller.signal });
      } finally {
        clearTimeout(timer);
      }
      if (!response.ok || !response.body) throw await failure(response, 'GetObject', objectName(key));
      return Readable.fromWeb(response.body as NodeReadableStream);
    },

    async remove(key) {
      const response = await send('DELETE', objectUrl(key), { signal: AbortSignal.timeout(answerTimeoutMs) });
      if (!response.ok && response.status !== 404) throw await failure(response, 'DeleteObject', objectName(key));
      await response.body?.cancel();
    },

    async check() {
      await fs.mkdir(tempRoot, { recursive: true });
      await fs.access(tempRoot, fs.constants.W_OK);
      let response: Response;
      try {
        response = await send('HEAD', bucketUrl, { signal: AbortSignal.timeout(checkTimeoutMs) });
      } catch (error) {
        const reason = error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.message) : String(error);
        throw new Error(`S3 endpoint ${endpoint.host} cannot be reached: ${reason}`);
      }
      await response.body?.cancel();
      if (response.ok) return;
      if (response.status === 404) throw new Error(`S3 bucket "${config.bucket}" does not exist at ${endpoint.host}`);
      if (response.status === 403) {
        throw new Error(`S3 refused access to bucket "${config.bucket}" (403): check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY`);
      }
      const region = response.headers.get('x-amz-bucket-region');
      throw new Error(`S3 HeadBucket of "${config.bucket}" answered ${response.status}${region ? ` (the bucket is in region ${region})` : ''}`);
    },
  };
}
