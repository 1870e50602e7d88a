import type { Kysely, Transaction } from 'kysely'
import { compiledOnce } from '../compiled-once.js'
import type { DB } from '../tables.js'

export type CountedTable = 'customers' | 'customer_services'

/** Adds `delta` to a table's count, in the transaction that inserted or deleted the rows. */
export async function adjustRowCount (trx: Transaction<DB>, table: CountedTable, delta: number): Promise<void> {
  await trx.updateTable('row_counts')
    .set((eb) => ({ row_count: eb('row_count', '+', delta) }))
    .where('table_name', '=', table)
    .execute()
}

/** Read on every unfiltered page of a list: compiled once, and prepared by name on PostgreSQL. */
const selectRowCount = compiledOnce((db, table: string) =>
  db.selectFrom('row_counts').select('row_count').where('table_name', '=', table))

export async function rowCount (db: Kysely<DB>, table: CountedTable): Promise<number> {
  const [row] = await selectRowCount(db, table)
  // The migrations insert both tables' rows.
  if (row === undefined) throw new Error(`row_counts has no row for ${table}`)
  return Number(row.row_count)
}
