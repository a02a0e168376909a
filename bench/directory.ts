/**
 * The expert directory on a big database.
 *
 * Seeds 10 000 listed experts across 20 fields (each serving 1–3 fields, so about 1 000 per
 * field; 1–3 languages; 70 % rated; 5 % on leave) into a fresh SQLite file, and into a fresh
 * PostgreSQL schema when BENCH_DATABASE_URL is set. Then, through the real server (buildApp +
 * listen on 127.0.0.1, keep-alive fetch loops), measures the directory's pages and a profile,
 * and prints the query plan of a field page so it can be seen that a page walks an index and
 * does not read every expert.
 *
 * Usage: npm run bench:directory   (BENCH_SECONDS=10 per route, BENCH_CONNECTIONS=10,
 *        BENCH_EXPERTS=10000; BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)
 * Not part of CI.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { iso } from '../src/adapters/clock.js';
import type { DatabaseHandle, Db } from '../src/db/database.js';
import { ratingScoreOf, searchTextOf } from '../src/domain/experts.js';
import { forEachEngine, insertInBatches, measure, printTable, seededRandom, startBenchServer, type ResultRow } from './support.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const expertCount = Number(process.env['BENCH_EXPERTS'] ?? 10_000);
const fieldCount = 20;
const languages = ['et', 'en', 'ru', 'fi', 'uk', 'de'];
const firstNames = ['Mari', 'Jaan', 'Liis', 'Andres', 'Kertu', 'Peeter', 'Anu', 'Toomas', 'Kadri', 'Margus', 'Piret', 'Rein'];
const lastNames = ['Tamm', 'Saar', 'Sepp', 'Mägi', 'Kask', 'Kukk', 'Rebane', 'Ilves', 'Pärn', 'Koppel', 'Lepik', 'Õunapuu'];
const keywords = ['kahjunõue', 'lahutus', 'elatis', 'kuriteoteade', 'kindlustus', 'tööleping', 'trauma', 'pärimine', 'üürileping', 'ravivead'];

const results: ResultRow[] = [];

async function seed(db: Db): Promise<{ fieldIds: number[]; expertId: number }> {
  const random = seededRandom(2026);
  const pick = (n: number) => Math.floor(random() * n);
  const start = Date.parse('2024-01-01T08:00:00.000Z');
  const now = iso(new Date(start));
  return db.transaction().execute(async (trx) => {
    await insertInBatches(
      trx,
      'fields',
      Array.from({ length: fieldCount }, (_, i) => ({
        name_et: `Valdkond ${i + 1}`,
        name_en: `Field ${i + 1}`,
        description_et: `Valdkonna ${i + 1} kirjeldus.`,
        description_en: `Description of field ${i + 1}.`,
        position: i + 1,
        is_active: 1,
        created_at: now,
        updated_at: now,
      })),
    );
    const fieldIds = (await trx.selectFrom('fields').select('id').orderBy('id').execute()).map((r) => r.id);
    await insertInBatches(
      trx,
      'users',
      Array.from({ length: expertCount }, (_, i) => ({
        email: `ekspert${i + 1}@example.ee`,
        email_verified_at: now,
        name: `${firstNames[pick(firstNames.length)]} ${lastNames[pick(lastNames.length)]}`,
        phone: null,
        password_hash: 'not-a-login-account',
        locale: 'et',
        created_at: now,
        updated_at: now,
        blocked_at: null,
      })),
    );
    const users = await trx.selectFrom('users').select(['id', 'name']).orderBy('id').execute();
    await insertInBatches(
      trx,
      'user_roles',
      users.map((u) => ({ user_id: u.id, role: 'expert', granted_at: now })),
    );
    const profiles = users.map((user, i) => {
      const ratingCount = random() < 0.7 ? 1 + pick(40) : 0;
      const ratingSum = ratingCount === 0 ? 0 : Math.min(5 * ratingCount, Math.max(ratingCount, Math.round(ratingCount * (2.5 + random() * 2.5))));
      const bio = `Nõustan teemadel ${keywords[pick(keywords.length)]} ja ${keywords[pick(keywords.length)]}. ${'Pikaajaline kogemus. '.repeat(1 + pick(10))}`;
      const qualifications = 'Magistrikraad, kutsetunnistus.';
      const isOnLeave = random() < 0.05 ? 1 : 0;
      return {
        user_id: user.id,
        display_name: user.name,
        organisation_id: null,
        qualifications,
        bio,
        price_level: 1 + pick(3),
        photo_file_id: null,
        is_on_leave: isOnLeave,
        leave_until: null,
        is_active: 1,
        rating_count: ratingCount,
        rating_sum: ratingSum,
        rating_score: ratingScoreOf(ratingCount, ratingSum),
        search_text: searchTextOf([user.name, qualifications, bio]),
        approved_at: iso(new Date(start + i * 3_600_000)),
        updated_at: now,
      };
    });
    await insertInBatches(trx, 'expert_profiles', profiles, 500);
    const expertFields = users.flatMap((user) => {
      const chosen = new Set<number>();
      const n = 1 + pick(3);
      while (chosen.size < n) chosen.add(fieldIds[pick(fieldIds.length)]!);
      return [...chosen].map((fieldId) => ({ expert_id: user.id, field_id: fieldId }));
    });
    await insertInBatches(trx, 'expert_fields', expertFields);
    const expertLanguages = users.flatMap((user) => {
      const chosen = new Set<string>(['et']);
      const n = 1 + pick(3);
      while (chosen.size < n) chosen.add(languages[pick(languages.length)]!);
      return [...chosen].map((language) => ({ expert_id: user.id, language }));
    });
    await insertInBatches(trx, 'expert_languages', expertLanguages);
    return { fieldIds, expertId: users[Math.floor(users.length / 2)]!.id };
  });
}

/** The plan of the page query of one field, as the engine reports it. */
async function planOfFieldPage(database: DatabaseHandle, fieldId: number): Promise<string> {
  const query = sql`
    select p.user_id from expert_profiles p
    where p.is_active = 1
      and exists (select 1 from expert_fields ef where ef.expert_id = p.user_id and ef.field_id = ${fieldId})
    order by p.is_on_leave, p.rating_score desc, p.rating_count desc, p.user_id desc
    limit 20`;
  if (database.engine === 'sqlite') {
    const rows = await sql<{ detail: string }>`explain query plan ${query}`.execute(database.db);
    return rows.rows.map((r) => `  ${r.detail}`).join('\n');
  }
  const rows = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers off, timing off) ${query}`.execute(database.db);
  return rows.rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n');
}

async function benchEngine(engine: string, database: DatabaseHandle, dataDir: string): Promise<void> {
  const seedStarted = performance.now();
  const { fieldIds, expertId } = await seed(database.db);
  // Fresh statistics for the planners (PostgreSQL's autovacuum would do it after a bulk load).
  await sql`analyze`.execute(database.db);
  results.push({ engine, what: `seed (${expertCount} experts, ${fieldCount} fields)`, note: `${((performance.now() - seedStarted) / 1000).toFixed(1)} s` });
  console.log(`\n${engine}: plan of a field page (sorted by rating, 20 rows)\n${await planOfFieldPage(database, fieldIds[6]!)}`);

  const server = await startBenchServer(database, dataDir);
  try {
    const field = fieldIds[6]!;
    const routes: [string, string][] = [
      ['all experts, by rating', '/experts'],
      ['one field, by rating', `/experts?field=${field}`],
      ['one field, newest, page 10', `/experts?field=${field}&sort=newest&page=10`],
      ['one field, language + price + 4★', `/experts?field=${field}&lang=ru&price=2&rating=4`],
      ['search "kahjunõue" in all', '/experts?q=kahjun%C3%B5ue'],
      ['one field, by price, page 30', `/experts?field=${field}&sort=price&page=30`],
      ['public profile', `/experts/${expertId}`],
    ];
    for (const [what, route] of routes) {
      const first = await fetch(server.base + route);
      const html = await first.text();
      if (first.status !== 200) throw new Error(`${route} answered ${first.status}`);
      const shown = (html.match(/class="expert-card"/g) ?? []).length;
      const total = /class="result-count"[^>]*>([^<]*)</.exec(html)?.[1] ?? '';
      results.push(
        await measure(engine, `${what}: GET ${route}`, server.base + route, {
          connections,
          seconds,
          note: route.startsWith('/experts/') ? `${Math.round(html.length / 1024)} KB` : `${shown} shown · ${total.trim()}`,
        }),
      );
    }
  } finally {
    await server.close();
  }
}

console.log(`Seeding ${expertCount} experts and measuring (${seconds} s per route, ${connections} connections)…`);
await forEachEngine('directory', benchEngine);
printTable(results);
