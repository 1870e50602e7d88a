import type { Kysely } from 'kysely'
import { toLaravelTimestamp } from '../../domain/timestamps.js'
import { advisoryTransactionLock, writersRunConcurrently } from '../dialect.js'
import type { ChangeEvent } from '../../schemas/event.js'
import type { DB } from '../tables.js'
import { OUTBOX_LOCK } from './change-log.js'

function eventsAfter (db: Kysely<DB>, after: number, limit: number) {
  return db.selectFrom('change_events')
    .select(['id', 'type', 'payload', 'created_at'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
}

/**
 * Events after the cursor, oldest first, never one that a later read could find behind them.
 * SQLite writers are serialized, so what a read sees is complete. On PostgreSQL ids may commit
 * out of order; the read is made under the outbox lock taken exclusively (see `appendEvents`),
 * when no writer that may hold a smaller id is still running. A first read without it answers
 * an idle poll, which then costs writers nothing.
 */
export async function readEvents (db: Kysely<DB>, after: number, limit: number): Promise<ChangeEvent[]> {
  let rows = await eventsAfter(db, after, limit).execute()
  if (rows.length > 0 && writersRunConcurrently(db)) {
    rows = await db.transaction().execute(async (trx) => {
      await advisoryTransactionLock(trx, OUTBOX_LOCK, 'exclusive')
      return await eventsAfter(trx, after, limit).execute()
    })
  }
  return rows.map((row) => ({
    id: String(row.id),
    type: row.type,
    occurred_at: toLaravelTimestamp(row.created_at),
    data: JSON.parse(row.payload) as Record<string, unknown>
  }))
}

/** The id of the newest event, 0 when there is none: no cursor this feed issued is greater. */
export async function newestEventId (db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('change_events').select((eb) => eb.fn.max('id').as('newest')).executeTakeFirst()
  return Number(row?.newest ?? 0)
}
