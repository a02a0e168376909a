import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { preparedInList, preparedInsert, preparedInsertReturningId, preparedInsertReturningRow, preparedQuery, preparedShapes, preparedUpdateById } from '../../src/db/prepared.js';
import { limitClause } from '../../src/db/repositories/pagination.js';
import { createTestDatabase } from '../support/test-db.js';

async function addField(handle: DatabaseHandle, slug: string, position: number, isActive = 1): Promise<number> {
  const row = await handle.db
    .insertInto('fields')
    .values({ name_et: `Valdkond ${slug}`, name_en: slug, description_et: '', description_en: '', position, is_active: isActive, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('a prepared query', () => {
  let handle: DatabaseHandle;
  beforeEach(async () => {
    handle = await createTestDatabase();
  });
  afterEach(async () => {
    await handle.destroy();
  });

  const fieldsFrom = preparedQuery((db, p: { from: number; isActive: number; limit: number }) =>
    db.selectFrom('fields').select(['id', 'name_en as slug']).where('position', '>=', p.from).where('is_active', '=', p.isActive).orderBy('position').limit(p.limit),
  );

  it('answers exactly what the same query built each time answers, for every set of values', async () => {
    for (let i = 1; i <= 6; i++) await addField(handle, `f${i}`, i, i % 3 === 0 ? 0 : 1);
    for (const params of [
      { from: 1, isActive: 1, limit: 10 },
      { from: 3, isActive: 1, limit: 2 },
      { from: 1, isActive: 0, limit: 10 },
      { from: 7, isActive: 1, limit: 10 },
    ]) {
      const expected = await handle.db
        .selectFrom('fields')
        .select(['id', 'name_en as slug'])
        .where('position', '>=', params.from)
        .where('is_active', '=', params.isActive)
        .orderBy('position')
        .limit(params.limit)
        .execute();
      expect(await fieldsFrom.all(handle.db, params)).toEqual(expected);
      expect(await fieldsFrom.first(handle.db, params)).toEqual(expected[0]);
    }
    expect((await fieldsFrom.all(handle.db, { from: 3, isActive: 1, limit: 2 })).map((f) => f.slug)).toEqual(['f4', 'f5']);
  });

  it('runs inside a transaction and sees its uncommitted rows', async () => {
    const seen = await handle.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('fields')
        .values({ name_et: 'Sees', name_en: 'inside', updated_at: '2026-01-01T00:00:00.000Z', description_et: '', description_en: '', position: 50, is_active: 1, created_at: '2026-01-01T00:00:00.000Z' })
        .execute();
      return fieldsFrom.all(trx, { from: 50, isActive: 1, limit: 5 });
    });
    expect(seen.map((f) => f.slug)).toEqual(['inside']);
  });

  it('refuses a parameter used to build the query rather than bound', async () => {
    const shaped = preparedQuery((db, p: { limit: number }) => db.selectFrom('fields').select('id').limit(p.limit + 1));
    await expect(shaped.all(handle.db, { limit: 1 })).rejects.toThrow(/"limit" was used as a value/);
    const literal = preparedQuery((db, p: { slug: string }) => db.selectFrom('fields').select('id').where('name_en', '=', sql.lit(p.slug)));
    await expect(literal.all(handle.db, { slug: 'x' })).rejects.toThrow(/"slug"/);
  });

  it('refuses to run without a value for each parameter', async () => {
    await expect(fieldsFrom.all(handle.db, { from: 1, limit: 1 } as never)).rejects.toThrow(/no value for the parameter "isActive"/);
  });

  it('prepares each shape once: an in-list of each length answers like the query built each time', async () => {
    for (let i = 1; i <= 5; i++) await addField(handle, `f${i}`, i);
    const built: string[] = [];
    const withSlugs = preparedShapes((slugs: string) => {
      built.push(slugs);
      return (db, p: { from: number }) => db.selectFrom('fields').select('name_en as slug').where('name_en', 'in', slugs.split(',')).where('position', '>=', p.from).orderBy('position');
    });

    const slugsOf = async (slugs: string, from: number) => (await withSlugs(slugs).all(handle.db, { from })).map((f) => f.slug);

    expect(await slugsOf('f1,f3,f5', 1)).toEqual(['f1', 'f3', 'f5']);
    expect(await slugsOf('f1,f3,f5', 2)).toEqual(['f3', 'f5']);
    expect(await slugsOf('f2', 1)).toEqual(['f2']);
    expect(await slugsOf('f2', 3)).toEqual([]);
    expect(built).toEqual(['f1,f3,f5', 'f2']);
  });

  it('builds shapes past its limit on every run instead of keeping them', async () => {
    await addField(handle, 'f1', 1);
    let builds = 0;
    const limited = preparedShapes((slug: string) => {
      builds += 1;
      return (db, p: { from: number }) => db.selectFrom('fields').select('name_en as slug').where('name_en', '=', slug).where('position', '>=', p.from);
    }, 1);

    for (const slug of ['f1', 'f1', 'x', 'x']) await limited(slug).all(handle.db, { from: 0 });

    expect(builds).toBe(3);
    expect((await limited('f1').all(handle.db, { from: 0 })).map((f) => f.slug)).toEqual(['f1']);
  });
});

describe('a limit', () => {
  let handle: DatabaseHandle;
  beforeEach(async () => {
    handle = await createTestDatabase();
  });
  afterEach(async () => {
    await handle.destroy();
  });

  // SQLite plans with the value bound to a plain `limit ?` and so prepares the statement again on
  // every run (decision 019); the SQLite compiler writes `limit cast(? as integer)` instead.
  it('is bound, not written into the SQL, and a cast on SQLite; every value answers its own rows', async () => {
    for (let i = 1; i <= 5; i++) await addField(handle, `f${i}`, i);
    const page = (limit: number, offset: number) => handle.db.selectFrom('fields').select('name_en as slug').orderBy('position').limit(limit).offset(offset);
    const compiled = page(2, 1).compile();
    expect(compiled.sql).toMatch(handle.engine === 'sqlite' ? /limit cast\(\? as integer\) offset \?$/ : /limit \$1 offset \$2$/);
    expect(compiled.parameters).toEqual([2, 1]);
    expect(page(3, 0).compile().sql).toBe(compiled.sql);

    expect((await page(2, 1).execute()).map((f) => f.slug)).toEqual(['f2', 'f3']);
    expect((await page(3, 3).execute()).map((f) => f.slug)).toEqual(['f4', 'f5']);
    const written = await sql<{ slug: string }>`select name_en as slug from fields order by position ${limitClause(1)} offset ${4}`.execute(handle.db);
    expect(written.rows.map((f) => f.slug)).toEqual(['f5']);
  });

  it('is written with limitClause wherever SQL is written by hand', () => {
    const sourceDir = path.resolve(import.meta.dirname, '../../src');
    const files = readdirSync(sourceDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const offenders = files.filter((f) => /\blimit \$\{/i.test(readFileSync(path.join(sourceDir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('prepared writes and lists', () => {
  let handle: DatabaseHandle;
  beforeEach(async () => {
    handle = await createTestDatabase();
  });
  afterEach(async () => {
    await handle.destroy();
  });

  const at = '2026-01-01T00:00:00.000Z';
  const person = (n: number, extra: Record<string, unknown> = {}) => ({
    email: `inimene${n}@example.ee`,
    email_verified_at: null,
    name: `Inimene ${n}`,
    phone: null,
    password_hash: 'x',
    locale: n % 2 ? ('et' as const) : ('en' as const),
    created_at: at,
    updated_at: at,
    blocked_at: null,
    ...extra,
  });
  const insertUsers = preparedInsert('users');
  const insertUser = preparedInsertReturningId('users');
  const insertUserRow = preparedInsertReturningRow('users');
  const updateUser = preparedUpdateById('users');
  const usersByIds = preparedInList((db, ids: number[]) => db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).orderBy('id'));
  const everyone = () => handle.db.selectFrom('users').select(['id', 'email', 'name', 'locale', 'deleted_at']).orderBy('id').execute();

  it('inserts every row with its own values, whatever the number of rows, and answers a new row its id', async () => {
    await insertUsers(handle.db, [person(1), person(2), person(3)]);
    await insertUsers(handle.db, [person(4)]);
    await insertUsers(handle.db, [person(5), person(6), person(7)]);
    await insertUsers(handle.db, []);
    const id = await insertUser(handle.db, person(8, { name: 'Kaheksas' }));
    const rows = await everyone();
    expect(rows.map((r) => r.email)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `inimene${n}@example.ee`));
    expect(rows.map((r) => r.locale)).toEqual(['et', 'en', 'et', 'en', 'et', 'en', 'et', 'en']);
    expect(rows.find((r) => r.id === id)?.name).toBe('Kaheksas');
    expect(await insertUser(handle.db, person(9))).toBe(id + 1);
    // The row as stored, with its id and the column left to its default.
    const row = await insertUserRow(handle.db, person(10, { locale: undefined }));
    expect(row).toMatchObject({ id: id + 2, email: 'inimene10@example.ee', name: 'Inimene 10', locale: 'et', deleted_at: null });
    expect(await everyone()).toHaveLength(10);
  });

  it('inserts rows that set different columns, or a column to an SQL expression, as Kysely does', async () => {
    await insertUsers(handle.db, [person(1), person(2, { deleted_at: at })]);
    await insertUsers(handle.db, [person(3, { deleted_at: at }), person(4)]);
    await insertUsers(handle.db, [person(5, { name: sql<string>`'Inimene ' || 'viis'` })]);
    // A column left out gets its default.
    await insertUsers(handle.db, [person(6, { locale: undefined })]);
    const rows = await everyone();
    expect(rows.map((r) => [r.email, r.name, r.locale, r.deleted_at])).toEqual([
      ['inimene1@example.ee', 'Inimene 1', 'et', null],
      ['inimene2@example.ee', 'Inimene 2', 'en', at],
      ['inimene3@example.ee', 'Inimene 3', 'et', at],
      ['inimene4@example.ee', 'Inimene 4', 'en', null],
      ['inimene5@example.ee', 'Inimene viis', 'et', null],
      ['inimene6@example.ee', 'Inimene 6', 'et', null],
    ]);
  });

  it('changes only the row with the id, and only the columns given', async () => {
    await insertUsers(handle.db, [person(1), person(2)]);
    const [first, second] = await everyone();
    await updateUser(handle.db, first!.id, { name: 'Muudetud', locale: 'en' });
    await updateUser(handle.db, second!.id, { name: 'Teine muudetud' });
    // An SQL expression, which the column's type does not allow but Kysely's `set` would run.
    await updateUser(handle.db, second!.id, { deleted_at: sql<string>`${at}` as unknown as string });
    await updateUser(handle.db, first!.id, {});
    expect((await everyone()).map((r) => [r.name, r.locale, r.email, r.deleted_at])).toEqual([
      ['Muudetud', 'en', 'inimene1@example.ee', null],
      ['Teine muudetud', 'en', 'inimene2@example.ee', at],
    ]);
  });

  it('answers the rows of every value in the list, whatever its length, repeats and unknown values included', async () => {
    await insertUsers(handle.db, [1, 2, 3, 4, 5, 6].map((n) => person(n)));
    const ids = (await everyone()).map((r) => r.id);
    const names = async (values: number[]) => (await usersByIds(handle.db, values)).map((r) => r.name);
    expect(await names([ids[2]!])).toEqual(['Inimene 3']);
    expect(await names([ids[4]!, ids[0]!, ids[2]!])).toEqual(['Inimene 1', 'Inimene 3', 'Inimene 5']);
    expect(await names([ids[5]!, ids[5]!, 999_999, ids[1]!, ids[3]!])).toEqual(['Inimene 2', 'Inimene 4', 'Inimene 6']);
    expect(await names([...ids, ...ids, ...ids])).toEqual([1, 2, 3, 4, 5, 6].map((n) => `Inimene ${n}`));
  });

  const usersByIdsInLocale = preparedInList((db, ids: number[], p: { locale: 'et' | 'en'; limit: number }) =>
    db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).where('locale', '=', p.locale).orderBy('id', 'desc').limit(p.limit),
  );

  it('binds its other parameters beside the list, each run its own', async () => {
    await insertUsers(handle.db, [1, 2, 3, 4, 5, 6].map((n) => person(n)));
    const ids = (await everyone()).map((r) => r.id);
    const names = async (values: number[], locale: 'et' | 'en', limit: number) => (await usersByIdsInLocale(handle.db, values, { locale, limit })).map((r) => r.name);
    // Odd people speak Estonian, even ones English (`person`).
    expect(await names(ids, 'et', 10)).toEqual(['Inimene 5', 'Inimene 3', 'Inimene 1']);
    expect(await names(ids, 'en', 2)).toEqual(['Inimene 6', 'Inimene 4']);
    expect(await names([ids[0]!, ids[1]!, ids[2]!], 'en', 10)).toEqual(['Inimene 2']);
    expect(await names([ids[0]!, ids[1]!, ids[2]!], 'et', 1)).toEqual(['Inimene 3']);
  });
});
