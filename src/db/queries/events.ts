import type { Kysely } from 'kysely'
import { toLaravelTimestamp } from '../../domain/timestamps.js'
import type { DB } from '../tables.js'

export interface ChangeEventRecord {
  /** The event's cursor: its id, as a string (ids may outgrow JSON's safe integers one day). */
  id: string
  type: string
  occurred_at: string
  data: Record<string, unknown>
}

/**
 * Events after the cursor, oldest first. Writers commit events in id order (see
 * `appendEvents`), so once a reader has seen an id no smaller one can appear later:
 * following `id > cursor` misses nothing and sees nothing twice.
 */
export async function readEvents (db: Kysely<DB>, after: number, limit: number): Promise<ChangeEventRecord[]> {
  const rows = await db.selectFrom('change_events')
    .select(['id', 'type', 'payload', 'created_at'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((row) => ({
    id: String(row.id),
    type: row.type,
    occurred_at: toLaravelTimestamp(row.created_at),
    data: JSON.parse(row.payload) as Record<string, unknown>
  }))
}
