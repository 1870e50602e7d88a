import type { Kysely } from 'kysely'
import { diffAssignments, type CurrentAssignment, type PivotAttributes } from '../../domain/assignment-diff.js'
import type { ListQuery } from '../../domain/list-query.js'
import { toLaravelTimestamp, toStoredTimestamp } from '../../domain/timestamps.js'
import type { DialectName } from '../database.js'
import type { AssignmentsTable, DB } from '../tables.js'
import { compiledOnce } from '../compiled-once.js'
import { inTransaction } from '../transaction.js'
import { catalogColumns, serviceColumns, toServiceRecord, type CatalogFilter, type CatalogSort, type CustomerServiceRecord } from './customer-services.js'
import { applyFilters, applySorts, countRows, fetchPage, type Page } from './list.js'
import { lockCustomer, lockServiceCounters } from './locks.js'

export interface Pivot {
  customer_id: number
  customer_service_id: number
  version: string | null
  created_at: string
  updated_at: string
}

export interface AssignedService extends CustomerServiceRecord {
  pivot: Pivot
}

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

export async function listServicesOfCustomer (
  db: Kysely<DB>,
  customerId: number,
  query: ListQuery<CatalogFilter, CatalogSort>
): Promise<Page<AssignedService>> {
  const filtered = applyFilters(assignedServicesOf(db, customerId), query.filters, catalogColumns)
  const rows = applySorts(filtered.select([...serviceColumns, ...pivotColumns]), query.sorts, catalogColumns)
  const page = await fetchPage(rows, countRows(filtered), query.page, query.perPage)
  return { rows: page.rows.map(toAssignedService), total: page.total }
}

/** The feature check in one query: the customer, and the service with its pivot when the customer has it. */
const customerAndAssignedService = compiledOnce((db, customerId: number, key: string) => db.selectFrom('customers')
  .leftJoin('customer_services', (join) => join.on('customer_services.key', '=', key))
  .leftJoin('customer_customer_service', (join) => join
    .onRef('customer_customer_service.customer_id', '=', 'customers.id')
    .onRef('customer_customer_service.customer_service_id', '=', 'customer_services.id'))
  .where('customers.id', '=', customerId)
  .select([...serviceColumns, ...pivotColumns]))

export type AssignedServiceLookup =
  | { status: 'customer_missing' }
  | { status: 'not_assigned' }
  | { status: 'assigned', service: AssignedService }

export async function findAssignedService (db: Kysely<DB>, customerId: number, key: string): Promise<AssignedServiceLookup> {
  const [row] = await customerAndAssignedService(db, customerId, key)
  if (row === undefined) return { status: 'customer_missing' }
  // Without a pivot row the joined columns are null.
  if (row.customer_id === null) return { status: 'not_assigned' }
  return { status: 'assigned', service: toAssignedService(row as AssignedRow) }
}

export type SyncOutcome =
  | { status: 'synced', attached: number[], detached: number[], updated: number[] }
  | { status: 'customer_missing' }
  | { status: 'unknown_services', serviceIds: number[] }

/** The largest id either database can hold in these tables (PostgreSQL `integer`). */
const MAX_ID = 2_147_483_647

/**
 * Makes the customer's services exactly `desired`, in one transaction that holds the
 * customer's lock from its first read to its commit: concurrent syncs of one customer
 * apply one after the other, and a failure anywhere applies nothing.
 */
export async function syncServices (
  db: Kysely<DB>,
  dialect: DialectName,
  customerId: number,
  desired: ReadonlyMap<number, PivotAttributes>,
  now = new Date()
): Promise<SyncOutcome> {
  return await inTransaction(db, async (trx): Promise<SyncOutcome> => {
    if (!await lockCustomer(trx, dialect, customerId)) return { status: 'customer_missing' }

    const requested = [...desired.keys()].filter((id) => Number.isSafeInteger(id) && id >= 1 && id <= MAX_ID)
    const found = new Set<number>()
    if (requested.length > 0) {
      // A share lock keeps the services from being deleted before this commits.
      let existing = trx.selectFrom('customer_services').select('id').where('id', 'in', requested)
      if (dialect === 'postgres') existing = existing.forKeyShare()
      for (const row of await existing.execute()) found.add(row.id)
    }
    const unknown = [...desired.keys()].filter((id) => !found.has(id))
    if (unknown.length > 0) return { status: 'unknown_services', serviceIds: unknown }

    const currentRows = await trx.selectFrom('customer_customer_service')
      .select(['customer_service_id', 'version'])
      .where('customer_id', '=', customerId)
      .execute()
    const current = new Map<number, CurrentAssignment>(currentRows.map((row) => [row.customer_service_id, { version: row.version }]))
    const diff = diffAssignments(current, desired)
    const timestamp = toStoredTimestamp(now)

    if (diff.detach.length > 0) {
      await trx.deleteFrom('customer_customer_service')
        .where('customer_id', '=', customerId)
        .where('customer_service_id', 'in', diff.detach)
        .execute()
    }
    if (diff.attach.length > 0) {
      await trx.insertInto('customer_customer_service')
        .values(diff.attach.map(({ serviceId, version }) => ({
          customer_id: customerId,
          customer_service_id: serviceId,
          version,
          created_at: timestamp,
          updated_at: timestamp
        })))
        .execute()
    }
    for (const { serviceId, version } of diff.update) {
      await trx.updateTable('customer_customer_service')
        .set({ version, updated_at: timestamp })
        .where('customer_id', '=', customerId)
        .where('customer_service_id', '=', serviceId)
        .execute()
    }
    const attached = diff.attach.map((entry) => entry.serviceId)
    const counted = [...attached, ...diff.detach].sort((a, b) => a - b)
    if (counted.length > 0) {
      await lockServiceCounters(trx, dialect, counted)
      await trx.updateTable('customer_services')
        .set((eb) => ({
          customers_count: eb('customers_count', '+', eb.case().when('id', 'in', attached.length > 0 ? attached : [0]).then(1).else(-1).end())
        }))
        .where('id', 'in', counted)
        .execute()
    }
    return { status: 'synced', attached, detached: diff.detach, updated: diff.update.map((entry) => entry.serviceId) }
  })
}
