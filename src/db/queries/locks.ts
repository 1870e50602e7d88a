import type { Transaction } from 'kysely'
import { lockingRows } from '../dialect.js'
import type { DB } from '../tables.js'

/**
 * Serializes writers of one customer's assignments. On PostgreSQL the customer's row
 * is locked; SQLite transactions here begin immediate, which already excludes every
 * other writer. False when the customer does not exist.
 */
export async function lockCustomer (trx: Transaction<DB>, customerId: number): Promise<boolean> {
  const query = trx.selectFrom('customers').select('id').where('id', '=', customerId)
  return (await lockingRows(trx, query, 'update').executeTakeFirst()) !== undefined
}

/**
 * Locks the catalog rows whose `customers_count` the transaction is about to change, in id
 * order. An UPDATE on PostgreSQL locks rows in the order its scan meets them, so two
 * transactions changing overlapping counters could deadlock; taking the locks first, sorted,
 * makes every transaction wait in the same order. (SQLite writers are already serialized.)
 */
export async function lockServiceCounters (trx: Transaction<DB>, serviceIds: readonly number[]): Promise<void> {
  if (serviceIds.length === 0) return
  const query = trx.selectFrom('customer_services').select('id').where('id', 'in', [...serviceIds]).orderBy('id')
  await lockingRows(trx, query, 'no key update').execute()
}

/**
 * Adds `delta` to the `customers_count` of each service, after locking their rows in id
 * order (see `lockServiceCounters`), in the transaction that changed their assignments.
 */
export async function adjustCustomersCounts (
  trx: Transaction<DB>, serviceIds: readonly number[], delta: number
): Promise<void> {
  if (serviceIds.length === 0 || delta === 0) return
  await lockServiceCounters(trx, [...serviceIds].sort((a, b) => a - b))
  await trx.updateTable('customer_services')
    .set((eb) => ({ customers_count: eb('customers_count', '+', delta) }))
    .where('id', 'in', [...serviceIds])
    .execute()
}
