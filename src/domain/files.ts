/**
 * What may be uploaded: documents and images people send experts (and experts deliver).
 * The type is decided by the file's content, never by its name or the browser's claim.
 */
export const allowedFileTypes: Record<string, { extensions: readonly string[] }> = {
  'application/pdf': { extensions: ['pdf'] },
  'image/png': { extensions: ['png'] },
  'image/jpeg': { extensions: ['jpg', 'jpeg'] },
  'image/webp': { extensions: ['webp'] },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { extensions: ['docx'] },
  'application/vnd.oasis.opendocument.text': { extensions: ['odt'] },
  'text/plain': { extensions: ['txt'] },
};

/** Limits on names; size and count are settings (src/domain/settings.ts). */
export const fileLimits = {
  maxNameLength: 200,
} as const;

export type FileProblem = 'FILE_TOO_LARGE' | 'FILE_TYPE_NOT_ALLOWED' | 'FILE_EMPTY' | 'TOO_MANY_FILES';

/**
 * A file name safe to show and to offer for download: no path, no control or reserved
 * characters, no leading dots, bounded length, and an extension that matches the real type.
 */
export function safeFileName(original: string, contentType: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  let name = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f"<>:|?*]+/g, '')
    // Bidirectional controls would make "invoice\u202Efdp.pdf" read as another name.
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .trim();
  const extensions = allowedFileTypes[contentType]?.extensions ?? [];
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  const finalExtension = extensions.includes(extension) ? extension : (extensions[0] ?? 'bin');
  name = `${(stem || 'file').slice(0, fileLimits.maxNameLength - 6)}.${finalExtension}`;
  return name;
}
