import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from './browser.js';

/** One file of a multipart form: what a file input sends. */
export type FilePart = {
  /** The form field (default `files`, the reply form's file input). */
  field?: string;
  /** The file name as the client sends it (a browser sends the base name). */
  name: string;
  /** The type the client claims (browsers guess it from the extension; anyone can forge it). */
  contentType: string;
  content: Buffer;
  /**
   * How the name travels: `browser` (default) as a quoted string with `"`, CR and LF
   * percent-encoded, as the HTML standard has browsers do; `rfc5987` as `filename*=UTF-8''…`,
   * which a hand-made client can use to deliver any character at all.
   */
  nameEncoding?: 'browser' | 'rfc5987';
};

export type MultipartForm = {
  fields?: Record<string, string | string[]>;
  files?: FilePart[];
};

function dispositionOf(field: string, file?: FilePart): string {
  const base = `form-data; name="${field}"`;
  if (!file) return base;
  if (file.nameEncoding === 'rfc5987') {
    const encoded = encodeURIComponent(file.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return `${base}; filename*=UTF-8''${encoded}`;
  }
  const quoted = file.name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `${base}; filename="${quoted}"`;
}

/** A multipart/form-data body: text fields first (in order), then the files. */
export function multipartBody(form: MultipartForm): { body: Buffer; contentType: string } {
  const boundary = `----KonsultTestBoundary${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(form.fields ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${dispositionOf(name)}\r\n\r\n${v}\r\n`, 'utf8'));
    }
  }
  for (const file of form.files ?? []) {
    const head = `--${boundary}\r\nContent-Disposition: ${dispositionOf(file.field ?? 'files', file)}\r\nContent-Type: ${file.contentType}\r\n\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), file.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Submits a multipart form (a reply with attachments) through `app.inject` with the browser's
 * cookies, adding the browser's remembered CSRF token as the first field unless `csrf` says
 * otherwise (`null`: no token). Cookies the answer sets are kept, as by the browser itself.
 */
export async function postMultipart(
  app: FastifyInstance,
  browser: Browser,
  url: string,
  form: MultipartForm,
  options: { csrf?: string | null } = {},
): Promise<Page> {
  const token = options.csrf === undefined ? browser.csrfToken : options.csrf;
  const fields = { ...(token !== null && token !== undefined && !('_csrf' in (form.fields ?? {})) ? { _csrf: token } : {}), ...form.fields };
  const { body, contentType } = multipartBody({ ...form, fields });
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { cookie: browser.cookieHeader(), 'content-type': contentType },
    payload: body,
    remoteAddress: browser.ip,
  });
  for (const cookie of response.cookies) {
    const expired = cookie.maxAge === 0 || (cookie.expires instanceof Date && cookie.expires.getTime() <= Date.now());
    if (expired || cookie.value === '') browser.cookies.delete(cookie.name);
    else browser.cookies.set(cookie.name, cookie.value);
  }
  const csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
  if (csrf) browser.csrfToken = csrf;
  const location = response.headers['location'];
  return {
    status: response.statusCode,
    location: typeof location === 'string' ? location : undefined,
    body: response.body,
    headers: response.headers,
    response,
  };
}

// ---- sample files: small but real, so the server's content sniffing sees what it would in life ----

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A one-page PDF 1.4 document with a correct cross-reference table. */
export function samplePdf(text = 'Konsult'): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${`BT /F1 12 Tf 20 100 Td (${text}) Tj ET`.length} >>\nstream\nBT /F1 12 Tf 20 100 Td (${text}) Tj ET\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A 1×1 grey PNG image. */
export function samplePng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  // compression, filter and interlace methods: 0
  const scanline = Buffer.from([0x00, 0x80]); // filter "none", one grey pixel
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanline)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A ZIP archive (entries stored uncompressed) with the given files. */
export function sampleZip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time and date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk, attributes: 0
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = Object.keys(entries).length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A minimal Word (DOCX) document: the OOXML parts a word processor needs to open it. */
export function sampleDocx(): Buffer {
  return sampleZip({
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    'word/document.xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Leping</w:t></w:r></w:p></w:body></w:document>',
  });
}

/** The start of a Linux executable (ELF, x86-64). */
export function sampleElf(): Buffer {
  const elf = Buffer.alloc(128);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]).copy(elf, 0);
  elf.writeUInt16LE(2, 16); // executable
  elf.writeUInt16LE(0x3e, 18); // x86-64
  elf.writeUInt32LE(1, 20);
  return elf;
}

/** The start of a Windows executable (MZ header pointing at a PE header). */
export function sampleExe(): Buffer {
  const exe = Buffer.alloc(256);
  exe.write('MZ', 0, 'latin1');
  exe.writeUInt32LE(0x80, 0x3c);
  exe.write('PE\0\0', 0x80, 'latin1');
  exe.writeUInt16LE(0x14c, 0x84); // i386
  return exe;
}
