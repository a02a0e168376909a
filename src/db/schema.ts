import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database as Kysely sees it. Timestamps are ISO-8601 UTC strings on both engines
 * (docs/decisions/002-portable-timestamps.md), so comparisons and sorting behave the same.
 */
export type Database = {
  users: UsersTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  account_tokens: AccountTokensTable;
  rate_limits: RateLimitsTable;
  outbox_emails: OutboxEmailsTable;
};

type Timestamp = string;

export type UsersTable = {
  id: Generated<number>;
  email: string;
  email_verified_at: Timestamp | null;
  name: string;
  phone: string | null;
  password_hash: string;
  locale: 'et' | 'en';
  created_at: ColumnType<Timestamp, Timestamp, never>;
  updated_at: Timestamp;
  blocked_at: Timestamp | null;
};

export type UserRolesTable = {
  user_id: number;
  role: 'expert' | 'moderator' | 'admin';
  granted_at: Timestamp;
};

export type SessionsTable = {
  /** SHA-256 of the cookie value: a leaked table does not leak usable session ids. */
  id_hash: string;
  user_id: number;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
};

export type AccountTokensTable = {
  id: Generated<number>;
  user_id: number;
  purpose: 'verify_email' | 'reset_password' | 'change_email';
  token_hash: string;
  new_email: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
};

export type RateLimitsTable = {
  key: string;
  count: number;
  window_ends_at: Timestamp;
};

export type OutboxEmailsTable = {
  id: Generated<number>;
  message_id: string;
  to_address: string;
  to_name: string | null;
  subject: string;
  text_body: string;
  html_body: string;
  /** pending → sent | failed; `stored` when no SMTP server is configured (embedded default). */
  status: 'pending' | 'sent' | 'failed' | 'stored';
  attempts: number;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
};

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AccountTokenRow = Selectable<AccountTokensTable>;
export type OutboxEmailRow = Selectable<OutboxEmailsTable>;
