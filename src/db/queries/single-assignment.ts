import type { Kysely } from 'kysely'
import type { PivotAttributes } from '../../domain/assignment-diff.js'
import { assignmentSetTag } from '../../domain/entity-tag.js'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import { lockingRows } from '../dialect.js'
import type { DB } from '../tables.js'
import { inTransaction } from '../transaction.js'
import { findAssignedService, unmetPrecondition, type AssignedService, type PreconditionFailed, type SetWriteOptions } from './assignments.js'
import { lastChangeOf, laterChangeTime, recordAssignmentChanges, type AssignmentChange, type ChangeContext } from './change-log.js'
import { adjustCustomersCounts, lockCustomer } from './locks.js'

/** `etag` names the customer's set after the change (or as it is, when nothing changed). */
export type AssignOutcome =
  | { status: 'attached' | 'updated' | 'unchanged', service: AssignedService, etag: string }
  | { status: 'customer_missing' }
  | { status: 'service_missing' }
  | PreconditionFailed

export type UnassignOutcome =
  | { status: 'detached', etag: string }
  | { status: 'not_assigned' }
  | { status: 'customer_missing' }
  | PreconditionFailed

/**
 * Gives the customer one service, or changes the version it has it with; a version
 * not given leaves the current one. The sync's discipline: the customer's lock from the
 * first read (and the `If-Match` check) to the commit, then the service's counter, then
 * the history.
 */
export async function assignService (
  db: Kysely<DB>,
  customerId: number,
  serviceId: number,
  attributes: PivotAttributes,
  context: ChangeContext,
  options: SetWriteOptions = {}
): Promise<AssignOutcome> {
  return await inTransaction(db, async (trx): Promise<AssignOutcome> => {
    if (!await lockCustomer(trx, customerId)) return { status: 'customer_missing' }
    const last = await lastChangeOf(trx, customerId)
    const etag = assignmentSetTag(last?.id ?? null)
    const failed = await unmetPrecondition(trx, customerId, etag, options)
    if (failed !== undefined) return failed
    // A share lock keeps the service from being deleted before this commits.
    const serviceQuery = trx.selectFrom('customer_services').select('key').where('id', '=', serviceId)
    const service = await lockingRows(trx, serviceQuery, 'key share').executeTakeFirst()
    if (service === undefined) return { status: 'service_missing' }

    const current = await trx.selectFrom('customer_customer_service')
      .select('version')
      .where('customer_id', '=', customerId)
      .where('customer_service_id', '=', serviceId)
      .executeTakeFirst()
    const { version: newVersion } = attributes
    const updates = current !== undefined && newVersion !== undefined && newVersion !== current.version
    // Stamped after the customer's last change, as every change of its history is.
    const at = laterChangeTime(context.at, last?.created_at ?? null)
    const timestamp = toStoredTimestamp(at)
    let change: AssignmentChange | undefined
    if (current === undefined) {
      const version = newVersion ?? null
      await trx.insertInto('customer_customer_service')
        .values({ customer_id: customerId, customer_service_id: serviceId, version, created_at: timestamp, updated_at: timestamp })
        .execute()
      await adjustCustomersCounts(trx, [serviceId], 1)
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
    if (change === undefined) return { status: 'unchanged', service: assigned, etag }
    const lastId = await recordAssignmentChanges(trx, [change], { ...context, at })
    return { status: change.action === 'attached' ? 'attached' : 'updated', service: assigned, etag: assignmentSetTag(lastId) }
  })
}

/** Takes one service from the customer, under the same locks and `If-Match` check as `assignService`. */
export async function unassignService (
  db: Kysely<DB>,
  customerId: number,
  serviceId: number,
  context: ChangeContext,
  options: SetWriteOptions = {}
): Promise<UnassignOutcome> {
  return await inTransaction(db, async (trx): Promise<UnassignOutcome> => {
    if (!await lockCustomer(trx, customerId)) return { status: 'customer_missing' }
    const last = await lastChangeOf(trx, customerId)
    const failed = await unmetPrecondition(trx, customerId, assignmentSetTag(last?.id ?? null), options)
    if (failed !== undefined) return failed
    const removed = await trx.deleteFrom('customer_customer_service')
      .where('customer_id', '=', customerId)
      .where('customer_service_id', '=', serviceId)
      .returning('version')
      .executeTakeFirst()
    if (removed === undefined) return { status: 'not_assigned' }
    await adjustCustomersCounts(trx, [serviceId], -1)
    const at = laterChangeTime(context.at, last?.created_at ?? null)
    const lastId = await recordAssignmentChanges(trx, [{ customerId, serviceId, action: 'detached', versionBefore: removed.version, versionAfter: null }], { ...context, at })
    return { status: 'detached', etag: assignmentSetTag(lastId) }
  })
}
