import type { Transaction } from 'kysely'
import type { DialectName } from '../database.js'
import type { DB } from '../tables.js'

/**
 * Serializes writers of one customer's assignments. On PostgreSQL the customer's row
 * is locked; SQLite transactions here begin immediate, which already excludes every
 * other writer. False when the customer does not exist.
 */
export async function lockCustomer (trx: Transaction<DB>, dialect: DialectName, customerId: number): Promise<boolean> {
  let query = trx.selectFrom('customers').select('id').where('id', '=', customerId)
  if (dialect === 'postgres') query = query.forUpdate()
  return (await query.executeTakeFirst()) !== undefined
}
