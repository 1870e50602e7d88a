import type { Transaction } from 'kysely'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import type { AssignmentAction } from '../../domain/assignment-diff.js'
import { compiledOnce } from '../compiled-once.js'
import { jsonElements, jsonField, sharedAdvisoryLockRow, storedTimestamp } from '../dialect.js'
import type { AssignmentHistoryTable, DB } from '../tables.js'
import type { TransactionStep } from '../transaction.js'

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
  /**
   * The request's Idempotency-Key claim, marked applied first in the transaction of its
   * changes (see the idempotency plugin): the mark commits with them or not at all.
   */
  idempotencyClaim?: TransactionStep | undefined
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
  await appendedEvents(trx, JSON.stringify(events.map((event, position) => ({ position, type: event.type, payload: JSON.stringify(event.payload) }))), toStoredTimestamp(at))
}

/** The events, a JSON array of `{ position, type, payload }`, appended in order in one statement that takes the outbox lock first. */
const appendedEvents = compiledOnce((db, events: string, createdAt: string) => db.insertInto('change_events')
  .columns(['type', 'payload', 'created_at'])
  .expression(db.selectFrom([sharedAdvisoryLockRow(db, OUTBOX_LOCK), jsonElements(db, events, 'event')])
    .select([
      jsonField<string>('event', 'type', 'text').as('type'),
      jsonField<string>('event', 'payload', 'text').as('payload'),
      storedTimestamp(db, createdAt).as('created_at')
    ])
    .orderBy(jsonField('event', 'position', 'integer'))))

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
