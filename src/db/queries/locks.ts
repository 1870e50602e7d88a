import type { Kysely, Transaction } from 'kysely'
import { compiledOnce } from '../compiled-once.js'
import { isStorableId } from '../../domain/ids.js'
import { inJsonIds, jsonElements, jsonField, lockingRows, writersRunConcurrently } from '../dialect.js'
import type { DB } from '../tables.js'

/*
 * The locks of every write of assignments (the sync, a single PUT or DELETE, the bulk
 * assignment, a customer's deletion), always taken in this order:
 *
 *   1. the customers whose sets change, in id order (`lockCustomers`), before the first read;
 *   2. the services assigned, shared (`lockingServices`), so none is deleted meanwhile;
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
 * begin immediate, which already excludes every other writer (see `lockingRows`); there a
 * statement that would only lock is not run at all.
 */

const lockedCustomers = compiledOnce((db, ids: string) => lockingRows(db, db.selectFrom('customers')
  .select('id')
  .where(inJsonIds(db, 'id', ids))
  .orderBy('id'), 'update'))

/**
 * Locks the customers, in id order. Answers those that exist; ids no row could have are not
 * looked up.
 */
export async function lockCustomers (trx: Transaction<DB>, customerIds: readonly number[]): Promise<Set<number>> {
  const wanted = [...new Set(customerIds)].filter(isStorableId).sort((a, b) => a - b)
  if (wanted.length === 0) return new Set()
  return new Set((await lockedCustomers(trx, JSON.stringify(wanted))).map((row) => row.id))
}

/** The services of a JSON array of ids that exist, with their keys, kept from deletion until the commit. */
export function lockingServices (db: Kysely<DB>, ids: unknown) {
  return lockingRows(db, db.selectFrom('customer_services').select(['id', 'key']).where(inJsonIds(db, 'id', ids)), 'key share')
}

const lockedCounters = compiledOnce((db, ids: string) => lockingRows(db, db.selectFrom('customer_services')
  .select('id')
  .where(inJsonIds(db, 'id', ids))
  .orderBy('id'), 'no key update'))

/**
 * Locks the catalog rows whose `customers_count` the transaction is about to change, in id
 * order. An UPDATE on PostgreSQL locks rows in the order its scan meets them, so two
 * transactions changing overlapping counters could deadlock; taking the locks first, sorted,
 * makes every transaction wait in the same order.
 */
export async function lockServiceCounters (trx: Transaction<DB>, serviceIds: readonly number[]): Promise<void> {
  if (serviceIds.length === 0 || !writersRunConcurrently(trx)) return
  await lockedCounters(trx, JSON.stringify([...serviceIds].sort((a, b) => a - b)))
}

/**
 * Adds to each service's `customers_count` its delta, given as a JSON array of `{ id, delta }`
 * beside a JSON array of the ids; lock them first (`lockServiceCounters`). Locking them in the
 * update itself, from a sorted locking subquery, deadlocked under load on PostgreSQL: the
 * update then found the versions its snapshot saw updated, and waited again for rows whose
 * locks it held already.
 */
export function customersCountsAdjustment (db: Kysely<DB>, ids: unknown, deltas: unknown) {
  return db.updateTable('customer_services')
    .from(jsonElements(db, deltas, 'delta'))
    .set((eb) => ({ customers_count: eb('customer_services.customers_count', '+', jsonField<number>('delta', 'delta', 'integer')) }))
    .where(inJsonIds(db, 'customer_services.id', ids))
    .where('customer_services.id', '=', jsonField<number>('delta', 'id', 'integer'))
}
