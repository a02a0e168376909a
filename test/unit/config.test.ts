import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const secret = 'a-production-secret-of-32-characters!';

/** The message loadConfig fails with, or a note that it did not fail. */
function failureOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return 'did not fail';
}

describe('configuration defaults', () => {
  const config = loadConfig({});

  it('runs in development mode when NODE_ENV is unset', () => {
    expect(config.env).toBe('development');
    expect(config.isDevelopment).toBe(true);
  });

  it('listens on 127.0.0.1:3000', () => {
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
  });

  it('links e-mails to http://localhost:3000', () => {
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it('keeps its data in a SQLite file under ./data', () => {
    expect(config.databaseUrl).toBe('sqlite:./data/konsult.sqlite');
    expect(config.dataDir).toBe('./data');
  });

  it('does not mark cookies Secure over plain http', () => {
    expect(config.session.cookieSecure).toBe(false);
  });

  it('seeds the demo accounts and runs the worker in-process', () => {
    expect(config.seedDemo).toBe(true);
    expect(config.runWorker).toBe(true);
  });

  it("keeps a signed-in visitor's own pages for 5 s while the database is unchanged, in every mode", () => {
    expect(config.privatePageCacheMs).toBe(5_000);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, PAYMENT_PROVIDER: 'sandbox' }).privatePageCacheMs).toBe(5_000);
    expect(loadConfig({ PRIVATE_PAGE_CACHE_SECONDS: '0' }).privatePageCacheMs).toBe(0);
  });

  it('signs sessions out after 2 idle hours and 7 days at most', () => {
    expect(config.session.idleMs).toBe(2 * 3_600_000);
    expect(config.session.absoluteMs).toBe(7 * 24 * 3_600_000);
  });

  it('uses scrypt cost 2^17 and stores e-mail when no SMTP server is set', () => {
    expect(config.passwordHashLogN).toBe(17);
    expect(config.mail.smtpUrl).toBeUndefined();
  });
});

describe('configuration parsing', () => {
  it('reads PORT and HOST', () => {
    const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0' });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
  });

  it('shows localhost in links when listening on every interface', () => {
    expect(loadConfig({ PORT: '8080', HOST: '0.0.0.0' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PORT: '8080', HOST: '::' }).publicUrl).toBe('http://localhost:8080');
  });

  it('prefers PUBLIC_URL for links, without a trailing slash', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://konsult.ee/' }).publicUrl).toBe('https://konsult.ee');
  });

  it('marks cookies Secure when PUBLIC_URL is https', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://konsult.ee' }).session.cookieSecure).toBe(true);
  });

  it('lets COOKIE_SECURE override the guess from PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://konsult.ee', COOKIE_SECURE: 'false' }).session.cookieSecure).toBe(false);
    expect(loadConfig({ COOKIE_SECURE: 'yes' }).session.cookieSecure).toBe(true);
  });

  it('does not seed demo data in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, PAYMENT_PROVIDER: 'sandbox' }).seedDemo).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, PAYMENT_PROVIDER: 'sandbox', SEED_DEMO: 'true' }).seedDemo).toBe(true);
  });
});

describe('configuration mistakes fail fast with a readable message', () => {
  it.each([
    ['a port that is not a number', { PORT: 'abc' }, 'PORT'],
    ['a port above 65535', { PORT: '70000' }, 'PORT'],
    ['a negative port', { PORT: '-1' }, 'PORT'],
    ['a fractional port', { PORT: '80.5' }, 'PORT'],
    ['an empty port (not read as 0, a random port)', { PORT: '' }, 'PORT'],
    ['an empty host', { HOST: '' }, 'HOST'],
    ['an unknown NODE_ENV', { NODE_ENV: 'staging' }, 'NODE_ENV'],
    ['a PUBLIC_URL that is not a URL', { PUBLIC_URL: 'konsult.ee' }, 'PUBLIC_URL'],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['a boolean flag that is not one', { TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    ['a session secret shorter than 32 characters', { SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    ['a password hash cost below 2^10', { PASSWORD_HASH_LOG_N: '4' }, 'PASSWORD_HASH_LOG_N'],
    ['a zero idle timeout', { SESSION_IDLE_MINUTES: '0' }, 'SESSION_IDLE_MINUTES'],
    ['a negative time to keep own pages', { PRIVATE_PAGE_CACHE_SECONDS: '-1' }, 'PRIVATE_PAGE_CACHE_SECONDS'],
    ['own pages kept longer than 5 minutes', { PRIVATE_PAGE_CACHE_SECONDS: '301' }, 'PRIVATE_PAGE_CACHE_SECONDS'],
  ])('refuses %s, naming the variable', (_what, env, variable) => {
    const message = failureOf(env);
    expect(message).toMatch(/^Invalid configuration:/);
    expect(message).toContain(`${variable}:`);
  });

  it('lists every problem at once', () => {
    const message = failureOf({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(message).toContain('PORT:');
    expect(message).toContain('LOG_LEVEL:');
  });

  it('refuses to start in production without SESSION_SECRET', () => {
    expect(failureOf({ NODE_ENV: 'production' })).toContain('SESSION_SECRET: required in production');
  });

  it('refuses to start in production without a payment provider chosen: the sandbox is never a silent default there', () => {
    expect(failureOf({ NODE_ENV: 'production', SESSION_SECRET: secret })).toContain('PAYMENT_PROVIDER: required in production');
    expect(loadConfig({ SESSION_SECRET: secret }).payments.provider).toBe('sandbox');
  });

  it('starts in production with a SESSION_SECRET', () => {
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: secret, PAYMENT_PROVIDER: 'sandbox' });
    expect(config.isDevelopment).toBe(false);
    expect(config.sessionSecret).toBe(secret);
  });
});
