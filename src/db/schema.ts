import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { InquiryKind, InquiryStatus, InvitationStatus, OfferStatus, QuestionState } from '../domain/inquiries.js';
import type { OrderStatus, PaymentStatus } from '../domain/orders.js';

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
  notices: NoticesTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  messages: MessagesTable;
  files: FilesTable;
  message_files: MessageFilesTable;
  email_preferences: EmailPreferencesTable;
  fields: FieldsTable;
  organisations: OrganisationsTable;
  expert_profiles: ExpertProfilesTable;
  expert_fields: ExpertFieldsTable;
  expert_languages: ExpertLanguagesTable;
  expert_applications: ExpertApplicationsTable;
  expert_application_fields: ExpertApplicationFieldsTable;
  document_types: DocumentTypesTable;
  inquiries: InquiriesTable;
  inquiry_files: InquiryFilesTable;
  invitations: InvitationsTable;
  offers: OffersTable;
  orders: OrdersTable;
  payments: PaymentsTable;
  payment_events: PaymentEventsTable;
  refunds: RefundsTable;
  ledger_entries: LedgerEntriesTable;
  deliveries: DeliveriesTable;
  delivery_files: DeliveryFilesTable;
  reviews: ReviewsTable;
  disputes: DisputesTable;
  settings: SettingsTable;
  audit_log: AuditLogTable;
  sandbox_payments: SandboxPaymentsTable;
  sandbox_refunds: SandboxRefundsTable;
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
  /** Set when the person deleted their account: the row stays, anonymised (decision 013). */
  deleted_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
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

export type NoticesTable = {
  id: Generated<number>;
  user_id: number;
  kind: string;
  /** JSON object of the catalog parameters; rendered in the reader's language when shown. */
  params: string;
  link: string | null;
  created_at: Timestamp;
  read_at: Timestamp | null;
};

export type ConversationsTable = {
  id: Generated<number>;
  subject: string;
  /** What the conversation is about (an inquiry, an order…), when anything. */
  context_type: string | null;
  context_id: number | null;
  created_at: Timestamp;
  last_message_at: Timestamp;
};

export type ConversationMembersTable = {
  conversation_id: number;
  user_id: number;
  unread_count: number;
  last_activity_at: Timestamp;
  joined_at: Timestamp;
  /** How the member is shown to the others when their name stays private (a customer, to experts, before an order). */
  shown_as: ColumnType<string | null, string | null | undefined, string | null>;
};

export type MessagesTable = {
  id: Generated<number>;
  conversation_id: number;
  sender_id: number;
  body: string;
  created_at: Timestamp;
};

export type FilesTable = {
  id: Generated<number>;
  /** The generated name the file store keeps it under; never derived from the upload's name. */
  storage_key: string;
  original_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_by: number;
  created_at: Timestamp;
};

export type MessageFilesTable = {
  message_id: number;
  file_id: number;
};

export type EmailPreferencesTable = {
  user_id: number;
  category: string;
  is_enabled: number;
};

export type FieldsTable = {
  id: Generated<number>;
  name_et: string;
  name_en: string;
  description_et: string;
  description_en: string;
  /** Display order, ascending. */
  position: number;
  is_active: number;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type OrganisationsTable = {
  id: Generated<number>;
  name: string;
  registry_code: string;
  created_at: Timestamp;
};

export type ExpertProfilesTable = {
  user_id: number;
  display_name: string;
  organisation_id: number | null;
  qualifications: string;
  bio: string;
  price_level: number;
  photo_file_id: number | null;
  /** On leave (1) or not; a leave whose return day has come is ended by the worker's sweep. */
  is_on_leave: number;
  /** When leave ends by itself (the start of the return day, Tallinn); null: until the expert ends it. */
  leave_until: Timestamp | null;
  is_active: number;
  rating_count: Generated<number>;
  rating_sum: Generated<number>;
  /** JSON array of five counts: how many 1…5-star ratings. */
  rating_distribution: Generated<string>;
  /** The average × 100, rounded (0 while unrated): the directory's indexed sort key. */
  rating_score: Generated<number>;
  /** Lowercased name, organisation, qualifications and bio, for search. */
  search_text: string;
  approved_at: Timestamp;
  updated_at: Timestamp;
};

export type ExpertFieldsTable = { expert_id: number; field_id: number };
export type ExpertLanguagesTable = { expert_id: number; language: string };

export type ExpertApplicationsTable = {
  id: Generated<number>;
  user_id: number;
  status: 'submitted' | 'needs_info' | 'approved' | 'rejected' | 'withdrawn';
  applicant_kind: 'person' | 'organisation';
  full_name: string | null;
  /** Seen by reviewers only; never on a public page. */
  personal_id_code: string | null;
  organisation_name: string | null;
  registry_code: string | null;
  contact_person: string | null;
  qualifications: string;
  bio: string;
  /** Comma-separated language codes. */
  languages: string;
  price_level: number;
  photo_file_id: number | null;
  applicant_note: string | null;
  review_note: string | null;
  reviewed_by: number | null;
  reviewed_at: Timestamp | null;
  submitted_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type ExpertApplicationFieldsTable = { application_id: number; field_id: number };

export type DocumentTypesTable = {
  id: Generated<number>;
  name_et: string;
  name_en: string;
  position: number;
  is_active: number;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type InquiriesTable = {
  id: Generated<number>;
  customer_id: number;
  kind: InquiryKind;
  /** 1 when the customer did not choose a field (a moderator did, or will). */
  is_general: number;
  field_id: number | null;
  document_type_id: number | null;
  /** What the document is for (document inquiries). */
  purpose: string | null;
  title: string;
  description: string;
  language: string;
  status: InquiryStatus;
  /** Offers are taken until this instant: the end of the chosen day in Tallinn. */
  deadline_at: Timestamp;
  /** The wished completion date (`YYYY-MM-DD`), if the customer named one. */
  wished_by: string | null;
  triaged_by: number | null;
  triaged_at: Timestamp | null;
  /** The moderator's message to the customer when a general inquiry is rejected. */
  triage_note: string | null;
  /** How many experts the random pick chose from. */
  random_pool_size: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
};

export type InquiryFilesTable = { inquiry_id: number; file_id: number };

export type InvitationsTable = {
  id: Generated<number>;
  inquiry_id: number;
  expert_id: number;
  status: InvitationStatus;
  question_state: ColumnType<QuestionState, QuestionState | undefined, QuestionState>;
  /** The question thread between this expert and the customer, once one of them wrote. */
  conversation_id: number | null;
  /** 1 when the portal chose the expert at random (a general inquiry). */
  is_random: number;
  decline_reason: string | null;
  decline_note: string | null;
  seen_at: Timestamp | null;
  responded_at: Timestamp | null;
  reminded_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type OffersTable = {
  id: Generated<number>;
  inquiry_id: number;
  invitation_id: number;
  expert_id: number;
  status: OfferStatus;
  price_cents: number;
  delivery_date: string;
  note: string;
  valid_until: string;
  /** The end of the validity day: from this instant the offer cannot be ordered. */
  expires_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type OrdersTable = {
  id: Generated<number>;
  inquiry_id: number;
  offer_id: number;
  customer_id: number;
  expert_id: number;
  amount_cents: number;
  status: OrderStatus;
  payment_due_at: Timestamp;
  paid_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  /** When the expert marked the work done (the latest time). */
  delivered_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
  /** When delivered work is accepted by itself if the customer does nothing. */
  auto_accept_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
  /** When the customer was reminded of the automatic acceptance. */
  reminded_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
  accepted_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
  /** `customer`, `automatic` or `moderator` (a dispute released to the expert). */
  accepted_how: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type DeliveriesTable = { id: Generated<number>; order_id: number; expert_id: number; body: string; created_at: Timestamp };
export type DeliveryFilesTable = { delivery_id: number; file_id: number };

export type ReviewsTable = {
  id: Generated<number>;
  order_id: number;
  expert_id: number;
  customer_id: number;
  stars: number;
  comment: string | null;
  /** The customer may change the rating until then. */
  editable_until: Timestamp;
  reply: string | null;
  replied_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type DisputesTable = {
  id: Generated<number>;
  order_id: number;
  opened_by: number;
  reason: string;
  /** `deciding` while a moderator's decision is being carried out (its refund at the provider). */
  status: 'open' | 'deciding' | 'resolved';
  /** `release` (all to the expert), `refund` (all back to the customer) or `split`. */
  resolution: string | null;
  refund_cents: number | null;
  release_cents: number | null;
  note: string | null;
  resolved_by: number | null;
  resolved_at: Timestamp | null;
  created_at: Timestamp;
};

export type PaymentsTable = {
  id: Generated<number>;
  order_id: number;
  provider: 'sandbox' | 'montonio';
  merchant_reference: string;
  provider_ref: string | null;
  payment_url: string | null;
  amount_cents: number;
  currency: string;
  status: PaymentStatus;
  refunded_cents: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  settled_at: Timestamp | null;
};

export type PaymentEventsTable = {
  id: Generated<number>;
  payment_id: number;
  /** Where the status came from: `notification`, `return` or `query`. */
  source: string;
  provider_status: string;
  amount_cents: number;
  /** 1 when it changed the payment, 0 when it was a duplicate or came too late. */
  applied: number;
  received_at: Timestamp;
};

export type RefundsTable = {
  id: Generated<number>;
  payment_id: number;
  amount_cents: number;
  reason: string;
  idempotency_key: string;
  provider_ref: string | null;
  status: string;
  requested_by: number;
  created_at: Timestamp;
};

export type LedgerEntriesTable = {
  id: Generated<number>;
  transaction_id: string;
  kind: string;
  account: string;
  amount_cents: number;
  order_id: number | null;
  expert_id: number | null;
  created_at: Timestamp;
};

export type SettingsTable = { key: string; value: string; updated_at: Timestamp; updated_by: number | null };

/** Append-only (database triggers refuse UPDATE and DELETE). */
export type AuditLogTable = {
  id: Generated<number>;
  created_at: Timestamp;
  actor_id: number | null;
  action: string;
  object_type: string;
  object_id: string | null;
  before_json: string | null;
  after_json: string | null;
};

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AccountTokenRow = Selectable<AccountTokensTable>;
export type OutboxEmailRow = Selectable<OutboxEmailsTable>;
export type NoticeRow = Selectable<NoticesTable>;
export type MessageRow = Selectable<MessagesTable>;
export type FileRow = Selectable<FilesTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type FieldRow = Selectable<FieldsTable>;
export type ExpertProfileRow = Selectable<ExpertProfilesTable>;
export type ExpertApplicationRow = Selectable<ExpertApplicationsTable>;
export type DocumentTypeRow = Selectable<DocumentTypesTable>;
export type InquiryRow = Selectable<InquiriesTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type OfferRow = Selectable<OffersTable>;
export type OrderRow = Selectable<OrdersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type ReviewRow = Selectable<ReviewsTable>;
export type DisputeRow = Selectable<DisputesTable>;
export type AuditLogRow = Selectable<AuditLogTable>;

/** The embedded sandbox payment provider's records (its "server side"; never the portal's own payments). */
export type SandboxPaymentsTable = {
  provider_ref: string;
  merchant_reference: string;
  amount_cents: number;
  currency: string;
  description: string;
  locale: string;
  return_url: string;
  notification_url: string;
  status: string;
  refunded_cents: number;
  created_at: Timestamp;
};

export type SandboxRefundsTable = {
  idempotency_key: string;
  provider_ref: string;
  refund_ref: string;
  amount_cents: number;
  status: string;
};
