import { sql } from 'kysely'
import t from 'tap'
import { setup, testDialects } from '../helpers/app.js'

const deadlocks = async (app: Awaited<ReturnType<typeof setup>>['app']) => {
  const { rows } = await sql<{ deadlocks: string }>`select deadlocks from pg_stat_database where datname = current_database()`.execute(app.db)
  return Number(rows[0]?.deadlocks)
}

t.test('concurrent syncs of different customers over shared services never deadlock', { skip: !testDialects().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)' }, async (t) => {
  const { app, api } = await setup(t, 'postgres')
  const services: number[] = []
  for (let i = 0; i < 12; i++) services.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `s${i}`, name: `S${i}` } })).json().id)
  const customers: number[] = []
  for (let i = 0; i < 24; i++) customers.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })).json().id)
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const before = await deadlocks(app)
  for (let round = 0; round < 4; round++) {
    // Each sync attaches some services and detaches others, in orders that cross.
    const responses = await Promise.all(customers.map((customer, i) => api({
      method: 'POST',
      url: `/api/v1/customers/${customer}/services`,
      payload: { services: services.filter((_, j) => (i * 5 + j * 7 + round * 3) % 11 < 5).reverse() }
    })))
    t.same(responses.map((response) => response.statusCode), customers.map(() => 201))
  }
  // Backends report their statistics when idle for a moment.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(await deadlocks(app) - before, 0, 'PostgreSQL detected no deadlock')
  const catalog = (await api({ method: 'GET', url: '/api/v1/customer-services?per_page=100' })).json().data
  for (const service of catalog) {
    const { rows } = await sql<{ n: number }>`select cast(count(*) as integer) as n from customer_customer_service where customer_service_id = ${service.id}`.execute(app.db)
    t.equal(service.customers_count, rows[0]?.n, `count of ${service.key}`)
  }
})
