import type { Kysely } from 'kysely'
import { chunks, IDS_PER_STATEMENT } from '../chunks.js'
import { isStorableId } from '../../domain/ids.js'
import type { DB } from '../tables.js'

/**
 * Which of `ids` name no row of `table`, read without a transaction: for a request that is
 * refused anyway, so that its 422 names every id that names nothing, as Laravel's `exists` does.
 */
export async function unknownIds (db: Kysely<DB>, table: 'customers' | 'customer_services', ids: readonly number[]): Promise<Set<number>> {
  const found = new Set<number>()
  for (const chunk of chunks([...new Set(ids)].filter(isStorableId), IDS_PER_STATEMENT)) {
    const rows = await db.selectFrom(table).select('id').where('id', 'in', chunk).execute()
    for (const row of rows) found.add(row.id)
  }
  return new Set(ids.filter((id) => !found.has(id)))
}
