import type { Kysely } from 'kysely'
import { compiledOnce } from '../compiled-once.js'
import { inJsonIds } from '../dialect.js'
import type { DB } from '../tables.js'
import { inTransaction } from '../transaction.js'
import { applyAssignmentChanges } from './assignment-writes.js'
import type { AssignmentChange, ChangeContext } from './change-log.js'
import { lockCustomers, lockServiceCounters } from './locks.js'

const serviceKey = compiledOnce((db, serviceId: number) => db.selectFrom('customer_services').select('key').where('id', '=', serviceId))

/** The assignments of the service to the customers of a JSON array of ids. */
const assignmentsOfService = compiledOnce((db, serviceId: number, customerIds: string) => db.selectFrom('customer_customer_service')
  .select(['customer_id', 'version'])
  .where('customer_service_id', '=', serviceId)
  .where(inJsonIds(db, 'customer_id', customerIds)))

export type BulkOutcome =
  | { status: 'applied', attached: number[], detached: number[] }
  | { status: 'service_missing' }
  | { status: 'unknown_customers', customerIds: number[] }

/**
 * Gives one service to many customers and takes it from others, in one transaction.
 * The customers are locked first, in id order, then the service's counter, as every writer
 * of assignments does (see `locks.ts`); then the changes are written as every such writer
 * writes them (`applyAssignmentChanges`). Customers that have the service already, or lack
 * it already, are skipped.
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
    const found = await lockCustomers(trx, wanted)
    const unknown = wanted.filter((id) => !found.has(id))
    if (unknown.length > 0) return { status: 'unknown_customers', customerIds: unknown }

    await lockServiceCounters(trx, [serviceId])
    const [service] = await serviceKey(trx, serviceId)
    if (service === undefined) return { status: 'service_missing' }

    const current = new Map<number, string | null>()
    for (const row of await assignmentsOfService(trx, serviceId, JSON.stringify(wanted))) current.set(row.customer_id, row.version)
    const attached = [...new Set(attach)].filter((id) => !current.has(id)).sort((a, b) => a - b)
    const detached = [...new Set(detach)].filter((id) => current.has(id)).sort((a, b) => a - b)
    await applyAssignmentChanges(trx, [
      ...attached.map((customerId): AssignmentChange => ({ customerId, serviceId, serviceKey: service.key, action: 'attached', versionBefore: null, versionAfter: null })),
      ...detached.map((customerId): AssignmentChange => ({ customerId, serviceId, serviceKey: service.key, action: 'detached', versionBefore: current.get(customerId) ?? null, versionAfter: null }))
    ], context)
    return { status: 'applied', attached, detached }
  }, { first: context.idempotencyClaim })
}
