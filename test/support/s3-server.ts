import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver from 's3rver';
import type { FileStoreConfig } from '../../src/config.js';

/**
 * A local S3-compatible server for tests: s3rver (an S3 emulator keeping objects in a folder of
 * its own) behind a front that checks every request's AWS Signature Version 4 with AWS's own
 * signer, as S3 does, because s3rver accepts any V4 signature. A refused request never reaches
 * s3rver; the others are passed through, bodies streamed both ways.
 */
export type S3TestServer = {
  /** The address clients use: the verifying front. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** FILE_STORE and S3_* for loadConfig: the bucket under `prefix`. */
  env(prefix?: string): Record<string, string>;
  /** What loadConfig makes of env(prefix): the store's configuration. */
  config(prefix?: string): S3StoreConfig;
  /** Every object name in the bucket, sorted (listed by s3rver itself, not through the front). */
  objectKeys(): Promise<string[]>;
  /** An object's bytes as s3rver holds them; undefined when there is no such object. */
  objectBytes(name: string): Promise<Buffer | undefined>;
  /** "METHOD /path?query" of every request that reached the front, refused or not. */
  requests: string[];
  /** Stops the front and s3rver and removes s3rver's folder; clients get connection refused. */
  stop(): Promise<void>;
};

export type S3StoreConfig = Extract<FileStoreConfig, { kind: 's3' }>;

// s3rver's built-in account.
const accessKeyId = 'S3RVER';
const secretAccessKey = 'S3RVER';
const region = 'us-east-1';
/** The clock difference S3 tolerates between the signature's time and its own. */
const maxSkewMs = 15 * 60_000;

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? 'konsult-files';
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'konsult-s3-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const backendPort = (await s3rver.run()).port;
  const signer = new SignatureV4({ service: 's3', region, credentials: { accessKeyId, secretAccessKey }, sha256: Sha256, uriEscapePath: false });
  const requests: string[] = [];

  const front = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    // Like S3: an upload states its length up front (no chunked transfer encoding).
    if (req.method === 'PUT' && (req.headers['content-length'] === undefined || req.headers['transfer-encoding'] !== undefined)) {
      refuse(req, res, { status: 411, code: 'MissingContentLength', message: 'You must provide the Content-Length HTTP header.' });
      return;
    }
    void verify(signer, req).then(
      (refusal) => (refusal ? refuse(req, res, refusal) : pass(req, res, backendPort)),
      (error: unknown) => refuse(req, res, { status: 500, code: 'InternalError', message: String(error) }),
    );
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

  const config = (prefix = ''): S3StoreConfig => ({ kind: 's3', endpoint, bucket, prefix, region, accessKeyId, secretAccessKey, pathStyle: true });
  let stopped = false;
  return {
    endpoint,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    requests,
    config,
    env: (prefix = '') => ({
      FILE_STORE: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
      S3_ENDPOINT: endpoint,
      S3_REGION: region,
      S3_ACCESS_KEY_ID: accessKeyId,
      S3_SECRET_ACCESS_KEY: secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    async objectKeys() {
      const response = await fetch(`http://127.0.0.1:${backendPort}/${bucket}?list-type=2&max-keys=1000`);
      const xml = await response.text();
      if (!response.ok) throw new Error(`listing the bucket failed: ${response.status} ${xml}`);
      return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!)).sort();
    },
    async objectBytes(name) {
      const objectPath = name.split('/').map(encodeURIComponent).join('/');
      const response = await fetch(`http://127.0.0.1:${backendPort}/${bucket}/${objectPath}`);
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`reading ${name} failed: ${response.status}`);
      return Buffer.from(await response.arrayBuffer());
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      await s3rver.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

type Refusal = { status: number; code: string; message: string };

/**
 * Checks the Authorization header as S3 does: the key id, the scope, the time, and the signature
 * recomputed from the method, path, query and the headers the client says it signed.
 */
async function verify(signer: SignatureV4, req: http.IncomingMessage): Promise<Refusal | undefined> {
  const authorization = req.headers.authorization;
  if (!authorization) return { status: 403, code: 'AccessDenied', message: 'Access Denied' };
  const parts = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (!parts) return { status: 400, code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed.' };
  const [, keyId, scopeDate, scopeRegion, signedHeaderList, signature] = parts as unknown as string[];
  if (keyId !== accessKeyId) {
    return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  if (scopeRegion !== region) {
    return { status: 400, code: 'AuthorizationHeaderMalformed', message: `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'` };
  }
  const signedHeaders = signedHeaderList!.split(';');
  const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(req.headers['x-amz-date'] ?? ''));
  if (!amzDate || !signedHeaders.includes('x-amz-date') || !signedHeaders.includes('host') || amzDate[0].slice(0, 8) !== scopeDate) {
    return { status: 403, code: 'AccessDenied', message: 'AWS authentication requires a valid, signed Date or x-amz-date header and a signed Host header.' };
  }
  const [, year, month, day, hour, minute, second] = amzDate.map(Number) as number[];
  const signingDate = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  if (Math.abs(Date.now() - signingDate.getTime()) > maxSkewMs) {
    return { status: 403, code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.' };
  }

  const url = new URL(req.url ?? '/', 'http://front');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const earlier = query[name];
    query[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const expected = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: String(req.headers.host ?? '').replace(/:\d+$/, ''),
      // S3's canonical path is the path as sent (already URI-encoded once), hence uriEscapePath: false.
      path: (req.url ?? '/').split('?')[0]!,
      query,
      headers,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(expected.headers['authorization'] ?? '')?.[1] ?? '';
  if (expectedSignature.length !== signature!.length || !timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature!))) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  }
  return undefined;
}

/** An S3-style XML error; a refused request's body is read and dropped so the client is not cut off. */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, refusal: Refusal): void {
  req.resume();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message></Error>`;
  res.writeHead(refusal.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** Passes the request to s3rver as it came and streams the answer back. */
function pass(req: http.IncomingMessage, res: http.ServerResponse, backendPort: number): void {
  const upstream = http.request({ host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (res.headersSent) res.destroy();
    else refuse(req, res, { status: 502, code: 'BadGateway', message: 's3rver did not answer' });
  });
  req.pipe(upstream);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
