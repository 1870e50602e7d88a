import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { setup, testDialects, type Client } from '../helpers/app.js'
import { countsAreExact } from '../helpers/counts.js'

async function seed (api: Client) {
  const post = async (url: string, payload: object) => (await api({ method: 'POST', url, payload })).json()
  const voip = await post('/api/v1/customer-services', { key: 'voip', name: 'VoIP' })
  const backup = await post('/api/v1/customer-services', { key: 'backup', name: 'Backup' })
  const customer = await post('/api/v1/customers', { name: 'ACME' })
  return { voip, backup, customer, url: (service: string | number) => `/api/v1/customers/${customer.id}/services/${service}` }
}

const history = async (app: FastifyInstance) =>
  await app.db.selectFrom('assignment_history')
    .select(['customer_id', 'service_key', 'action', 'version_before', 'version_after', 'reason'])
    .orderBy('id').execute()

for (const dialect of testDialects()) {
  t.test(dialect, async (t) => {
    t.test('PUT attaches by key or id (201), then changes the version (200), and history records each change', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { voip, backup, customer, url } = await seed(api)
      const attached = await api({ method: 'PUT', url: url('voip'), payload: { version: '1.0' }, headers: { 'x-reason': 'ticket #1' } })
      t.equal(attached.statusCode, 201)
      const body = attached.json()
      t.equal(body.id, voip.id)
      t.equal(body.key, 'voip')
      t.match(body.pivot, { customer_id: customer.id, customer_service_id: voip.id, version: '1.0' })
      t.equal(body.pivot.created_at, body.pivot.updated_at)
      t.same(body, (await api({ method: 'GET', url: url('voip') })).json(), 'the answer is the feature check\'s')

      t.equal((await api({ method: 'PUT', url: url(backup.id) })).statusCode, 201, 'by id, with no body at all')
      t.equal((await api({ method: 'GET', url: url('backup') })).json().pivot.version, null)

      await new Promise((resolve) => setTimeout(resolve, 5))
      const updated = await api({ method: 'PUT', url: url(voip.id), payload: { version: '2.0' } })
      t.equal(updated.statusCode, 200)
      t.equal(updated.json().pivot.version, '2.0')
      t.equal(updated.json().pivot.created_at, body.pivot.created_at)
      t.not(updated.json().pivot.updated_at, body.pivot.updated_at, 'the row is touched')

      t.same(await history(app), [
        { customer_id: customer.id, service_key: 'voip', action: 'attached', version_before: null, version_after: '1.0', reason: 'ticket #1' },
        { customer_id: customer.id, service_key: 'backup', action: 'attached', version_before: null, version_after: null, reason: null },
        { customer_id: customer.id, service_key: 'voip', action: 'updated', version_before: '1.0', version_after: '2.0', reason: null }
      ])
      const events = await app.db.selectFrom('change_events').select('type').where('type', 'like', 'assignment.%').orderBy('id').execute()
      t.same(events.map((event) => event.type), ['assignment.attached', 'assignment.attached', 'assignment.updated'])
      await countsAreExact(t, app)
      const counts = (await api({ method: 'GET', url: '/api/v1/customer-services' })).json().data.map((row: { customers_count: number }) => row.customers_count)
      t.same(counts, [1, 1])
    })

    t.test('a PUT that changes nothing is a 200 that writes no history and leaves the row untouched', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { url } = await seed(api)
      const first = (await api({ method: 'PUT', url: url('voip'), payload: { version: '1.0' } })).json()
      await new Promise((resolve) => setTimeout(resolve, 5))
      for (const payload of [{ version: '1.0' }, {}, []]) {
        const again = await api({ method: 'PUT', url: url('voip'), payload })
        t.equal(again.statusCode, 200, JSON.stringify(payload))
        t.same(again.json(), first)
      }
      t.equal((await history(app)).length, 1)
      const cleared = await api({ method: 'PUT', url: url('voip'), payload: { version: null } })
      t.equal(cleared.statusCode, 200)
      t.equal(cleared.json().pivot.version, null, 'null clears the version')
      t.equal((await history(app)).length, 2)
      await countsAreExact(t, app)
    })

    t.test('DELETE detaches by key or id (204), and is a 404 when the customer does not have the service', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { voip, customer, url } = await seed(api)
      await api({ method: 'PUT', url: url('voip'), payload: { version: '3' } })
      await api({ method: 'PUT', url: url('backup') })
      const deleted = await api({ method: 'DELETE', url: url(voip.id), headers: { 'x-reason': 'cancelled' } })
      t.equal(deleted.statusCode, 204)
      t.equal(deleted.body, '')
      const again = await api({ method: 'DELETE', url: url('voip') })
      t.equal(again.statusCode, 404)
      t.same(again.json(), { message: `Customer ${customer.id} does not have the service voip.` })
      t.equal((await api({ method: 'DELETE', url: url('backup') })).statusCode, 204)
      t.same((await history(app)).slice(2), [
        { customer_id: customer.id, service_key: 'voip', action: 'detached', version_before: '3', version_after: null, reason: 'cancelled' },
        { customer_id: customer.id, service_key: 'backup', action: 'detached', version_before: null, version_after: null, reason: null }
      ])
      t.equal((await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services` })).json().total, 0)
      await countsAreExact(t, app)
    })

    t.test('unknown customers and services are 404s, before validation; bad bodies are 422s that change nothing', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { url } = await seed(api)
      const unknownService = await api({ method: 'PUT', url: url('nope'), payload: { version: 5 } })
      t.equal(unknownService.statusCode, 404)
      t.same(unknownService.json(), { message: 'No query results for model [App\\Models\\CustomerService] nope' })
      t.equal((await api({ method: 'PUT', url: url(999999) })).statusCode, 404)
      t.equal((await api({ method: 'DELETE', url: url('nope') })).statusCode, 404)
      const unknownCustomer = await api({ method: 'PUT', url: '/api/v1/customers/999999/services/voip', payload: { version: 5 } })
      t.equal(unknownCustomer.statusCode, 404)
      t.same(unknownCustomer.json(), { message: 'No query results for model [App\\Models\\Customer] 999999' })
      t.equal((await api({ method: 'DELETE', url: '/api/v1/customers/999999/services/voip' })).statusCode, 404)

      const tooLong = await api({ method: 'PUT', url: url('voip'), payload: { version: 'x'.repeat(51) } })
      t.equal(tooLong.statusCode, 422)
      t.same(tooLong.json().errors, { version: ['The version field must not be greater than 50 characters.'] })
      t.equal((await api({ method: 'PUT', url: url('voip'), payload: { version: 2 } })).statusCode, 422)
      t.equal((await api({ method: 'PUT', url: url('voip'), payload: '"text"', headers: { 'content-type': 'application/json' } })).statusCode, 400)
      const longReason = await api({ method: 'PUT', url: url('voip'), headers: { 'x-reason': 'r'.repeat(256) } })
      t.equal(longReason.statusCode, 422)
      t.same(await history(app), [])
      t.equal((await api({ method: 'GET', url: url('voip') })).statusCode, 404, 'nothing was attached')
    })

    t.test('all digits names a service by id first, then by key', async (t) => {
      const { api } = await setup(t, dialect)
      const { voip, url } = await seed(api)
      const digits = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: '2024', name: 'Year' } })).json()
      const shadowed = (await api({ method: 'POST', url: '/api/v1/customer-services', payload: { key: String(voip.id), name: 'Shadowed' } })).json()
      t.equal((await api({ method: 'PUT', url: url('2024') })).json().id, digits.id, 'no service has id 2024: the key')
      t.equal((await api({ method: 'PUT', url: url(voip.id) })).json().id, voip.id, 'the id wins over a key of the same digits')
      t.equal((await api({ method: 'GET', url: url(shadowed.key) })).json().id, voip.id, 'on the check too')
      t.equal((await api({ method: 'GET', url: url(shadowed.id) })).statusCode, 404, 'the shadowed key was not attached')
      t.equal((await api({ method: 'PUT', url: url(shadowed.id) })).json().key, shadowed.key, 'its id reaches it')
      t.equal((await api({ method: 'GET', url: url('2024') })).json().id, digits.id, 'the check finds a digits key no id shadows')
    })

    t.test('the check and DELETE read {key} as PUT does: a service attached by id is checked and detached by id', async (t) => {
      const { api } = await setup(t, dialect)
      const { voip, backup, customer, url } = await seed(api)
      const attached = await api({ method: 'PUT', url: url(voip.id) })
      t.equal(attached.statusCode, 201)
      const byId = await api({ method: 'GET', url: url(voip.id) })
      t.equal(byId.statusCode, 200)
      t.same(byId.json(), attached.json(), 'the URL that attached it answers it')
      t.same((await api({ method: 'GET', url: url('voip') })).json(), attached.json(), 'as its key does')
      t.equal((await api({ method: 'GET', url: url(backup.id) })).statusCode, 404, 'a service the customer does not have')
      t.equal((await api({ method: 'GET', url: url(999999) })).statusCode, 404, 'an id no service has')
      t.equal((await api({ method: 'GET', url: `/api/v1/customers/${customer.id}/services/history` })).json().total, 1, 'history stays the history')
      t.equal((await api({ method: 'DELETE', url: url(voip.id) })).statusCode, 204)
      t.equal((await api({ method: 'GET', url: url(voip.id) })).statusCode, 404, 'detached')
    })

    t.test('concurrent PUTs and DELETEs of one service keep the count exact', async (t) => {
      const { app, api } = await setup(t, dialect)
      const { url } = await seed(api)
      const others = []
      for (let i = 0; i < 8; i++) others.push((await api({ method: 'POST', url: '/api/v1/customers', payload: { name: `C${i}` } })).json().id)
      for (let round = 0; round < 3; round++) {
        const responses = await Promise.all([
          ...others.map((id) => api({ method: 'PUT', url: `/api/v1/customers/${id}/services/voip` })),
          ...others.map((id, i) => api({ method: i % 2 === 0 ? 'DELETE' : 'PUT', url: `/api/v1/customers/${id}/services/voip` })),
          api({ method: 'PUT', url: url('voip') }),
          api({ method: 'DELETE', url: url('voip') })
        ])
        t.ok(responses.every((response) => [200, 201, 204, 404].includes(response.statusCode)))
      }
      await countsAreExact(t, app)
      // Replaying the history gives the assignments there are: no change went unrecorded.
      const replayed = new Set<number>()
      for (const row of await app.db.selectFrom('assignment_history').select(['customer_id', 'action']).orderBy('id').execute()) {
        if (row.action === 'detached') replayed.delete(row.customer_id)
        else replayed.add(row.customer_id)
      }
      const holders = await app.db.selectFrom('customer_customer_service').select('customer_id').orderBy('customer_id').execute()
      t.same([...replayed].sort((a, b) => a - b), holders.map((row) => row.customer_id))
    })
  })
}
