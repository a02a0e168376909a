import type { FastifyReply } from 'fastify';
import type { FileRow } from '../db/schema.js';
import type { Deps } from '../use-cases/deps.js';

/** A name for the Content-Disposition header: ASCII fallback plus the exact name (RFC 6266 / 5987). */
export function contentDisposition(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '') || 'file';
  // encodeURIComponent leaves ' ( ) * bare, which RFC 5987's attr-char does not allow.
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Streams a stored file, always as an attachment (an <img> shows one just the same), and nothing
 * in it can run: nosniff and a sandboxing CSP.
 * `name` replaces the uploaded file name where that name is nobody else's business.
 */
export async function sendStoredFile(
  reply: FastifyReply,
  deps: Pick<Deps, 'fileStore'>,
  file: FileRow,
  options: { cacheControl: string; name?: string },
): Promise<FastifyReply> {
  const body = await deps.fileStore.read(file.storage_key);
  return reply
    .header('content-type', file.content_type)
    .header('content-length', String(file.size_bytes))
    .header('content-disposition', contentDisposition(options.name ?? file.original_name))
    .header('cache-control', options.cacheControl)
    .header('content-security-policy', "default-src 'none'; sandbox")
    .send(body);
}
