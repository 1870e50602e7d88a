import type { Kysely, Transaction } from 'kysely'
import type { PivotAttributes } from '../../domain/assignment-diff.js'
import { assignmentSetTag } from '../../domain/entity-tag.js'
import type { DB } from '../tables.js'
import { inTransaction } from '../transaction.js'
import type { AssignedService } from '../../schemas/assignment.js'
import { findAssignedService, lockedSetState, unmetPrecondition, type PreconditionFailed, type SetState, type SetWriteOptions } from './assignments.js'
import { applyAssignmentChanges } from './assignment-writes.js'
import type { AssignmentChange, ChangeContext } from './change-log.js'

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
 * The sync's first steps for one assignment: the customer's lock (see `locks.ts`), then the
 * state of its assignment of the service read under it, and the set's tag checked against
 * `If-Match`. With `given`, the service is kept from deletion too.
 */
async function lockSet (
  trx: Transaction<DB>, customerId: number, serviceId: number, given: boolean, options: SetWriteOptions
): Promise<{ status: 'locked', state: SetState } | { status: 'customer_missing' } | PreconditionFailed> {
  const state = await lockedSetState(trx, customerId, given ? [serviceId] : [], serviceId)
  if (state === undefined) return { status: 'customer_missing' }
  return await unmetPrecondition(trx, customerId, state.etag, options) ?? { status: 'locked', state }
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
    const set = await lockSet(trx, customerId, serviceId, true, options)
    if (set.status !== 'locked') return set
    const serviceKey = set.state.existing.get(serviceId)
    if (serviceKey === undefined) return { status: 'service_missing' }

    const current = set.state.assigned.get(serviceId)
    const { version } = attributes
    let change: AssignmentChange | undefined
    if (current === undefined) {
      change = { customerId, serviceId, serviceKey, action: 'attached', versionBefore: null, versionAfter: version ?? null }
    } else if (version !== undefined && version !== current.version) {
      change = { customerId, serviceId, serviceKey, action: 'updated', versionBefore: current.version, versionAfter: version }
    }
    const lastId = change === undefined ? null : await applyAssignmentChanges(trx, [change], context, { lastChangeAt: set.state.lastChangeAt })
    const lookup = await findAssignedService(trx, customerId, String(serviceId))
    if (lookup.status !== 'assigned') throw new Error(`assignment of service ${serviceId} to customer ${customerId} vanished inside its own transaction`)
    if (change === undefined || lastId === null) return { status: 'unchanged', service: lookup.service, etag: set.state.etag }
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
    const set = await lockSet(trx, customerId, serviceId, false, options)
    if (set.status !== 'locked') return set
    const current = set.state.assigned.get(serviceId)
    if (current === undefined) return { status: 'not_assigned' }
    const lastId = await applyAssignmentChanges(trx, [
      { customerId, serviceId, serviceKey: current.key, action: 'detached', versionBefore: current.version, versionAfter: null }
    ], context, { lastChangeAt: set.state.lastChangeAt })
    return { status: 'detached', etag: assignmentSetTag(lastId) }
  }, { first: context.idempotencyClaim })
}
