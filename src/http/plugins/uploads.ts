import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FileStore } from '../../adapters/file-store.js';
import { uploadCeilings } from '../../domain/settings.js';
import type { UploadedPart } from '../../use-cases/uploads.js';


/**
 * multipart/form-data for forms with files. Each file streams to a temporary path (hashed and
 * counted on the way, never held in memory); text fields become plain strings on the body, so
 * CSRF checking and form parsing work as for any form. Leftover temporary files are removed
 * when the response is done.
 */
export async function registerUploads(app: FastifyInstance, fileStore: FileStore): Promise<void> {
  app.decorateRequest('uploads', undefined as unknown as UploadedPart[]);
  app.addHook('onRequest', async (request) => {
    request.uploads = [];
  });

  await app.register(fastifyMultipart, {
    attachFieldsToBody: true,
    throwFileSizeLimit: false,
    limits: {
      fileSize: uploadCeilings.maxBytes,
      // Generous here so a form with a few too many files can be shown again with a message;
      // the real limit is checked with the other fields.
      files: uploadCeilings.maxFiles * 4,
      fields: 30,
      fieldSize: 200 * 1024,
      parts: 60,
    },
    async onFile(this: FastifyRequest, part) {
      const tempPath = await fileStore.tempPath();
      const hash = createHash('sha256');
      let sizeBytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          sizeBytes += chunk.length;
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      const out = createWriteStream(tempPath);
      try {
        await pipeline(part.file, counter, out);
      } catch (error) {
        // The write stream opens its file lazily: wait until it is closed, or a file it opens
        // after the clean-up below would stay behind, empty, for good.
        if (!out.closed) await once(out, 'close').catch(() => undefined);
        // A cut-off upload (the client went away, a malformed body) is never recorded below:
        // remove its partial copy here, or it would stay in the temporary folder for good.
        await fileStore.discardTemp(tempPath);
        throw error;
      }
      // An empty file input still sends a part with no name and no bytes: not an upload.
      if (!part.filename && sizeBytes === 0) {
        await fileStore.discardTemp(tempPath);
        return;
      }
      this.uploads.push({
        fieldName: part.fieldname,
        fileName: part.filename,
        tempPath,
        sizeBytes,
        sha256: hash.digest('hex'),
        isTruncated: part.file.truncated,
      });
    },
  });

  // With attachFieldsToBody, each text field arrives as { value }: flatten to strings.
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const flat: Record<string, string | string[]> = {};
    for (const [name, entry] of Object.entries(body)) {
      const entries = Array.isArray(entry) ? entry : [entry];
      const values = entries
        .filter((e): e is { type: string; value: unknown } => typeof e === 'object' && e !== null && (e as { type?: unknown }).type === 'field')
        .map((e) => String(e.value));
      if (values.length === 1) flat[name] = values[0]!;
      else if (values.length > 1) flat[name] = values;
    }
    request.body = flat;
  });

  const discardUploads = async (request: FastifyRequest) => {
    for (const upload of request.uploads ?? []) await fileStore.discardTemp(upload.tempPath);
  };
  app.addHook('onResponse', discardUploads);
  // A client that goes away mid-request gets no response, so onResponse never runs for it.
  app.addHook('onRequestAbort', discardUploads);
}
