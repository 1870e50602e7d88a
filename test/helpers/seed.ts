import type { FastifyInstance } from 'fastify'
import { customerAccountFor } from '../../src/domain/customer-account.js'
import type { Client } from './app.js'

/**
 * Many customers that all have one service, written straight to the database (the API
 * would take minutes), with the service's count kept exact as the API would keep it.
 */
export async function seedCustomersWithService (app: FastifyInstance, serviceId: number, count: number): Promise<number[]> {
  const now = new Date().toISOString()
  const ids: number[] = []
  await app.db.transaction().execute(async (trx) => {
    for (let start = 0; start < count; start += 500) {
      const names = Array.from({ length: Math.min(500, count - start) }, (_, i) => `Customer ${start + i} é"\\`)
      const inserted = await trx.insertInto('customers')
        .values(names.map((name) => ({ name, name_folded: name.toLowerCase(), customer_account: null, created_at: now, updated_at: now })))
        .returning('id')
        .execute()
      for (const { id } of inserted) {
        await trx.updateTable('customers').set({ customer_account: customerAccountFor(id) }).where('id', '=', id).execute()
        ids.push(id)
      }
      await trx.insertInto('customer_customer_service')
        .values(inserted.map(({ id }) => ({ customer_id: id, customer_service_id: serviceId, version: null, created_at: now, updated_at: now })))
        .execute()
    }
    await trx.updateTable('customer_services')
      .set((eb) => ({ customers_count: eb('customers_count', '+', count) }))
      .where('id', '=', serviceId)
      .execute()
  })
  return ids
}

/** Catalog entries `svc-1`… and one customer, through the API; `url` is the customer's services. */
export async function seedServicesAndCustomer (api: Client, serviceCount = 4) {
  const ids: number[] = []
  for (let i = 1; i <= serviceCount; i++) {
    ids.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `Service ${i}` } })).json().id)
  }
  const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
  return { ids: ids as [number, number, number, number], customer, url: `/api/v1/customers/${customer.id}/services` }
}
