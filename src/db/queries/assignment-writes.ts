import type { Transaction } from 'kysely'
import { chunks, IDS_PER_STATEMENT, ROWS_PER_INSERT } from '../chunks.js'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import { insertReturningLastId } from '../dialect.js'
import type { DB } from '../tables.js'
import { appendEvents, changeFacts, type AssignmentChange, type ChangeContext, type ChangeEvent } from './change-log.js'
import { adjustCustomersCounts } from './locks.js'

export interface ApplyOptions {
  /** Other writes of the transaction (a customer's own deletion): after the assignments', before the outbox's. */
  readonly alsoWrite?: (trx: Transaction<DB>) => Promise<void>
  /** Events to append after the changes' own (the customer's deletion). */
  readonly events?: readonly ChangeEvent[]
}

/**
 * Writes assignment changes, the one way every writer of assignments does (the sync, a
 * single PUT or DELETE, the bulk assignment, a customer's deletion): the pivot rows, the
 * services' `customers_count`, then the history and the outbox, all in the caller's
 * transaction. Call it with the changed customers locked (see `locks.ts`): it takes the
 * counters' locks and then the outbox's, last. The changes are recorded in the order given;
 * the services must exist. Answers the id of the last history row written: the set version
 * of the customer changed (null when nothing changed).
 */
export async function applyAssignmentChanges (
  trx: Transaction<DB>,
  changes: readonly AssignmentChange[],
  context: ChangeContext,
  options: ApplyOptions = {}
): Promise<number | null> {
  const at = changes.length === 0 ? context.at : await changeTimeFor(trx, changes.map((change) => change.customerId), context.at)
  await writePivotRows(trx, changes, toStoredTimestamp(at))
  const deltas = new Map<number, number>()
  for (const { serviceId, action } of changes) {
    if (action !== 'updated') deltas.set(serviceId, (deltas.get(serviceId) ?? 0) + (action === 'attached' ? 1 : -1))
  }
  await adjustCustomersCounts(trx, deltas)
  const { lastId, events } = await writeHistory(trx, changes, { ...context, at })
  await options.alsoWrite?.(trx)
  await appendEvents(trx, [...events, ...options.events ?? []], at)
  return lastId
}

/**
 * The time to stamp changes of these customers with, read once their locks are held: never
 * before the time asked for or the clock's, and a millisecond after each customer's last
 * recorded change. A request's time is taken before it waits for the lock, and replicas'
 * clocks differ; without this a change could be stamped before one it follows, and a
 * point-in-time answer would be wrong. Strictly later, so that every set a customer ever had
 * is the answer for some time.
 */
async function changeTimeFor (trx: Transaction<DB>, customerIds: readonly number[], requested: Date): Promise<Date> {
  let latest = Math.max(requested.getTime(), Date.now())
  for (const chunk of chunks([...new Set(customerIds)], ROWS_PER_INSERT)) {
    const row = await trx.selectFrom('assignment_history')
      .select((eb) => eb.fn.max('created_at').as('last'))
      .where('id', 'in', (eb) => eb.selectFrom('assignment_history')
        .select((inner) => inner.fn.max('id').as('id'))
        .where('customer_id', 'in', chunk)
        .groupBy('customer_id'))
      .executeTakeFirst()
    if (row?.last !== null && row?.last !== undefined) latest = Math.max(latest, new Date(row.last).getTime() + 1)
  }
  return new Date(latest)
}

/**
 * The pivot rows the changes name, in statements of many rows: keyed by customer when the
 * changes are of few customers (a sync), by service when of few services (a bulk assignment).
 */
async function writePivotRows (trx: Transaction<DB>, changes: readonly AssignmentChange[], timestamp: string): Promise<void> {
  const detached = changes.filter((change) => change.action === 'detached')
  const byCustomer = new Set(changes.map((change) => change.customerId)).size <= new Set(changes.map((change) => change.serviceId)).size
  const [groupColumn, listColumn] = byCustomer ? ['customer_id', 'customer_service_id'] as const : ['customer_service_id', 'customer_id'] as const
  const groups = new Map<number, number[]>()
  for (const { customerId, serviceId } of detached) {
    const [group, member] = byCustomer ? [customerId, serviceId] : [serviceId, customerId]
    const members = groups.get(group)
    if (members === undefined) groups.set(group, [member])
    else members.push(member)
  }
  for (const [group, members] of groups) {
    for (const chunk of chunks(members, IDS_PER_STATEMENT)) {
      await trx.deleteFrom('customer_customer_service').where(groupColumn, '=', group).where(listColumn, 'in', chunk).execute()
    }
  }
  const attached = changes.filter((change) => change.action === 'attached')
  for (const chunk of chunks(attached, ROWS_PER_INSERT)) {
    await trx.insertInto('customer_customer_service')
      .values(chunk.map(({ customerId, serviceId, versionAfter }) => ({
        customer_id: customerId,
        customer_service_id: serviceId,
        version: versionAfter,
        created_at: timestamp,
        updated_at: timestamp
      })))
      .execute()
  }
  for (const { customerId, serviceId, versionAfter } of changes.filter((change) => change.action === 'updated')) {
    await trx.updateTable('customer_customer_service')
      .set({ version: versionAfter, updated_at: timestamp })
      .where('customer_id', '=', customerId)
      .where('customer_service_id', '=', serviceId)
      .execute()
  }
}

/**
 * The history rows of the changes, and their events (not yet appended). Services' keys not
 * given with the changes are read as they are now.
 */
async function writeHistory (
  trx: Transaction<DB>,
  changes: readonly AssignmentChange[],
  context: ChangeContext
): Promise<{ lastId: number | null, events: ChangeEvent[] }> {
  if (changes.length === 0) return { lastId: null, events: [] }
  const keyOf = new Map<number, string>()
  for (const change of changes) if (change.serviceKey !== undefined) keyOf.set(change.serviceId, change.serviceKey)
  const unknownKeys = [...new Set(changes.map((change) => change.serviceId))].filter((id) => !keyOf.has(id))
  for (const chunk of chunks(unknownKeys, ROWS_PER_INSERT)) {
    const rows = await trx.selectFrom('customer_services').select(['id', 'key']).where('id', 'in', chunk).execute()
    for (const row of rows) keyOf.set(row.id, row.key)
  }
  const createdAt = toStoredTimestamp(context.at)
  const rows = changes.map((change) => {
    const key = keyOf.get(change.serviceId)
    if (key === undefined) throw new Error(`service ${change.serviceId} vanished inside its own transaction`)
    return {
      customer_id: change.customerId,
      customer_service_id: change.serviceId,
      service_key: key,
      action: change.action,
      version_before: change.versionBefore,
      version_after: change.versionAfter,
      user_id: context.userId,
      token_id: context.tokenId,
      reason: context.reason,
      created_at: createdAt
    }
  })
  let lastId = 0
  for (const chunk of chunks(rows, ROWS_PER_INSERT)) {
    lastId = Math.max(lastId, await insertReturningLastId(trx, trx.insertInto('assignment_history').values(chunk)))
  }
  return { lastId, events: rows.map((row) => ({ type: `assignment.${row.action}`, payload: changeFacts(row) })) }
}
