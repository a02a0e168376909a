import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { randomToken } from './tokens.js';

/**
 * Where uploaded files live. Names are generated (never the uploader's), the folder is outside
 * the web root, and files are only ever served through an authorised route.
 */
export type FileStore = {
  /** A fresh path to stream an upload into before it is checked. */
  tempPath(): Promise<string>;
  /** Moves a checked temporary file into the store; returns its generated key. */
  keep(tempPath: string): Promise<string>;
  read(key: string): Readable;
  remove(key: string): Promise<void>;
  discardTemp(tempPath: string): Promise<void>;
};

const keyPattern = /^[A-Za-z0-9_-]{32}$/;

/** The embedded default: files on the local disk under DATA_DIR/files. */
export function createDiskFileStore(root: string): FileStore {
  const tempDir = path.join(root, 'tmp');
  const pathOf = (key: string) => {
    if (!keyPattern.test(key)) throw new Error('invalid file key');
    return path.join(root, key.slice(0, 2), key);
  };
  return {
    async tempPath() {
      await fs.mkdir(tempDir, { recursive: true });
      return path.join(tempDir, `${randomToken(18)}.part`);
    },
    async keep(tempPath) {
      const key = randomToken(24);
      const target = pathOf(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(tempPath, target);
      return key;
    },
    read(key) {
      return createReadStream(pathOf(key));
    },
    async remove(key) {
      await fs.rm(pathOf(key), { force: true });
    },
    async discardTemp(tempPath) {
      if (path.dirname(tempPath) === tempDir) await fs.rm(tempPath, { force: true });
    },
  };
}
