import type { Kysely } from 'kysely'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import { lockingRows } from '../dialect.js'
import type { DB } from '../tables.js'
import { inTransaction } from '../transaction.js'
import { changeTimeForCustomers, recordAssignmentChanges, type AssignmentChange, type ChangeContext } from './change-log.js'
import { adjustCustomersCounts, lockServiceCounters } from './locks.js'
import { chunks, IDS_PER_STATEMENT, ROWS_PER_INSERT } from '../../domain/chunks.js'
import { isStorableId } from '../../domain/ids.js'

export type BulkOutcome =
  | { status: 'applied', attached: number[], detached: number[] }
  | { status: 'service_missing' }
  | { status: 'unknown_customers', customerIds: number[] }

/**
 * Gives one service to many customers and takes it from others, in one transaction.
 * The customers are locked first, in id order (a sync locks its one customer first too,
 * so no sync can hold a customer this waits for while waiting for something this holds),
 * then the service's counter, as every writer of counters does after its customers.
 * Customers that have the service already, or lack it already, are skipped.
 */
export async function bulkAssignService (
  db: Kysely<DB>,
  serviceId: number,
  attach: readonly number[],
  detach: readonly number[],
  context: ChangeContext
): Promise<BulkOutcome> {
  const wanted = [...new Set([...attach, ...detach])].sort((a, b) => a - b)
  return await inTransaction(db, async (trx): Promise<BulkOutcome> => {
    const found = new Set<number>()
    for (const chunk of chunks(wanted.filter(isStorableId), IDS_PER_STATEMENT)) {
      const query = trx.selectFrom('customers').select('id').where('id', 'in', chunk).orderBy('id')
      for (const row of await lockingRows(trx, query, 'update').execute()) found.add(row.id)
    }
    const unknown = wanted.filter((id) => !found.has(id))
    if (unknown.length > 0) return { status: 'unknown_customers', customerIds: unknown }

    await lockServiceCounters(trx, [serviceId])
    const service = await trx.selectFrom('customer_services').select('id').where('id', '=', serviceId).executeTakeFirst()
    if (service === undefined) return { status: 'service_missing' }

    const current = new Map<number, string | null>()
    for (const chunk of chunks(wanted, IDS_PER_STATEMENT)) {
      const rows = await trx.selectFrom('customer_customer_service')
        .select(['customer_id', 'version'])
        .where('customer_service_id', '=', serviceId)
        .where('customer_id', 'in', chunk)
        .execute()
      for (const row of rows) current.set(row.customer_id, row.version)
    }
    const attached = [...new Set(attach)].filter((id) => !current.has(id)).sort((a, b) => a - b)
    const detached = [...new Set(detach)].filter((id) => current.has(id)).sort((a, b) => a - b)

    // Stamped after each customer's last change, as every change of a history is.
    const at = attached.length + detached.length > 0 ? await changeTimeForCustomers(trx, [...attached, ...detached], context.at) : context.at
    const timestamp = toStoredTimestamp(at)
    for (const chunk of chunks(attached, ROWS_PER_INSERT)) {
      await trx.insertInto('customer_customer_service')
        .values(chunk.map((customerId) => ({ customer_id: customerId, customer_service_id: serviceId, version: null, created_at: timestamp, updated_at: timestamp })))
        .execute()
    }
    for (const chunk of chunks(detached, IDS_PER_STATEMENT)) {
      await trx.deleteFrom('customer_customer_service')
        .where('customer_service_id', '=', serviceId)
        .where('customer_id', 'in', chunk)
        .execute()
    }
    await adjustCustomersCounts(trx, [serviceId], attached.length - detached.length)
    const changes: AssignmentChange[] = [
      ...attached.map((customerId): AssignmentChange => ({ customerId, serviceId, action: 'attached', versionBefore: null, versionAfter: null })),
      ...detached.map((customerId): AssignmentChange => ({ customerId, serviceId, action: 'detached', versionBefore: current.get(customerId) ?? null, versionAfter: null }))
    ]
    await recordAssignmentChanges(trx, changes, { ...context, at })
    return { status: 'applied', attached, detached }
  })
}
