import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** Spends the same effort as a real verification: used when no account matches. */
  burn(password: string): Promise<void>;
};

const keyLength = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function optionsFor(logN: number, r: number, p: number): ScryptOptions {
  const N = 2 ** logN;
  // Node refuses scrypt above 32 MiB unless maxmem says otherwise; 128 * N * r bytes plus slack.
  return { N, r, p, maxmem: 128 * N * r + 16 * 1024 * 1024 };
}

/**
 * scrypt with a per-password salt. The stored form carries its own parameters
 * (`scrypt$logN$r$p$salt$key`), so raising the cost later keeps old hashes verifiable.
 */
export function createScryptHasher(logN: number): PasswordHasher {
  const r = 8;
  const p = 1;
  const dummySalt = randomBytes(16);
  return {
    async hash(password) {
      const salt = randomBytes(16);
      const key = await scryptAsync(password, salt, optionsFor(logN, r, p));
      return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
    },
    async verify(password, stored) {
      const parts = stored.split('$');
      if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
      const [, storedLogN, storedR, storedP, salt, key] = parts as [string, string, string, string, string, string];
      // A corrupt or tampered row must read as "no match": never an exception (a 500 at sign-in),
      // never parameters that make scrypt allocate gigabytes.
      const params = [storedLogN, storedR, storedP].map((v) => (/^[0-9]{1,2}$/.test(v) ? Number(v) : NaN));
      const [logNStored = NaN, rStored = NaN, pStored = NaN] = params;
      if (!(logNStored >= 1 && logNStored <= 20 && rStored >= 1 && rStored <= 32 && pStored >= 1 && pStored <= 16)) return false;
      const expected = Buffer.from(key, 'base64url');
      if (expected.length !== keyLength || salt === '') return false;
      let actual: Buffer;
      try {
        actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), optionsFor(logNStored, rStored, pStored));
      } catch {
        return false;
      }
      return timingSafeEqual(actual, expected);
    },
    async burn(password) {
      await scryptAsync(password, dummySalt, optionsFor(logN, r, p));
    },
  };
}
