import { afterAll } from 'vitest';
import { dropPooledSchemas } from './test-db.js';

// The postgres project reuses one migrated schema per test file (see test-db.ts); drop it after the file.
afterAll(async () => {
  await dropPooledSchemas();
});
