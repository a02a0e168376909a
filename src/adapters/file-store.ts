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
  /** The stored bytes; rejects when the key has no file (nothing has been sent yet then). */
  read(key: string): Promise<Readable>;
  remove(key: string): Promise<void>;
  discardTemp(tempPath: string): Promise<void>;
  /** Resolves when the store can be used now (readiness); rejects with the reason otherwise. */
  check(): Promise<void>;
};

/** What the stores generate (randomToken(24)); anything else is refused before it reaches a path or a URL. */
export const keyPattern = /^[A-Za-z0-9_-]{32}$/;

/**
 * Where both stores stream uploads before they are checked: generated names in one folder on this
 * machine, and only files in that folder are ever discarded.
 */
export function localTempFiles(tempDir: string): Pick<FileStore, 'tempPath' | 'discardTemp'> {
  return {
    async tempPath() {
      await fs.mkdir(tempDir, { recursive: true });
      return path.join(tempDir, `${randomToken(18)}.part`);
    },
    async discardTemp(tempPath) {
      if (path.dirname(tempPath) === tempDir) await fs.rm(tempPath, { force: true });
    },
  };
}

/** The embedded default: files on the local disk under DATA_DIR/files. */
export function createDiskFileStore(root: string): FileStore {
  const tempDir = path.join(root, 'tmp');
  const pathOf = (key: string) => {
    if (!keyPattern.test(key)) throw new Error('invalid file key');
    return path.join(root, key.slice(0, 2), key);
  };
  return {
    ...localTempFiles(tempDir),
    async keep(tempPath) {
      const key = randomToken(24);
      const target = pathOf(key);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(tempPath, target);
      return key;
    },
    async read(key) {
      // Opened first, so a missing file rejects here, before any answer has started.
      const file = await fs.open(pathOf(key), 'r');
      return file.createReadStream();
    },
    async remove(key) {
      await fs.rm(pathOf(key), { force: true });
    },
    async check() {
      await fs.mkdir(tempDir, { recursive: true });
      await fs.access(root, fs.constants.W_OK);
    },
  };
}
