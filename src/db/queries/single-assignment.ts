import type { Kysely } from 'kysely'
import type { PivotAttributes } from '../../domain/assignment-diff.js'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import type { DialectName } from '../database.js'
import type { DB } from '../tables.js'
import { inTransaction } from '../transaction.js'
import { findAssignedService, type AssignedService } from './assignments.js'
import { changeTimeFor, recordAssignmentChanges, type AssignmentChange, type ChangeContext } from './change-log.js'
import { adjustCustomersCounts, lockCustomer } from './locks.js'

export type AssignOutcome =
  | { status: 'attached' | 'updated' | 'unchanged', service: AssignedService }
  | { status: 'customer_missing' }
  | { status: 'service_missing' }

export type UnassignOutcome = 'detached' | 'not_assigned' | 'customer_missing'

/**
 * Gives the customer one service, or changes the version it has it with; a version
 * not given leaves the current one. The sync's discipline: the customer's lock from the
 * first read to the commit, then the service's counter, then the history.
 */
export async function assignService (
  db: Kysely<DB>,
  dialect: DialectName,
  customerId: number,
  serviceId: number,
  attributes: PivotAttributes,
  context: ChangeContext
): Promise<AssignOutcome> {
  return await inTransaction(db, async (trx): Promise<AssignOutcome> => {
    if (!await lockCustomer(trx, dialect, customerId)) return { status: 'customer_missing' }
    // A share lock keeps the service from being deleted before this commits.
    let serviceQuery = trx.selectFrom('customer_services').select('key').where('id', '=', serviceId)
    if (dialect === 'postgres') serviceQuery = serviceQuery.forKeyShare()
    const service = await serviceQuery.executeTakeFirst()
    if (service === undefined) return { status: 'service_missing' }

    const current = await trx.selectFrom('customer_customer_service')
      .select('version')
      .where('customer_id', '=', customerId)
      .where('customer_service_id', '=', serviceId)
      .executeTakeFirst()
    const { version: newVersion } = attributes
    const updates = current !== undefined && newVersion !== undefined && newVersion !== current.version
    // Stamped after the customer's last change, as every change of its history is.
    const at = current === undefined || updates ? await changeTimeFor(trx, customerId, context.at) : context.at
    const timestamp = toStoredTimestamp(at)
    let change: AssignmentChange | undefined
    if (current === undefined) {
      const version = newVersion ?? null
      await trx.insertInto('customer_customer_service')
        .values({ customer_id: customerId, customer_service_id: serviceId, version, created_at: timestamp, updated_at: timestamp })
        .execute()
      await adjustCustomersCounts(trx, dialect, [serviceId], 1)
      change = { customerId, serviceId, action: 'attached', versionBefore: null, versionAfter: version }
    } else if (updates) {
      await trx.updateTable('customer_customer_service')
        .set({ version: newVersion, updated_at: timestamp })
        .where('customer_id', '=', customerId)
        .where('customer_service_id', '=', serviceId)
        .execute()
      change = { customerId, serviceId, action: 'updated', versionBefore: current.version, versionAfter: newVersion }
    }
    const lookup = await findAssignedService(trx, customerId, String(serviceId))
    if (lookup.status !== 'assigned') throw new Error(`assignment of service ${serviceId} to customer ${customerId} vanished inside its own transaction`)
    const assigned = lookup.service
    if (change === undefined) return { status: 'unchanged', service: assigned }
    await recordAssignmentChanges(trx, dialect, [change], { ...context, at })
    return { status: change.action === 'attached' ? 'attached' : 'updated', service: assigned }
  })
}

/** Takes one service from the customer, under the same locks as `assignService`. */
export async function unassignService (
  db: Kysely<DB>,
  dialect: DialectName,
  customerId: number,
  serviceId: number,
  context: ChangeContext
): Promise<UnassignOutcome> {
  return await inTransaction(db, async (trx): Promise<UnassignOutcome> => {
    if (!await lockCustomer(trx, dialect, customerId)) return 'customer_missing'
    const removed = await trx.deleteFrom('customer_customer_service')
      .where('customer_id', '=', customerId)
      .where('customer_service_id', '=', serviceId)
      .returning('version')
      .executeTakeFirst()
    if (removed === undefined) return 'not_assigned'
    await adjustCustomersCounts(trx, dialect, [serviceId], -1)
    const at = await changeTimeFor(trx, customerId, context.at)
    await recordAssignmentChanges(trx, dialect, [{ customerId, serviceId, action: 'detached', versionBefore: removed.version, versionAfter: null }], { ...context, at })
    return 'detached'
  })
}
