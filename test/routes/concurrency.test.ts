import t from 'tap'
import { join } from 'node:path'
import { buildTestApp, clientFor, databaseUrlFor, loginAs, setup, testDialects } from '../helpers/app.js'

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('20 concurrent syncs of one customer end with exactly one of the requested sets', async (t) => {
      const { api } = await setup(t, dialect)
      const ids: number[] = []
      for (let i = 1; i <= 12; i++) {
        ids.push((await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `Service ${i}` } })).json().id)
      }
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const other = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Other' } })).json()
      const url = `/api/v1/customers/${customer.id}/services`

      for (let round = 0; round < 3; round++) {
        // Overlapping sets of different sizes, so that a mix of two would be visible.
        const sets = Array.from({ length: 20 }, (_, i) => ids.filter((_, j) => (j * 7 + i * 3 + round) % 5 < 2 + (i % 3)))
        const responses = await Promise.all([
          ...sets.map((services) => api({ method: 'POST', url, payload: { services } })),
          api({ method: 'POST', url: `/api/v1/customers/${other.id}/services`, payload: { services: ids.slice(round, round + 4) } })
        ])
        t.same(responses.map((response) => response.statusCode), Array(21).fill(201), 'every sync succeeded')
        const final = (await api({ method: 'GET', url: `${url}?per_page=100` })).json().data.map((row: { id: number }) => row.id)
        t.ok(sets.some((set) => JSON.stringify([...set].sort((a, b) => a - b)) === JSON.stringify(final)), `round ${round}: the final set ${JSON.stringify(final)} was requested`)

        const catalog = (await api({ method: 'GET', url: '/api/v1/customer-services?per_page=100' })).json().data
        const otherSet = ids.slice(round, round + 4)
        for (const service of catalog) {
          const expected = Number(final.includes(service.id)) + Number(otherSet.includes(service.id))
          t.equal(service.customers_count, expected, `round ${round}: count of ${service.key}`)
        }
      }
    })

    t.test('two app instances on one database (two replicas) serialize syncs of a customer', async (t) => {
      const url = dialect === 'sqlite' ? join(t.testdir(), 'shared.sqlite') : await databaseUrlFor(t, dialect)
      const first = await buildTestApp(t, dialect, { DATABASE_URL: url })
      const second = await buildTestApp(t, dialect, { DATABASE_URL: url })
      const token = await loginAs(first)
      const [one, two] = [clientFor(first, token), clientFor(second, token)]
      const ids: number[] = []
      for (let i = 1; i <= 8; i++) {
        ids.push((await one({ method: 'POST', url: '/api/v1/customer-services', payload: { key: `svc-${i}`, name: `S${i}` } })).json().id)
      }
      const customer = (await one({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const sets = Array.from({ length: 16 }, (_, i) => ids.filter((_, j) => (i + j) % 3 !== 0).slice(i % 4))
      const responses = await Promise.all(sets.map((services, i) =>
        (i % 2 === 0 ? one : two)({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services } })))
      t.same(responses.map((response) => response.statusCode), Array(16).fill(201))
      const final = (await two({ method: 'GET', url: `/api/v1/customers/${customer.id}/services` })).json().data.map((row: { id: number }) => row.id)
      t.ok(sets.some((set) => JSON.stringify(set) === JSON.stringify(final)), `the final set ${JSON.stringify(final)} was requested`)
      const counts = (await one({ method: 'GET', url: '/api/v1/customer-services' })).json().data
      t.same(counts.map((service: { id: number, customers_count: number }) => service.customers_count), ids.map((id) => Number(final.includes(id))))
    })

    t.test('a sync racing the deletion of a service either wins or is refused, never half-applied', async (t) => {
      const { api } = await setup(t, dialect)
      const keep = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'keep', name: 'Keep' } })).json().id
      const doomed = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: 'doomed', name: 'Doomed' } })).json().id
      const customer = (await api({ method: 'POST', url: '/api/v1/customers', payload: { name: 'ACME' } })).json()
      const [sync, deletion] = await Promise.all([
        api({ method: 'POST', url: `/api/v1/customers/${customer.id}/services`, payload: { services: [keep, doomed] } }),
        api({ method: 'DELETE', url: `/api/v1/customer-services/${doomed}` })
      ])
      const final = (await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services` })).json().data.map((row: { id: number }) => row.id)
      if (deletion.statusCode === 204) {
        t.equal(sync.statusCode, 422, 'the sync, finding the service gone, is refused')
        t.same(final, [])
      } else {
        t.equal(deletion.statusCode, 409)
        t.equal(sync.statusCode, 201)
        t.same(final, [keep, doomed])
      }
    })
  })
}
