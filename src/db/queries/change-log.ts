import type { Transaction } from 'kysely'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import { advisoryTransactionLock, insertReturningLastId } from '../dialect.js'
import type { AssignmentAction, AssignmentHistoryTable, DB } from '../tables.js'
import { chunks, ROWS_PER_INSERT } from '../../domain/chunks.js'

/** One assignment that changed; a version is null both when unset and when there was no row. */
export interface AssignmentChange {
  customerId: number
  serviceId: number
  action: AssignmentAction
  versionBefore: string | null
  versionAfter: string | null
  /** The service's key, when the caller has read it already; otherwise it is looked up. */
  serviceKey?: string
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

/**
 * The advisory lock of the outbox on PostgreSQL: every writer of events holds it shared from
 * its append to its commit; a reader takes it exclusively to read (see `readEvents`).
 */
export const OUTBOX_LOCK = 0x6f7574626f78

/**
 * Appends events to the outbox. On PostgreSQL identity values are handed out before commit,
 * so transactions can commit ids out of order, and a reader that read past a gap could miss
 * the id that fills it later. So every writer holds the outbox lock in shared mode from its
 * append to its commit (writers never wait for each other, and commit together), and a reader
 * takes it exclusively: it is granted once every writer that may hold an id has committed or
 * rolled back, and later writers wait the moment the read takes. What a reader sees under it
 * is complete up to its newest id. SQLite writers are serialized already.
 * Call it last in a transaction, after every row lock: a writer that waited for a row lock
 * while holding the outbox lock could deadlock with a waiting reader.
 */
export async function appendEvents (trx: Transaction<DB>, events: readonly ChangeEvent[], at: Date): Promise<void> {
  if (events.length === 0) return
  await advisoryTransactionLock(trx, OUTBOX_LOCK, 'shared')
  const createdAt = toStoredTimestamp(at)
  for (const chunk of chunks(events, ROWS_PER_INSERT)) {
    await trx.insertInto('change_events')
      .values(chunk.map((event) => ({ type: event.type, payload: JSON.stringify(event.payload), created_at: createdAt })))
      .execute()
  }
}

/**
 * The time to stamp a customer's changes with, read once its lock is held: never before the
 * time asked for or the clock's, and a millisecond after the customer's last recorded change.
 * A request's time is taken before it waits for the lock, and replicas' clocks differ; without
 * this a change could be stamped before one it follows, and a point-in-time answer would be
 * wrong. Strictly later, so that every set the customer ever had is the answer for some time.
 */
export async function changeTimeFor (trx: Transaction<DB>, customerId: number, requested: Date): Promise<Date> {
  const last = await lastChangeOf(trx, customerId)
  return laterChangeTime(requested, last?.created_at ?? null)
}

/**
 * The customer's newest history row: its id is the set's version (see `assignmentSetTag`),
 * its time the one the next change must follow (see `changeTimeFor`).
 */
export async function lastChangeOf (trx: Transaction<DB>, customerId: number): Promise<{ id: number, created_at: string | Date } | undefined> {
  const last = await trx.selectFrom('assignment_history')
    .select(['id', 'created_at'])
    .where('customer_id', '=', customerId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  // History ids are bigints on PostgreSQL, which `pg` reads as strings.
  return last === undefined ? undefined : { id: Number(last.id), created_at: last.created_at }
}

/** `changeTimeFor` for changes of many customers in one transaction: after each one's last. */
export async function changeTimeForCustomers (trx: Transaction<DB>, customerIds: readonly number[], requested: Date): Promise<Date> {
  let latest: Date = requested
  for (const chunk of chunks([...new Set(customerIds)], ROWS_PER_INSERT)) {
    const row = await trx.selectFrom('assignment_history')
      .select((eb) => eb.fn.max('created_at').as('last'))
      .where('id', 'in', (eb) => eb.selectFrom('assignment_history')
        .select((inner) => inner.fn.max('id').as('id'))
        .where('customer_id', 'in', chunk)
        .groupBy('customer_id'))
      .executeTakeFirst()
    latest = laterChangeTime(latest, row?.last ?? null)
  }
  return latest
}

/** `changeTimeFor` once the customer's last change time is known. */
export function laterChangeTime (requested: Date, lastChange: Date | string | null): Date {
  const last = lastChange === null ? 0 : new Date(lastChange).getTime()
  return new Date(Math.max(requested.getTime(), Date.now(), last + 1))
}

type ChangeRow = Pick<AssignmentHistoryTable, 'customer_id' | 'customer_service_id' | 'service_key' | 'action' | 'version_before' | 'version_after' | 'user_id' | 'token_id' | 'reason'>

/** What a history row says of its change besides its action, alike in the history and in the change's event (whose type names the action). */
export function changeFacts (row: ChangeRow) {
  return {
    customer_id: row.customer_id,
    customer_service_id: row.customer_service_id,
    service_key: row.service_key,
    before: row.action === 'attached' ? null : { version: row.version_before },
    after: row.action === 'detached' ? null : { version: row.version_after },
    user_id: row.user_id,
    token_id: row.token_id,
    reason: row.reason
  }
}

/**
 * Writes the history rows and outbox events of assignment changes, in the transaction
 * that made them, then `events` (say, the deletion of the customer) after theirs. The
 * services must still exist (their keys are recorded as they are now). Returns the id of
 * the last history row written: the customer's new set version (null when nothing changed).
 * Call it with the customer's lock held, last in the transaction (see `appendEvents`).
 */
export async function recordAssignmentChanges (
  trx: Transaction<DB>,
  changes: readonly AssignmentChange[],
  context: ChangeContext,
  events: readonly ChangeEvent[] = []
): Promise<number | null> {
  if (changes.length === 0) {
    await appendEvents(trx, events, context.at)
    return null
  }
  const keyOf = new Map<number, string>()
  for (const change of changes) if (change.serviceKey !== undefined) keyOf.set(change.serviceId, change.serviceKey)
  const unknownKeys = [...new Set(changes.map((change) => change.serviceId))].filter((id) => !keyOf.has(id))
  for (const chunk of chunks(unknownKeys, ROWS_PER_INSERT)) {
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
  let lastId = 0
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) {
    lastId = await insertReturningLastId(trx, trx.insertInto('assignment_history').values(chunk))
  }
  await appendEvents(trx, [...rows.map((row) => ({
    type: `assignment.${row.action}`,
    payload: changeFacts(row)
  })), ...events], context.at)
  return lastId
}
