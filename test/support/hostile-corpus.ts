import { sql } from 'kysely';
import type { DatabaseHandle } from '../../src/db/database.js';

/**
 * What attackers, careless pasting and other alphabets send, and the tools to see what it did:
 * the forms of a page as a browser would read them, and a snapshot of every table to prove a
 * refused request changed nothing (issue 9, test/integration/hostile-endpoints.test.ts).
 */

// ---- the corpus ----

export type HostileValue = { label: string; value: string | string[] };

/** A marker no page, header or row ever holds unless an injection got through. */
export const injectedHeader = 'x-konsult-injected';

/** Values for the fields a person types into. */
export const hostileTexts: HostileValue[] = [
  { label: 'a script tag', value: '<script>alert(1)</script>' },
  { label: 'an attribute break-out', value: '"><img src=x onerror=alert(1)>' },
  { label: 'SQL', value: "' OR 1=1; DROP TABLE users;--" },
  { label: 'a path traversal', value: '../../../../etc/passwd' },
  { label: 'CR/LF header injection', value: `line one\r\n${injectedHeader}: 1\r\nSet-Cookie: konsult_injected=1` },
  { label: 'a NUL character', value: 'abc\u0000def' },
  { label: 'a 100 000-character string', value: 'x'.repeat(100_000) },
  { label: 'right-to-left text and an override', value: 'مرحبا بالعالم \u202egnp.exe' },
  { label: 'emoji and combining marks', value: '🌲🦊 👩🏽‍⚖️ O\u0303ie Ma\u0308ger' },
  { label: 'a template expression', value: '{{7*7}} ${7*7} <%= 7*7 %>' },
  { label: 'an empty string', value: '' },
  { label: 'whitespace only', value: ' \t  \u00a0 ' },
  { label: 'a duplicated field', value: ['first', 'second'] },
];

/** Values for controls a person cannot type into (hidden fields, boxes, buttons, lists, dates). */
export const hostileChoices: HostileValue[] = [
  { label: 'a script tag', value: '<script>alert(1)</script>' },
  { label: 'SQL', value: "1' OR '1'='1" },
  { label: 'CR/LF header injection', value: `/\r\n${injectedHeader}: 1` },
  { label: 'a NUL character', value: '1\u00002' },
  { label: 'a 100 000-character string', value: '9'.repeat(100_000) },
  { label: 'an empty string', value: '' },
  { label: 'a negative number', value: '-1' },
  { label: 'a number beyond every integer type', value: '99999999999999999999' },
  { label: 'a duplicated field', value: ['1', '2'] },
];

/** Values for query parameters: the choices, and the texts a search box takes. */
export const hostileQueryValues: HostileValue[] = [
  ...hostileChoices,
  { label: 'an attribute break-out', value: '"><img src=x onerror=alert(1)>' },
  { label: 'emoji and combining marks', value: '🌲 O\u0303ie' },
];

/** Path segments, already as they travel in a URL (some are deliberately not valid percent-encoding). */
export const hostileSegments: { label: string; segment: string }[] = [
  { label: 'a path traversal', segment: '..%2F..%2F..%2Fetc%2Fpasswd' },
  { label: 'a NUL', segment: '%00' },
  { label: 'SQL', segment: "1%20OR%201%3D1%3B%20DROP%20TABLE%20users--" },
  { label: '10 000 digits', segment: '9'.repeat(10_000) },
  { label: 'a negative number', segment: '-1' },
  { label: 'NaN', segment: 'NaN' },
  { label: 'a fraction', segment: '1.5' },
  { label: 'one past the largest id', segment: '2147483648' },
  { label: 'Arabic-Indic digits', segment: encodeURIComponent('١٢٣') },
  { label: 'a script tag', segment: encodeURIComponent('<script>alert(1)</script>') },
  { label: 'CR/LF', segment: `1%0D%0A${injectedHeader}:%201` },
  { label: 'a broken percent escape', segment: '%E0%A4%A' },
  { label: 'a lone surrogate escape', segment: '%ED%A0%80' },
];

/** Raw query strings that no encoder produces: broken escapes, prototype keys, brackets, repeats. */
export const rawQueries: { label: string; query: (name: string) => string }[] = [
  { label: 'a broken percent escape', query: (name) => `${name}=%E0%A4%A` },
  { label: 'a lone surrogate escape', query: (name) => `${name}=%ED%A0%80` },
  { label: 'bracketed and prototype names', query: (name) => `${name}[$ne]=x&${name}[]=1&__proto__[${name}]=1&constructor[prototype][${name}]=1` },
  { label: 'a repeated parameter', query: (name) => `${name}=1&${name}=2&${name}=%3Cscript%3E` },
];

/** Cookie values a session or CSRF cookie should never hold. */
export const garbageCookies: { label: string; value: string }[] = [
  { label: 'random text', value: encodeURIComponent("not-a-session' OR 1=1 --<script>") },
  { label: 'a 60 000-character value', value: 'A'.repeat(60_000) },
];

// ---- what the stored value of a text should be ----

const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/gu;

/**
 * The forms a text may be stored in after the portal's normalisation (forms.ts): as sent, NFC
 * and trimmed (one-line fields), line breaks unified and control characters removed (textareas),
 * spaces removed (identifiers), lower-cased (e-mail addresses).
 */
export function storedForms(value: string): string[] {
  const line = value.normalize('NFC').trim();
  if (line === '') return [];
  const multi = value.normalize('NFC').replace(/\r\n?/g, '\n').replace(controlCharacters, '').trim();
  return [...new Set([value, line, multi, line.replace(/\s+/g, ''), line.toLowerCase()])].filter((v) => v !== '');
}

// ---- forms as a browser reads them ----

export type FormControl = {
  name: string;
  tag: 'input' | 'textarea' | 'select' | 'button';
  /** The input type (text when not given); the tag for other controls. */
  type: string;
  value: string;
  checked: boolean;
};

export type HtmlForm = { action: string; method: string; enctype: string; controls: FormControl[] };

export function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');
}

// An attribute list: names with optional quoted values (a value may hold a raw ">").
const attributeList = '((?:[^>"]|"[^"]*")*)';

function attributesOf(text: string): Map<string, string> {
  return new Map([...text.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)].map((m) => [m[1]!.toLowerCase(), decodeEntities(m[2] ?? '')]));
}

/** Every form of a page with its controls, in document order. */
export function formsIn(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const form of html.matchAll(new RegExp(`<form\\b${attributeList}>([\\s\\S]*?)</form>`, 'g'))) {
    const attributes = attributesOf(form[1]!);
    const body = form[2]!;
    const controls: FormControl[] = [];
    const pattern = new RegExp(`<(input|button)\\b${attributeList}>|<textarea\\b${attributeList}>([\\s\\S]*?)</textarea>|<select\\b${attributeList}>([\\s\\S]*?)</select>`, 'g');
    for (const m of body.matchAll(pattern)) {
      if (m[1]) {
        const a = attributesOf(m[2]!);
        const name = a.get('name');
        if (!name) continue;
        const tag = m[1] as 'input' | 'button';
        const type = tag === 'button' ? 'button' : (a.get('type') ?? 'text').toLowerCase();
        const value = a.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
        controls.push({ name, tag, type, value, checked: a.has('checked') });
      } else if (m[3] !== undefined) {
        const name = attributesOf(m[3]).get('name');
        if (name) controls.push({ name, tag: 'textarea', type: 'textarea', value: decodeEntities(m[4] ?? ''), checked: false });
      } else if (m[5] !== undefined) {
        const name = attributesOf(m[5]).get('name');
        if (!name) continue;
        const options = [...(m[6] ?? '').matchAll(new RegExp(`<option\\b${attributeList}>`, 'g'))].map((o) => attributesOf(o[1]!));
        const chosen = options.find((o) => o.has('selected')) ?? options.find((o) => !o.has('disabled')) ?? options[0];
        controls.push({ name, tag: 'select', type: 'select', value: chosen?.get('value') ?? '', checked: false });
      }
    }
    forms.push({
      action: attributes.get('action') ?? '',
      method: (attributes.get('method') ?? 'get').toLowerCase(),
      enctype: attributes.get('enctype') ?? 'application/x-www-form-urlencoded',
      controls,
    });
  }
  return forms;
}

/** What the form sends when submitted as it stands (its first named button pressed); no CSRF token. */
export function valuesOf(form: HtmlForm): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const current = values[name];
    values[name] = current === undefined ? value : [...(Array.isArray(current) ? current : [current]), value];
  };
  for (const control of form.controls) {
    if (control.name === '_csrf' || control.type === 'file' || control.tag === 'button') continue;
    if ((control.type === 'checkbox' || control.type === 'radio') && !control.checked) continue;
    add(control.name, control.value);
  }
  const button = form.controls.find((c) => c.tag === 'button' && values[c.name] === undefined);
  if (button) add(button.name, button.value);
  return values;
}

/** The names a form sends (the CSRF token aside), each once. */
export function fieldNamesOf(form: HtmlForm): string[] {
  return [...new Set(form.controls.map((c) => c.name).filter((name) => name !== '_csrf'))];
}

/** Controls a person types free text into: what is sent is what should be kept (shown back, stored). */
export function isTypedText(control: FormControl): boolean {
  return control.tag === 'textarea' || (control.tag === 'input' && ['text', 'email', 'tel', 'search', 'url'].includes(control.type));
}

// ---- what a request wrote ----

/** One row written: what it was before (update, delete) and after (insert, update). */
export type RowChange = { table: string; before: Record<string, unknown> | undefined; after: Record<string, unknown> | undefined };

/** The table the logging triggers write to (the tests' own; no query of the portal reads it). */
const changeLog = 'test_row_changes';

/**
 * Every row every request writes, read from a log that triggers on every table fill (added by
 * `install`): an insert, update or delete of any row of any table is logged with the row before
 * and after, in the writing transaction (a rolled-back write leaves no entry). Reading what one
 * request did costs one small query, however large the data has grown. An update that left a
 * row as it was is no change.
 */
export class DatabaseChanges {
  private lastId = 0;

  constructor(private readonly handle: DatabaseHandle) {}

  async install(): Promise<void> {
    const db = this.handle.db;
    if (this.handle.engine === 'sqlite') {
      const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(db)).rows.map((r) => r.name);
      await sql.raw(`create table ${changeLog} (id integer primary key autoincrement, name text not null, old_row text, new_row text)`).execute(db);
      for (const table of tables) {
        const columns = (await sql.raw<{ name: string }>(`select name from pragma_table_info('${table}')`).execute(db)).rows.map((r) => r.name);
        const json = (row: 'old' | 'new') => `json_object(${columns.map((c) => `'${c}', ${row}."${c}"`).join(', ')})`;
        const logged = { insert: ['null', json('new')], update: [json('old'), json('new')], delete: [json('old'), 'null'] };
        for (const [event, [before, after]] of Object.entries(logged)) {
          await sql.raw(`create trigger test_log_${table}_${event} after ${event} on "${table}" begin insert into ${changeLog} (name, old_row, new_row) values ('${table}', ${before}, ${after}); end`).execute(db);
        }
      }
      return;
    }
    const tables = (
      await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely\_%'`.execute(db)
    ).rows.map((r) => r.name);
    await sql.raw(`create table ${changeLog} (id bigserial primary key, name text not null, old_row text, new_row text)`).execute(db);
    await sql
      .raw(
        `create function test_log_row() returns trigger language plpgsql as $$ begin
           insert into ${changeLog} (name, old_row, new_row) values (TG_TABLE_NAME,
             case when TG_OP <> 'INSERT' then to_jsonb(OLD)::text end, case when TG_OP <> 'DELETE' then to_jsonb(NEW)::text end);
           return null;
         end $$`,
      )
      .execute(db);
    for (const table of tables) {
      await sql.raw(`create trigger test_log_row after insert or update or delete on "${table}" for each row execute function test_log_row()`).execute(db);
    }
  }

  /** The rows written since the last call (or since `install`). */
  async since(): Promise<RowChange[]> {
    const entries = (
      await sql.raw<{ id: number | string; name: string; old_row: string | null; new_row: string | null }>(`select id, name, old_row, new_row from ${changeLog} where id > ${this.lastId} order by id`).execute(this.handle.db)
    ).rows;
    if (entries.length > 0) this.lastId = Number(entries.at(-1)!.id);
    return entries
      .filter((entry) => entry.old_row !== entry.new_row)
      .map((entry) => ({
        table: entry.name,
        before: entry.old_row === null ? undefined : (JSON.parse(entry.old_row) as Record<string, unknown>),
        after: entry.new_row === null ? undefined : (JSON.parse(entry.new_row) as Record<string, unknown>),
      }))
      .filter((change) => JSON.stringify(change.before) !== JSON.stringify(change.after));
  }
}

/** Whether a value is one of the texts, or a JSON document (an audit entry, a notice's parameters) holding one. */
function holdsText(value: unknown, texts: string[]): boolean {
  if (typeof value === 'string') {
    if (texts.includes(value)) return true;
    if (!/^[[{]/.test(value)) return false;
    try {
      return holdsText(JSON.parse(value) as unknown, texts);
    } catch {
      return false;
    }
  }
  if (value && typeof value === 'object') return Object.values(value).some((v) => holdsText(v, texts));
  return false;
}

/** Whether a written row holds one of the texts as a whole value, or inside a JSON value. */
export function rowsHoldText(rows: Iterable<Record<string, unknown>>, texts: string[]): boolean {
  for (const row of rows) if (holdsText(row, texts)) return true;
  return false;
}
