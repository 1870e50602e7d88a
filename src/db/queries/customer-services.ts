import { sql, type Insertable, type Kysely, type Selectable } from 'kysely'
import type { ListQuery } from '../../laravel/list-query.js'
import { foldCase } from '../../domain/text-search.js'
import { toLaravelTimestamp, toStoredTimestamp } from '../../domain/timestamps.js'
import { lockingRows } from '../dialect.js'
import { isUniqueViolation } from '../errors.js'
import type { CountedCustomerService, CustomerService } from '../../schemas/customer-service.js'
import type { CustomerServicesTable, DB, DeletedCustomerServicesTable } from '../tables.js'
import { compiledOnce } from '../compiled-once.js'
import { inTransaction } from '../transaction.js'
import { compiledList, type ListColumns, type Page } from './list.js'
import { appendEvents, type ChangeContext, type ChangeEvent } from './change-log.js'
import { adjustRowCount, rowCount } from './row-counts.js'
import { referencedServiceId, referenceValues } from './service-reference.js'

export const catalogFilters = ['name', 'key'] as const
export const catalogSorts = ['id', 'name', 'key', 'created_at', 'updated_at'] as const
export type CatalogFilter = typeof catalogFilters[number]
export type CatalogSort = typeof catalogSorts[number]

export const catalogColumns: ListColumns<CatalogFilter, CatalogSort> = {
  filters: {
    name: sql.ref('customer_services.name_folded'),
    key: sql.ref('customer_services.key')
  },
  sorts: {
    id: [sql.ref('customer_services.id')],
    name: [sql.ref('customer_services.name_folded'), sql.ref('customer_services.name')],
    key: [sql.ref('customer_services.key')],
    created_at: [sql.ref('customer_services.created_at')],
    updated_at: [sql.ref('customer_services.updated_at')]
  }
}

export interface CustomerServiceInput {
  key: string
  name: string
  description?: string | null
  can_be_enabled?: boolean
}

export class KeyTakenError extends Error {}

export const serviceColumns = [
  'customer_services.id',
  'customer_services.key',
  'customer_services.name',
  'customer_services.description',
  'customer_services.can_be_enabled',
  'customer_services.created_at',
  'customer_services.updated_at'
] as const

type ServiceRow = Pick<Selectable<CustomerServicesTable>, 'id' | 'key' | 'name' | 'description' | 'can_be_enabled' | 'created_at' | 'updated_at'>

export function toServiceRecord (row: ServiceRow): CustomerService {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    description: row.description,
    can_be_enabled: row.can_be_enabled === true || row.can_be_enabled === 1,
    created_at: toLaravelTimestamp(row.created_at),
    updated_at: toLaravelTimestamp(row.updated_at)
  }
}

function toCounted (row: ServiceRow & { customers_count: number }): CountedCustomerService {
  return { ...toServiceRecord(row), customers_count: Number(row.customers_count) }
}

const catalogList = compiledList<[], CatalogFilter, CatalogSort, ServiceRow & { customers_count: number }>({
  columns: catalogColumns,
  from: (db) => db.selectFrom('customer_services'),
  select: (rows) => rows.select([...serviceColumns, 'customer_services.customers_count']),
  unfilteredTotal: async (db) => await rowCount(db, 'customer_services')
})

export async function listCustomerServices (
  db: Kysely<DB>,
  query: ListQuery<CatalogFilter, CatalogSort>
): Promise<Page<CountedCustomerService>> {
  const page = await catalogList(db, [], query)
  return { rows: page.rows.map(toCounted), total: page.total }
}

const serviceById = compiledOnce((db, id: number) => db.selectFrom('customer_services')
  .select([...serviceColumns, 'customer_services.customers_count'])
  .where('customer_services.id', '=', id))

export async function findCustomerService (db: Kysely<DB>, id: number): Promise<CountedCustomerService | undefined> {
  const [row] = await serviceById(db, id)
  return row === undefined ? undefined : toCounted(row)
}

const serviceByReference = compiledOnce((db, id: number, key: string) => db.selectFrom('customer_services')
  .select([...serviceColumns, 'customer_services.customers_count'])
  .where('customer_services.id', '=', referencedServiceId(id, key)))

/** The service a path's `{key}` names, by `referencedServiceId`'s rule. */
export async function findCustomerServiceByReference (db: Kysely<DB>, reference: string): Promise<CountedCustomerService | undefined> {
  const [row] = await serviceByReference(db, ...referenceValues(reference))
  return row === undefined ? undefined : toCounted(row)
}

export async function createCustomerService (
  db: Kysely<DB>,
  input: CustomerServiceInput,
  context: ChangeContext
): Promise<CountedCustomerService> {
  const timestamp = toStoredTimestamp(context.at)
  try {
    const row = await inTransaction(db, async (trx) => {
      const inserted = await trx.insertInto('customer_services')
        .values({
          key: input.key,
          name: input.name,
          name_folded: foldCase(input.name),
          description: input.description ?? null,
          can_be_enabled: input.can_be_enabled === true ? 1 : 0,
          created_at: timestamp,
          updated_at: timestamp
        })
        .returning([...serviceColumns, 'customer_services.customers_count'])
        .executeTakeFirstOrThrow()
      await adjustRowCount(trx, 'customer_services', 1)
      await appendEvents(trx, [serviceEvent('customer_service.created', inserted, context)], context.at)
      return inserted
    }, { first: context.idempotencyClaim })
    return toCounted(row)
  } catch (error) {
    if (isUniqueViolation(error)) throw new KeyTakenError()
    throw error
  }
}

export async function updateCustomerService (
  db: Kysely<DB>,
  id: number,
  changes: Partial<CustomerServiceInput>,
  context: ChangeContext
): Promise<CountedCustomerService | undefined> {
  try {
    const row = await inTransaction(db, async (trx) => {
      const updated = await trx.updateTable('customer_services')
        .set({
          ...(changes.key !== undefined && { key: changes.key }),
          ...(changes.name !== undefined && { name: changes.name, name_folded: foldCase(changes.name) }),
          ...(changes.description !== undefined && { description: changes.description }),
          ...(changes.can_be_enabled !== undefined && { can_be_enabled: changes.can_be_enabled ? 1 : 0 }),
          updated_at: toStoredTimestamp(context.at)
        })
        .where('id', '=', id)
        .returning([...serviceColumns, 'customer_services.customers_count'])
        .executeTakeFirst()
      if (updated !== undefined) await appendEvents(trx, [serviceEvent('customer_service.updated', updated, context)], context.at)
      return updated
    }, { first: context.idempotencyClaim })
    return row === undefined ? undefined : toCounted(row)
  } catch (error) {
    if (isUniqueViolation(error)) throw new KeyTakenError()
    throw error
  }
}

/** A catalog event's data: the entry (without its count, which changes without events), and who changed it. */
function serviceEvent (type: string, row: ServiceRow, context: ChangeContext): ChangeEvent {
  return {
    type,
    payload: { customer_service: toServiceRecord(row), user_id: context.userId, token_id: context.tokenId, reason: context.reason }
  }
}

/** The archived form of a deleted entry: as it was, timestamps and flag as they are written. */
function toDeletedRow (row: ServiceRow & { name_folded: string }, deletedAt: Date): Insertable<DeletedCustomerServicesTable> {
  const stored = (value: string | Date) => toStoredTimestamp(new Date(value))
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    name_folded: row.name_folded,
    description: row.description,
    can_be_enabled: row.can_be_enabled === true || row.can_be_enabled === 1 ? 1 : 0,
    created_at: stored(row.created_at),
    updated_at: stored(row.updated_at),
    deleted_at: toStoredTimestamp(deletedAt)
  }
}

export type DeleteOutcome = { status: 'deleted' } | { status: 'missing' } | { status: 'assigned', customersCount: number }

/**
 * Deletes a service no customer has, keeping it as it was in `deleted_customer_services`
 * for point-in-time answers. The count check and the delete are one statement, so a sync
 * that assigns the service meanwhile either lands first (and the delete is refused) or
 * waits for it.
 */
export async function deleteCustomerService (db: Kysely<DB>, id: number, context: ChangeContext): Promise<DeleteOutcome> {
  return await inTransaction(db, async (trx) => {
    const deleted = await trx.deleteFrom('customer_services')
      .where('id', '=', id)
      .where('customers_count', '=', 0)
      .returning([...serviceColumns, 'customer_services.name_folded'])
      .executeTakeFirst()
    if (deleted !== undefined) {
      await trx.insertInto('deleted_customer_services').values(toDeletedRow(deleted, context.at)).execute()
      await adjustRowCount(trx, 'customer_services', -1)
      await appendEvents(trx, [serviceEvent('customer_service.deleted', deleted, context)], context.at)
      return { status: 'deleted' }
    }
    const row = await lockingRows(trx, trx.selectFrom('customer_services').select('customers_count').where('id', '=', id), 'share')
      .executeTakeFirst()
    return row === undefined ? { status: 'missing' } : { status: 'assigned', customersCount: Number(row.customers_count) }
  }, { first: context.idempotencyClaim })
}
