import { sql, type Transaction } from 'kysely'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import type { DialectName } from '../database.js'
import type { AssignmentAction, DB } from '../tables.js'

/** One assignment that changed; a version is null both when unset and when there was no row. */
export interface AssignmentChange {
  customerId: number
  serviceId: number
  action: AssignmentAction
  versionBefore: string | null
  versionAfter: string | null
}

/** Who made a change, when, and why. */
export interface ChangeContext {
  userId: number | null
  tokenId: number | null
  /** From the request's `X-Reason` header, at most 255 characters. */
  reason: string | null
  at: Date
}

export interface ChangeEvent {
  type: string
  payload: Record<string, unknown>
}

/** Rows per INSERT: well under either database's limit on bound parameters. */
const ROWS_PER_INSERT = 500
/** The advisory lock every PostgreSQL writer of `change_events` holds until it commits. */
const OUTBOX_LOCK = 0x6f7574626f78

function chunks<T> (items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size))
  return result
}

/**
 * Appends events to the outbox. On PostgreSQL identity values are handed out before commit,
 * so two transactions could commit ids out of order and a reader could pass one that commits
 * later; holding one advisory lock from the first append to the commit makes id order commit
 * order. SQLite writers are serialized already. Call it last in a transaction: the lock is
 * held from here to the commit.
 */
export async function appendEvents (trx: Transaction<DB>, dialect: DialectName, events: readonly ChangeEvent[], at: Date): Promise<void> {
  if (events.length === 0) return
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${OUTBOX_LOCK})`.execute(trx)
  const createdAt = toStoredTimestamp(at)
  for (const chunk of chunks(events, ROWS_PER_INSERT)) {
    await trx.insertInto('change_events')
      .values(chunk.map((event) => ({ type: event.type, payload: JSON.stringify(event.payload), created_at: createdAt })))
      .execute()
  }
}

/**
 * Writes the history rows and outbox events of assignment changes, in the transaction
 * that made them. The services must still exist (their keys are recorded as they are now).
 */
export async function recordAssignmentChanges (
  trx: Transaction<DB>,
  dialect: DialectName,
  changes: readonly AssignmentChange[],
  context: ChangeContext
): Promise<void> {
  if (changes.length === 0) return
  const serviceIds = [...new Set(changes.map((change) => change.serviceId))]
  const keyOf = new Map<number, string>()
  for (const chunk of chunks(serviceIds, ROWS_PER_INSERT)) {
    const rows = await trx.selectFrom('customer_services').select(['id', 'key']).where('id', 'in', chunk).execute()
    for (const row of rows) keyOf.set(row.id, row.key)
  }
  const createdAt = toStoredTimestamp(context.at)
  const rows = changes.map((change) => {
    const key = keyOf.get(change.serviceId)
    if (key === undefined) throw new Error(`service ${change.serviceId} vanished inside its own transaction`)
    return {
      customer_id: change.customerId,
      customer_service_id: change.serviceId,
      service_key: key,
      action: change.action,
      version_before: change.versionBefore,
      version_after: change.versionAfter,
      user_id: context.userId,
      token_id: context.tokenId,
      reason: context.reason,
      created_at: createdAt
    }
  })
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) await trx.insertInto('assignment_history').values(chunk).execute()
  await appendEvents(trx, dialect, rows.map((row) => ({
    type: `assignment.${row.action}`,
    payload: {
      customer_id: row.customer_id,
      customer_service_id: row.customer_service_id,
      service_key: row.service_key,
      before: row.action === 'attached' ? null : { version: row.version_before },
      after: row.action === 'detached' ? null : { version: row.version_after },
      user_id: row.user_id,
      token_id: row.token_id,
      reason: row.reason
    }
  })), context.at)
}
