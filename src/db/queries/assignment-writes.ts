import type { Kysely, Transaction } from 'kysely'
import { toStoredTimestamp } from '../../domain/timestamps.js'
import { compiledOnce } from '../compiled-once.js'
import { inJsonIds, jsonElements, jsonField, storedTimestamp, writesCombineInOneStatement } from '../dialect.js'
import type { DB } from '../tables.js'
import { appendEvents, changeFacts, type AssignmentChange, type ChangeContext, type ChangeEvent } from './change-log.js'
import { customersCountsAdjustment, lockServiceCounters } from './locks.js'

export interface ApplyOptions {
  /** Other writes of the transaction (a customer's own deletion): after the assignments', before the outbox's. */
  readonly alsoWrite?: (trx: Transaction<DB>) => Promise<void>
  /** Events to append after the changes' own (the customer's deletion). */
  readonly events?: readonly ChangeEvent[]
  /**
   * The time of the changed customers' newest recorded change (null: none), when the caller
   * read it under their locks already; otherwise it is read here.
   */
  readonly lastChangeAt?: Date | null
}

/**
 * Writes assignment changes, the one way every writer of assignments does (the sync, a
 * single PUT or DELETE, the bulk assignment, a customer's deletion): the pivot rows, the
 * services' `customers_count`, then the history and the outbox, all in the caller's
 * transaction. Call it with the changed customers locked (see `locks.ts`): it takes the
 * counters' locks and then the outbox's, last. The changes are recorded in the order given;
 * the services must exist. Answers the id of the last history row written: the set version
 * of the customer changed (null when nothing changed).
 *
 * Every statement has one text whatever the changes (they are bound as JSON), so each is
 * prepared once per connection. On PostgreSQL the pivot rows and history are one statement;
 * on SQLite one each; then the counters' lock (PostgreSQL) and update, and the outbox's append.
 */
export async function applyAssignmentChanges (
  trx: Transaction<DB>,
  changes: readonly AssignmentChange[],
  context: ChangeContext,
  options: ApplyOptions = {}
): Promise<number | null> {
  let lastId: number | null = null
  let at = context.at
  const events: ChangeEvent[] = []
  if (changes.length > 0) {
    const lastChangeAt = options.lastChangeAt !== undefined ? options.lastChangeAt : await lastChangeOf(trx, changes.map((change) => change.customerId))
    at = changeTimeAfter(context.at, lastChangeAt)
    const rows = historyRows(changes, await serviceKeysOf(trx, changes), context)
    lastId = await writeChanges(trx, rows, toStoredTimestamp(at))
    for (const row of rows) events.push({ type: `assignment.${row.action}`, payload: changeFacts(row) })
  }
  await options.alsoWrite?.(trx)
  await appendEvents(trx, [...events, ...options.events ?? []], at)
  return lastId
}

/**
 * The time to stamp changes with, once the changed customers' locks are held and their
 * newest change's time read: never before the time asked for or the clock's, and a
 * millisecond after that newest change. A request's time is taken before it waits for the
 * lock, and replicas' clocks differ; without this a change could be stamped before one it
 * follows, and a point-in-time answer would be wrong. Strictly later, so that every set a
 * customer ever had is the answer for some time.
 */
function changeTimeAfter (requested: Date, lastChangeAt: Date | null): Date {
  const latest = Math.max(requested.getTime(), Date.now())
  return new Date(lastChangeAt === null ? latest : Math.max(latest, lastChangeAt.getTime() + 1))
}

/** The newest of the customers' last recorded changes' times, of a JSON array of ids. */
const lastChangeOfCustomers = compiledOnce((db, customerIds: string) => db.selectFrom('assignment_history')
  .select((eb) => eb.fn.max('created_at').as('last'))
  .where('id', 'in', (eb) => eb.selectFrom('assignment_history')
    .select((inner) => inner.fn.max('id').as('id'))
    .where(inJsonIds(db, 'customer_id', customerIds))
    .groupBy('customer_id')))

async function lastChangeOf (trx: Transaction<DB>, customerIds: readonly number[]): Promise<Date | null> {
  const [row] = await lastChangeOfCustomers(trx, JSON.stringify([...new Set(customerIds)]))
  return row?.last === null || row?.last === undefined ? null : new Date(row.last)
}

const keysOfServices = compiledOnce((db, serviceIds: string) => db.selectFrom('customer_services')
  .select(['id', 'key'])
  .where(inJsonIds(db, 'id', serviceIds)))

/** The keys of the changes' services (recorded in the history): those not given with the changes are read as they are now. */
async function serviceKeysOf (trx: Transaction<DB>, changes: readonly AssignmentChange[]): Promise<Map<number, string>> {
  const keyOf = new Map<number, string>()
  for (const change of changes) if (change.serviceKey !== undefined) keyOf.set(change.serviceId, change.serviceKey)
  const unknown = [...new Set(changes.map((change) => change.serviceId))].filter((id) => !keyOf.has(id))
  if (unknown.length > 0) {
    for (const row of await keysOfServices(trx, JSON.stringify(unknown))) keyOf.set(row.id, row.key)
  }
  return keyOf
}

interface HistoryRow {
  customer_id: number
  customer_service_id: number
  service_key: string
  action: AssignmentChange['action']
  version_before: string | null
  version_after: string | null
  user_id: number | null
  token_id: number | null
  reason: string | null
}

function historyRows (changes: readonly AssignmentChange[], keyOf: ReadonlyMap<number, string>, context: ChangeContext): HistoryRow[] {
  return changes.map((change) => {
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
      reason: context.reason
    }
  })
}

/** The changes bound as one JSON array of history rows with their `position`, as the table `change` of a `with`. */
function withChanges (db: Kysely<DB>, changes: unknown) {
  return db.with('change', () => db.selectFrom(jsonElements(db, changes, 'change')).select([
    jsonField<number>('change', 'position', 'integer').as('position'),
    jsonField<number>('change', 'customer_id', 'integer').as('customer_id'),
    jsonField<number>('change', 'customer_service_id', 'integer').as('customer_service_id'),
    jsonField<string>('change', 'service_key', 'text').as('service_key'),
    jsonField<HistoryRow['action']>('change', 'action', 'text').as('action'),
    jsonField<string | null>('change', 'version_before', 'text').as('version_before'),
    jsonField<string | null>('change', 'version_after', 'text').as('version_after'),
    jsonField<number | null>('change', 'user_id', 'integer').as('user_id'),
    jsonField<number | null>('change', 'token_id', 'integer').as('token_id'),
    jsonField<string | null>('change', 'reason', 'text').as('reason')
  ]))
}

type WithChanges = ReturnType<typeof withChanges>

/** Each write of the changes, read from the table `change` (`withChanges`), stamped `at` (stored text). */
const writesOf = {
  detach: (changes: WithChanges) => changes.deleteFrom('customer_customer_service')
    .where((eb) => eb(eb.refTuple('customer_id', 'customer_service_id'), 'in', eb.selectFrom('change')
      .where('change.action', '=', 'detached')
      .select(['change.customer_id', 'change.customer_service_id'])
      .$asTuple('customer_id', 'customer_service_id'))),
  attach: (db: Kysely<DB>, changes: WithChanges, at: unknown) => changes.insertInto('customer_customer_service')
    .columns(['customer_id', 'customer_service_id', 'version', 'created_at', 'updated_at'])
    .expression((eb) => eb.selectFrom('change').where('change.action', '=', 'attached').select([
      'change.customer_id', 'change.customer_service_id', 'change.version_after',
      storedTimestamp(db, at).as('created_at'), storedTimestamp(db, at).as('updated_at')
    ])),
  update: (db: Kysely<DB>, changes: WithChanges, at: unknown) => changes.updateTable('customer_customer_service')
    .from('change')
    .set((eb) => ({ version: eb.ref('change.version_after'), updated_at: storedTimestamp(db, at) }))
    .where('change.action', '=', 'updated')
    .whereRef('customer_customer_service.customer_id', '=', 'change.customer_id')
    .whereRef('customer_customer_service.customer_service_id', '=', 'change.customer_service_id'),
  history: (db: Kysely<DB>, changes: WithChanges, at: unknown) => changes.insertInto('assignment_history')
    .columns(['customer_id', 'customer_service_id', 'service_key', 'action', 'version_before', 'version_after', 'user_id', 'token_id', 'reason', 'created_at'])
    .expression((eb) => eb.selectFrom('change').select([
      'change.customer_id', 'change.customer_service_id', 'change.service_key', 'change.action', 'change.version_before',
      'change.version_after', 'change.user_id', 'change.token_id', 'change.reason', storedTimestamp(db, at).as('created_at')
    ]).orderBy('change.position'))
}

/**
 * PostgreSQL: the pivot rows and the history in one statement, the changes read once. The
 * writes of a data-modifying `with` run on one snapshot and see none of each other's rows,
 * which they need not: each touches other rows. The history's ids follow its insert's order,
 * the changes' order. The counters come after, in statements of their own: the pivot rows'
 * foreign keys are checked (their services locked shared) at the end of this one, and a
 * transaction holding counters' locks while those checks waited deadlocked under load with
 * one waiting for its counters.
 */
const writtenInOneStatement = compiledOnce((db, changes: string, at: string) => withChanges(db, changes)
  .with('detached', (qc) => writesOf.detach(qc).returning('customer_id'))
  .with('attached', (qc) => writesOf.attach(db, qc, at).returning('customer_id'))
  .with('updated', (qc) => writesOf.update(db, qc, at).returning('customer_customer_service.customer_id'))
  .with('recorded', (qc) => writesOf.history(db, qc, at).returning('id'))
  .selectFrom('recorded')
  .select((eb) => eb.fn.max('recorded.id').as('last_id')))

const detachedOne = compiledOnce((db, changes: string) => writesOf.detach(withChanges(db, changes)))
const attachedOne = compiledOnce((db, changes: string, at: string) => writesOf.attach(db, withChanges(db, changes), at))
const updatedOne = compiledOnce((db, changes: string, at: string) => writesOf.update(db, withChanges(db, changes), at))
const recordedOne = compiledOnce((db, changes: string, at: string) => writesOf.history(db, withChanges(db, changes), at).returning('id'))
const countedOne = compiledOnce((db, counterIds: string, deltas: string) => customersCountsAdjustment(db, counterIds, deltas))

/** Writes the pivot rows, counters and history rows of `rows`, stamped `at`; answers the last history row's id. */
async function writeChanges (trx: Transaction<DB>, rows: readonly HistoryRow[], at: string): Promise<number> {
  const changes = JSON.stringify(rows.map((row, position) => ({ position, ...row })))
  const deltaOf = new Map<number, number>()
  for (const { customer_service_id: serviceId, action } of rows) {
    if (action !== 'updated') deltaOf.set(serviceId, (deltaOf.get(serviceId) ?? 0) + (action === 'attached' ? 1 : -1))
  }
  const counted = [...deltaOf].filter(([, delta]) => delta !== 0).sort(([a], [b]) => a - b)
  const counterIds = JSON.stringify(counted.map(([id]) => id))
  const deltas = JSON.stringify(counted.map(([id, delta]) => ({ id, delta })))
  let lastId: number
  if (writesCombineInOneStatement(trx)) {
    const [row] = await writtenInOneStatement(trx, changes, at)
    lastId = Number(row?.last_id)
  } else {
    const has = (action: HistoryRow['action']) => rows.some((row) => row.action === action)
    if (has('detached')) await detachedOne(trx, changes)
    if (has('attached')) await attachedOne(trx, changes, at)
    if (has('updated')) await updatedOne(trx, changes, at)
    let last = 0
    for (const { id } of await recordedOne(trx, changes, at)) last = Math.max(last, Number(id))
    lastId = last
  }
  if (counted.length > 0) {
    await lockServiceCounters(trx, counted.map(([id]) => id))
    await countedOne(trx, counterIds, deltas)
  }
  return lastId
}
