import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'
import { countsAreExact } from '../helpers/counts.js'
import { seedCustomersWithService } from '../helpers/seed.js'

async function seed (api: Client, customerCount = 5) {
  const post = async (url: string, payload: object) => (await api({ method: 'POST', url, payload })).json()
  const tier = await post('/api/v1/customer-services', { key: 'tier.gold', name: 'Gold tier' })
  const other = await post('/api/v1/customer-services', { key: 'voip', name: 'VoIP' })
  const customers: number[] = []
  for (let i = 0; i < customerCount; i++) customers.push((await post('/api/v1/customers', { name: `Reseller ${i}` })).id)
  return { tier, other, customers, url: `/api/v1/customer-services/${tier.id}/customers` }
}

const holders = async (app: FastifyInstance, serviceId: number) =>
  (await app.db.selectFrom('customer_customer_service').select('customer_id').where('customer_service_id', '=', serviceId).orderBy('customer_id').execute())
    .map((row) => row.customer_id)

const historyCount = async (app: FastifyInstance) =>
  Number((await sql<{ n: number }>`select count(*) as n from assignment_history`.execute(app.db)).rows[0]?.n)

const deadlocks = async (app: FastifyInstance) => {
  const { rows } = await sql<{ deadlocks: string }>`select deadlocks from pg_stat_database where datname = current_database()`.execute(app.db)
  return Number(rows[0]?.deadlocks)
}

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('attaches and detaches in one request, skipping customers already so, with history and exact counts', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { tier, customers: [a, b, c, d, e], url } = await seed(api) as { tier: { id: number }, customers: number[], url: string }
      await api({ method: 'PUT', url: `/api/v1/customers/${d}/services/tier.gold`, payload: { version: '1' } })
      const first = await api({ method: 'POST', url, payload: { attach: [c, a, b, a], detach: [d, e] }, headers: { 'x-reason': 'new tier' } })
      t.equal(first.statusCode, 200)
      t.same(first.json(), { message: 'Customers updated successfully.', attached: [a, b, c], detached: [d] })
      t.same(await holders(app, tier.id), [a, b, c])
      const history = await app.db.selectFrom('assignment_history')
        .select(['customer_id', 'service_key', 'action', 'version_before', 'reason']).where('reason', '=', 'new tier').orderBy('id').execute()
      t.same(history, [
        { customer_id: a, service_key: 'tier.gold', action: 'attached', version_before: null, reason: 'new tier' },
        { customer_id: b, service_key: 'tier.gold', action: 'attached', version_before: null, reason: 'new tier' },
        { customer_id: c, service_key: 'tier.gold', action: 'attached', version_before: null, reason: 'new tier' },
        { customer_id: d, service_key: 'tier.gold', action: 'detached', version_before: '1', reason: 'new tier' }
      ])
      await countsAreExact(t, app)
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${tier.id}` })).json().customers_count, 3)

      const before = await historyCount(app)
      const again = await api({ method: 'POST', url, payload: { attach: [a, b], detach: [d, e] } })
      t.same(again.json(), { message: 'Customers updated successfully.', attached: [], detached: [] }, 'idempotent')
      t.equal(await historyCount(app), before, 'no history for what did not change')
      t.same((await api({ method: 'POST', url, payload: {} })).json().attached, [], 'an empty body does nothing')
      await countsAreExact(t, app)
    })

    t.test('validation: unknown ids, an id in both lists, too many ids, wrong types; nothing is applied', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { tier, customers: [a, b], url } = await seed(api) as { tier: { id: number }, customers: number[], url: string }
      const check = async (payload: object, expected: object) => {
        const response = await api({ method: 'POST', url, payload })
        t.equal(response.statusCode, 422, JSON.stringify(payload).slice(0, 80))
        t.same(response.json(), expected)
      }
      await check({ attach: [a, 999999, 0], detach: [-4, b] }, {
        message: 'The selected attach.1 is invalid. (and 2 more errors)',
        errors: {
          'attach.1': ['The selected attach.1 is invalid.'],
          'attach.2': ['The selected attach.2 is invalid.'],
          'detach.0': ['The selected detach.0 is invalid.']
        }
      })
      await check({ attach: [a, b], detach: [b] }, {
        message: 'The detach.0 field must not also be in attach.',
        errors: { 'detach.0': ['The detach.0 field must not also be in attach.'] }
      })
      const many = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)
      await check({ attach: many(1, 6000), detach: many(100000, 4001) }, {
        message: 'The attach and detach fields must not have more than 10000 items together.',
        errors: { attach: ['The attach and detach fields must not have more than 10000 items together.'] }
      })
      const oneListTooLong = await api({ method: 'POST', url, payload: { attach: many(1, 10001) } })
      t.equal(oneListTooLong.statusCode, 422)
      t.same(oneListTooLong.json().errors, { attach: ['The attach field must not have more than 10000 items.'] })
      await check({ attach: [a, 'b'], detach: 3 }, {
        message: 'The attach.1 field must be an integer. (and 1 more error)',
        errors: { 'attach.1': ['The attach.1 field must be an integer.'], detach: ['The detach field must be an array.'] }
      })
      t.same(await holders(app, tier.id), [])
      t.equal(await historyCount(app), 0)
      const unknown = await api({ method: 'POST', url: '/api/v1/customer-services/999999/customers', payload: { attach: 'x' } })
      t.equal(unknown.statusCode, 404, 'an unknown service is a 404 before validation')
      t.same(unknown.json(), { message: 'No query results for model [App\\Models\\CustomerService] 999999' })
    })

    t.test('10,000 customers are attached, then detached, in one request each', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { tier, other } = await seed(api, 0)
      const customers = await seedCustomersWithService(app, other.id, 10_000)
      const url = `/api/v1/customer-services/${tier.id}/customers`
      let started = Date.now()
      const attached = await api({ method: 'POST', url, payload: { attach: customers } })
      t.comment(`attach 10,000: ${Date.now() - started} ms`)
      t.equal(attached.statusCode, 200)
      t.equal(attached.json().attached.length, 10_000)
      t.ok(Date.now() - started < 30_000, 'in reasonable time')
      t.equal((await holders(app, tier.id)).length, 10_000)
      t.equal(await historyCount(app), 10_000)

      started = Date.now()
      const mixed = await api({ method: 'POST', url, payload: { attach: customers.slice(0, 5000), detach: customers.slice(5000) } })
      t.comment(`5,000 skipped, 5,000 detached: ${Date.now() - started} ms`)
      t.same(mixed.json().attached, [])
      t.same(mixed.json().detached, customers.slice(5000))
      t.equal(await historyCount(app), 15_000)
      await countsAreExact(t, app)
      t.equal((await api({ method: 'GET', url: `/api/v1/customer-services/${tier.id}` })).json().customers_count, 5000)
    })

    t.test('bulk changes racing syncs and single changes of the same customers keep every count exact, without deadlock', async (t) => {
      const { app, api } = await setup(t, dialect)
      const services: number[] = []
      for (let i = 0; i < 4; i++) services.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `s${i}`, name: `S${i}` } })).json().id)
      const customers: number[] = []
      for (let i = 0; i < 30; i++) customers.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })).json().id)
      if (dialect === 'postgres') await new Promise((resolve) => setTimeout(resolve, 1200))
      const before = dialect === 'postgres' ? await deadlocks(app) : 0
      for (let round = 0; round < 4; round++) {
        const requests = [
          // Each service's bulk change takes half the customers, in crossing orders.
          ...services.map((service, s) => {
            const picked = customers.filter((_, i) => (i + s + round) % 2 === 0)
            const attach = (s + round) % 2 === 0 ? picked.reverse() : picked.filter((_, i) => i % 3 !== 0)
            const detach = customers.filter((id) => !attach.includes(id)).filter((_, i) => i % 2 === 0)
            return api({ method: 'POST', url: `/api/v1/customer-services/${service}/customers`, payload: { attach, detach } })
          }),
          ...customers.map((customer, i) => i % 3 === 0
            ? api({ method: 'PUT', url: `/api/v1/customers/${customer}/services/s${(i + round) % 4}` })
            : api({ method: 'POST', url: `/api/v1/customers/${customer}/services`, payload: { services: services.filter((_, j) => (i + j + round) % 3 !== 0).reverse() } }))
        ]
        const responses = await Promise.all(requests)
        t.same(responses.map((response) => response.statusCode).filter((code) => ![200, 201].includes(code)), [], `round ${round}`)
      }
      if (dialect === 'postgres') {
        await new Promise((resolve) => setTimeout(resolve, 1500))
        t.equal(await deadlocks(app) - before, 0, 'PostgreSQL detected no deadlock')
      }
      await countsAreExact(t, app)
    })

    t.test('a customer token may not bulk-assign, and the answer is in the spec', async (t) => {
      const { api } = await setup(t, dialect)
      const { customers: [a], url } = await seed(api, 1) as { customers: number[], url: string }
      const { token } = (await api({ method: 'POST', url: `/api/v1/customers/${a}/tokens`, payload: {} })).json()
      const refused = await api({ method: 'POST', url, payload: { attach: [a] }, headers: { authorization: `Bearer ${token}` } })
      t.equal(refused.statusCode, 403)
    })
  })
}
