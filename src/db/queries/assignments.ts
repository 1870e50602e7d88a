import { sql, type Kysely, type Transaction } from 'kysely'
import { diffAssignments, type AssignmentDiff, type CurrentAssignment, type PivotAttributes } from '../../domain/assignment-diff.js'
import { assignmentSetTag, ifMatchAccepts } from '../../domain/entity-tag.js'
import type { ListQuery } from '../../laravel/list-query.js'
import { toLaravelTimestamp, toStoredBound } from '../../domain/timestamps.js'
import type { AssignedService, ListedAssignedService } from '../../schemas/assignment.js'
import type { AssignmentsTable, DB } from '../tables.js'
import { compiledOnce, compiledPerShape } from '../compiled-once.js'
import { writersRunConcurrently } from '../dialect.js'
import { isStorableId } from '../../domain/ids.js'
import { inTransaction } from '../transaction.js'
import { catalogColumns, serviceColumns, toServiceRecord, type CatalogFilter, type CatalogSort } from './customer-services.js'
import { applyAssignmentChanges } from './assignment-writes.js'
import type { AssignmentChange, ChangeContext } from './change-log.js'
import { applyFilters, applySorts, boundPatterns, compiledList, countRows, fetchPage, filterMatches, type Page } from './list.js'
import { lockCustomers, lockingServices } from './locks.js'
import { referencedServiceId, referenceValues } from './service-reference.js'

const pivotColumns = [
  'customer_customer_service.customer_id',
  'customer_customer_service.customer_service_id',
  'customer_customer_service.version',
  'customer_customer_service.created_at as pivot_created_at',
  'customer_customer_service.updated_at as pivot_updated_at'
] as const

type AssignedRow = Parameters<typeof toServiceRecord>[0] & Pick<AssignmentsTable, 'customer_id' | 'customer_service_id' | 'version'> & {
  pivot_created_at: string | Date
  pivot_updated_at: string | Date
}

function toAssignedService (row: AssignedRow): AssignedService {
  return {
    ...toServiceRecord(row),
    pivot: {
      customer_id: row.customer_id,
      customer_service_id: row.customer_service_id,
      version: row.version,
      created_at: toLaravelTimestamp(row.pivot_created_at),
      updated_at: toLaravelTimestamp(row.pivot_updated_at)
    }
  }
}

function assignedServicesOf (db: Kysely<DB>, customerId: number) {
  return db.selectFrom('customer_customer_service')
    .innerJoin('customer_services', 'customer_services.id', 'customer_customer_service.customer_service_id')
    .where('customer_customer_service.customer_id', '=', customerId)
}

/** The customer's set version, beside each row of a page: one statement, one snapshot. */
function setVersionOf (db: Kysely<DB>, customerId: number) {
  return db.selectFrom('assignment_history')
    .select((eb) => eb.fn.max('assignment_history.id').as('last_id'))
    .where('assignment_history.customer_id', '=', customerId)
    .as('set_version')
}

const currentList = compiledList<[customerId: number], CatalogFilter, CatalogSort, AssignedRow & { set_version: number | string | null }>({
  columns: catalogColumns,
  from: assignedServicesOf,
  select: (rows, db, customerId) => rows.select([...serviceColumns, ...pivotColumns, setVersionOf(db, customerId)])
})

export interface CurrentPage extends Page<AssignedService> {
  /** The entity tag of the customer's whole set, as it was when the page was read. */
  readonly etag: string
}

/**
 * A page of the customer's services and the tag of its whole set. The tag is read in the
 * page's own statement, so it names the set the page shows. An empty page has no row to
 * carry it: a second statement reads it, and if the customer is found to have services
 * after all (a sync between the two), the page is read again.
 */
export async function listServicesOfCustomer (
  db: Kysely<DB>,
  customerId: number,
  query: ListQuery<CatalogFilter, CatalogSort>
): Promise<CurrentPage> {
  for (let attempt = 1; ; attempt++) {
    const page = await currentList(db, [customerId], query)
    const [first] = page.rows
    if (first !== undefined) {
      return { rows: page.rows.map(toAssignedService), total: page.total, etag: assignmentSetTag(toId(first.set_version)) }
    }
    const state = await db.selectNoFrom((eb) => [
      setVersionOf(db, customerId),
      eb.selectFrom('customer_customer_service').select('customer_service_id').where('customer_id', '=', customerId).limit(1).as('any_service')
    ]).executeTakeFirstOrThrow()
    const showsWholeSet = query.filters.length === 0 && query.page === 1
    if (!showsWholeSet || state.any_service === null || attempt >= 3) {
      return { rows: [], total: page.total, etag: assignmentSetTag(toId(state.set_version)) }
    }
  }
}

/** History ids are bigints on PostgreSQL, which `pg` reads as strings. */
function toId (value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}

/**
 * The customer's assignments as they stood at `at`, rebuilt from its history, shaped like
 * the pivot table (so the list's filters, sorts and pagination apply unchanged): for each
 * service the newest history row at or before `at`; the service was assigned then unless
 * that row is a detach. Its version is the row's; its `created_at` the time of the attach
 * in effect, its `updated_at` the time of that newest row, as the pivot's would have been.
 * History rows of one customer are written under its lock, so id order is time order.
 */
function assignmentsAt (db: Kysely<DB>, customerId: number, at: Date) {
  const latest = db.selectFrom('assignment_history')
    .select((eb) => [
      'assignment_history.customer_service_id',
      eb.fn.max('assignment_history.id').as('last_id'),
      eb.fn.max(eb.case().when('assignment_history.action', '=', 'attached').then(eb.ref('assignment_history.id')).end()).as('attach_id')
    ])
    .where('assignment_history.customer_id', '=', customerId)
    .where('assignment_history.created_at', '<=', toStoredBound(at))
    .groupBy('assignment_history.customer_service_id')
  return db.selectFrom(latest.as('latest'))
    .innerJoin('assignment_history as last', 'last.id', 'latest.last_id')
    .leftJoin('assignment_history as attach', 'attach.id', 'latest.attach_id')
    .where('last.action', '!=', 'detached')
    .select((eb) => [
      'last.customer_id',
      'last.customer_service_id',
      'last.version_after as version',
      eb.fn.coalesce('attach.created_at', 'last.created_at').as('created_at'),
      'last.created_at as updated_at'
    ])
}

/**
 * Every catalog entry that ever was, shaped like the catalog (so its filters and sorts apply
 * unchanged): the live ones with a null `deleted_at`, then the deleted ones as they were.
 */
function catalogOfAnyTime (db: Kysely<DB>) {
  const columns = ['id', 'key', 'name', 'name_folded', 'description', 'can_be_enabled', 'created_at', 'updated_at'] as const
  return db.selectFrom('customer_services')
    .select([...columns, sql<string | Date | null>`null`.as('deleted_at')])
    .unionAll(db.selectFrom('deleted_customer_services').select([...columns, 'deleted_at']))
}

/**
 * A page of the services the customer had at `at`, with the list's filters and sorts;
 * services deleted from the catalog since are included, as they were when deleted.
 */
export async function listServicesOfCustomerAt (
  db: Kysely<DB>,
  customerId: number,
  query: ListQuery<CatalogFilter, CatalogSort>,
  at: Date
): Promise<Page<ListedAssignedService>> {
  const assigned = db.selectFrom(assignmentsAt(db, customerId, at).as('customer_customer_service'))
    .innerJoin(catalogOfAnyTime(db).as('customer_services'), 'customer_services.id', 'customer_customer_service.customer_service_id')
  const matches = filterMatches(query.filters)
  const filtered = applyFilters(db, assigned, matches, catalogColumns, matches.map(({ patterns }) => boundPatterns(patterns)))
  const rows = applySorts(filtered.select([...serviceColumns, ...pivotColumns, 'customer_services.deleted_at']), query.sorts, catalogColumns)
  const page = await fetchPage((limit, offset) => rows.limit(limit).offset(offset).execute(), countRows(filtered), query.page, query.perPage)
  return {
    rows: page.rows.map((row) => ({
      ...toAssignedService(row),
      deleted_at: row.deleted_at === null ? null : toLaravelTimestamp(row.deleted_at)
    })),
    total: page.total
  }
}

/** The feature check in one query: the customer, and the service with its pivot when the customer has it. */
const customerAndAssignedService = compiledOnce((db, customerId: number, serviceId: number, key: string) => db.selectFrom('customers')
  .leftJoin('customer_services', (join) => join.on('customer_services.id', '=', referencedServiceId(serviceId, key)))
  .leftJoin('customer_customer_service', (join) => join
    .onRef('customer_customer_service.customer_id', '=', 'customers.id')
    .onRef('customer_customer_service.customer_service_id', '=', 'customer_services.id'))
  .where('customers.id', '=', customerId)
  .select([...serviceColumns, ...pivotColumns]))

export type AssignedServiceLookup =
  | { status: 'customer_missing' }
  | { status: 'not_assigned' }
  | { status: 'assigned', service: AssignedService }

/** The customer's assignment of the service that `reference` (a path's `{key}`) names. */
export async function findAssignedService (db: Kysely<DB>, customerId: number, reference: string): Promise<AssignedServiceLookup> {
  const [row] = await customerAndAssignedService(db, customerId, ...referenceValues(reference))
  if (row === undefined) return { status: 'customer_missing' }
  // Without a pivot row the joined columns are null.
  if (row.customer_id === null) return { status: 'not_assigned' }
  return { status: 'assigned', service: toAssignedService(row as AssignedRow) }
}

/** `If-Match` named another set than the customer's current one: that set, and its tag. */
export interface PreconditionFailed {
  status: 'precondition_failed'
  etag: string
  services: AssignedService[]
}

export type SyncOutcome =
  | { status: 'synced', attached: number[], detached: number[], updated: number[], etag: string }
  | { status: 'customer_missing' }
  | { status: 'unknown_services', serviceIds: number[] }
  | PreconditionFailed

export interface SetWriteOptions {
  /** The request's `If-Match`: the write applies only while the set has one of these tags. */
  readonly ifMatch?: string | undefined
}

/**
 * Every write of a customer's set checks `If-Match` here, inside its transaction once the
 * customer's lock is held and `etag` read under it: no other write of the set can come
 * between the check and this write. Undefined when the write may go on.
 */
export async function unmetPrecondition (
  trx: Transaction<DB>,
  customerId: number,
  etag: string,
  options: SetWriteOptions
): Promise<PreconditionFailed | undefined> {
  if (options.ifMatch === undefined || ifMatchAccepts(options.ifMatch, etag)) return undefined
  const rows = await assignedServicesOf(trx, customerId)
    .select([...serviceColumns, ...pivotColumns])
    .orderBy('customer_services.id')
    .execute()
  return { status: 'precondition_failed', etag, services: rows.map(toAssignedService) }
}

/** What a write of a customer's set reads of it, under the customer's lock. */
export interface SetState {
  /** The tag of the set as it is. */
  readonly etag: string
  /** The time of the customer's newest recorded change (null: none): changes are stamped after it. */
  readonly lastChangeAt: Date | null
  /** The customer's assignments (all of them, or the one asked for), with their services' keys (recorded in the history). */
  readonly assigned: ReadonlyMap<number, CurrentAssignment & { key: string }>
  /** The services the write gives, those that exist, with their keys: kept from deletion until the commit. */
  readonly existing: ReadonlyMap<number, string>
}

interface StateRow {
  source: 'customer' | 'assigned' | 'existing' | 'last'
  service_id: number | null
  version: string | null
  key: string | null
  last_id: number | string | null
  last_at: string | Date | null
}

/**
 * Everything a write of a customer's set reads, in one statement, one row per fact: that the
 * customer exists, its assignments (all of them, or the one of `one`), the services it is
 * given (locked shared, as `lockingServices` does) and its newest history row (the set's
 * version and the time after which its changes are stamped).
 */
const stateRows = compiledPerShape<'whole' | 'one', StateRow>((shape) => shape, (db, shape, [customerId, given, one]) => {
  const nothing = <T>() => sql<T>`null`
  const facts = (source: StateRow['source']) => sql.lit(source).as('source')
  // PostgreSQL types a union's columns by its first part: its nulls say their types.
  const typedNull = <T>(type: string) => sql<T>`cast(null as ${sql.raw(type)})`
  const customer = db.selectFrom('customers')
    .where('customers.id', '=', customerId as number)
    .select([facts('customer'), typedNull<number | null>('integer').as('service_id'), typedNull<string | null>('text').as('version'),
      typedNull<string | null>('text').as('key'), typedNull<number | string | null>('bigint').as('last_id'),
      typedNull<string | Date | null>('timestamptz').as('last_at')])
  let assigned = db.selectFrom('customer_customer_service as pivot')
    .innerJoin('customer_services as service', 'service.id', 'pivot.customer_service_id')
    .where('pivot.customer_id', '=', customerId as number)
  if (shape === 'one') assigned = assigned.where('pivot.customer_service_id', '=', one as number)
  const last = db.selectFrom('assignment_history')
    .select(['id', 'created_at'])
    .where('customer_id', '=', customerId as number)
    .orderBy('id', 'desc')
    .limit(1)
  return customer
    .unionAll(assigned.select([facts('assigned'), 'pivot.customer_service_id as service_id', 'pivot.version', 'service.key', nothing<null>().as('last_id'), nothing<null>().as('last_at')]))
    .unionAll(db.selectFrom(lockingServices(db, given).as('given'))
      .select([facts('existing'), 'given.id as service_id', nothing<null>().as('version'), 'given.key', nothing<null>().as('last_id'), nothing<null>().as('last_at')]))
    .unionAll(db.selectFrom(last.as('last'))
      .select([facts('last'), nothing<null>().as('service_id'), nothing<null>().as('version'), nothing<null>().as('key'), 'last.id as last_id', 'last.created_at as last_at']))
})

/**
 * Locks the customer (see `locks.ts`) and reads its set's state under the lock, for a write
 * that gives it the services `given` and changes all its assignments or, with `one`, only
 * that one. Undefined when the customer does not exist.
 */
export async function lockedSetState (
  trx: Transaction<DB>,
  customerId: number,
  given: readonly number[],
  one?: number
): Promise<SetState | undefined> {
  // A statement waiting for a row lock reads what was committed before it waited: the state is
  // read by the next one. SQLite's transaction excludes other writers from its start.
  if (writersRunConcurrently(trx) && !(await lockCustomers(trx, [customerId])).has(customerId)) return undefined
  const givenIds = JSON.stringify(given.filter(isStorableId))
  const rows = one === undefined
    ? await stateRows(trx, 'whole', [customerId, givenIds])
    : await stateRows(trx, 'one', [customerId, givenIds, one])
  let exists = false
  let lastId: number | null = null
  let lastChangeAt: Date | null = null
  const assigned = new Map<number, CurrentAssignment & { key: string }>()
  const existing = new Map<number, string>()
  for (const row of rows) {
    if (row.source === 'customer') exists = true
    else if (row.source === 'assigned') assigned.set(row.service_id as number, { version: row.version, key: row.key as string })
    else if (row.source === 'existing') existing.set(row.service_id as number, row.key as string)
    else {
      lastId = toId(row.last_id)
      lastChangeAt = row.last_at === null ? null : new Date(row.last_at)
    }
  }
  if (!exists) return undefined
  return { etag: assignmentSetTag(lastId), lastChangeAt, assigned, existing }
}

/** The changes that make a customer's set the diff's result, in the history's order: detaches, updates, attaches. */
function changesOf (customerId: number, current: SetState['assigned'], diff: AssignmentDiff, keyOf: ReadonlyMap<number, string>): AssignmentChange[] {
  const change = (serviceId: number, action: AssignmentChange['action'], versionAfter: string | null): AssignmentChange =>
    ({ customerId, serviceId, action, versionBefore: current.get(serviceId)?.version ?? null, versionAfter, serviceKey: keyOf.get(serviceId) })
  return [
    ...diff.detach.map((serviceId) => change(serviceId, 'detached', null)),
    ...diff.update.map(({ serviceId, version }) => change(serviceId, 'updated', version)),
    ...diff.attach.map(({ serviceId, version }) => change(serviceId, 'attached', version))
  ]
}

/**
 * Makes the customer's services exactly `desired`, in one transaction that holds the
 * customer's lock from its first read to its commit (see `locks.ts`): concurrent syncs of one
 * customer apply one after the other, and a failure anywhere applies nothing. Every change is
 * recorded in the history and the outbox in the same transaction (`applyAssignmentChanges`);
 * a sync that changes nothing writes nothing. With `ifMatch`, the set must still be the one
 * the client read.
 */
export async function syncServices (
  db: Kysely<DB>,
  customerId: number,
  desired: ReadonlyMap<number, PivotAttributes>,
  context: ChangeContext,
  options: SetWriteOptions = {}
): Promise<SyncOutcome> {
  return await inTransaction(db, async (trx): Promise<SyncOutcome> => {
    const state = await lockedSetState(trx, customerId, [...desired.keys()])
    if (state === undefined) return { status: 'customer_missing' }
    const { etag, assigned, existing } = state
    const failed = await unmetPrecondition(trx, customerId, etag, options)
    if (failed !== undefined) return failed

    const unknown = [...desired.keys()].filter((id) => !existing.has(id))
    if (unknown.length > 0) return { status: 'unknown_services', serviceIds: unknown }
    const keyOf = new Map(existing)
    for (const [serviceId, { key }] of assigned) keyOf.set(serviceId, key)

    const diff = diffAssignments(assigned, desired)
    const changes = changesOf(customerId, assigned, diff, keyOf)
    const lastId = changes.length === 0 ? null : await applyAssignmentChanges(trx, changes, context, { lastChangeAt: state.lastChangeAt })
    return {
      status: 'synced',
      attached: diff.attach.map((entry) => entry.serviceId),
      detached: diff.detach,
      updated: diff.update.map((entry) => entry.serviceId),
      etag: lastId === null ? etag : assignmentSetTag(lastId)
    }
  }, { first: context.idempotencyClaim })
}
