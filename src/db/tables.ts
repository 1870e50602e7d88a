import type { ColumnType, Generated } from 'kysely'
import type { AssignmentAction } from '../domain/assignment-diff.js'

/** Written as ISO-8601 strings; read back as strings (SQLite) or Dates (PostgreSQL). */
export type Timestamp = ColumnType<string | Date, string, string>

/** SQLite stores 0/1, PostgreSQL a boolean; both accept 0/1 on write. */
export type Flag = ColumnType<number | boolean, number, number>

export interface CustomersTable {
  id: Generated<number>
  name: string
  /** `name` case-folded by the application, for filters and sorting. */
  name_folded: string
  /** Set in the transaction that creates the row, once the id is known. */
  customer_account: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface CustomerServicesTable {
  id: Generated<number>
  key: string
  name: string
  name_folded: string
  description: string | null
  can_be_enabled: Flag
  /** How many customers have the service; kept exact by every write to the pivot. */
  customers_count: ColumnType<number, number | undefined, number>
  created_at: Timestamp
  updated_at: Timestamp
}

/** A catalog entry as it was when deleted, kept for point-in-time answers. */
export interface DeletedCustomerServicesTable {
  id: number
  key: string
  name: string
  name_folded: string
  description: string | null
  can_be_enabled: Flag
  created_at: Timestamp
  updated_at: Timestamp
  deleted_at: Timestamp
}

export interface AssignmentsTable {
  customer_id: number
  customer_service_id: number
  version: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface UsersTable {
  id: Generated<number>
  name: string
  email: string
  password: string
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ApiTokensTable {
  id: Generated<number>
  user_id: number
  token_hash: string
  created_at: Timestamp
  last_used_at: Timestamp | null
  expires_at: Timestamp
  /** The customer a customer token is limited to; null for an admin token. */
  customer_id: ColumnType<number | null, number | null | undefined, number | null>
  /** A label given when the token was issued. */
  name: ColumnType<string | null, string | null | undefined, string | null>
}

export interface RowCountsTable {
  table_name: string
  row_count: number
}

export interface AssignmentHistoryTable {
  /** A bigint on PostgreSQL, which `pg` reads as a string. */
  id: ColumnType<number | string, never, never>
  customer_id: number
  customer_service_id: number
  service_key: string
  action: AssignmentAction
  version_before: string | null
  version_after: string | null
  user_id: number | null
  token_id: number | null
  reason: string | null
  created_at: Timestamp
}

export interface ChangeEventsTable {
  /** A bigint on PostgreSQL, which `pg` reads as a string. */
  id: ColumnType<number | string, never, never>
  type: string
  /** JSON text. */
  payload: string
  created_at: Timestamp
}

export interface IdempotencyKeysTable {
  token_id: number
  key: string
  /** SHA-256, in hex, of the method, the URL and the body as sent. */
  fingerprint: string
  /** Null while the request that claimed the key is being answered. */
  status: number | null
  /** JSON text: the answer's headers worth replaying, by lower-case name. */
  headers: string | null
  body: string | null
  created_at: Timestamp
  expires_at: Timestamp
  /** Set by the claiming request's writes, in their transaction: they committed. */
  applied_at: Timestamp | null
}

export interface DB {
  customers: CustomersTable
  customer_services: CustomerServicesTable
  deleted_customer_services: DeletedCustomerServicesTable
  customer_customer_service: AssignmentsTable
  users: UsersTable
  api_tokens: ApiTokensTable
  row_counts: RowCountsTable
  assignment_history: AssignmentHistoryTable
  change_events: ChangeEventsTable
  idempotency_keys: IdempotencyKeysTable
}
