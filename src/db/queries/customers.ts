import { sql, type Kysely, type Selectable } from 'kysely'
import { customerAccountFor } from '../../domain/customer-account.js'
import type { ListQuery } from '../../laravel/list-query.js'
import { foldCase } from '../../domain/text-search.js'
import { toLaravelTimestamp, toStoredTimestamp } from '../../domain/timestamps.js'
import type { Customer } from '../../schemas/customer.js'
import type { CustomerSummary } from '../../schemas/customer-service.js'
import type { CustomersTable, DB } from '../tables.js'
import { compiledOnce } from '../compiled-once.js'
import { inTransaction } from '../transaction.js'
import { compiledList, type ListColumns, type Page } from './list.js'
import { applyAssignmentChanges } from './assignment-writes.js'
import { appendEvents, type ChangeContext } from './change-log.js'
import { adjustRowCount, rowCount } from './row-counts.js'
import { lockCustomers } from './locks.js'

export const customerFilters = ['name', 'customer_account'] as const
export const customerSorts = ['id', 'name', 'customer_account', 'created_at', 'updated_at'] as const
export type CustomerFilter = typeof customerFilters[number]
export type CustomerSort = typeof customerSorts[number]

export const customerColumns: ListColumns<CustomerFilter, CustomerSort> = {
  filters: {
    name: sql.ref('customers.name_folded'),
    customer_account: sql`lower(${sql.ref('customers.customer_account')})`
  },
  sorts: {
    id: [sql.ref('customers.id')],
    name: [sql.ref('customers.name_folded'), sql.ref('customers.name')],
    customer_account: [sql.ref('customers.customer_account')],
    created_at: [sql.ref('customers.created_at')],
    updated_at: [sql.ref('customers.updated_at')]
  }
}

const selectedColumns = ['customers.id', 'customers.name', 'customers.customer_account', 'customers.created_at', 'customers.updated_at'] as const

type CustomerRow = Pick<Selectable<CustomersTable>, 'id' | 'name' | 'customer_account' | 'created_at' | 'updated_at'>

function toCustomerRecord (row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    customer_account: row.customer_account ?? customerAccountFor(row.id),
    created_at: toLaravelTimestamp(row.created_at),
    updated_at: toLaravelTimestamp(row.updated_at)
  }
}

const customerList = compiledList<[], CustomerFilter, CustomerSort, CustomerRow>({
  columns: customerColumns,
  from: (db) => db.selectFrom('customers'),
  select: (rows) => rows.select(selectedColumns),
  unfilteredTotal: async (db) => await rowCount(db, 'customers')
})

export async function listCustomers (db: Kysely<DB>, query: ListQuery<CustomerFilter, CustomerSort>): Promise<Page<Customer>> {
  const page = await customerList(db, [], query)
  return { rows: page.rows.map(toCustomerRecord), total: page.total }
}

const summaryColumns = ['customers.id', 'customers.name', 'customers.customer_account'] as const

/**
 * The customers of one service sort by id through the pivot's own index, which
 * already holds them in that order: sorting by `customers.id` instead made SQLite
 * sort all 200,000 customers of a popular service for every page.
 */
const holderColumns: ListColumns<CustomerFilter, CustomerSort> = {
  filters: customerColumns.filters,
  sorts: { ...customerColumns.sorts, id: [sql.ref('customer_customer_service.customer_id')] }
}

const holderList = compiledList<[serviceId: number], CustomerFilter, CustomerSort, Pick<CustomerRow, 'id' | 'name' | 'customer_account'>>({
  columns: holderColumns,
  from: (db, serviceId) => db.selectFrom('customer_customer_service')
    .innerJoin('customers', 'customers.id', 'customer_customer_service.customer_id')
    .where('customer_customer_service.customer_service_id', '=', serviceId),
  select: (rows) => rows.select(summaryColumns),
  unfilteredTotal: assignedCount
})

function toSummary (row: Pick<CustomerRow, 'id' | 'name' | 'customer_account'>): CustomerSummary {
  return { id: row.id, name: row.name, customer_account: row.customer_account ?? customerAccountFor(row.id) }
}

/** A page of the customers that have a service, with the customer list's filters and sorts. */
export async function listCustomersOfService (
  db: Kysely<DB>,
  serviceId: number,
  query: ListQuery<CustomerFilter, CustomerSort>
): Promise<Page<CustomerSummary>> {
  const page = await holderList(db, [serviceId], query)
  return { rows: page.rows.map(toSummary), total: page.total }
}

/** The service's maintained `customers_count`: the unfiltered total, without a scan. */
async function assignedCount (db: Kysely<DB>, serviceId: number): Promise<number> {
  const row = await db.selectFrom('customer_services').select('customers_count').where('id', '=', serviceId).executeTakeFirst()
  return Number(row?.customers_count ?? 0)
}

/**
 * Every customer that has a service, by id, read in chunks by keyset: memory stays
 * bounded however many there are, and no connection is held between chunks. Each chunk
 * is two index lookups (the ids from the pivot's service index, then those customers):
 * as one join, PostgreSQL scanned all customers for a service with only a few.
 */
export async function * customersOfServiceInChunks (db: Kysely<DB>, serviceId: number, chunkSize = 1000): AsyncGenerator<CustomerSummary[]> {
  let after = 0
  for (;;) {
    const ids = (await db.selectFrom('customer_customer_service')
      .select('customer_id')
      .where('customer_service_id', '=', serviceId)
      .where('customer_id', '>', after)
      .orderBy('customer_id')
      .limit(chunkSize)
      .execute()).map((row) => row.customer_id)
    if (ids.length > 0) {
      const rows = await db.selectFrom('customers').select(summaryColumns).where('id', 'in', ids).orderBy('id').execute()
      yield rows.map(toSummary)
    }
    if (ids.length < chunkSize) return
    after = ids[ids.length - 1] as number
  }
}

const customerById = compiledOnce((db, id: number) => db.selectFrom('customers').select(selectedColumns).where('id', '=', id))

export async function findCustomer (db: Kysely<DB>, id: number): Promise<Customer | undefined> {
  const [row] = await customerById(db, id)
  return row === undefined ? undefined : toCustomerRecord(row)
}

/** The account number derives from the id, so it is written once the insert has given one. */
export async function createCustomer (db: Kysely<DB>, name: string, context: ChangeContext): Promise<Customer> {
  const timestamp = toStoredTimestamp(context.at)
  return await inTransaction(db, async (trx) => {
    const { id } = await trx.insertInto('customers')
      .values({ name, name_folded: foldCase(name), customer_account: null, created_at: timestamp, updated_at: timestamp })
      .returning('id')
      .executeTakeFirstOrThrow()
    await adjustRowCount(trx, 'customers', 1)
    const row = await trx.updateTable('customers')
      .set({ customer_account: customerAccountFor(id) })
      .where('id', '=', id)
      .returning(selectedColumns)
      .executeTakeFirstOrThrow()
    const customer = toCustomerRecord(row)
    await appendEvents(trx, [{ type: 'customer.created', payload: customerPayload(customer, context) }], context.at)
    return customer
  }, { first: context.idempotencyClaim })
}

export async function updateCustomer (
  db: Kysely<DB>,
  id: number,
  changes: { name?: string },
  context: ChangeContext
): Promise<Customer | undefined> {
  return await inTransaction(db, async (trx) => {
    const row = await trx.updateTable('customers')
      .set({
        ...(changes.name !== undefined && { name: changes.name, name_folded: foldCase(changes.name) }),
        updated_at: toStoredTimestamp(context.at)
      })
      .where('id', '=', id)
      .returning(selectedColumns)
      .executeTakeFirst()
    if (row === undefined) return undefined
    const customer = toCustomerRecord(row)
    await appendEvents(trx, [{ type: 'customer.updated', payload: customerPayload(customer, context) }], context.at)
    return customer
  }, { first: context.idempotencyClaim })
}

/**
 * Deletes the customer and its assignments, as every writer of assignments writes them
 * (`applyAssignmentChanges`): every service's count kept exact, each assignment's removal
 * recorded in the history (with the version it had) and the outbox, followed by the
 * customer's own deletion event.
 */
export async function deleteCustomer (db: Kysely<DB>, id: number, context: ChangeContext): Promise<boolean> {
  return await inTransaction(db, async (trx) => {
    if (!(await lockCustomers(trx, [id])).has(id)) return false
    const customer = await trx.selectFrom('customers').select(selectedColumns).where('id', '=', id).executeTakeFirstOrThrow()
    const assigned = await trx.selectFrom('customer_customer_service')
      .innerJoin('customer_services', 'customer_services.id', 'customer_customer_service.customer_service_id')
      .select(['customer_customer_service.customer_service_id', 'customer_customer_service.version', 'customer_services.key'])
      .where('customer_customer_service.customer_id', '=', id)
      .orderBy('customer_customer_service.customer_service_id')
      .execute()
    await applyAssignmentChanges(trx, assigned.map((row) => ({
      customerId: id,
      serviceId: row.customer_service_id,
      serviceKey: row.key,
      action: 'detached' as const,
      versionBefore: row.version,
      versionAfter: null
    })), context, {
      alsoWrite: async (trx) => {
        await trx.deleteFrom('customers').where('id', '=', id).execute()
        await adjustRowCount(trx, 'customers', -1)
      },
      events: [{ type: 'customer.deleted', payload: customerPayload(toCustomerRecord(customer), context) }]
    })
    return true
  }, { first: context.idempotencyClaim })
}

/** A customer event's data: the customer as it is (or was, for a deletion), and who changed it. */
function customerPayload (customer: Customer, context: ChangeContext): Record<string, unknown> {
  return { customer, user_id: context.userId, token_id: context.tokenId, reason: context.reason }
}
