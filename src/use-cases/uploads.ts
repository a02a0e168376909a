import { open } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import { iso } from '../adapters/clock.js';
import type { FileStore } from '../adapters/file-store.js';
import { insertFile } from '../db/repositories/mailbox-repository.js';
import type { Executor } from '../db/repositories/user-repository.js';
import { DomainError } from '../domain/errors.js';
import { photoTypes, profileLimits } from '../domain/experts.js';
import { allowedFileTypes, safeFileName, type FileProblem } from '../domain/files.js';
import { uploadLimitsOf } from '../domain/settings.js';
import type { Deps } from './deps.js';

type UploadLimits = { maxBytes: number; maxFiles: number };

/** An uploaded file, streamed to a temporary path by the HTTP layer and not yet checked. */
export type UploadedPart = {
  fieldName: string;
  fileName: string;
  tempPath: string;
  sizeBytes: number;
  sha256: string;
  /** True when the file was larger than the limit (only its beginning was kept). */
  isTruncated: boolean;
};

/** A checked upload moved into the file store, ready to be recorded. */
export type KeptFile = { key: string; originalName: string; contentType: string; sizeBytes: number; sha256: string };

const textSniffBytes = 64 * 1024;

/** Plain text: valid UTF-8 without NUL bytes in its first 64 KiB (file-type cannot tell text). */
async function looksLikeText(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(textSniffBytes);
    const { bytesRead } = await handle.read(buffer, 0, textSniffBytes, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.includes(0)) return false;
    // A multi-byte character may be cut at the end of the sample: drop up to 3 trailing bytes.
    for (let cut = 0; cut <= Math.min(3, head.length); cut += 1) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
        return true;
      } catch {
        // try a shorter sample
      }
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** The content type of a file, decided by its bytes; undefined when it is not an allowed type. */
export async function sniffContentType(path: string, fileName: string): Promise<string | undefined> {
  const detected = await fileTypeFromFile(path);
  if (detected) return Object.hasOwn(allowedFileTypes, detected.mime) ? detected.mime : undefined;
  if (fileName.toLowerCase().endsWith('.txt') && (await looksLikeText(path))) return 'text/plain';
  return undefined;
}

function problem(field: string, code: FileProblem, params: Record<string, string | number> = {}): DomainError {
  return new DomainError('VALIDATION', { fields: { [field]: code }, params });
}

/**
 * Checks uploads (count, size, real type by content) and moves them into the store. Throws
 * VALIDATION naming the first problem; on any failure nothing stays in the store.
 */
export async function keepUploads(fileStore: FileStore, uploads: UploadedPart[], limits: UploadLimits, field = 'files'): Promise<KeptFile[]> {
  if (uploads.length > limits.maxFiles) throw problem(field, 'TOO_MANY_FILES', { max: limits.maxFiles });
  const checked: { upload: UploadedPart; contentType: string }[] = [];
  for (const upload of uploads) {
    if (upload.isTruncated || upload.sizeBytes > limits.maxBytes) throw problem(field, 'FILE_TOO_LARGE', { name: upload.fileName, mb: Math.round(limits.maxBytes / 1024 / 1024) });
    if (upload.sizeBytes === 0) throw problem(field, 'FILE_EMPTY', { name: upload.fileName });
    const contentType = await sniffContentType(upload.tempPath, upload.fileName);
    if (!contentType) throw problem(field, 'FILE_TYPE_NOT_ALLOWED', { name: upload.fileName });
    checked.push({ upload, contentType });
  }
  const kept: KeptFile[] = [];
  try {
    for (const { upload, contentType } of checked) {
      const key = await fileStore.keep(upload.tempPath);
      kept.push({ key, originalName: safeFileName(upload.fileName, contentType), contentType, sizeBytes: upload.sizeBytes, sha256: upload.sha256 });
    }
  } catch (error) {
    await discardKept(fileStore, kept);
    throw error;
  }
  return kept;
}

/**
 * Checks a profile photo (one JPEG, PNG or WebP image by content, at most 5 MB) and moves it into
 * the store. Throws VALIDATION on the `photo` field; nothing stays in the store on failure.
 */
export async function keepPhoto(fileStore: FileStore, uploads: UploadedPart[]): Promise<KeptFile | undefined> {
  if (uploads.length === 0) return undefined;
  if (uploads.length > 1) throw problem('photo', 'TOO_MANY_FILES', { max: 1 });
  const upload = uploads[0]!;
  if (upload.isTruncated || upload.sizeBytes > profileLimits.photoMaxBytes) throw new DomainError('VALIDATION', { fields: { photo: 'photoTooLarge' } });
  if (upload.sizeBytes === 0) throw problem('photo', 'FILE_EMPTY', { name: upload.fileName });
  const contentType = await sniffContentType(upload.tempPath, upload.fileName);
  if (!contentType || !(photoTypes as readonly string[]).includes(contentType)) throw new DomainError('VALIDATION', { fields: { photo: 'photoType' } });
  const key = await fileStore.keep(upload.tempPath);
  return { key, originalName: safeFileName(upload.fileName, contentType), contentType, sizeBytes: upload.sizeBytes, sha256: upload.sha256 };
}

/** Runs `write` with the checked photo (if one was sent) kept in the store; it is removed again if the write fails. */
export async function withPhoto<T>(fileStore: FileStore, uploads: UploadedPart[], write: (photo: KeptFile | undefined) => Promise<T>): Promise<T> {
  const photo = await keepPhoto(fileStore, uploads);
  try {
    return await write(photo);
  } catch (error) {
    if (photo) await discardKept(fileStore, [photo]);
    throw error;
  }
}

/** Runs `write` with the checked uploads kept in the store; they are removed again if the write fails. */
export async function withUploads<T>(
  deps: Pick<Deps, 'fileStore' | 'settings'>,
  uploads: UploadedPart[],
  write: (kept: KeptFile[]) => Promise<T>,
  field = 'files',
): Promise<T> {
  const { fileStore } = deps;
  const kept = await keepUploads(fileStore, uploads, uploadLimitsOf(deps.settings.current()), field);
  try {
    return await write(kept);
  } catch (error) {
    await discardKept(fileStore, kept);
    throw error;
  }
}

/** Removes kept files again (the transaction that would have recorded them failed). */
export async function discardKept(fileStore: FileStore, kept: KeptFile[]): Promise<void> {
  for (const file of kept) await fileStore.remove(file.key);
}

/** Records kept files in the database (inside the caller's transaction); returns their ids. */
export async function recordFiles(db: Executor, kept: KeptFile[], uploadedBy: number, now: Date): Promise<number[]> {
  const ids: number[] = [];
  for (const file of kept) {
    ids.push(
      await insertFile(db, {
        storage_key: file.key,
        original_name: file.originalName,
        content_type: file.contentType,
        size_bytes: file.sizeBytes,
        sha256: file.sha256,
        uploaded_by: uploadedBy,
        created_at: iso(now),
      }),
    );
  }
  return ids;
}
