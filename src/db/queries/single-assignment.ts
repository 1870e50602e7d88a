import type { Kysely, Transaction } from 'kysely'
import type { PivotAttributes } from '../../domain/assignment-diff.js'
import { assignmentSetTag } from '../../domain/entity-tag.js'
import type { DB } from '../tables.js'
import { inTransaction } from '../transaction.js'
import type { AssignedService } from '../../schemas/assignment.js'
import { findAssignedService, setTagOf, unmetPrecondition, type PreconditionFailed, type SetWriteOptions } from './assignments.js'
import { applyAssignmentChanges } from './assignment-writes.js'
import type { AssignmentChange, ChangeContext } from './change-log.js'
import { lockCustomers, lockExistingServices } from './locks.js'

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
 * The sync's first steps for one assignment: the customer's lock (see `locks.ts`), then its
 * set's tag read under it and checked against `If-Match`.
 */
async function lockSet (
  trx: Transaction<DB>, customerId: number, options: SetWriteOptions
): Promise<{ status: 'locked', etag: string } | { status: 'customer_missing' } | PreconditionFailed> {
  if (!(await lockCustomers(trx, [customerId])).has(customerId)) return { status: 'customer_missing' }
  const etag = await setTagOf(trx, customerId)
  return await unmetPrecondition(trx, customerId, etag, options) ?? { status: 'locked', etag }
}

async function pivotOf (trx: Transaction<DB>, customerId: number, serviceId: number): Promise<{ version: string | null } | undefined> {
  return await trx.selectFrom('customer_customer_service')
    .select('version')
    .where('customer_id', '=', customerId)
    .where('customer_service_id', '=', serviceId)
    .executeTakeFirst()
}

/**
 * Gives the customer one service, or changes the version it has it with; a version
 * not given leaves the current one. The sync's discipline: the customer's lock from the
 * first read (and the `If-Match` check) to the commit, the service's kept from deletion,
 * then the write of every assignment change (`applyAssignmentChanges`).
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
    const set = await lockSet(trx, customerId, options)
    if (set.status !== 'locked') return set
    const serviceKey = (await lockExistingServices(trx, [serviceId])).get(serviceId)
    if (serviceKey === undefined) return { status: 'service_missing' }

    const current = await pivotOf(trx, customerId, serviceId)
    const { version } = attributes
    let change: AssignmentChange | undefined
    if (current === undefined) {
      change = { customerId, serviceId, serviceKey, action: 'attached', versionBefore: null, versionAfter: version ?? null }
    } else if (version !== undefined && version !== current.version) {
      change = { customerId, serviceId, serviceKey, action: 'updated', versionBefore: current.version, versionAfter: version }
    }
    const lastId = change === undefined ? null : await applyAssignmentChanges(trx, [change], context)
    const lookup = await findAssignedService(trx, customerId, String(serviceId))
    if (lookup.status !== 'assigned') throw new Error(`assignment of service ${serviceId} to customer ${customerId} vanished inside its own transaction`)
    if (change === undefined || lastId === null) return { status: 'unchanged', service: lookup.service, etag: set.etag }
    return { status: change.action === 'attached' ? 'attached' : 'updated', service: lookup.service, etag: assignmentSetTag(lastId) }
  }, { first: context.idempotencyClaim })
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
    const set = await lockSet(trx, customerId, options)
    if (set.status !== 'locked') return set
    const current = await pivotOf(trx, customerId, serviceId)
    if (current === undefined) return { status: 'not_assigned' }
    const lastId = await applyAssignmentChanges(trx, [
      { customerId, serviceId, action: 'detached', versionBefore: current.version, versionAfter: null }
    ], context)
    return { status: 'detached', etag: assignmentSetTag(lastId) }
  }, { first: context.idempotencyClaim })
}
