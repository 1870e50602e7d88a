import { sql, type Transaction } from 'kysely'
import { chunks, IDS_PER_STATEMENT } from '../chunks.js'
import { isStorableId } from '../../domain/ids.js'
import { lockingRows } from '../dialect.js'
import type { DB } from '../tables.js'

/*
 * The locks of every write of assignments (the sync, a single PUT or DELETE, the bulk
 * assignment, a customer's deletion), always taken in this order:
 *
 *   1. the customers whose sets change, in id order (`lockCustomers`), before the first read;
 *   2. the services assigned, shared (`lockExistingServices`), so none is deleted meanwhile;
 *   3. the pivot rows, by the writes themselves;
 *   4. the services' counters, in id order (`lockServiceCounters`);
 *   5. the outbox, shared, last of all (`appendEvents`).
 *
 * The invariant they keep: from its first read to its commit, a write is the only one of its
 * customers' sets, so the `If-Match` check, the history's order (its ids are its times) and
 * the counters all see the set they change. Writers that wait for each other wait in the same
 * order, so none waits for a lock held by one that waits for it: no deadlock.
 *
 * On PostgreSQL these are row locks. SQLite has none, and needs none: its transactions here
 * begin immediate, which already excludes every other writer (see `lockingRows`).
 */

/**
 * Locks the customers, in id order (in chunks, each in order). Answers those that exist;
 * ids no row could have are not looked up.
 */
export async function lockCustomers (trx: Transaction<DB>, customerIds: readonly number[]): Promise<Set<number>> {
  const found = new Set<number>()
  const wanted = [...new Set(customerIds)].filter(isStorableId).sort((a, b) => a - b)
  for (const chunk of chunks(wanted, IDS_PER_STATEMENT)) {
    const query = trx.selectFrom('customers').select('id').where('id', 'in', chunk).orderBy('id')
    for (const row of await lockingRows(trx, query, 'update').execute()) found.add(row.id)
  }
  return found
}

/** The services that exist among `serviceIds`, with their keys, kept from deletion until the commit. */
export async function lockExistingServices (trx: Transaction<DB>, serviceIds: readonly number[]): Promise<Map<number, string>> {
  const keyOf = new Map<number, string>()
  const wanted = serviceIds.filter(isStorableId)
  if (wanted.length === 0) return keyOf
  const query = trx.selectFrom('customer_services').select(['id', 'key']).where('id', 'in', wanted)
  for (const row of await lockingRows(trx, query, 'key share').execute()) keyOf.set(row.id, row.key)
  return keyOf
}

/**
 * Locks the catalog rows whose `customers_count` the transaction is about to change, in id
 * order. An UPDATE on PostgreSQL locks rows in the order its scan meets them, so two
 * transactions changing overlapping counters could deadlock; taking the locks first, sorted,
 * makes every transaction wait in the same order.
 */
export async function lockServiceCounters (trx: Transaction<DB>, serviceIds: readonly number[]): Promise<void> {
  if (serviceIds.length === 0) return
  const query = trx.selectFrom('customer_services').select('id').where('id', 'in', [...serviceIds]).orderBy('id')
  await lockingRows(trx, query, 'no key update').execute()
}

/**
 * Adds to each service's `customers_count` its delta, after locking their rows in id order
 * (see `lockServiceCounters`), in the transaction that changed their assignments.
 */
export async function adjustCustomersCounts (trx: Transaction<DB>, deltas: ReadonlyMap<number, number>): Promise<void> {
  const byDelta = new Map<number, number[]>()
  for (const [serviceId, delta] of deltas) {
    if (delta === 0) continue
    const group = byDelta.get(delta)
    if (group === undefined) byDelta.set(delta, [serviceId])
    else group.push(serviceId)
  }
  const serviceIds = [...byDelta.values()].flat().sort((a, b) => a - b)
  if (serviceIds.length === 0) return
  await lockServiceCounters(trx, serviceIds)
  const groups = [...byDelta]
  // One statement, however many deltas: each service's, by the group it is in.
  const delta = groups.length === 1
    ? (groups[0] as [number, number[]])[0]
    : sql<number>`case ${sql.join(groups.map(([value, ids]) => sql`when id in (${sql.join(ids)}) then ${sql.lit(value)}`), sql` `)} end`
  await trx.updateTable('customer_services')
    .set((eb) => ({ customers_count: eb('customers_count', '+', delta) }))
    .where('id', 'in', serviceIds)
    .execute()
}
